/* Resilience map: loads the API layers into the Leaflet map that folium built.
 *
 * Plain ES2017 with no build step and no CDN: the file is served as it is, next to the
 * vendored Leaflet 1.9.4 and Leaflet.markercluster. The grid and most sites are drawn on
 * canvas (the map's preferCanvas renderer plus one for the population grid), so ~5,000
 * cells and ~1,500 sites stay smooth. Care sites are the exception: DOM markers in the
 * marker pane, so they are drawn above every canvas at every zoom, can be reached with the
 * keyboard (Tab, then Enter opens the popup) and are clustered below zoom 10, so that the
 * county's ~230 care sites read as counts per town. Backup power is kept above food and
 * energy on the shared canvas (brought to the front after every load).
 *
 * After each load the feature counts go to document.body.dataset (data-layer-<key>), and
 * data-map-ready="1" once the municipalities and the first bounding-box loads are in:
 * browser tests wait on these, and they give assistive tools a plain summary.
 */
(function () {
  'use strict';

  // Lower bounds of the density classes (inhabitants per km²), and a sequential blue ramp
  // that leaves red, orange, teal and purple to the site categories (static/js/basemap.js,
  // whose vector tiles use the same classes).
  const { DENSITY_BREAKS, DENSITY_COLORS } = window.BaseMap;
  // Care sites are clustered below this zoom; the categories drawn above the other canvas
  // markers, last on top.
  const CLUSTER_BELOW_ZOOM = 10;
  const ON_TOP = ['power'];
  const DEFAULT_NUMBERS = [
    'residents', 'critical_load_kw', 'backup_kw', 'fuel_hours', 'priority', 'capacity_kw',
    'mobilization_hours', 'heated_area_m2', 'energy_kwh_year', 'shelter_capacity',
    'thermal_time_constant_hours', 'stock_person_days',
  ];
  const MOVE_DEBOUNCE_MS = 250;
  const LOAD_PADDING = 0.1; // load a margin around the view, so small pans need no request
  const API_LIMIT = 50000; // the API's MAX_FEATURES: a full answer may be cut short
  const RELOAD_GUARD_KEY = 'resiliencemap-reloaded-at';

  const { escapeHtml } = window; // static/js/escape.js

  function densityClass(density) {
    let index = -1;
    for (let i = 0; i < DENSITY_BREAKS.length; i += 1) {
      if (density >= DENSITY_BREAKS[i]) index = i;
    }
    return index;
  }

  function cellDensity(props) {
    const km = (Number(props.cell_size) || 1000) / 1000;
    return (Number(props.population) || 0) / (km * km);
  }

  // Ray casting on the outer ring: enough for grid cells, which have no holes.
  function ringContains(ring, latlng) {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) {
      const a = ring[i];
      const b = ring[j];
      if ((a.lat > latlng.lat) !== (b.lat > latlng.lat)
          && latlng.lng < ((b.lng - a.lng) * (latlng.lat - a.lat)) / (b.lat - a.lat) + a.lng) {
        inside = !inside;
      }
    }
    return inside;
  }

  // The API refuses boxes outside lon/lat range, which a zoomed-out view can reach.
  function loadBounds(map) {
    const b = map.getBounds().pad(LOAD_PADDING);
    const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
    return L.latLngBounds(
      [clamp(b.getSouth(), -90, 90), clamp(b.getWest(), -180, 180)],
      [clamp(b.getNorth(), -90, 90), clamp(b.getEast(), -180, 180)],
    );
  }

  function bboxParam(b) {
    return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
      .map((v) => v.toFixed(5)).join(',');
  }

  function withParams(url, params) {
    const full = new URL(url, window.location.href);
    Object.keys(params).forEach((k) => full.searchParams.set(k, params[k]));
    return full.pathname + full.search;
  }

  function setDatasetCount(key, count) {
    // data-layer-<key>: "layerCare" -> data-layer-care
    document.body.dataset['layer' + key.charAt(0).toUpperCase() + key.slice(1)] = String(count);
  }

  // Keep the layers of features that came back unchanged, so after a pan only the new
  // ones are built (building all 5,000 cells takes a noticeable fraction of a second).
  // Returns the features that are new or changed (each with its signature) and the old
  // layers that are gone or changed.
  function diff(group, features) {
    const old = new Map();
    group.eachLayer((layer) => old.set(layer.feature.id, layer));
    const added = [];
    features.forEach((feature) => {
      const signature = JSON.stringify([feature.geometry, feature.properties]);
      const layer = old.get(feature.id);
      if (layer && layer.signature === signature) {
        old.delete(feature.id);
      } else {
        added.push({ feature, signature });
      }
    });
    return { added, gone: Array.from(old.values()) };
  }

  function updateGroup(group, features) {
    const { added, gone } = diff(group, features);
    gone.forEach((layer) => group.removeLayer(layer));
    added.forEach(({ feature, signature }) => { feature.signature = signature; });
    group.addData({ type: 'FeatureCollection', features: added.map((a) => a.feature) });
    group.eachLayer((layer) => {
      if (layer.feature.signature) {
        layer.signature = layer.feature.signature;
        delete layer.feature.signature;
      }
    });
  }

  // The same for a marker cluster group, which has no addData: `build` makes a feature's
  // marker, and the group gets its changes in one addLayers / removeLayers each.
  function updateCluster(group, features, build) {
    const { added, gone } = diff(group, features);
    group.removeLayers(gone);
    group.addLayers(added.map(({ feature, signature }) => {
      const marker = build(feature);
      marker.signature = signature;
      return marker;
    }));
  }

  class SessionExpired extends Error {}

  function init(map, config) {
    const { t, name } = window.I18n;
    const lang = document.documentElement.lang === 'en' ? 'en-GB' : 'sv-SE';
    const fmt = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
    const categories = config.categories || {};
    const base = window.BaseMap.attach(map, config.basemap, { municipalityNames: false });
    const siteNumbers = config.siteNumbers || DEFAULT_NUMBERS;
    const state = {
      map, layers: {}, loadedOnce: {}, errors: {}, busy: 0, ready: false, moving: false,
    };
    // Pixel positions are only stable between moves (tests click markers by pixel).
    map.on('movestart', () => { state.moving = true; });
    map.on('moveend', () => { state.moving = false; });

    // --- status line: "Laddar…" while anything loads, errors until the next good load --
    const status = L.DomUtil.create('div', 'status-line', map.getContainer());
    status.setAttribute('role', 'status');
    status.setAttribute('aria-live', 'polite');
    status.hidden = true;
    L.DomEvent.disableClickPropagation(status);

    function showStatus() {
      const errors = Object.keys(state.errors).map((k) => state.errors[k]);
      status.classList.toggle('is-error', errors.length > 0 && state.busy === 0);
      if (state.busy > 0) {
        status.textContent = t('Loading…');
      } else {
        status.textContent = errors.join(' · ');
      }
      status.hidden = status.textContent === '';
      if (errors.length) document.body.dataset.mapError = errors.join(' · ');
      else delete document.body.dataset.mapError;
    }

    function busy(delta) {
      state.busy += delta;
      showStatus();
    }

    // --- fetching ------------------------------------------------------------------
    function sessionExpired() {
      // Reload once: the page itself then redirects to the login form (with ?next=).
      // The guard stops a reload loop should the API refuse while the page does not.
      const last = Number(window.sessionStorage.getItem(RELOAD_GUARD_KEY) || 0);
      if (Date.now() - last > 10000) {
        window.sessionStorage.setItem(RELOAD_GUARD_KEY, String(Date.now()));
        window.location.reload();
      }
      return new SessionExpired(t('Session expired; log in again.'));
    }

    async function fetchJSON(url, signal) {
      let response;
      try {
        response = await fetch(url, {
          signal, credentials: 'same-origin', headers: { Accept: 'application/json' },
        });
      } catch (err) {
        if (err.name === 'AbortError') throw err;
        throw new Error(t('network error')); // the browser's own text is English only
      }
      if (response.status === 401) throw sessionExpired();
      if (!response.ok) {
        let message = response.status + ' ' + response.statusText;
        try {
          const body = await response.json();
          if (body && body.message) message = body.message;
        } catch (ignored) { /* not JSON: keep the HTTP status */ }
        throw new Error(message);
      }
      return response.json();
    }

    function loaded(key, count) {
      setDatasetCount(key, count);
      state.loadedOnce[key] = true;
      delete state.errors[key];
      checkReady();
    }

    function failed(key, title, err) {
      state.errors[key] = err instanceof SessionExpired
        ? err.message : t('Could not load') + ' ' + title + ': ' + err.message;
    }

    function checkReady() {
      if (state.ready || !state.loadedOnce.municipalities) return;
      const pending = Object.keys(state.layers).filter(
        (k) => state.layers[k].bbox && map.hasLayer(state.layers[k].group)
          && !state.loadedOnce[k],
      );
      if (pending.length === 0) {
        state.ready = true;
        document.body.dataset.mapReady = '1';
      }
    }

    // --- the population grid: its own canvas in a pane below the other vectors ---------
    // It is not interactive (the municipality popup reports the cell under the click), so
    // the canvas above it gets every pointer event.
    map.createPane('resiliencePopulation').style.zIndex = 350;
    const populationRenderer = L.canvas({ pane: 'resiliencePopulation', padding: 0.3 });
    const population = L.geoJSON(null, {
      pane: 'resiliencePopulation',
      renderer: populationRenderer,
      interactive: false,
      style(feature) {
        const index = densityClass(cellDensity(feature.properties));
        return {
          stroke: false,
          fillColor: DENSITY_COLORS[Math.max(index, 0)],
          fillOpacity: index < 0 ? 0 : 0.85,
        };
      },
    });

    function cellAt(latlng) {
      let found = null;
      if (!map.hasLayer(population)) return found; // switched off: say nothing about cells
      population.eachLayer((layer) => {
        if (!found && ringContains(layer.getLatLngs()[0], latlng)) found = layer.feature;
      });
      return found;
    }

    // --- municipalities: outlines with a light fill, loaded once -----------------------
    const boundaryStyle = {
      color: '#1d3557', weight: 1.4, opacity: 0.9, fillColor: '#1d3557', fillOpacity: 0.03,
    };
    const municipalities = L.geoJSON(null, {
      style: () => boundaryStyle,
      onEachFeature(feature, layer) {
        // A permanent name label: without a base map it is what people orient by.
        layer.bindTooltip(escapeHtml(feature.properties.name), {
          permanent: true, direction: 'center', className: 'municipality-label',
        });
        layer.on('mouseover', () => layer.setStyle({ weight: 3, fillOpacity: 0.1 }));
        layer.on('mouseout', () => layer.setStyle(boundaryStyle));
        layer.on('click', (e) => {
          L.popup({ maxWidth: 320 })
            .setLatLng(e.latlng)
            .setContent(municipalityPopup(feature.properties, cellAt(e.latlng)))
            .openOn(map);
        });
      },
    });

    function row(label, value) {
      return '<tr><th scope="row">' + escapeHtml(label) + '</th><td>' + value + '</td></tr>';
    }

    function municipalityPopup(p, cell) {
      let rows = row(t('Municipality code'), escapeHtml(p.code))
        + row(t('Population'), fmt.format(p.population || 0))
        + row(t('Sites'), fmt.format(p.sites || 0));
      if (cell) {
        const c = cell.properties;
        // The density only adds something when the cell is not 1 km².
        const density = Number(c.cell_size) === 1000 ? '' : ' (' + fmt.format(cellDensity(c))
          + ' ' + escapeHtml(t('inhabitants per km²')) + ')';
        rows += row(
          t('Grid cell here'),
          fmt.format(c.population) + ' ' + escapeHtml(t('inhabitants')) + density,
        );
      }
      return '<div class="popup"><h3>' + escapeHtml(p.name) + '</h3>'
        + '<table>' + rows + '</table></div>';
    }

    // --- sites: one canvas circle-marker layer per category ----------------------------
    // Smaller at county scale, where ~1,500 sites would otherwise cover the towns.
    function siteRadius(p) {
      const zoom = map.getZoom();
      const base = zoom < 6.5 ? 2.5 : zoom < 8 ? 3.5 : zoom < 10 ? 4.5 : 5.5;
      if (p.category === 'utility') return base + 3.5;
      return p.kind === 'hospital' || Number(p.shelter_capacity) > 0 ? base + 2.5 : base;
    }

    function sitePopup(feature) {
      const p = feature.properties;
      const color = (categories[p.category] || {}).color || '#555';
      const synthetic = String(p.source || '').toLowerCase().indexOf('synthetic') >= 0;
      let rows = row(t('Category'), '<i class="dot" style="background:' + escapeHtml(color)
        + '"></i>' + escapeHtml(name('category', p.category)))
        + row(t('Kind'), escapeHtml(name('kind', p.kind)))
        + row(t('Municipality'), escapeHtml(p.municipality_name || '–'));
      siteNumbers.forEach((key) => {
        if (p[key] !== null && p[key] !== undefined && p[key] !== '') {
          rows += row(name('field', key), escapeHtml(fmt.format(Number(p[key]))));
        }
      });
      if (p.owner) rows += row(t('owner'), escapeHtml(name('owner', p.owner)));
      if (p.heating) rows += row(name('field', 'heating'), escapeHtml(name('heating', p.heating)));
      if (p.heat_plant) {
        rows += row(name('field', 'heat_plant'), escapeHtml(p.heat_plant));
      } else if (p.heating === 'district_heating') {
        rows += row(name('field', 'heat_plant'), escapeHtml(t('the nearest plant in the municipality')));
      }
      rows += row(
        t('Source'),
        escapeHtml(p.source || '–') + (synthetic
          ? ' <span class="badge badge-synthetic">' + escapeHtml(t('synthetic')) + '</span>' : ''),
      );
      const badges = Number(p.shelter_capacity) > 0
        ? '<span class="badge badge-shelter">' + escapeHtml(t('warm shelter')) + '</span>' : '';
      return '<div class="popup"><h3>' + escapeHtml(p.name) + '</h3>' + badges
        + '<table>' + rows + '</table>'
        + '<p class="popup-link"><a href="' + escapeHtml(config.urls.sitePage + feature.id) + '">'
        + escapeHtml(t('Details')) + ' →</a></p></div>';
    }

    function bindSite(feature, layer) {
      // A function: the HTML is built when a popup opens, not for every site up front.
      layer.bindPopup(() => sitePopup(feature), { maxWidth: 340 });
      layer.bindTooltip(escapeHtml(feature.properties.name), {
        direction: 'top', offset: [0, -6], className: 'map-tooltip',
      });
    }

    // A care site's marker: a dot as large as the canvas markers would draw it, inside a hit
    // area of at least 16 px (a finger, a pointer at county zoom).
    function careIcon(p, color) {
      const diameter = Math.round(2 * siteRadius(p) + 2);
      const box = Math.max(diameter, 16);
      return L.divIcon({
        className: 'care-marker',
        html: '<span style="background:' + escapeHtml(color) + ';width:' + diameter
          + 'px;height:' + diameter + 'px"></span>',
        iconSize: [box, box],
      });
    }

    function careLayer(color) {
      const group = L.markerClusterGroup({
        maxClusterRadius: 40,
        disableClusteringAtZoom: CLUSTER_BELOW_ZOOM,
        showCoverageOnHover: false,
        spiderfyOnMaxZoom: false,
        chunkedLoading: true,
        iconCreateFunction(cluster) {
          const count = cluster.getChildCount();
          const size = count < 10 ? 28 : count < 50 ? 34 : 40;
          return L.divIcon({
            className: 'care-cluster',
            html: '<span aria-hidden="true">' + fmt.format(count) + '</span>'
              + '<span class="visually-hidden">' + escapeHtml(t('Care sites')) + ': '
              + fmt.format(count) + '. ' + escapeHtml(t('Zoom in to see them.')) + '</span>',
            iconSize: [size, size],
          });
        },
      });
      // A cluster is a button too: Enter zooms to its sites, as a click does.
      group.on('clusterkeypress', (e) => {
        if (e.originalEvent && e.originalEvent.key === 'Enter') e.layer.zoomToBounds({ padding: [20, 20] });
      });
      const build = (feature) => {
        const [lon, lat] = feature.geometry.coordinates;
        const marker = L.marker([lat, lon], {
          icon: careIcon(feature.properties, color), keyboard: true, riseOnHover: true,
        });
        marker.feature = feature;
        marker.on('add', () => {
          const element = marker.getElement();
          if (element) element.setAttribute('aria-label', feature.properties.name);
        });
        bindSite(feature, marker);
        return marker;
      };
      group.updateFeatures = (features) => updateCluster(group, features, build);
      group.resize = () => group.eachLayer((m) => {
        const icon = careIcon(m.feature.properties, color);
        if (icon.options.html !== m.options.icon.options.html) m.setIcon(icon);
      });
      return group;
    }

    function siteLayer(category) {
      const color = (categories[category] || {}).color || '#555';
      const plant = (categories[category] || {}).marker === 'plant';
      if (category === 'care' && L.markerClusterGroup) return careLayer(color);
      return L.geoJSON(null, {
        pointToLayer: (feature, latlng) => L.circleMarker(latlng, {
          radius: siteRadius(feature.properties),
          color: plant ? '#3d2b1f' : '#ffffff',
          weight: plant ? 2.5 : 1.2,
          fillColor: color,
          fillOpacity: 0.92,
        }),
        onEachFeature: bindSite,
      });
    }

    // Backup power above food, energy and the heat plants: a layer added or reloaded later
    // is drawn later on the shared canvas, so after each load ON_TOP comes to the front.
    function restack() {
      ON_TOP.forEach((c) => {
        const entry = state.layers[c];
        if (entry && map.hasLayer(entry.group)) entry.group.eachLayer((m) => m.bringToFront());
      });
    }

    // --- layers loaded by bounding box on moveend ---------------------------------------
    function bboxLayer(key, title, url, group) {
      // `covers`: the box of the data in `group`, unless the API may have cut it short.
      const entry = {
        key, title, group, bbox: true, controller: null, covers: null,
      };
      entry.load = async function load() {
        if (entry.controller) entry.controller.abort(); // a newer view wins
        // Zooming in or panning a little needs nothing new (5,000 cells take ~0.5 s).
        if (entry.covers && entry.covers.contains(map.getBounds())) return true;
        const controller = new AbortController();
        entry.controller = controller;
        const bounds = loadBounds(map);
        busy(1);
        try {
          const data = await fetchJSON(withParams(url, { bbox: bboxParam(bounds) }),
            controller.signal);
          if (group.updateFeatures) group.updateFeatures(data.features);
          else updateGroup(group, data.features);
          if (key in categories) restack();
          entry.covers = data.features.length < API_LIMIT ? bounds : null;
          loaded(key, data.features.length);
          return true;
        } catch (err) {
          if (err.name !== 'AbortError') failed(key, title, err);
          return false;
        } finally {
          if (entry.controller === controller) entry.controller = null;
          busy(-1);
        }
      };
      entry.abort = () => entry.controller && entry.controller.abort();
      state.layers[key] = entry;
      return entry;
    }

    bboxLayer('population', t('Population grid'), config.urls.population, population);
    Object.keys(categories).forEach((category) => {
      const url = withParams(config.urls.sites, { category });
      bboxLayer(category, name('category', category), url, siteLayer(category));
    });
    state.layers.municipalities = { key: 'municipalities', group: municipalities, bbox: false };

    function visibleBBoxLayers() {
      return Object.keys(state.layers)
        .map((k) => state.layers[k])
        .filter((entry) => entry.bbox && map.hasLayer(entry.group));
    }

    let moveTimer = null;
    function scheduleLoad() {
      window.clearTimeout(moveTimer);
      moveTimer = window.setTimeout(() => visibleBBoxLayers().forEach((e) => e.load()),
        MOVE_DEBOUNCE_MS);
    }

    // Below the county scale the municipality names only overlap one another.
    const showLabels = () => {
      map.getContainer().classList.toggle('hide-labels', map.getZoom() < 6.5);
    };
    showLabels();
    map.on('zoomend', () => {
      showLabels();
      Object.keys(categories).forEach((c) => {
        const { group } = state.layers[c];
        if (group.resize) group.resize();
        else group.eachLayer((m) => m.setRadius(siteRadius(m.feature.properties)));
      });
    });

    // Order matters on the shared canvas: sites are drawn above the boundaries.
    population.addTo(map);
    municipalities.addTo(map);
    Object.keys(categories).forEach((c) => state.layers[c].group.addTo(map));

    map.on('overlayadd', (e) => {
      const entry = Object.keys(state.layers).map((k) => state.layers[k])
        .find((x) => x.group === e.layer);
      if (entry && entry.bbox) entry.load();
      restack();
    });
    map.on('overlayremove', (e) => {
      Object.keys(state.layers).forEach((k) => {
        const entry = state.layers[k];
        if (entry.group === e.layer && entry.abort) entry.abort();
      });
    });

    // --- weather warnings in force (SMHI/CAP), coloured by level -----------------------------
    const WARNING_COLORS = { yellow: '#f2c500', orange: '#f08c00', red: '#e03131', message: '#868e96' };
    const warningsLayer = L.geoJSON(null, {
      style: (f) => ({
        color: WARNING_COLORS[f.properties.level] || '#868e96', weight: 2,
        fillColor: WARNING_COLORS[f.properties.level] || '#868e96', fillOpacity: 0.15,
      }),
      onEachFeature: (f, layer) => {
        const p = f.properties;
        const event = (lang === 'en-GB' ? p.event_en : p.event_sv) || p.event_sv || p.event_code;
        const area = (lang === 'en-GB' ? p.area_name_en : p.area_name_sv) || p.area_name_sv || '';
        layer.bindPopup('<div class="popup"><h4>' + escapeHtml(name('warning', p.level)) + '</h4>'
          + '<p>' + escapeHtml(event) + (area ? ', ' + escapeHtml(area) : '') + '</p>'
          + (p.ends ? '<p>' + escapeHtml(t('valid until')) + ' '
            + escapeHtml(new Date(p.ends).toLocaleString(lang)) + '</p>' : '') + '</div>');
      },
    });
    if (config.urls.warnings) {
      warningsLayer.addTo(map);
      fetchJSON(config.urls.warnings).then((data) => {
        warningsLayer.addData(data);
        warningsLayer.bringToBack();
        loaded('warnings', data.features.length);
      }).catch((err) => failed('warnings', t('Weather warnings'), err));
    }

    // --- controls ------------------------------------------------------------------------
    const swatch = (color, cls) => '<i class="' + cls + '" style="background:' + color + '"></i>';
    const overlays = {};
    overlays[swatch('transparent', 'line') + escapeHtml(t('Municipalities'))] = municipalities;
    overlays[swatch(DENSITY_COLORS[3], 'square') + escapeHtml(t('Population grid'))] = population;
    const marker = (c) => (categories[c].marker === 'plant' ? 'dot plant' : 'dot');
    Object.keys(categories).forEach((c) => {
      overlays[swatch(categories[c].color, marker(c)) + escapeHtml(name('category', c))] = state.layers[c].group;
    });
    overlays[swatch(WARNING_COLORS.orange, 'square') + escapeHtml(t('Weather warnings'))] = warningsLayer;
    // Our own base map and place names, and folium's internet base map when a tile URL is
    // configured (static/js/basemap.js switches to ours when its tiles fail).
    Object.assign(overlays, base.overlays);
    L.control.layers(null, overlays, {
      collapsed: narrowScreen(), position: 'topright',
    }).addTo(map);

    const legend = L.control({ position: 'bottomright' });
    legend.onAdd = function onAdd() {
      // A <details>: folded to its heading on a phone, where it would cover the map.
      const div = L.DomUtil.create('details', 'legend');
      div.open = !narrowScreen();
      div.setAttribute('role', 'region');
      div.setAttribute('aria-label', t('Legend'));
      let html = '<summary><h4>' + escapeHtml(t('Legend')) + '</h4></summary><h5>' + escapeHtml(t('Sites')) + '</h5>';
      Object.keys(categories).forEach((c) => {
        html += '<div>' + swatch(categories[c].color, marker(c)) + escapeHtml(name('category', c)) + '</div>';
      });
      html += '<div class="legend-note">' + swatch('#888', 'dot big')
        + escapeHtml(t('Hospital or warm shelter')) + '</div>';
      html += '<div class="legend-note"><i class="cluster-swatch">3</i>'
        + escapeHtml(t('Care sites close together; zoom in')) + '</div>';
      html += '<h5>' + escapeHtml(t('Population grid')) + '</h5>'
        + '<div class="legend-note">' + escapeHtml(t('inhabitants per km²')) + '</div>';
      DENSITY_BREAKS.forEach((lower, i) => {
        const upper = DENSITY_BREAKS[i + 1];
        const range = upper === undefined
          ? '≥ ' + fmt.format(lower) : fmt.format(lower) + '–' + fmt.format(upper - 1);
        html += '<div>' + swatch(DENSITY_COLORS[i], 'square') + range + '</div>';
      });
      html += '<h5>' + escapeHtml(t('Weather warnings')) + '</h5>';
      ['yellow', 'orange', 'red'].forEach((level) => {
        html += '<div>' + swatch(WARNING_COLORS[level], 'square')
          + escapeHtml(name('warning', level)) + '</div>';
      });
      html += '<h5>' + escapeHtml(t('Municipalities')) + '</h5><div>'
        + swatch('transparent', 'line') + escapeHtml(t('Municipal boundary')) + '</div>';
      if (config.exports) { // downloads for QGIS/ArcGIS (the export page has the choices)
        const links = config.exports.formats.map((f) => '<a href="'
          + escapeHtml(withParams(config.exports.layers, { format: f[0] })) + '">'
          + escapeHtml(f[1]) + '</a>').join(' · ');
        html += '<h5>' + escapeHtml(t('Export all layers')) + '</h5>'
          + '<div class="legend-exports" style="white-space: normal">' + links + '</div>'
          + '<div><a href="' + escapeHtml(config.exports.page) + '">'
          + escapeHtml(t('More choices…')) + '</a></div>';
      }
      div.innerHTML = html;
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    legend.addTo(map);
    // An open popup is not hidden behind the legend: the legend folds to its heading.
    map.on('popupopen', () => { legend.getContainer().open = false; });

    // --- start: municipalities first (to fit the view), then the bbox layers -------------
    (async function start() {
      busy(1);
      try {
        const data = await fetchJSON(config.urls.municipalities);
        municipalities.addData(data);
        loaded('municipalities', data.features.length);
        const bounds = municipalities.getBounds();
        if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16], animate: false });
      } catch (err) {
        failed('municipalities', t('Municipalities'), err);
      } finally {
        busy(-1);
      }
      // Listen only now, so the fit above does not start a second round of loads.
      map.on('moveend', scheduleLoad);
      await Promise.all(visibleBBoxLayers().map((e) => e.load()));
    }());

    window.ResilienceMap.state = state; // for the browser tests and the console
    return state;
  }

  // A phone's width (app.css folds the top bar's menu at the same 48rem).
  function narrowScreen() {
    return window.matchMedia('(max-width: 48rem)').matches;
  }

  window.ResilienceMap = { init };
}());
