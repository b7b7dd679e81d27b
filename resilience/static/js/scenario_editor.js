/* The scenario editor (templates/scenarios/edit.html): Leaflet.draw over the map folium
 * built (resilience/web/scenario_maps.py), outage areas and snow zones by warning level,
 * the parameters, saved (and a run started) through the JSON API.
 *
 * Plain ES2017, no build step, no CDN: Leaflet and Leaflet.draw come from /static/vendor.
 * For browser tests and assistive tools <body> carries data-editor-ready, data-drawn-outage,
 * data-drawn-snow and, once saved, data-saved-scenario.
 *
 *   ScenarioEditor.init(map, config)
 */
(function () {
  'use strict';

  const { t, name } = window.I18n;
  const { escapeHtml } = window;
  const { showStatus } = window.Api;

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

  /* The editor: `editor.roles` the kinds of area, `editor.setRole(layer, role)`,
   * `editor.update()` the panel's list after every change. */

  // One line of the panel's list: the area's kind, a button that shows it, one to remove it.
  function listItem(editor, listEl, layer, index) {
    const { map, config, drawn } = editor;
    const item = L.DomUtil.create('li', '', listEl);
    const show = L.DomUtil.create('button', 'link', item);
    show.type = 'button';
    show.title = t('Show on the map');
    show.innerHTML = `<i class="swatch" style="background:${escapeHtml(areaStyle(config.styles, layer.scenarioRole).color)}"></i>${index + 1}`;
    L.DomEvent.on(show, 'click', () => map.fitBounds(layer.getBounds().pad(0.2)));
    const select = L.DomUtil.create('select', '', item);
    select.setAttribute('aria-label', `${t('Kind')} ${index + 1}`);
    select.disabled = Boolean(config.readOnly);
    editor.roles.forEach((role) => {
      const option = L.DomUtil.create('option', '', select);
      option.value = role;
      option.textContent = roleLabel(role);
      option.selected = role === layer.scenarioRole;
    });
    L.DomEvent.on(select, 'change', () => {
      editor.setRole(layer, select.value);
      editor.update();
    });
    // v3: an outage area's own duration (static/js/outage_areas.js).
    if (layer.scenarioRole === 'outage') window.OutageAreas.durationField(layer, item, editor.durationOptions(index));
    if (!config.readOnly) {
      const remove = L.DomUtil.create('button', 'remove', item);
      remove.type = 'button';
      remove.textContent = t('Remove');
      L.DomEvent.on(remove, 'click', () => {
        drawn.removeLayer(layer);
        editor.update();
      });
    }
    L.DomEvent.on(item, 'mouseenter', () => layer.setStyle({ weight: 4 }));
    L.DomEvent.on(item, 'mouseleave', () => layer.setStyle({ weight: 2 }));
  }

  // The panel lists every area with its kind and a remove button: areas may lie on top of
  // each other on the map (a snow zone over an outage area), but not in the list.
  function updateSummary(editor) {
    const layers = editor.drawn.getLayers();
    const outage = layers.filter((l) => l.scenarioRole === 'outage').length;
    const closures = layers.filter((l) => l.scenarioRole === window.OutageAreas.CLOSURE).length;
    const snow = layers.length - outage - closures;
    document.body.dataset.drawnOutage = String(outage);
    document.body.dataset.drawnSnow = String(snow);
    document.body.dataset.drawnClosures = String(closures);
    document.getElementById('drawn-summary').textContent = layers.length
      ? `${t('Outage areas')}: ${outage} · ${t('Snow zones')}: ${snow} · ${t('Road closures')}: ${closures}`
      : t('Nothing drawn yet: the scenario then only changes the parameters.');
    const listEl = document.getElementById('drawn-list');
    if (!listEl) return;
    listEl.textContent = '';
    layers.forEach((layer, index) => listItem(editor, listEl, layer, index));
  }

  function popupFor(editor, layer) {
    const { map, config } = editor;
    const box = L.DomUtil.create('div', 'popup area-popup');
    const title = L.DomUtil.create('h3', '', box);
    title.textContent = roleLabel(layer.scenarioRole);
    if (layer.scenarioRole === 'outage') {
      const options = editor.durationOptions(editor.drawn.getLayers().indexOf(layer));
      window.OutageAreas.durationField(layer, box, Object.assign(options, { onChange: editor.update }));
    }
    if (config.readOnly) return box;
    const row = L.DomUtil.create('div', 'area-actions', box);
    L.DomUtil.create('span', 'muted', row).textContent = `${t('Change to')}:`;
    editor.roles.filter((r) => r !== layer.scenarioRole).forEach((role) => {
      const button = L.DomUtil.create('button', `role-${role}`, row);
      button.type = 'button';
      button.textContent = role === 'outage' || role === window.OutageAreas.CLOSURE
        ? roleLabel(role) : name('level', role);
      L.DomEvent.on(button, 'click', () => {
        editor.setRole(layer, role);
        map.closePopup();
        editor.update();
      });
    });
    const remove = L.DomUtil.create('button', 'remove', box);
    remove.type = 'button';
    remove.textContent = t('Remove');
    L.DomEvent.on(remove, 'click', () => {
      editor.drawn.removeLayer(layer);
      map.closePopup();
      editor.update();
    });
    return box;
  }

  function setRole(editor, layer, role) {
    layer.scenarioRole = role;
    layer.setStyle(areaStyle(editor.config.styles, role));
    layer.bindPopup(() => popupFor(editor, layer));
    layer.bindTooltip(escapeHtml(roleLabel(role)), { sticky: true, className: 'map-tooltip' });
    // Snow zones drawn over an outage area stay clickable; outage areas go to the back.
    if (role === 'outage') layer.bringToBack();
  }

  function drawControl(editor) {
    const { map, form, drawn } = editor;
    const { styles } = editor.config;
    const chosenRole = () => (form.querySelector('input[name="draw_role"]:checked') || {}).value || 'outage';
    const control = new L.Control.Draw({
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
      editor.setRole(event.layer, chosenRole());
      editor.update();
    });
    map.on(L.Draw.Event.DELETED, editor.update);
    map.on(L.Draw.Event.EDITED, editor.update);
    form.addEventListener('change', (event) => {
      if (event.target.name !== 'draw_role') return;
      const style = areaStyle(styles, chosenRole());
      control.setDrawingOptions({ polygon: { shapeOptions: style }, rectangle: { shapeOptions: style } });
    });
  }

  // The main map's layers from our own vector tiles (resilience/web/tiles.py), so that an
  // area can be drawn where people live and the sites are, with or without internet; the
  // municipal boundaries for orientation (also where there is no base map).
  function orientationLayers(editor) {
    const { map, config } = editor;
    const base = window.BaseMap.attach(map, config.basemap, {
      municipalityNames: true, population: true, populationOn: true, sites: true, namesOn: true,
      categories: config.categories,
    });
    const boundaries = config.municipalitiesUrl
      ? window.Api.json(config.municipalitiesUrl).then((collection) => {
        const layer = L.geoJSON(collection, {
          interactive: false, style: { color: '#1d3557', weight: 1, opacity: 0.6, fill: false },
        }).addTo(map);
        layer.bringToBack();
        return layer;
      }).catch(() => null)
      : Promise.resolve(null);
    return boundaries.then((layer) => {
      const overlays = {};
      if (layer) overlays[escapeHtml(t('Municipalities'))] = layer;
      L.control.layers(null, Object.assign(overlays, base.overlays), {
        collapsed: window.innerWidth < 700, position: 'topright',
      }).addTo(map);
      return layer;
    });
  }

  // The scenario's stored areas, drawn as editable layers.
  function existingAreas(editor) {
    if (!editor.config.geojsonUrl) return Promise.resolve();
    return window.Api.json(editor.config.geojsonUrl).then((collection) => {
      collection.features.forEach((feature) => {
        const { role, durationHours } = window.OutageAreas.fromFeature(feature);
        polygonsOf(feature.geometry).forEach((rings) => {
          const layer = L.polygon(rings);
          layer.durationHours = durationHours;
          editor.drawn.addLayer(layer);
          editor.setRole(layer, role);
        });
      });
    });
  }

  // A number field of the form as typed (FormFields: as the pages print numbers, within the
  // field's data-min and data-max); null with its problem shown next to it.
  function numberField(input) {
    const label = input.closest('label').firstChild.textContent.trim();
    const range = { min: Number(input.dataset.min), max: Number(input.dataset.max), required: true };
    return window.FormFields.readNumber(input, label, range);
  }

  function parameters(form, config) {
    const result = Object.assign({}, config.otherParameters || {});
    Object.keys(config.defaults).forEach((key) => {
      const value = numberField(form.elements[key]);
      // Only overrides are stored; a value equal to the default is no override.
      if (value !== null && value !== config.defaults[key]) result[key] = value;
    });
    window.OutageAreas.closureLevel(form, result);
    return result;
  }

  // Every field with a problem said next to it (the areas' own durations checked here): the
  // first gets the focus, the status says so.
  function checkFields(editor) {
    const range = {
      min: editor.config.durationRange.low, max: editor.config.durationRange.high, required: false,
    };
    editor.form.querySelectorAll('#drawn-list .area-duration-hours').forEach((input) => {
      window.FormFields.readNumber(input, input.getAttribute('aria-label'), range);
    });
    const invalid = editor.form.querySelectorAll('[aria-invalid="true"]');
    if (!invalid.length) return;
    invalid[0].focus();
    throw new Error(t('Some fields need correcting: see the messages next to them.'));
  }

  function scenarioDocument(editor) {
    const { form, config } = editor;
    const scenarioName = form.elements.name.value.trim();
    if (!scenarioName) throw new Error(t('Give the scenario a name.'));
    const outage = [];
    const snowZones = [];
    const closures = [];
    editor.drawn.getLayers().forEach((layer) => {
      const geometry = layer.toGeoJSON(7).geometry;
      if (layer.scenarioRole === 'outage') outage.push(window.OutageAreas.outageFeature(layer, geometry));
      else if (layer.scenarioRole === window.OutageAreas.CLOSURE) closures.push(geometry);
      else snowZones.push({ level: layer.scenarioRole, geometry });
    });
    const duration = numberField(form.elements.duration_hours);
    const parameterValues = parameters(form, config);
    checkFields(editor);
    return {
      name: scenarioName,
      description: form.elements.description.value.trim(),
      crs: 'EPSG:4326',
      outage: {
        duration_hours: duration,
        areas: outage.length ? { type: 'FeatureCollection', features: outage } : null,
      },
      snow_zones: snowZones,
      road_closures: window.OutageAreas.roadClosures(closures),
      parameters: parameterValues,
    };
  }

  // The page edits the scenario just saved: later saves change it, the address says it.
  function saved(editor, scenario) {
    const { config } = editor;
    if (config.saveMethod === 'POST') {
      config.saveUrl = config.updateUrl + scenario.id;
      config.saveMethod = 'PUT';
      window.history.replaceState(null, '', `${config.editPage}${scenario.id}/edit${window.location.search}`);
      const note = document.querySelector('.editor-panel .note');
      if (note) note.hidden = true;
    }
    document.querySelector('.editor-panel h1').textContent = scenario.name;
    document.title = scenario.name;
    document.body.dataset.savedScenario = String(scenario.id);
  }

  async function startRun(editor, scenario) {
    showStatus(editor.statusEl, t('Starting the run…'));
    try {
      const run = await window.Api.json(scenario.runs_url, { method: 'POST' });
      window.location.assign(editor.config.runPage + run.id);
      return true;
    } catch (err) {
      showStatus(editor.statusEl, `${t('Saved.')} ${t('Could not start the run')}: ${err.message}`, true);
      return false;
    }
  }

  async function save(editor, action) {
    const { config, statusEl } = editor;
    let document_;
    try {
      document_ = scenarioDocument(editor);
    } catch (err) {
      showStatus(statusEl, err.message, true);
      return;
    }
    const buttons = editor.form.querySelectorAll('button[type="submit"]');
    buttons.forEach((b) => { b.disabled = true; });
    showStatus(statusEl, t('Saving…'));
    try {
      const scenario = await window.Api.send(config.saveUrl, config.saveMethod, document_);
      saved(editor, scenario);
      if (action === 'run') {
        if (await startRun(editor, scenario)) return;
      } else {
        showStatus(statusEl, t('Saved.'));
      }
    } catch (err) {
      showStatus(statusEl, `${t('Could not save')}: ${err.message}`, true);
    }
    buttons.forEach((b) => { b.disabled = false; });
  }

  function init(map, config) {
    const form = document.getElementById('scenario-form');
    const editor = {
      map,
      config,
      form,
      statusEl: document.getElementById('editor-status'),
      drawn: new L.FeatureGroup().addTo(map),
      roles: ['outage', ...config.levels, window.OutageAreas.CLOSURE],
    };
    // v3: the number field of an outage area's own duration (static/js/outage_areas.js).
    editor.durationOptions = (index) => ({
      min: config.durationRange.low,
      max: config.durationRange.high,
      fallback: () => form.elements.duration_hours.value,
      readOnly: config.readOnly,
      label: `${t('Hours')} ${index + 1}`,
    });
    editor.setRole = (layer, role) => setRole(editor, layer, role);
    editor.update = () => updateSummary(editor);

    localizeDraw();
    if (!config.readOnly) drawControl(editor);
    const boundaries = orientationLayers(editor);
    const existing = existingAreas(editor);
    Promise.all([boundaries, existing]).then(([boundaryLayer]) => {
      editor.update();
      if (editor.drawn.getLayers().length) map.fitBounds(editor.drawn.getBounds().pad(0.3));
      else if (boundaryLayer) map.fitBounds(boundaryLayer.getBounds());
      document.body.dataset.editorReady = '1';
    }).catch((err) => {
      showStatus(editor.statusEl, `${t('Could not load')}: ${err.message}`, true);
    });

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (config.readOnly) return;
      save(editor, event.submitter ? event.submitter.value : 'save');
    });
  }

  window.ScenarioEditor = { init };
}());
