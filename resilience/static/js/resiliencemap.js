/* Resilience map: loads the API layers into the Leaflet map that folium built.
 *
 * Plain ES2017 with no build step and no CDN: the files are served as they are, next to the
 * vendored Leaflet 1.9.4 and Leaflet.markercluster. This file puts the page together:
 * the population grid (its own canvas, ~5,000 cells) and the municipalities here, the sites
 * in map_sites.js, loading by bounding box and the status line in map_loading.js, the
 * layer control and legend in map_controls.js. The categories (their order, colours and
 * markers) come from the server, in config.categories.
 *
 * After each load the feature counts go to document.body.dataset (data-layer-<key>), and
 * data-map-ready="1" once the municipalities and the first bounding-box loads are in:
 * browser tests wait on these, and they give assistive tools a plain summary.
 */
(function () {
  'use strict';

  const { escapeHtml } = window; // static/js/escape.js

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

  // The population grid: its own canvas in a pane below the other vectors. It is not
  // interactive (the municipality popup reports the cell under the click), so the canvas
  // above it gets every pointer event.
  function populationLayer(map) {
    const { densityClass, DENSITY_COLORS } = window.BaseMap;
    map.createPane('resiliencePopulation').style.zIndex = 350;
    return L.geoJSON(null, {
      pane: 'resiliencePopulation',
      renderer: L.canvas({ pane: 'resiliencePopulation', padding: 0.3 }),
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
  }

  function municipalityPopup(p, cell) {
    const { t } = window.I18n;
    const { row } = window.Popup;
    const fmt = (value) => window.Format.number(value || 0, 1);
    let rows = row(t('Municipality code'), escapeHtml(p.code))
      + row(t('Population'), fmt(p.population))
      + row(t('Sites'), fmt(p.sites));
    if (cell) {
      const c = cell.properties;
      // The density only adds something when the cell is not 1 km².
      const density = Number(c.cell_size) === 1000 ? '' : ' (' + fmt(cellDensity(c))
        + ' ' + escapeHtml(t('inhabitants per km²')) + ')';
      rows += row(
        t('Grid cell here'),
        fmt(c.population) + ' ' + escapeHtml(t('inhabitants')) + density,
      );
    }
    return '<div class="popup"><h3>' + escapeHtml(p.name) + '</h3>'
      + '<table>' + rows + '</table></div>';
  }

  // Outlines with a light fill, loaded once; a click tells of the municipality and the cell.
  function municipalityLayer(map, population) {
    const boundaryStyle = {
      color: '#1d3557', weight: 1.4, opacity: 0.9, fillColor: '#1d3557', fillOpacity: 0.03,
    };
    function cellAt(latlng) {
      let found = null;
      if (!map.hasLayer(population)) return found; // switched off: say nothing about cells
      population.eachLayer((layer) => {
        if (!found && ringContains(layer.getLatLngs()[0], latlng)) found = layer.feature;
      });
      return found;
    }
    return L.geoJSON(null, {
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
  }

  // Weather warnings in force (SMHI/CAP), coloured by level.
  function warningsLayer() {
    const { t, name } = window.I18n;
    const { WARNING_COLORS } = window.MapControls;
    const { localized, dateTime } = window.Format;
    return L.geoJSON(null, {
      style: (f) => ({
        color: WARNING_COLORS[f.properties.level] || '#868e96', weight: 2,
        fillColor: WARNING_COLORS[f.properties.level] || '#868e96', fillOpacity: 0.15,
      }),
      onEachFeature: (f, layer) => {
        const p = f.properties;
        const event = localized(p.event_sv, p.event_en) || p.event_code;
        const area = localized(p.area_name_sv, p.area_name_en);
        layer.bindPopup('<div class="popup"><h4>' + escapeHtml(name('warning', p.level)) + '</h4>'
          + '<p>' + escapeHtml(event) + (area ? ', ' + escapeHtml(area) : '') + '</p>'
          + (p.ends ? '<p>' + escapeHtml(t('valid until')) + ' '
            + escapeHtml(dateTime(p.ends)) + '</p>' : '') + '</div>');
      },
    });
  }

  // Municipalities first (to fit the view), then the bounding-box layers.
  async function start(map, loading, municipalities, url) {
    loading.busy(1);
    try {
      const data = await loading.fetchJSON(url);
      municipalities.addData(data);
      loading.loaded('municipalities', data.features.length);
      const bounds = municipalities.getBounds();
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16], animate: false });
    } catch (err) {
      loading.failed('municipalities', window.I18n.t('Municipalities'), err);
    } finally {
      loading.busy(-1);
    }
    // Listen only now, so the fit above does not start a second round of loads.
    map.on('moveend', loading.scheduleLoad);
    await Promise.all(loading.visibleBBoxLayers().map((e) => e.load()));
  }

  function loadWarnings(map, loading, layer, url) {
    if (!url) return;
    layer.addTo(map);
    loading.fetchJSON(url).then((data) => {
      layer.addData(data);
      layer.bringToBack();
      loading.loaded('warnings', data.features.length);
    }).catch((err) => loading.failed('warnings', window.I18n.t('Weather warnings'), err));
  }

  // Layers switched on load (by box) or stop loading.
  function followOverlays(map, state, restack) {
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
  }

  function init(map, config) {
    const { t, name } = window.I18n;
    const categories = config.categories || {};
    const base = window.BaseMap.attach(map, config.basemap, { municipalityNames: false });
    const state = {
      map, layers: {}, loadedOnce: {}, errors: {}, busy: 0, ready: false, moving: false,
    };
    // Pixel positions are only stable between moves (tests click markers by pixel).
    map.on('movestart', () => { state.moving = true; });
    map.on('moveend', () => { state.moving = false; });
    const loading = window.MapLoading.create(map, state);
    const sites = window.MapSites.create(map, {
      categories, siteNumbers: config.siteNumbers, sitePage: config.urls.sitePage,
    });
    const groups = {};
    const restack = () => sites.restack(groups);

    const population = populationLayer(map);
    const municipalities = municipalityLayer(map, population);
    loading.bboxLayer('population', t('Population grid'), config.urls.population, population);
    Object.keys(categories).forEach((category) => {
      groups[category] = sites.layer(category);
      const url = window.Api.withParams(config.urls.sites, { category });
      loading.bboxLayer(category, name('category', category), url, groups[category], restack);
    });
    state.layers.municipalities = { key: 'municipalities', group: municipalities, bbox: false };

    // Below the county scale the municipality names only overlap one another.
    const showLabels = () => {
      map.getContainer().classList.toggle('hide-labels', map.getZoom() < 6.5);
    };
    showLabels();
    map.on('zoomend', () => {
      showLabels();
      Object.keys(groups).forEach((c) => sites.resize(groups[c]));
    });

    // Order matters on the shared canvas: sites are drawn above the boundaries.
    population.addTo(map);
    municipalities.addTo(map);
    Object.keys(groups).forEach((c) => groups[c].addTo(map));
    followOverlays(map, state, restack);

    const warnings = warningsLayer();
    loadWarnings(map, loading, warnings, config.urls.warnings);
    window.MapControls.layers(map, config, {
      municipalities, population, warnings, sites: groups, base,
    });
    window.MapControls.legend(map, config);
    start(map, loading, municipalities, config.urls.municipalities);

    window.ResilienceMap.state = state; // for the browser tests and the console
    return state;
  }

  window.ResilienceMap = { init };
}());
