/* The HTML of popups, legends and layer-control labels, every text escaped (escape.js):
 *
 *   Popup.row(label, valueHtml)          a table row; the value is HTML, so escape text first
 *   Popup.table(title, rows, extraHtml)  a popup: a heading, [label, valueHtml] rows, more HTML
 *   Popup.link(href, text)               the "Details →" link under a popup's table
 *   Popup.swatch(color, cls)             the coloured chip of a legend line or a layer
 */
(function () {
  'use strict';

  const { escapeHtml } = window;

  function row(label, value) {
    return `<tr><th scope="row">${escapeHtml(label)}</th><td>${value}</td></tr>`;
  }

  function table(title, rows, extra) {
    const body = rows.map(([label, value]) => row(label, value)).join('');
    return `<div class="popup"><h3>${escapeHtml(title)}</h3><table>${body}</table>${extra || ''}</div>`;
  }

  function link(href, text) {
    return `<p class="popup-link"><a href="${escapeHtml(href)}">${escapeHtml(text)} →</a></p>`;
  }

  function swatch(color, cls) {
    return `<i class="${escapeHtml(cls)}" style="background:${escapeHtml(color)}"></i>`;
  }

  window.Popup = {
    row, table, link, swatch,
  };
}());
