/* The export page (templates/exports/page.html): shows the choices that apply to the
 * chosen export, and follows the background exports until they are done. Plain ES2017,
 * no build step; without it the form still works and the table shows the state at load.
 */
(function () {
  'use strict';

  const POLL_MS = 1500;

  function fileSize(bytes) {
    if (bytes === null || bytes === undefined) return '–';
    const lang = document.documentElement.lang === 'en' ? 'en-GB' : 'sv-SE';
    const fmt = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
    if (bytes >= 1e6) return fmt.format(bytes / 1e6) + ' MB';
    if (bytes >= 1e3) return fmt.format(bytes / 1e3) + ' kB';
    return bytes + ' B';
  }

  function initForm(form) {
    const sync = () => {
      const what = (form.querySelector('input[name=what]:checked') || {}).value || 'layers';
      form.querySelectorAll('[data-for]').forEach((section) => {
        const off = section.dataset.for !== what;
        section.hidden = off;
        section.querySelectorAll('input, select').forEach((input) => { input.disabled = off; });
      });
      const format = form.elements.format.value;
      const crs = form.elements.crs;
      // GeoJSON is WGS 84 by definition (RFC 7946): a disabled field is not sent.
      if (format === 'geojson') crs.value = '4326';
      crs.disabled = format === 'geojson';
      document.getElementById('geojson-note').hidden = format !== 'geojson';
      document.getElementById('csv-geometry').hidden = format !== 'csv';
    };
    form.addEventListener('change', sync);
    sync();
  }

  function initJobs(table, config) {
    const { t, name } = window.I18n;
    const live = (status) => status === 'queued' || status === 'running';

    function update(record) {
      const row = table.querySelector('tr[data-export="' + record.id + '"]');
      if (!row) return;
      const field = (name) => row.querySelector('[data-field="' + name + '"]');
      const status = field('status');
      status.className = 'status status-' + record.status;
      status.textContent = name('status', record.status);
      field('error').textContent = record.error || '';
      const percent = Math.round(record.progress || 0);
      row.querySelector('.progress-bar').style.width = (record.progress || 0) + '%';
      row.querySelector('.progress').setAttribute('aria-valuenow', String(percent));
      field('percent').textContent = percent + ' %';
      field('size').textContent = fileSize(record.size_bytes);
      const cell = field('download');
      if (record.links.download && !cell.querySelector('a')) {
        const link = document.createElement('a');
        link.href = record.links.download;
        link.textContent = t('Download');
        cell.appendChild(link);
      } else if (!record.links.download) {
        cell.textContent = '';
      }
      if (record.expires_at) {
        field('expires').textContent = new Date(record.expires_at).toLocaleString(
          document.documentElement.lang === 'en' ? 'en-GB' : 'sv-SE',
        );
      }
    }

    async function poll() {
      try {
        const response = await fetch(config.listUrl, {
          credentials: 'same-origin', headers: { Accept: 'application/json' },
        });
        if (!response.ok) return;
        const data = await response.json();
        data.exports.forEach(update);
        if (data.exports.some((r) => live(r.status))) window.setTimeout(poll, POLL_MS);
      } catch (err) {
        window.setTimeout(poll, POLL_MS * 4); // the network hiccuped: try again later
      }
    }

    const anyLive = Array.from(table.querySelectorAll('[data-field="status"]'))
      .some((el) => /status-(queued|running)/.test(el.className));
    if (anyLive) window.setTimeout(poll, POLL_MS);
  }

  document.addEventListener('DOMContentLoaded', () => {
    const config = window.EXPORTS_CONFIG || {};
    const form = document.getElementById('export-form');
    if (form) initForm(form);
    const table = document.getElementById('export-jobs');
    if (table && config.listUrl) initJobs(table, config);
  });
}());
