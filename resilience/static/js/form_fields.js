/* A form's number fields read as the pages print them (Format.parseNumber, the server's
 * rules), and each problem shown next to its field as the server's forms do
 * (templates/_form.html): a message naming the field by its label, in the page's language,
 * tied to the field by aria-describedby, the field marked aria-invalid. What was typed stays.
 *
 *   FormFields.readNumber(input, label, { min, max, required })  the number, or null (blank,
 *                                                                or a problem shown)
 *   FormFields.parse(text, { min, max, required })              { value, problem }, nothing shown
 *   FormFields.show(input, message) / FormFields.clear(input)
 */
(function () {
  'use strict';

  const { t } = window.I18n;
  let counter = 0;

  function clear(input) {
    const id = input.getAttribute('aria-describedby');
    const shown = id && document.getElementById(id);
    if (shown && shown.classList.contains('field-error')) shown.remove();
    if (shown) input.removeAttribute('aria-describedby');
    input.removeAttribute('aria-invalid');
  }

  function show(input, message) {
    clear(input);
    counter += 1;
    const error = document.createElement('span');
    error.className = 'field-error';
    error.id = `${input.name || 'field'}-error-${counter}`;
    error.textContent = message;
    // After the field's label (a label holds its field, its unit and its hint).
    (input.closest('label') || input).insertAdjacentElement('afterend', error);
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', error.id);
  }

  function rangeProblem(min, max) {
    const fmt = (v) => window.Format.number(v, 2);
    return t('from {low} to {high}').replace('{low}', fmt(min)).replace('{high}', fmt(max));
  }

  // { value, problem }: the number typed (null when blank or wrong) and what is wrong.
  function parse(text, options) {
    const { min, max, required } = options || {};
    const typed = String(text).trim();
    if (!typed) return { value: null, problem: required ? t('required') : null };
    const parsed = window.Format.parseNumber(typed);
    if (parsed.reason) return { value: null, problem: window.Format.numberProblem(typed, parsed.reason) };
    if ((Number.isFinite(min) && parsed.value < min) || (Number.isFinite(max) && parsed.value > max)) {
      return { value: null, problem: rangeProblem(min, max) };
    }
    return { value: parsed.value, problem: null };
  }

  function readNumber(input, label, options) {
    clear(input);
    const { value, problem } = parse(input.value, options);
    if (problem) show(input, t('{label}: {problem}').replace('{label}', label).replace('{problem}', problem));
    return value;
  }

  window.FormFields = { parse, readNumber, show, clear };
}());
