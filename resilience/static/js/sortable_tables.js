/* Tables with th[data-sort] headers sort their rows by the cells' data-value, numbers as
 * numbers (empty last), text by the page's language; a second click reverses. The headers
 * hold buttons and aria-sort says the order. Used by the run page (run_page.js) for its
 * municipality and care-site tables; delegated from `root`, so tables inserted later work.
 *
 *   SortableTables.attach(root)
 *   SortableTables.sortBy(table, th, descending)   as a click on th's button does
 *   SortableTables.sortByRank(table)               back to the rows' data-rank order
 */
(function () {
  'use strict';

  /* Sorts by the column of th, ascending (descending when asked), and says so in aria-sort. */
  function sortBy(table, th, descending) {
    const column = Array.from(th.parentElement.children).indexOf(th);
    const numeric = th.dataset.sort === 'number';
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
    table.dispatchEvent(new CustomEvent('sortable:sorted', { bubbles: true }));
  }

  /* Rows back in the order the page gave them (their data-rank), no column sorted. */
  function sortByRank(table) {
    table.querySelectorAll('th[aria-sort]').forEach((h) => h.removeAttribute('aria-sort'));
    const body = table.tBodies[0];
    Array.from(body.rows)
      .filter((r) => r.dataset.rank !== undefined)
      .sort((a, b) => Number(a.dataset.rank) - Number(b.dataset.rank))
      .forEach((row) => body.appendChild(row));
  }

  function sortRows(table, th) {
    sortBy(table, th, th.getAttribute('aria-sort') === 'ascending');
  }

  function attach(root) {
    root.addEventListener('click', (event) => {
      const button = event.target.closest('table.sortable th[data-sort] button');
      if (!button) return;
      const th = button.closest('th');
      sortRows(th.closest('table'), th);
    });
  }

  window.SortableTables = { attach, sortBy, sortByRank };
}());
