/* Numbers and times in the page's language (<html lang>: Swedish, or English): the same
 * formats as the server's (resilience/web/formatting.py, Babel's sv_SE and en_GB).
 *
 *   Format.number(1234.5)     "1 234,5" (sv) or "1,234.5" (en); null and undefined give "–"
 *   Format.number(x, 2)       at most two decimals
 *   Format.dateTime(iso)      a date and time in the page's language
 *   Format.clock(iso, hours)  hour `hours` of a run whose hour 0 is `iso`, as a weekday and
 *                             time in Sweden: "mån 09:18" (sv), "Mon 09:18" (en), as the
 *                             server's formatting.format_clock
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

  window.Format = {
    locale, english: locale === 'en-GB', number, dateTime, clock, localized,
  };
}());
