/* A run's page (templates/scenarios/run.html): progress while it computes (polled from the
 * API), then the result: the municipality table (a row zooms the map to its municipality),
 * the care-site table (care_sites.js, which shows a site through RunPage.showSite) and the
 * map (run_map.js). For tests the body carries data-run-status, data-zoomed-to and
 * data-site-shown.
 *
 *   RunPage.init(map, config)   (folium's JsInit, resilience/web/scenario_maps.py run_map)
 */
(function () {
  'use strict';

  const POLL_MS = 1000;
  const POLL_RETRY_MS = 3000;
  const el = (id) => document.getElementById(id);

  function stepLabel(step) {
    const { name } = window.I18n;
    if (!step) return '';
    const parts = step.split(': ');
    return parts.length > 1 ? `${name('step', parts[0])}: ${name('service', parts[1])}` : name('step', step);
  }

  // The run's state as the API gives it: the badge, the progress bar, the step, the error.
  function render(run) {
    const { status } = run;
    document.body.dataset.runStatus = status;
    el('run-page').dataset.status = status;
    const badge = el('run-status');
    badge.textContent = window.I18n.name('status', status);
    badge.className = `status status-${status}`;
    const active = status === 'queued' || status === 'running';
    const percent = Math.max(0, Math.min(100, Math.round(run.progress || 0)));
    const bar = el('run-progress');
    bar.hidden = !active;
    bar.setAttribute('aria-valuenow', String(percent));
    bar.querySelector('.progress-bar').style.width = `${percent}%`;
    el('run-percent').hidden = !active;
    el('run-percent').textContent = `${percent} %`;
    el('run-step').textContent = active ? stepLabel(run.step) : '';
    el('run-error').hidden = status !== 'failed';
    el('run-error-text').textContent = run.error || '';
  }

  // Zoom the map to a municipality of the table, and mark its row.
  function zoomTo(page, code) {
    const layer = page.layers && page.layers.municipalities[code];
    if (!layer) return;
    page.map.fitBounds(layer.getBounds(), { padding: [20, 20] });
    page.layers.boundaries.resetStyle();
    layer.setStyle({ weight: 3, opacity: 1 });
    document.querySelectorAll('#run-table tr.selected').forEach((tr) => tr.classList.remove('selected'));
    const row = document.querySelector(`#run-table tr[data-code="${CSS.escape(code)}"]`);
    if (row) row.classList.add('selected');
    document.body.dataset.zoomedTo = code;
    el('map-wrap').scrollIntoView({ behavior: 'smooth', block: 'nearest' });
  }

  function followTable(page) {
    const table = el('run-table');
    // No focus on mouse clicks: focusing a wide row would scroll the table sideways.
    table.addEventListener('mousedown', (event) => {
      if (event.target.closest('tr.zoomable')) event.preventDefault();
    });
    table.addEventListener('click', (event) => {
      const row = event.target.closest('tr[data-code]');
      if (row && row.dataset.code !== 'county') zoomTo(page, row.dataset.code);
    });
    table.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter' && event.key !== ' ') return;
      const row = event.target.closest('tr[data-code]');
      if (row && row.dataset.code !== 'county') {
        event.preventDefault();
        zoomTo(page, row.dataset.code);
      }
    });
    window.SortableTables.attach(table);
  }

  async function loadLayers(page) {
    if (page.loading) return;
    page.loading = true;
    page.layers = await window.RunMap.load(page.map, page.config, page.base);
  }

  async function showResult(page) {
    const { t } = window.I18n;
    try {
      // The page's query (the care-site filter, ?care=new …) applies to the table too.
      const url = page.config.tableUrl + window.location.search;
      el('run-table').innerHTML = await window.Api.json(url, { headers: { Accept: 'text/html' } });
      document.dispatchEvent(new CustomEvent('run-table:loaded'));
    } catch (err) {
      el('run-table').textContent = `${t('Could not load')}: ${err.message}`;
    }
    el('run-result').hidden = false;
    page.map.invalidateSize();
    loadLayers(page);
  }

  async function poll(page) {
    let run;
    try {
      run = await window.Api.json(page.config.statusUrl);
    } catch (err) {
      el('run-step').textContent = `${window.I18n.t('Could not load')}: ${err.message}`;
      if (err.status !== 401 && err.status !== 404) window.setTimeout(() => poll(page), POLL_RETRY_MS);
      return;
    }
    render(run);
    if (run.status === 'queued' || run.status === 'running') window.setTimeout(() => poll(page), POLL_MS);
    else if (run.status === 'finished') showResult(page);
  }

  /* Show a site on the map: pan and zoom to it and open its popup (its marker's when the
   * map draws it, else `fallback`, HTML of what the table says). */
  function showSite(page, id, lat, lon, fallback) {
    const { map } = page;
    const marker = page.layers && page.layers.siteMarkers[id];
    const drawn = marker && map.hasLayer(marker);
    const at = drawn ? marker.getLatLng() : L.latLng(lat, lon);
    el('map-wrap').scrollIntoView({ behavior: 'auto', block: 'nearest' });
    map.setView(at, Math.max(map.getZoom(), 11), { animate: false });
    if (drawn) marker.openPopup();
    else L.popup(window.RunMap.POPUP).setLatLng(at).setContent(fallback).openOn(map);
    document.body.dataset.siteShown = String(id);
  }

  function init(map, config) {
    const page = {
      map, config, base: window.BaseMap.attach(map, config.basemap, {}), layers: null, loading: false,
    };
    window.RunPage.showSite = (id, lat, lon, fallback) => showSite(page, id, lat, lon, fallback);
    followTable(page);
    document.body.dataset.runStatus = config.status;
    if (config.status === 'finished') loadLayers(page);
    else if (config.status === 'queued' || config.status === 'running') window.setTimeout(() => poll(page), POLL_MS);
  }

  window.RunPage = { init };
}());
