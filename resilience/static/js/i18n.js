/* The page's language for the scripts: /i18n/<lang>.js (resilience/web/i18n.py) sets
   window.I18N_CATALOG before this runs. I18n.t('English text') is the text in the page's
   language; I18n.name(group, code) the display name of a code (a kind, a category, …).
   Either falls back to what it was given. */
window.I18n = (function () {
  'use strict';
  const catalog = window.I18N_CATALOG || { messages: {}, names: {} };
  const has = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
  return {
    t: (key) => (has(catalog.messages, key) ? catalog.messages[key] : key),
    name: (group, code) => {
      const names = catalog.names[group] || {};
      return has(names, code) ? names[code] : code;
    },
  };
})();
