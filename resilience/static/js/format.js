/* Numbers and times in the page's language (<html lang>: Swedish, or English): the same
 * formats as the server's (resilience/web/formatting.py, Babel's sv_SE and en_GB).
 *
 *   Format.number(1234.5)     "1 234,5" (sv) or "1,234.5" (en); null and undefined give "–"
 *   Format.number(x, 2)       at most two decimals
 *   Format.dateTime(iso)      a date and time in the page's language
 *   Format.clock(iso, hours)  hour `hours` of a run whose hour 0 is `iso`, as a weekday and
 *                             time in Sweden: "mån 09:18" (sv), "Mon 09:18" (en), as the
 *                             server's formatting.format_clock
 *   Format.parseNumber(text)  {value} or {reason}: a number typed as the pages print it, the
 *                             same rules as the server's (resilience/numbers.py, whose
 *                             docstring says them): "250 000", "−1,8" (sv), "1,234.5" (en)
 *   Format.numberProblem(text, reason)  why a text is no number, in the page's language
 */
(function () {
  'use strict';

  const locale = document.documentElement.lang === 'en' ? 'en-GB' : 'sv-SE';
  const formats = {};

  function numberFormat(digits) {
    if (!formats[digits]) {
      formats[digits] = new Intl.NumberFormat(locale, { maximumFractionDigits: digits });
    }
    return formats[digits];
  }

  function number(value, digits) {
    if (value === null || value === undefined || value === '') return '–';
    return numberFormat(digits === undefined ? 1 : digits).format(Number(value));
  }

  function dateTime(value) {
    if (!value) return '–';
    return new Date(value).toLocaleString(locale);
  }

  let clockFormat = null;

  function clock(zero, hours) {
    if (!zero) return '';
    if (!clockFormat) {
      clockFormat = new Intl.DateTimeFormat(locale, {
        weekday: 'short', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Stockholm',
      });
    }
    // To the nearest minute, as the server's run_clock.clock.
    const at = new Date(Date.parse(zero) + Math.round(Number(hours) * 60) * 60000);
    return clockFormat.format(at);
  }

  // A text in the page's language among a feature's Swedish and English ones.
  function localized(swedish, english) {
    return (locale === 'en-GB' ? english : swedish) || swedish || english || '';
  }

  const SIGNS = '-\u2212+';
  const SPACES = ' \u00a0\u202f\u2009';
  const PLAIN = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
  const GROUPED = /^\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+$/;
  const COMMA_GROUPED = /^\d{1,3}(?:,\d{3})+$/;
  const DIGITS = /^[0-9]+$/;

  function finite(plain) {
    const value = Number(plain);
    return Number.isFinite(value) ? { value } : { reason: 'not_finite' };
  }

  // [whole, fraction or null] around the one decimal mark, or { reason }.
  function splitMark(raw, comma) {
    const found = [...raw].map((c, i) => ((comma ? ',.' : '.').includes(c) ? i : -1))
      .filter((i) => i >= 0);
    if (found.length > 1) return { reason: 'number_marks' };
    if (!found.length) return { parts: [raw, null] };
    const whole = raw.slice(0, found[0]);
    const fraction = raw.slice(found[0] + 1);
    if (!fraction) return { reason: 'not_a_number' };
    if (fraction.includes(',')) return { reason: 'number_marks' };
    return { parts: [whole || '0', fraction] };
  }

  // The digits of a whole part grouped by three, without the separators, or { reason }.
  function ungrouped(whole, comma) {
    if (GROUPED.test(whole) || (!comma && COMMA_GROUPED.test(whole))) {
      return { digits: whole.replace(/[^0-9]/g, '') };
    }
    if ([...whole].some((c) => SPACES.includes(c)) || (!comma && whole.includes(','))) {
      const grouping = [...whole].every((c) => ('0123456789,' + SPACES).includes(c));
      return { reason: grouping ? 'number_grouping' : 'not_a_number' };
    }
    return { reason: whole.includes(',') ? 'number_marks' : 'not_a_number' };
  }

  function parseNumber(text, decimalComma) {
    const comma = decimalComma === undefined ? locale === 'sv-SE' : decimalComma;
    let raw = String(text).trim();
    let sign = '';
    if (raw && SIGNS.includes(raw[0])) {
      sign = raw[0] === '+' ? '' : '-';
      raw = raw.slice(1);
    }
    if (['nan', 'inf', 'infinity'].includes(raw.toLowerCase())) return { reason: 'not_finite' };
    if (!raw || SIGNS.includes(raw[0])) return { reason: 'not_a_number' };
    if (PLAIN.test(raw)) return finite(sign + raw);
    const split = splitMark(raw, comma);
    if (split.reason) return split;
    let [whole, fraction] = split.parts;
    if (!DIGITS.test(whole)) {
      const grouped = ungrouped(whole, comma);
      if (grouped.reason) return grouped;
      whole = grouped.digits;
    }
    if (fraction !== null && !DIGITS.test(fraction)) return { reason: 'not_a_number' };
    return finite(sign + whole + (fraction !== null ? '.' + fraction : ''));
  }

  function numberProblem(text, reason) {
    const t = window.I18n.t;
    const value = String(text).trim();
    if (reason === 'number_grouping') {
      return t('“{value}” is not a number: digits are grouped by three, as in {example}')
        .replace('{value}', value).replace('{example}', number(250000, 0));
    }
    if (reason === 'number_marks') {
      return t('“{value}” is not a number: it has more than one decimal mark').replace('{value}', value);
    }
    return t('“{value}” is not a number').replace('{value}', value);
  }

  window.Format = {
    locale, english: locale === 'en-GB', number, dateTime, clock, localized, parseNumber,
    numberProblem,
  };
}());
