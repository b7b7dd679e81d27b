/* Our own base layer, which needs no internet, and what happens when the internet's does not
 * load. Every folium map of the service gets it (resilience/web/maps.py base_map adds this
 * file and the vendored Leaflet.VectorGrid); a page's script calls
 *
 *   const base = BaseMap.attach(map, config.basemap, options);
 *
 * and puts base.overlays in its layer control. The layers:
 * - "Own base map": vector tiles from /tiles/base (resilience/web/tiles.py): municipalities,
 *   localities as dots, power lines and roads (styled by class: ROAD_STYLES; the server
 *   sends the small classes only at higher zooms), on canvas, below every other layer;
 * - "Place names": labels of the localities (and, with options.municipalityNames, of the
 *   municipalities) from /tiles/names.geojson, fewer at low zoom; shown with our own base
 *   map, or from the start with options.namesOn;
 * - with options.population / options.sites: the population grid and the sites as vector
 *   tiles too (the scenario editor: not interactive, so drawing is not disturbed).
 *
 * The internet base map (folium's TileLayer, when RESILIENCE_TILE_URL is set) is watched:
 * when its tiles fail (tileerror before any tile loaded, or far more errors than tiles), a
 * discreet notice says so, the internet layer is switched off (its box in the layer control
 * unticked) and our own switched on. Without a tile URL our own is on from the start.
 *
 * For tests: document.body.dataset.basemapOffline = "1" once the switch happened, and
 * data-basemap-tiles counts the vector tiles drawn (all tile sets).
 */
