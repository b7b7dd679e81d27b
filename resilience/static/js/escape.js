/* The one HTML escape of every script (templates/base.html loads it first): any text that
 * Leaflet or our own code puts into the DOM as HTML (tooltips, popups, legends, tables,
 * layer-control labels) goes through it, so names from uploads, warnings or scenarios stay
 * text. null and undefined give ''.
 */
(function () {
  'use strict';

  const ENTITIES = {
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;',
  };

  function escapeHtml(value) {
    return String(value === null || value === undefined ? '' : value)
      .replace(/[&<>"'`]/g, (c) => ENTITIES[c]);
  }

  window.escapeHtml = escapeHtml;
}());
