/* Scenario and run pages: the scenario list (run, copy, upload), the scenario editor
 * (Leaflet.draw over the map folium built), and a run's page (progress while it computes,
 * then the result map and the municipality table).
 *
 * Plain ES2017, no build step, no CDN: Leaflet and Leaflet.draw come from /static/vendor.
 * Everything is saved and started through the JSON API (/api/v1), so the pages follow the
 * same rules and permissions as any other client.
 *
 * For browser tests and assistive tools the pages set data attributes on <body>:
 * data-editor-ready, data-drawn-outage / data-drawn-snow (editor), data-run-status and
 * data-run-layers="ready" with data-layer-cells / data-layer-sites (run page).
 */
(function () {
  'use strict';

  const POLL_MS = 1000;
  const POLL_RETRY_MS = 3000;
  const MAX_CARE_RADIUS = 22;
  const POPUP = { minWidth: 260, maxWidth: 380 };

  const { t, name } = window.I18n;

  const { escapeHtml } = window; // static/js/escape.js

  const numberFormat = new Intl.NumberFormat(
    document.documentElement.lang === 'en' ? 'en-GB' : 'sv-SE',
    { maximumFractionDigits: 2 },
  );
  const fmt = (value) => (value === null || value === undefined ? '–' : numberFormat.format(value));

  class ApiError extends Error {
    constructor(message, status) {
      super(message);
      this.status = status;
    }
  }

  /* fetch() with the session cookie; JSON in and out; an ApiError with the API's message. */
  async function api(url, options) {
    const opts = Object.assign({ credentials: 'same-origin' }, options || {});
    // The page's language: the API then says its messages in it (resilience/web/messages.py).
    const language = document.documentElement.lang || 'sv';
    opts.headers = Object.assign({ Accept: 'application/json', 'Accept-Language': language }, opts.headers || {});
    let response;
    try {
      response = await fetch(url, opts);
    } catch (err) {
      throw new ApiError(t('network error'), 0);
    }
    const type = response.headers.get('Content-Type') || '';
    const body = type.includes('json') ? await response.json().catch(() => null) : await response.text();
    if (!response.ok) {
      if (response.status === 401) throw new ApiError(t('Session expired; log in again.'), 401);
      const message = body && body.message ? body.message : `${response.status} ${response.statusText}`;
      throw new ApiError(message, response.status);
    }
    return body;
  }

  function postJson(url, method, document_) {
    return api(url, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(document_),
    });
  }

  function showStatus(element, text, isError) {
    if (!element) return;
    element.hidden = !text;
    element.textContent = text || '';
    element.classList.toggle('is-error', Boolean(isError));
  }

  function stepLabel(step) {
    if (!step) return '';
    const parts = step.split(': ');
    return parts.length > 1 ? `${name('step', parts[0])}: ${name('service', parts[1])}` : name('step', step);
  }

  /* ---------------------------------------------------------------- scenario list -- */

  function initList(config) {
    const status = document.getElementById('page-status');
    const table = document.getElementById('scenario-table');
    table.addEventListener('click', async (event) => {
      const button = event.target.closest('button[data-action]');
      if (!button) return;
      const id = button.closest('tr').dataset.scenarioId;
      const action = button.dataset.action;
      button.disabled = true;
      try {
        if (action === 'run') {
          showStatus(status, t('Starting the run…'));
          const run = await api(`${config.scenarioApi}${id}/runs`, { method: 'POST' });
          window.location.assign(config.runPage + run.id);
        } else if (action === 'copy') {
          showStatus(status, t('Copying…'));
          const copy = await api(`${config.scenarioApi}${id}/copy`, { method: 'POST' });
          window.location.assign(`${config.editPage}${copy.id}/edit`);
        }
      } catch (err) {
        const what = action === 'run' ? t('Could not start the run') : t('Could not copy');
        showStatus(status, `${what}: ${err.message}`, true);
        button.disabled = false;
      }
    });

    const upload = document.getElementById('upload-form');
    if (upload) {
      upload.addEventListener('submit', async (event) => {
        event.preventDefault();
        const file = document.getElementById('upload-file').files[0];
        if (!file) return;
        showStatus(status, t('Uploading…'));
        try {
          const text = await file.text();
          await api(config.createUrl, {
            method: 'POST', headers: { 'Content-Type': 'application/json' }, body: text,
          });
          window.location.reload();
        } catch (err) {
          showStatus(status, `${t('Could not upload')} (${file.name}): ${err.message}`, true);
        }
      });
    }
  }

  /* ------------------------------------------------------------- scenario editor -- */

  function areaStyle(styles, role) {
    if (role === window.OutageAreas.CLOSURE) return window.OutageAreas.closureStyle(styles.closure);
    if (role === 'outage') {
      return {
        color: styles.outage, weight: 2, dashArray: '6 4', fillColor: styles.outage, fillOpacity: 0.25,
      };
    }
    return { color: styles.levels[role], weight: 2, fillColor: styles.levels[role], fillOpacity: 0.3 };
  }

  function roleLabel(role) {
    if (role === window.OutageAreas.CLOSURE) return t('Road closure');
    return role === 'outage' ? t('Outage area') : `${t('Snow zone')}, ${name('level_warning', role)}`;
  }

  // GeoJSON Polygon / MultiPolygon → one array of Leaflet rings per polygon.
  function polygonsOf(geometry) {
    const swap = (ring) => ring.map((xy) => [xy[1], xy[0]]);
    if (geometry.type === 'Polygon') return [geometry.coordinates.map(swap)];
    if (geometry.type === 'MultiPolygon') return geometry.coordinates.map((p) => p.map(swap));
    return [];
  }

  function localizeDraw() {
    const local = L.drawLocal;
    if (!local) return;
    const draw = local.draw;
    draw.toolbar.actions = { title: t('Cancel'), text: t('Cancel') };
    draw.toolbar.finish = { title: t('Finish'), text: t('Finish') };
    draw.toolbar.undo = { title: t('Delete last point'), text: t('Delete last point') };
    draw.toolbar.buttons.polygon = t('Draw a polygon');
    draw.toolbar.buttons.rectangle = t('Draw a rectangle');
    draw.handlers.polygon.tooltip = {
      start: t('Click to start drawing.'),
      cont: t('Click to continue drawing.'),
      end: t('Click the first point to close the area.'),
    };
    draw.handlers.polygon.error = t('Areas cannot cross themselves.');
    draw.handlers.rectangle.tooltip = { start: t('Click and drag to draw a rectangle.') };
    draw.handlers.simpleshape.tooltip = { end: t('Release the mouse to finish.') };
    const edit = local.edit;
    edit.toolbar.actions = {
      save: { title: t('Done'), text: t('Done') },
      cancel: { title: t('Cancel'), text: t('Cancel') },
      clearAll: { title: t('Clear all'), text: t('Clear all') },
    };
    edit.toolbar.buttons = {
      edit: t('Edit areas'),
      editDisabled: t('No areas to edit'),
      remove: t('Remove areas'),
      removeDisabled: t('No areas to remove'),
    };
    edit.handlers.edit.tooltip = {
      text: t('Drag the corners to change the area.'),
      subtext: t('Click Cancel to undo the changes.'),
    };
    edit.handlers.remove.tooltip = { text: t('Click an area to remove it.') };
  }

  function initEditor(map, config) {
    const styles = config.styles;
    const form = document.getElementById('scenario-form');
    const statusEl = document.getElementById('editor-status');
    const summaryEl = document.getElementById('drawn-summary');
    const drawn = new L.FeatureGroup().addTo(map);
    const chosenRole = () => (form.querySelector('input[name="draw_role"]:checked') || {}).value || 'outage';

    const listEl = document.getElementById('drawn-list');
    const roles = ['outage', ...config.levels, window.OutageAreas.CLOSURE];
    // v3: an outage area's own duration (static/js/outage_areas.js).
    const durationOptions = (layer, index) => ({
      min: config.durationRange.low,
      max: config.durationRange.high,
      fallback: () => form.elements.duration_hours.value,
      readOnly: config.readOnly,
      label: `${t('Hours')} ${index + 1}`,
    });

    // The panel lists every area with its kind and a remove button: areas may lie on top of
    // each other on the map (a snow zone over an outage area), but not in the list.
    function updateSummary() {
      const layers = drawn.getLayers();
      const outage = layers.filter((l) => l.scenarioRole === 'outage').length;
      const closures = layers.filter((l) => l.scenarioRole === window.OutageAreas.CLOSURE).length;
      const snow = layers.length - outage - closures;
      document.body.dataset.drawnOutage = String(outage);
      document.body.dataset.drawnSnow = String(snow);
      document.body.dataset.drawnClosures = String(closures);
      summaryEl.textContent = layers.length
        ? `${t('Outage areas')}: ${outage} · ${t('Snow zones')}: ${snow} · ${t('Road closures')}: ${closures}`
        : t('Nothing drawn yet: the scenario then only changes the parameters.');
      if (!listEl) return;
      listEl.textContent = '';
      layers.forEach((layer, index) => {
        const item = L.DomUtil.create('li', '', listEl);
        const show = L.DomUtil.create('button', 'link', item);
        show.type = 'button';
        show.title = t('Show on the map');
        show.innerHTML = `<i class="swatch" style="background:${escapeHtml(areaStyle(styles, layer.scenarioRole).color)}"></i>${index + 1}`;
        L.DomEvent.on(show, 'click', () => map.fitBounds(layer.getBounds().pad(0.2)));
        const select = L.DomUtil.create('select', '', item);
        select.setAttribute('aria-label', `${t('Kind')} ${index + 1}`);
        select.disabled = Boolean(config.readOnly);
        roles.forEach((role) => {
          const option = L.DomUtil.create('option', '', select);
          option.value = role;
          option.textContent = roleLabel(role);
          option.selected = role === layer.scenarioRole;
        });
        L.DomEvent.on(select, 'change', () => {
          setRole(layer, select.value);
          updateSummary();
        });
        if (layer.scenarioRole === 'outage') {
          window.OutageAreas.durationField(layer, item, durationOptions(layer, index));
        }
        if (!config.readOnly) {
          const remove = L.DomUtil.create('button', 'remove', item);
          remove.type = 'button';
          remove.textContent = t('Remove');
          L.DomEvent.on(remove, 'click', () => {
            drawn.removeLayer(layer);
            updateSummary();
          });
        }
        L.DomEvent.on(item, 'mouseenter', () => layer.setStyle({ weight: 4 }));
        L.DomEvent.on(item, 'mouseleave', () => layer.setStyle({ weight: 2 }));
      });
    }

    function popupFor(layer) {
      const box = L.DomUtil.create('div', 'popup area-popup');
      const title = L.DomUtil.create('h3', '', box);
      title.textContent = roleLabel(layer.scenarioRole);
      if (layer.scenarioRole === 'outage') {
        const index = drawn.getLayers().indexOf(layer);
        window.OutageAreas.durationField(layer, box, Object.assign(durationOptions(layer, index), {
          onChange: updateSummary,
        }));
      }
      if (config.readOnly) return box;
      const row = L.DomUtil.create('div', 'area-actions', box);
      L.DomUtil.create('span', 'muted', row).textContent = `${t('Change to')}:`;
      roles.filter((r) => r !== layer.scenarioRole).forEach((role) => {
        const button = L.DomUtil.create('button', `role-${role}`, row);
        button.type = 'button';
        button.textContent = role === 'outage' || role === window.OutageAreas.CLOSURE
          ? roleLabel(role) : name('level', role);
        L.DomEvent.on(button, 'click', () => {
          setRole(layer, role);
          map.closePopup();
          updateSummary();
        });
      });
      const remove = L.DomUtil.create('button', 'remove', box);
      remove.type = 'button';
      remove.textContent = t('Remove');
      L.DomEvent.on(remove, 'click', () => {
        drawn.removeLayer(layer);
        map.closePopup();
        updateSummary();
      });
      return box;
    }

    function setRole(layer, role) {
      layer.scenarioRole = role;
      layer.setStyle(areaStyle(styles, role));
      layer.bindPopup(() => popupFor(layer));
      layer.bindTooltip(escapeHtml(roleLabel(role)), { sticky: true, className: 'map-tooltip' });
      // Snow zones drawn over an outage area stay clickable; outage areas go to the back.
      if (role === 'outage') layer.bringToBack();
    }

    localizeDraw();
    let control = null;
    if (!config.readOnly) {
      control = new L.Control.Draw({
        position: 'topleft',
        draw: {
          polygon: {
            allowIntersection: false,
            showArea: false,
            drawError: { color: '#e63946', message: t('Areas cannot cross themselves.') },
            shapeOptions: areaStyle(styles, 'outage'),
          },
          // showArea must stay off: Leaflet.draw 1.0.4 fails in strict mode computing it.
          rectangle: { showArea: false, shapeOptions: areaStyle(styles, 'outage') },
          polyline: false,
          circle: false,
          marker: false,
          circlemarker: false,
        },
        edit: { featureGroup: drawn },
      });
      map.addControl(control);
      map.on(L.Draw.Event.CREATED, (event) => {
        drawn.addLayer(event.layer);
        setRole(event.layer, chosenRole());
        updateSummary();
      });
      map.on(L.Draw.Event.DELETED, updateSummary);
      map.on(L.Draw.Event.EDITED, updateSummary);
      form.addEventListener('change', (event) => {
        if (event.target.name !== 'draw_role') return;
        const style = areaStyle(styles, chosenRole());
        control.setDrawingOptions({ polygon: { shapeOptions: style }, rectangle: { shapeOptions: style } });
      });
    }

    // The main map's layers from our own vector tiles (resilience/web/tiles.py), so that an
    // area can be drawn where people live and the sites are, with or without internet.
    const base = window.BaseMap.attach(map, config.basemap, {
      municipalityNames: true, population: true, populationOn: true, sites: true, namesOn: true,
      categories: config.categories,
    });

    // Municipal boundaries for orientation (also where there is no base map).
    const boundaries = config.municipalitiesUrl
      ? api(config.municipalitiesUrl).then((collection) => {
        const layer = L.geoJSON(collection, {
          interactive: false, style: { color: '#1d3557', weight: 1, opacity: 0.6, fill: false },
        }).addTo(map);
        layer.bringToBack();
        return layer;
      }).catch(() => null)
      : Promise.resolve(null);
    boundaries.then((layer) => {
      const overlays = {};
      if (layer) overlays[escapeHtml(t('Municipalities'))] = layer;
      L.control.layers(null, Object.assign(overlays, base.overlays), {
        collapsed: window.innerWidth < 700, position: 'topright',
      }).addTo(map);
    });

    const existing = config.geojsonUrl
      ? api(config.geojsonUrl).then((collection) => {
        collection.features.forEach((feature) => {
          const { role, durationHours } = window.OutageAreas.fromFeature(feature);
          polygonsOf(feature.geometry).forEach((rings) => {
            const layer = L.polygon(rings);
            layer.durationHours = durationHours;
            drawn.addLayer(layer);
            setRole(layer, role);
          });
        });
      })
      : Promise.resolve();

    Promise.all([boundaries, existing]).then(([boundaryLayer]) => {
      updateSummary();
      if (drawn.getLayers().length) map.fitBounds(drawn.getBounds().pad(0.3));
      else if (boundaryLayer) map.fitBounds(boundaryLayer.getBounds());
      document.body.dataset.editorReady = '1';
    }).catch((err) => {
      showStatus(statusEl, `${t('Could not load')}: ${err.message}`, true);
    });

    function scenarioDocument() {
      const name = form.elements.name.value.trim();
      if (!name) throw new Error(t('Give the scenario a name.'));
      const parameters = Object.assign({}, config.otherParameters || {});
      Object.keys(config.defaults).forEach((key) => {
        const input = form.elements[key];
        const value = Number(input.value);
        if (input.value.trim() === '' || !Number.isFinite(value)) {
          throw new Error(`${input.closest('label').firstChild.textContent.trim()}: ${input.validationMessage || '?'}`);
        }
        // Only overrides are stored; a value equal to the default is no override.
        if (value !== config.defaults[key]) parameters[key] = value;
      });
      window.OutageAreas.closureLevel(form, parameters);
      const outage = [];
      const snowZones = [];
      const closures = [];
      drawn.getLayers().forEach((layer) => {
        const geometry = layer.toGeoJSON(7).geometry;
        if (layer.scenarioRole === 'outage') outage.push(window.OutageAreas.outageFeature(layer, geometry));
        else if (layer.scenarioRole === window.OutageAreas.CLOSURE) closures.push(geometry);
        else snowZones.push({ level: layer.scenarioRole, geometry });
      });
      return {
        name,
        description: form.elements.description.value.trim(),
        crs: 'EPSG:4326',
        outage: {
          duration_hours: Number(form.elements.duration_hours.value),
          areas: outage.length ? { type: 'FeatureCollection', features: outage } : null,
        },
        snow_zones: snowZones,
        road_closures: window.OutageAreas.roadClosures(closures),
        parameters,
      };
    }

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (config.readOnly) return;
      const action = event.submitter ? event.submitter.value : 'save';
      const buttons = form.querySelectorAll('button[type="submit"]');
      let document_;
      try {
        document_ = scenarioDocument();
      } catch (err) {
        showStatus(statusEl, err.message, true);
        return;
      }
      buttons.forEach((b) => { b.disabled = true; });
      showStatus(statusEl, t('Saving…'));
      try {
        const saved = await postJson(config.saveUrl, config.saveMethod, document_);
        if (config.saveMethod === 'POST') {
          // From now on this page edits the scenario just made.
          config.saveUrl = config.updateUrl + saved.id;
          config.saveMethod = 'PUT';
          window.history.replaceState(null, '', `${config.editPage}${saved.id}/edit${window.location.search}`);
          const note = document.querySelector('.editor-panel .note');
          if (note) note.hidden = true;
        }
        document.querySelector('.editor-panel h1').textContent = saved.name;
        document.title = saved.name;
        document.body.dataset.savedScenario = String(saved.id);
        if (action === 'run') {
          showStatus(statusEl, t('Starting the run…'));
          try {
            const run = await api(saved.runs_url, { method: 'POST' });
            window.location.assign(config.runPage + run.id);
            return;
          } catch (err) {
            showStatus(statusEl, `${t('Saved.')} ${t('Could not start the run')}: ${err.message}`, true);
          }
        } else {
          showStatus(statusEl, t('Saved.'));
        }
      } catch (err) {
        showStatus(statusEl, `${t('Could not save')}: ${err.message}`, true);
      }
      buttons.forEach((b) => { b.disabled = false; });
    });
  }

  /* -------------------------------------------------------------------- run page -- */

  function lostKey(props) {
    return (props.food_covered ? '' : 'f') + (props.care_covered ? '' : 'c') + (props.shelter_covered ? '' : 's');
  }

  function lostLabel(key) {
    const names = { f: t('food'), c: t('care'), s: t('shelter') };
    return key.split('').map((k) => names[k]).join(' + ');
  }

  function popupTable(title, rows, link) {
    const body = rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${v}</td></tr>`).join('');
    return `<div class="popup"><h3>${escapeHtml(title)}</h3><table>${body}</table>${link || ''}</div>`;
  }

  function sitePopup(props, config) {
    const rows = [
      // v3: the site's D, the longest outage area it lies in (each area its own duration).
      ...(props.outage_hours ? [[t('Outage area, hours'), fmt(props.outage_hours)]] : []),
      [t('Hours without power, before generators'), fmt(props.hours_unpowered_before)],
      [t('Hours without power, after generators'), fmt(props.hours_unpowered)],
    ];
    // A home-care base's residents are its clients, who live at home (counted apart).
    if (props.kind === 'home_care_base') rows.push([t('home-care clients'), fmt(props.residents)]);
    else if (props.category === 'care') rows.push([t('residents'), fmt(props.residents)]);
    rows.push([t('Generator'), escapeHtml(props.generator_name || t('none'))]);
    if (props.generator_name) rows.push([t('Arrival (hours)'), fmt(props.arrival_hours)]);
    const link = `<p class="popup-link"><a href="${escapeHtml(config.sitePage + props.id)}">${escapeHtml(t('Details'))} →</a></p>`;
    return popupTable(props.name, rows, link);
  }

  function cellPopup(props) {
    const rows = [[t('inhabitants'), fmt(props.population)]];
    ['food', 'care', 'shelter'].forEach((s) => {
      const now = props[`${s}_minutes`];
      const before = props[`${s}_minutes_baseline`];
      const minutes = (m) => escapeHtml(m === null || m === undefined ? t('not reachable') : `${fmt(Math.round(m * 10) / 10)} min`);
      const mark = props[`${s}_covered`] ? '' : (props[`new_${s}_gap`] ? ' <b class="new-gap">●</b>' : ' ●');
      rows.push([name('service', s), `${minutes(now)} <span class="muted">(${minutes(before)})</span>${mark}`]);
    });
    return popupTable(`${t('Lost services')}: ${lostLabel(lostKey(props))}`, rows,
      `<p class="muted small">${escapeHtml(t('Travel minutes in the scenario (baseline); ● not within the limit, red ● a new gap.'))}</p>`);
  }

  function legendControl(config, present) {
    const styles = config.styles;
    const control = L.control({ position: 'bottomright' });
    control.onAdd = () => {
      // A <details>, so the legend can be folded away on a small map.
      const div = L.DomUtil.create('details', 'legend run-legend');
      div.open = !window.matchMedia('(max-width: 48rem)').matches; // folded on a phone
      const parts = [`<summary><h4>${escapeHtml(t('Legend'))}</h4></summary>`];
      parts.push(`<div><i class="dot big" style="background:${styles.unpowered}"></i>${escapeHtml(t('Care sites without power'))}</div>`);
      parts.push(`<div><i class="dot" style="background:#555"></i>${escapeHtml(t('Other sites without power'))}</div>`);
      parts.push(`<div class="legend-note">${escapeHtml(t('Circle size: residents; of a home-care base, its clients, who live at home and are counted apart from residents.'))}</div>`);
      parts.push(`<div><i class="dot big" style="background:${escapeHtml(styles.cold)}"></i>${escapeHtml(t('Cold at the hour shown (time slider)'))}</div>`);
      parts.push(`<div><i class="line dashed" style="border-color:${styles.generator}"></i>${escapeHtml(t('Generator dispatch'))}</div>`);
      const keys = Object.keys(styles.gaps).filter((k) => present.has(k));
      if (keys.length) {
        parts.push(`<h5>${escapeHtml(t('Lost services'))}</h5>`);
        keys.forEach((k) => parts.push(`<div><i class="square" style="background:${styles.gaps[k]}"></i>${escapeHtml(lostLabel(k))}</div>`));
        parts.push(`<div><i class="square" style="border:2px solid ${styles.newGap}"></i>${escapeHtml(t('New gap (covered in the baseline)'))}</div>`);
      }
      parts.push(`<h5>${escapeHtml(t('Outage areas'))} / ${escapeHtml(t('Snow zones'))}</h5>`);
      parts.push(`<div><i class="square" style="background:${styles.outage}55;border:1px dashed ${styles.outage}"></i>${escapeHtml(t('Outage area'))}</div>`);
      Object.keys(styles.levels).forEach((level) => {
        parts.push(`<div><i class="square" style="background:${styles.levels[level]}66"></i>${escapeHtml(name('level_warning', level))}</div>`);
      });
      div.innerHTML = parts.join('');
      L.DomEvent.disableClickPropagation(div); // else a tap on the heading does not fold it
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    return control;
  }

  function initRunMap(map, config) {
    const styles = config.styles;
    const el = (id) => document.getElementById(id);
    const base = window.BaseMap.attach(map, config.basemap, {}); // offline: our own base map
    const municipalities = {};
    const siteMarkers = {}; // site id → its marker, for the care-site table (care_sites.js)
    let boundaryLayer = null;
    let layersLoaded = false;

    function render(run) {
      const status = run.status;
      document.body.dataset.runStatus = status;
      el('run-page').dataset.status = status;
      const badge = el('run-status');
      badge.textContent = name('status', status);
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

    async function poll() {
      let run;
      try {
        run = await api(config.statusUrl);
      } catch (err) {
        el('run-step').textContent = `${t('Could not load')}: ${err.message}`;
        if (err.status !== 401 && err.status !== 404) window.setTimeout(poll, POLL_RETRY_MS);
        return;
      }
      render(run);
      if (run.status === 'queued' || run.status === 'running') window.setTimeout(poll, POLL_MS);
      else if (run.status === 'finished') showResult();
    }

    async function showResult() {
      try {
        // The page's query (the care-site filter, ?care=new …) applies to the table too.
        const url = config.tableUrl + window.location.search;
        el('run-table').innerHTML = await api(url, { headers: { Accept: 'text/html' } });
        document.dispatchEvent(new CustomEvent('run-table:loaded'));
      } catch (err) {
        el('run-table').textContent = `${t('Could not load')}: ${err.message}`;
      }
      el('run-result').hidden = false;
      map.invalidateSize();
      loadLayers();
    }

    function zoomTo(code) {
      const layer = municipalities[code];
      if (!layer) return;
      map.fitBounds(layer.getBounds(), { padding: [20, 20] });
      boundaryLayer.resetStyle();
      layer.setStyle({ weight: 3, opacity: 1 });
      document.querySelectorAll('#run-table tr.selected').forEach((tr) => tr.classList.remove('selected'));
      const row = document.querySelector(`#run-table tr[data-code="${CSS.escape(code)}"]`);
      if (row) row.classList.add('selected');
      document.body.dataset.zoomedTo = code;
      el('map-wrap').scrollIntoView({ behavior: 'smooth', block: 'nearest' });
    }

    const table = el('run-table');
    // No focus on mouse clicks: focusing a wide row would scroll the table sideways.
    table.addEventListener('mousedown', (event) => {
      if (event.target.closest('tr.zoomable')) event.preventDefault();
    });
    table.addEventListener('click', (event) => {
      const row = event.target.closest('tr[data-code]');
      if (row && row.dataset.code !== 'county') zoomTo(row.dataset.code);
    });
    table.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter' && event.key !== ' ') return;
      const row = event.target.closest('tr[data-code]');
      if (row && row.dataset.code !== 'county') {
        event.preventDefault();
        zoomTo(row.dataset.code);
      }
    });

    async function loadLayers() {
      if (layersLoaded) return;
      layersLoaded = true;
      map.createPane('areas').style.zIndex = 390;
      const [boundaries, areas, cells, sites, timeline] = await Promise.all([
        api(config.municipalitiesUrl),
        api(config.areasUrl),
        api(config.cellsUrl),
        api(config.sitesUrl),
        api(config.timelineUrl),
      ].map((p) => p.catch((err) => ({ error: err }))));
      const failed = [boundaries, areas, cells, sites, timeline].filter((r) => r.error);
      if (failed.length) el('run-step').textContent = `${t('Could not load')}: ${failed[0].error.message}`;

      const overlays = {};
      if (!boundaries.error) {
        boundaryLayer = L.geoJSON(boundaries, {
          style: { color: '#1d3557', weight: 1, opacity: 0.7, fill: false },
          interactive: false,
          onEachFeature: (feature, layer) => { municipalities[feature.properties.code] = layer; },
        }).addTo(map);
        overlays[escapeHtml(t('Municipalities'))] = boundaryLayer;
      }
      if (!areas.error) {
        const outage = L.geoJSON(areas, {
          pane: 'areas',
          interactive: true, // its tooltip says the area's duration
          filter: (f) => f.properties.role === 'outage',
          style: () => ({
            color: styles.outage, weight: 2, dashArray: '6 4', fillColor: styles.outage, fillOpacity: 0.12,
          }),
          // v3: each area's own duration, in the legend's words (static/js/outage_areas.js).
          onEachFeature: (feature, layer) => layer.bindTooltip(
            escapeHtml(window.OutageAreas.outageLabel(feature)), { sticky: true, className: 'map-tooltip' },
          ),
        }).addTo(map);
        const snow = L.geoJSON(areas, {
          pane: 'areas',
          interactive: false,
          filter: (f) => f.properties.role === 'snow_zone',
          style: (f) => ({
            color: styles.levels[f.properties.level], weight: 1.5,
            fillColor: styles.levels[f.properties.level], fillOpacity: 0.18,
          }),
        }).addTo(map);
        overlays[escapeHtml(t('Outage areas'))] = outage;
        overlays[escapeHtml(t('Snow zones'))] = snow;
      }
      const present = new Set();
      if (!cells.error) {
        // New gaps last, so their red outline is drawn on top of their neighbours'.
        cells.features.sort((a, b) => Number(isNew(a.properties)) - Number(isNew(b.properties)));
        const layer = L.geoJSON(cells, {
          style: (f) => {
            const key = lostKey(f.properties);
            present.add(key);
            const fresh = isNew(f.properties);
            return {
              fillColor: styles.gaps[key] || '#999',
              fillOpacity: 0.75,
              color: fresh ? styles.newGap : styles.gaps[key] || '#999',
              weight: fresh ? 2 : 0.5,
            };
          },
          onEachFeature: (f, l) => {
            l.bindPopup(() => cellPopup(f.properties), POPUP);
            slider.cells.push({ layer: l, props: f.properties });
          },
        }).addTo(map);
        overlays[escapeHtml(t('Gap cells'))] = layer;
        document.body.dataset.layerCells = String(cells.features.length);
      }
      if (!sites.error) {
        const lines = L.layerGroup();
        const care = L.layerGroup();
        const other = L.layerGroup();
        sites.features.forEach((f) => {
          const p = f.properties;
          const [lon, lat] = f.geometry.coordinates;
          if (p.generator_line) {
            const coords = p.generator_line.coordinates.map((xy) => [xy[1], xy[0]]);
            L.polyline(coords, { color: styles.generator, weight: 2, dashArray: '5 5', interactive: false }).addTo(lines);
            L.circleMarker(coords[0], {
              radius: 5, color: '#fff', weight: 1, fillColor: styles.generator, fillOpacity: 1,
            }).bindTooltip(escapeHtml(p.generator_name), { className: 'map-tooltip' }).addTo(lines);
          }
          let marker;
          if (p.category === 'care') {
            const radius = Math.min(MAX_CARE_RADIUS, 5 + 1.6 * Math.sqrt(p.residents || 0));
            marker = L.circleMarker([lat, lon], {
              radius, color: '#fff', weight: 1.5, fillColor: siteColor(p), fillOpacity: 0.9,
            }).bindPopup(sitePopup(p, config), POPUP).bindTooltip(escapeHtml(p.name), { className: 'map-tooltip' }).addTo(care);
          } else {
            marker = L.circleMarker([lat, lon], {
              radius: 5, color: '#fff', weight: 1, fillColor: '#555', fillOpacity: 0.9,
            }).bindPopup(sitePopup(p, config), POPUP).bindTooltip(escapeHtml(p.name), { className: 'map-tooltip' }).addTo(other);
          }
          siteMarkers[p.id] = marker;
          slider.sites.push({ marker, props: p, style: Object.assign({}, marker.options) });
        });
        // Drawn in this order on the canvas: other sites, then generators, care on top;
        // an overlay ticked again is drawn last, so the order is restored after it.
        overlays[escapeHtml(t('Other sites without power'))] = other.addTo(map);
        overlays[escapeHtml(t('Generator dispatch'))] = lines.addTo(map);
        overlays[escapeHtml(t('Care sites without power'))] = care.addTo(map);
        map.on('overlayadd', () => {
          [lines, care].forEach((group) => {
            if (map.hasLayer(group)) group.eachLayer((layer) => layer.bringToFront());
          });
        });
        document.body.dataset.layerSites = String(sites.features.length);
      }
      L.control.layers(null, Object.assign(overlays, base.overlays), { collapsed: true }).addTo(map);
      const legend = legendControl(config, present).addTo(map);
      // An open popup (a row of the care table, a click) is not hidden behind the legend.
      map.on('popupopen', () => { legend.getContainer().open = false; });
      if (boundaryLayer) map.fitBounds(boundaryLayer.getBounds());
      if (!timeline.error) slider.start(timeline);
      document.body.dataset.runLayers = 'ready';
    }

    // Care sites cold at some hour but powered throughout are drawn in the cold colour.
    function siteColor(p) {
      return p.hours_unpowered > 0 ? styles.unpowered : styles.cold;
    }

    const slider = timeSlider(config, styles);

    function isNew(props) {
      return Boolean(props.new_food_gap || props.new_care_gap || props.new_shelter_gap);
    }

    /* Show a site on the map: pan and zoom to it and open its popup (its marker's when the
     * map draws it, else `fallback`, HTML of what the table says). */
    function showSite(id, lat, lon, fallback) {
      const marker = siteMarkers[id];
      const drawn = marker && map.hasLayer(marker);
      const at = drawn ? marker.getLatLng() : L.latLng(lat, lon);
      el('map-wrap').scrollIntoView({ behavior: 'auto', block: 'nearest' });
      map.setView(at, Math.max(map.getZoom(), 11), { animate: false });
      if (drawn) marker.openPopup();
      else L.popup(POPUP).setLatLng(at).setContent(fallback).openOn(map);
      document.body.dataset.siteShown = String(id);
    }
    window.ScenarioPages.showSite = showSite;

    sortableTables(el('run-table'));
    document.body.dataset.runStatus = config.status;
    if (config.status === 'finished') loadLayers();
    else if (config.status === 'queued' || config.status === 'running') window.setTimeout(poll, POLL_MS);
  }

  /* Flat [a1, b1, a2, b2] intervals: is t in [a, b) (closed) or (a, b) (open, for cold)? */
  function within(intervals, t, open) {
    const list = intervals || [];
    for (let i = 0; i + 1 < list.length; i += 2) {
      if ((open ? t > list[i] : t >= list[i]) && t < list[i + 1]) return true;
    }
    return false;
  }

  /* The run map's time slider (coverage-model.md, "Time"): the state at the instant t_k. Sites
   * are shown when unpowered ([a, b)) or cold ((a + t*, b)) at t_k, cells when uncovered for
   * some service at t_k (their bit k); "whole outage" shows what is lost at any time. The
   * timeline charts get a line at the hour. For tests the body carries data-time-hour,
   * data-sites-unpowered-at, data-sites-cold-at, data-cold-sites (names, "|"-separated) and
   * data-cells-at. */
  function timeSlider(config, styles) {
    const state = { cells: [], sites: [], hours: [], timer: null, duration: 0 };
    const el = (id) => document.getElementById(id);

    function moveChartLines(hour) {
      document.querySelectorAll('svg.timeline-chart').forEach((svg) => {
        const line = svg.querySelector('line.now');
        if (!line) return;
        if (hour === null) {
          line.setAttribute('visibility', 'hidden');
          return;
        }
        const left = Number(svg.dataset.left);
        const width = Number(svg.dataset.width);
        const duration = Number(svg.dataset.duration) || 1;
        const x = left + (Math.min(hour, duration) / duration) * width;
        line.setAttribute('x1', String(x));
        line.setAttribute('x2', String(x));
        line.setAttribute('visibility', 'visible');
      });
    }

    function show(k) {
      const hour = k === null ? null : state.hours[k];
      let unpowered = 0;
      let cold = 0;
      const coldNames = [];
      state.sites.forEach(({ marker, props, style }) => {
        if (hour === null) {
          marker.setStyle({ opacity: 1, fillOpacity: style.fillOpacity, fillColor: style.fillColor, color: style.color, weight: style.weight });
          return;
        }
        const dark = within(props.unpowered_intervals, hour, false);
        const chilled = within(props.cold_intervals, hour, true);
        if (dark) unpowered += 1;
        if (chilled) {
          cold += 1;
          coldNames.push(props.name);
        }
        if (!dark && !chilled) {
          marker.setStyle({ opacity: 0, fillOpacity: 0 });
          return;
        }
        marker.setStyle({
          opacity: 1,
          fillOpacity: 0.9,
          fillColor: dark ? style.fillColor : styles.cold,
          color: chilled ? styles.cold : '#fff',
          weight: chilled && dark ? 3 : style.weight,
        });
      });
      let cellsShown = 0;
      state.cells.forEach(({ layer, props }) => {
        if (hour === null) {
          layer.setStyle({ opacity: 1, fillOpacity: 0.75 });
          return;
        }
        const key = ['food', 'care', 'shelter'].map((s) => {
          const bits = props[`${s}_uncovered_at`];
          return bits && bits[k] === '1' ? s[0] : '';
        }).join('');
        if (!key) {
          layer.setStyle({ opacity: 0, fillOpacity: 0 });
          return;
        }
        cellsShown += 1;
        layer.setStyle({ opacity: 1, fillOpacity: 0.75, fillColor: styles.gaps[key] || '#999' });
      });
      const body = document.body.dataset;
      body.timeHour = hour === null ? 'all' : String(hour);
      body.sitesUnpoweredAt = String(unpowered);
      body.sitesColdAt = String(cold);
      body.coldSites = coldNames.join('|');
      body.cellsAt = String(cellsShown);
      el('time-label').textContent = hour === null
        ? t('Whole outage')
        : `${t('Hour')} ${fmt(hour)} ${t('of')} ${fmt(state.duration)}`;
      el('time-counts').textContent = hour === null
        ? ''
        : `${t('Sites without power')}: ${unpowered} · ${t('Sites cold')}: ${cold} · ${t('Cells without a service')}: ${cellsShown}`;
      moveChartLines(hour);
    }

    function stop() {
      if (state.timer !== null) window.clearInterval(state.timer);
      state.timer = null;
      el('time-play').textContent = t('Play');
    }

    function start(timeline) {
      state.hours = timeline.hours || [];
      if (!state.hours.length) return;
      const chart = document.querySelector('svg.timeline-chart');
      const step = state.hours.length > 1 ? state.hours[1] - state.hours[0] : 1;
      state.duration = chart ? Number(chart.dataset.duration) : state.hours[state.hours.length - 1] + step;
      const range = el('time-hour');
      range.max = String(state.hours.length - 1);
      range.value = '0';
      range.addEventListener('input', () => {
        stop();
        show(Number(range.value));
      });
      el('time-play').addEventListener('click', () => {
        if (state.timer !== null) {
          stop();
          return;
        }
        if (Number(range.value) >= state.hours.length - 1) range.value = '0';
        el('time-play').textContent = t('Pause');
        show(Number(range.value));
        state.timer = window.setInterval(() => {
          const next = Number(range.value) + 1;
          if (next >= state.hours.length) {
            stop();
            return;
          }
          range.value = String(next);
          show(next);
        }, 600);
      });
      el('time-all').addEventListener('click', () => {
        stop();
        show(null);
      });
      el('time-slider').hidden = false;
      show(null);
    }

    return { cells: state.cells, sites: state.sites, start };
  }

  /* Tables with th[data-sort] headers sort their rows by the cells' data-value, numbers
   * as numbers (empty last), text by the page's language; a second click reverses. */
  function sortableTables(root) {
    root.addEventListener('click', (event) => {
      const button = event.target.closest('table.sortable th[data-sort] button');
      if (!button) return;
      const th = button.closest('th');
      const table = th.closest('table');
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
    });
  }

  window.ScenarioPages = { initList, initEditor, initRunMap, sortableTables };
}());
