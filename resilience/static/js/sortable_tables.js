/* Tables with th[data-sort] headers sort their rows by the cells' data-value, numbers as
 * numbers (empty last), text by the page's language; a second click reverses. The headers
 * hold buttons and aria-sort says the order. Used by the run page (run_page.js) for its
 * municipality and care-site tables; delegated from `root`, so tables inserted later work.
 *
 *   SortableTables.attach(root)
 */
(function () {
  'use strict';

  function sortRows(table, th) {
    const column = Array.from(th.parentElement.children).indexOf(th);
    const numeric = th.dataset.sort === 'number';
    const descending = th.getAttribute('aria-sort') === 'ascending';
    table.querySelectorAll('th[aria-sort]').forEach((h) => h.removeAttribute('aria-sort'));
    th.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
    const collator = new Intl.Collator(document.documentElement.lang || 'sv');
    const body = table.tBodies[0];
    const rows = Array.from(body.rows).filter((r) => r.dataset.siteId !== undefined);
    const value = (row) => {
      const raw = row.children[column].dataset.value || '';
      if (!numeric) return raw;
      return raw === '' ? null : Number(raw);
    };
    rows.sort((a, b) => {
      const x = value(a);
      const y = value(b);
      if (numeric) {
        if (x === null || y === null) return (x === null) - (y === null); // empty last
        return descending ? y - x : x - y;
      }
      return descending ? collator.compare(y, x) : collator.compare(x, y);
    });
    rows.forEach((row) => body.appendChild(row));
  }

  function attach(root) {
    root.addEventListener('click', (event) => {
      const button = event.target.closest('table.sortable th[data-sort] button');
      if (!button) return;
      const th = button.closest('th');
      sortRows(th.closest('table'), th);
    });
  }

  window.SortableTables = { attach };
}());