(function () {
  'use strict';

  // Lower bounds of the density classes (inhabitants per km²) and their blues: the same
  // classes as the population layer of the main map (resiliencemap.js uses these).
  const DENSITY_BREAKS = [1, 5, 25, 100, 500, 2000];
  const DENSITY_COLORS = ['#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c'];
  const LAND = '#f3f1e9';
  const BOUNDARY = '#7d8597';
  const LOCALITY = '#3d405b';
  const POWER_LINE = '#b5651d';
  // Roads by class (coverage-model.md "Roads (v3)"): colour, width at zoom 8 and at 14.
  const ROAD_STYLES = {
    motorway: ['#c2185b', 2.2, 6],
    trunk: ['#d84315', 2, 5.5],
    primary: ['#ef8a17', 1.6, 5],
    secondary: ['#c9a227', 1.2, 4],
    tertiary: ['#8d8d8d', 0.9, 3.5],
    unclassified: ['#9e9e9e', 0.7, 3],
    residential: ['#b0b0b0', 0.5, 2.5],
    service: ['#c4c4c4', 0.4, 1.6],
    track: ['#a1887f', 0.4, 1.4],
  };
  const OTHER_ROAD = ['#9e9e9e', 0.5, 2];

  function roadStyle(p, zoom) {
    const [color, low, high] = ROAD_STYLES[p.road_class] || OTHER_ROAD;
    const share = Math.min(1, Math.max(0, (zoom - 8) / 6));
    return {
      color, weight: low + (high - low) * share, opacity: 0.9, lineCap: 'round', lineJoin: 'round',
      dashArray: p.road_class === 'track' ? '3 3' : null,
    };
  }
  // A locality is labelled from this zoom on, by its population (the largest first).
  const LABEL_ZOOMS = [[20000, 0], [5000, 7], [1500, 8], [0, 9]];
  const MUNICIPALITY_LABEL_ZOOM = 6.5;
  const MAX_ERRORS_BEYOND_LOADS = 6;

  function densityClass(density) {
    let index = -1;
    DENSITY_BREAKS.forEach((lower, i) => { if (density >= lower) index = i; });
    return index;
  }

  function labelZoom(population) {
    const found = LABEL_ZOOMS.find(([lower]) => (Number(population) || 0) >= lower);
    return found ? found[1] : 9;
  }

  function tileUrl(template, tileset) {
    return template.replace('{tileset}', tileset);
  }

  function countTile() {
    const data = document.body.dataset;
    data.basemapTiles = String(Number(data.basemapTiles || 0) + 1);
  }

  function vectorLayer(config, tileset, pane, styles, options) {
    const layer = L.vectorGrid.protobuf(tileUrl(config.tiles, tileset), Object.assign({
      pane,
      rendererFactory: L.canvas.tile,
      interactive: false,
      vectorTileLayerStyles: styles,
      maxNativeZoom: 14, // beyond it the z14 tiles are drawn larger: nothing new is stored
      fetchOptions: { credentials: 'same-origin' },
      attribution: config.attribution || '',
    }, options || {}));
    layer.on('tileload', countTile);
    return layer;
  }

  // An empty list of styles: VectorGrid draws nothing for the feature.
  function hidden() {
    return [];
  }

  const swatch = (color, cls) => '<i class="' + cls + '" style="background:' + color + '"></i>';

  function ownLayer(config) {
    return vectorLayer(config, 'base', 'resilienceBase', {
      municipalities: () => ({
        fill: true, fillColor: LAND, fillOpacity: 1, color: BOUNDARY, weight: 1, opacity: 0.9,
      }),
      roads: roadStyle,
      power_lines: (p) => ({
        color: POWER_LINE, weight: Number(p.voltage_kv) >= 200 ? 2.2 : 1.2, opacity: 0.8,
        dashArray: Number(p.voltage_kv) >= 200 ? null : '4 3',
      }),
      localities: (p, zoom) => {
        const big = Number(p.population) >= 5000;
        if (zoom < labelZoom(p.population)) return hidden();
        return {
          radius: big ? 3.5 : 2.5, fill: true, fillColor: LOCALITY, fillOpacity: 1,
          color: '#ffffff', weight: 1,
        };
      },
    });
  }

  function placeLabel(p, municipality) {
    return L.divIcon({
      className: 'place-label ' + (municipality ? 'is-municipality' : 'is-locality'),
      html: '<span>' + window.escapeHtml(p.name) + '</span>',
      iconSize: null,
    });
  }

  // Place names: DOM labels that take no pointer events, shown from their zoom on.
  function placeNames(map, config, opts) {
    const names = L.layerGroup();
    const labels = [];
    function showLabels() {
      const zoom = map.getZoom();
      labels.forEach(({ marker, minZoom }) => {
        const element = marker.getElement();
        if (element) element.hidden = zoom < minZoom;
      });
    }
    fetch(config.names, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then((response) => (response.ok ? response.json() : { features: [] }))
      .then((data) => {
        data.features.forEach((f) => {
          const p = f.properties;
          const municipality = p.kind === 'municipality';
          if (municipality && !opts.municipalityNames) return;
          const [lon, lat] = f.geometry.coordinates;
          const marker = L.marker([lat, lon], {
            pane: 'resilienceLabels', interactive: false, keyboard: false, icon: placeLabel(p, municipality),
          });
          marker.addTo(names);
          labels.push({
            marker, minZoom: municipality ? MUNICIPALITY_LABEL_ZOOM : labelZoom(p.population),
          });
        });
        document.body.dataset.basemapNames = String(labels.length);
        showLabels();
      })
      .catch(() => { document.body.dataset.basemapNames = '0'; });
    map.on('zoomend', showLabels);
    names.on('add', () => window.setTimeout(showLabels, 0));
    return names;
  }

  // The population grid and the sites as vector tiles (the scenario editor's options).
  function dataLayers(map, config, opts, result) {
    const { t } = window.I18n;
    const { escapeHtml } = window;
    if (opts.population) {
      const population = vectorLayer(config, 'population', 'resilienceBaseTop', {
        population: (p) => {
          const index = densityClass(Number(p.density));
          if (index < 0) return hidden();
          return { fill: true, fillColor: DENSITY_COLORS[index], fillOpacity: 0.8, stroke: false };
        },
      });
      result.population = population;
      if (opts.populationOn) population.addTo(map);
      result.overlays[swatch(DENSITY_COLORS[3], 'square') + escapeHtml(t('Population grid'))] = population;
    }
    if (opts.sites) {
      const colors = opts.categories || {};
      map.createPane('resilienceSiteTiles').style.zIndex = 340;
      const sites = vectorLayer(config, 'sites', 'resilienceSiteTiles', {
        sites: (p, zoom) => ({
          radius: ((colors[p.category] || {}).tileRadius || 2.5) + (zoom >= 10 ? 1.5 : 0),
          fill: true,
          fillColor: (colors[p.category] || {}).color || '#555',
          fillOpacity: 0.95,
          color: '#ffffff',
          weight: 0.8,
        }),
      });
      result.sites = sites;
      const chips = Object.keys(colors).map((c) => swatch(colors[c].color, 'dot')).join('');
      result.overlays[chips + escapeHtml(t('Sites'))] = sites;
      sites.addTo(map);
    }
  }

  // The notice when the internet's base map failed and ours took its place.
  function offlineNotice(map) {
    const { t } = window.I18n;
    const notice = L.DomUtil.create('div', 'basemap-notice', map.getContainer());
    notice.setAttribute('role', 'status');
    const text = L.DomUtil.create('span', '', notice);
    text.textContent = t('The background map could not be loaded; showing our own map, which needs no internet.');
    const close = L.DomUtil.create('button', 'basemap-notice-close', notice);
    close.type = 'button';
    close.textContent = '×';
    close.title = t('Close');
    close.setAttribute('aria-label', t('Close'));
    L.DomEvent.disableClickPropagation(notice);
    L.DomEvent.on(close, 'click', () => { notice.hidden = true; });
  }

  // The internet base map: watch it, fall back to our own.
  function watchInternet(map, result) {
    const { own, names } = result;
    const internet = [];
    map.eachLayer((layer) => {
      if (layer instanceof L.TileLayer) internet.push(layer);
    });
    if (internet.length === 0) {
      own.addTo(map);
      names.addTo(map);
    }
    function offline(tiles) {
      if (document.body.dataset.basemapOffline === '1') return;
      document.body.dataset.basemapOffline = '1';
      map.removeLayer(tiles); // the layer control unticks it
      if (!map.hasLayer(own)) own.addTo(map);
      if (!map.hasLayer(names)) names.addTo(map);
      offlineNotice(map);
    }
    internet.forEach((tiles) => {
      result.overlays[window.escapeHtml(window.I18n.t('Background map'))] = tiles;
      let loads = 0;
      let errors = 0;
      tiles.on('tileload', () => { loads += 1; });
      tiles.on('tileerror', () => {
        errors += 1;
        if (loads === 0 || errors > loads + MAX_ERRORS_BEYOND_LOADS) offline(tiles);
      });
    });
  }

  function attach(map, config, options) {
    const opts = options || {};
    const result = { overlays: {}, own: null, names: null };
    if (!config || !window.L || !L.vectorGrid) return result;
    const { t } = window.I18n;
    const { escapeHtml } = window;

    map.createPane('resilienceBase').style.zIndex = 210; // above tiles (200), below vectors
    map.createPane('resilienceBaseTop').style.zIndex = 330;
    map.createPane('resilienceLabels').style.zIndex = 580; // below markers (600)
    map.getPane('resilienceLabels').style.pointerEvents = 'none';

    result.own = ownLayer(config);
    result.names = placeNames(map, config, opts);
    result.overlays[swatch(LAND, 'square') + escapeHtml(t('Own base map'))] = result.own;
    result.overlays[swatch(LOCALITY, 'dot') + escapeHtml(t('Place names'))] = result.names;
    dataLayers(map, config, opts, result);
    if (opts.namesOn) result.names.addTo(map);
    watchInternet(map, result);
    return result;
  }

  window.BaseMap = { attach, DENSITY_BREAKS, DENSITY_COLORS, densityClass, ROAD_STYLES, roadStyle };
}());
