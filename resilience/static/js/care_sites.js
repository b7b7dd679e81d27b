/* A run's care and nursing units (templates/scenarios/_run_result.html): the filter
 * (municipality, kind, status, new compared with normal), the CSV link that follows it, and
 * a row that shows its site on the run map (a click, or Enter on the focused row). Sorting
 * is sortable_tables.js's (buttons in th, aria-sort).
 *
 * The page renders the table already filtered by its query (?municipality=&kind=&status=
 * &care=new, as the warnings banner links to it); this script filters the same way as the
 * choices change and writes them back into the address (history.replaceState), so the
 * address, the table and the CSV agree. No inline handlers: everything is delegated from
 * the document, so a table inserted later (the run finishing while the page is open) works
 * too. "Order" sorts the rows (worst first, or by a column as its heading does): on a phone
 * the table is a list of cards without headings (care.css). For tests the body carries
 * data-care-shown (rows shown), data-care-order and data-site-shown. */
(function () {
  'use strict';

  const { t } = window.I18n;
  const { escapeHtml } = window; // static/js/escape.js
  const FIELDS = ['municipality', 'kind', 'status'];

  function choices(form) {
    const chosen = {};
    FIELDS.forEach((f) => { chosen[f] = form.elements[f] ? form.elements[f].value : ''; });
    chosen.care = form.elements.care && form.elements.care.checked ? 'new' : '';
    return chosen;
  }

  function query(chosen) {
    const params = new URLSearchParams();
    [...FIELDS, 'care'].forEach((f) => { if (chosen[f]) params.set(f, chosen[f]); });
    const text = params.toString();
    return text ? `?${text}` : '';
  }

  function countText(n) {
    return n === 1 ? t('1 unit shown') : `${n} ${t('units shown')}`;
  }

  function apply(form) {
    const table = document.getElementById('care-sites-table');
    if (!table) return;
    const chosen = choices(form);
    let shown = 0;
    table.querySelectorAll('tbody tr.care-row').forEach((row) => {
      const keep = FIELDS.every((f) => !chosen[f] || row.dataset[f] === chosen[f])
        && (!chosen.care || row.dataset.new === '1');
      row.hidden = !keep;
      if (keep) shown += 1;
    });
    const empty = document.getElementById('care-empty');
    if (empty) empty.hidden = shown > 0;
    const count = document.getElementById('care-count');
    if (count) count.textContent = countText(shown);
    const csv = document.getElementById('care-csv');
    if (csv) csv.href = csv.dataset.base + query(chosen);
    const address = window.location.pathname + query(chosen) + (window.location.hash || '');
    window.history.replaceState(null, '', address);
    document.body.dataset.careShown = String(shown);
  }

  /* What the table says of a row, as a popup, for a site the map does not draw. */
  function rowPopup(row) {
    const headings = Array.from(row.closest('table').tHead.rows[0].cells).map((th) => th.textContent.trim());
    const cells = Array.from(row.cells);
    const lines = cells.slice(1).map((cell, i) => {
      const value = cell.textContent.trim();
      return value && value !== '–'
        ? `<tr><th>${escapeHtml(headings[i + 1])}</th><td>${escapeHtml(value)}</td></tr>` : '';
    }).join('');
    const link = cells[0].querySelector('a');
    const more = link ? `<p class="popup-link"><a href="${escapeHtml(link.getAttribute('href'))}">${escapeHtml(t('Details'))} →</a></p>` : '';
    return `<div class="popup"><h3>${escapeHtml(row.dataset.name)}</h3><table>${lines}</table>${more}</div>`;
  }

  function show(row) {
    const showSite = window.RunPage && window.RunPage.showSite;
    if (!showSite) return;
    document.querySelectorAll('#care-sites-table tr.selected').forEach((r) => r.classList.remove('selected'));
    row.classList.add('selected');
    showSite(Number(row.dataset.siteId), Number(row.dataset.lat), Number(row.dataset.lon), rowPopup(row));
  }

  /* The order chosen in the filter's "Order": worst first (the page's own order), or a
   * column and its direction; the same as a click on that heading's button, and what a
   * phone's cards, which have no headings, sort by. */
  const ORDERS = {
    first_cold_hour: false, hours_unpowered: true, residents: true, name: false, municipality: false,
  };

  function order(select) {
    const table = document.getElementById('care-sites-table');
    if (!table) return;
    const key = select.value;
    const th = table.querySelector(`thead th[data-key="${key}"]`);
    if (key in ORDERS && th) window.SortableTables.sortBy(table, th, ORDERS[key]);
    else window.SortableTables.sortByRank(table);
    document.body.dataset.careOrder = th ? key : 'worst';
  }

  function init() {
    const form = document.getElementById('care-filter');
    if (!form) return;
    form.classList.add('scripted');
    document.body.dataset.careShown = String(
      document.querySelectorAll('#care-sites-table tbody tr.care-row:not([hidden])').length,
    );
  }

  document.addEventListener('change', (event) => {
    if (event.target.id === 'care-order') {
      order(event.target);
      return;
    }
    const form = event.target.closest('#care-filter');
    if (form) apply(form);
  });
  document.addEventListener('submit', (event) => {
    const form = event.target.closest('#care-filter');
    if (!form) return;
    event.preventDefault();
    apply(form);
  });
  document.addEventListener('click', (event) => {
    const row = event.target.closest('#care-sites-table tr.care-row');
    if (!row || event.target.closest('a, button')) return;
    show(row);
  });
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' && event.key !== ' ') return;
    const row = event.target.closest('#care-sites-table tr.care-row');
    if (!row || event.target !== row) return;
    event.preventDefault();
    show(row);
  });
  document.addEventListener('sortable:sorted', (event) => {
    const select = document.getElementById('care-order');
    const th = event.target.querySelector && event.target.querySelector('thead th[aria-sort]');
    if (!select || event.target.id !== 'care-sites-table' || !th) return;
    const key = th.dataset.key;
    const descending = th.getAttribute('aria-sort') === 'descending';
    if (key in ORDERS && ORDERS[key] === descending) select.value = key;
    else select.selectedIndex = -1; // a heading's order the choice does not name
    document.body.dataset.careOrder = key;
  });
  document.addEventListener('run-table:loaded', init);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
}());
