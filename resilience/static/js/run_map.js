/* A finished run's map (run_page.js loads it): the municipalities, the scenario's areas,
 * the gap cells coloured by the services lost there (new gaps outlined), the sites without
 * power (care sites sized by residents) with their generators, a legend and the time
 * slider (run_timeline.js). For tests the body carries data-layer-cells, data-layer-sites
 * and data-run-layers="ready".
 *
 *   const layers = await RunMap.load(map, config, base);
 *   layers.municipalities (code → layer), layers.boundaries, layers.siteMarkers (id → marker)
 */
(function () {
  'use strict';

  const MAX_CARE_RADIUS = 22;
  const POPUP = { minWidth: 260, maxWidth: 380 };

  const { escapeHtml } = window;

  function lostKey(props) {
    return (props.food_covered ? '' : 'f') + (props.care_covered ? '' : 'c') + (props.shelter_covered ? '' : 's');
  }

  function lostLabel(key) {
    const { t } = window.I18n;
    const names = { f: t('food'), c: t('care'), s: t('shelter') };
    return key.split('').map((k) => names[k]).join(' + ');
  }

  function isNew(props) {
    return Boolean(props.new_food_gap || props.new_care_gap || props.new_shelter_gap);
  }

  const fmt = (value) => window.Format.number(value, 2);

  // An hour of the run with its clock time: "0,27 (mån 06:16)".
  const onClock = (hours, config) => (config.hourZero
    ? `${fmt(hours)} (${escapeHtml(window.Format.clock(config.hourZero, hours))})`
    : fmt(hours));

  function sitePopup(props, config) {
    const { t } = window.I18n;
    const rows = [
      // v3: the site's D, the longest outage area it lies in (each area its own duration).
      ...(props.outage_hours ? [[t('Outage area, hours'), onClock(props.outage_hours, config)]] : []),
      [t('Hours without power, before generators'), fmt(props.hours_unpowered_before)],
      [t('Hours without power, after generators'), fmt(props.hours_unpowered)],
    ];
    // A home-care base's residents are its clients, who live at home (counted apart).
    if (props.kind === 'home_care_base') rows.push([t('home-care clients'), fmt(props.residents)]);
    else if (props.category === 'care') rows.push([t('residents'), fmt(props.residents)]);
    rows.push([t('Generator'), escapeHtml(props.generator_name || t('none'))]);
    if (props.generator_name) rows.push([t('Arrival (hours)'), onClock(props.arrival_hours, config)]);
    // Why (the server's line in the page's language, names and clock times): a cold home
    // outside the outage says "0 h without power" above, and here that its plant has none.
    const why = props.cause
      ? `<p class="popup-cause"><strong>${escapeHtml(t('Why'))}:</strong> ${escapeHtml(props.cause)}</p>`
      : '';
    return window.Popup.table(props.name, rows, why + window.Popup.link(config.sitePage + props.id, t('Details')));
  }

  // With roads (v3) a service out of reach has no open road to any provider with power.
  let withRoads = false;

  function cellPopup(props) {
    const { t, name } = window.I18n;
    const minutes = (m) => escapeHtml(m === null || m === undefined ? (withRoads ? t('no open road') : t('not reachable')) : `${fmt(Math.round(m * 10) / 10)} min`);
    const rows = [[t('inhabitants'), fmt(props.population)]];
    ['food', 'care', 'shelter'].forEach((s) => {
      const now = props[`${s}_minutes`];
      const before = props[`${s}_minutes_baseline`];
      const mark = props[`${s}_covered`] ? '' : (props[`new_${s}_gap`] ? ' <b class="new-gap">●</b>' : ' ●');
      rows.push([name('service', s), `${minutes(now)} <span class="muted">(${minutes(before)})</span>${mark}`]);
    });
    return window.Popup.table(`${t('Lost services')}: ${lostLabel(lostKey(props))}`, rows,
      `<p class="muted small">${escapeHtml(t('Travel minutes in the scenario (baseline); ● not within the limit, red ● a new gap.'))}</p>`);
  }

  function legendHtml(styles, present) {
    const { t, name } = window.I18n;
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
    if (present.has('closed-roads')) {
      parts.push(`<div><i class="line road" style="border-color:${styles.closedRoad}"></i>${escapeHtml(t('Closed road'))}</div>`);
    }
    if (present.has('cut-off')) {
      parts.push(`<div><i class="square" style="border:2px dashed ${styles.cutOff}"></i>${escapeHtml(t('Cut-off cells'))}</div>`);
    }
    parts.push(`<h5>${escapeHtml(t('Outage areas'))} / ${escapeHtml(t('Snow zones'))}</h5>`);
    parts.push(`<div><i class="square" style="background:${styles.outage}55;border:1px dashed ${styles.outage}"></i>${escapeHtml(t('Outage area'))}</div>`);
    Object.keys(styles.levels).forEach((level) => {
      parts.push(`<div><i class="square" style="background:${styles.levels[level]}66"></i>${escapeHtml(name('level_warning', level))}</div>`);
    });
    return parts.join('');
  }

  function legendControl(styles, present) {
    const control = L.control({ position: 'bottomright' });
    control.onAdd = () => {
      // A <details>, so the legend can be folded away on a small map.
      const div = L.DomUtil.create('details', 'legend run-legend');
      div.open = !window.matchMedia('(max-width: 48rem)').matches; // folded on a phone
      div.innerHTML = legendHtml(styles, present);
      L.DomEvent.disableClickPropagation(div); // else a tap on the heading does not fold it
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    return control;
  }

  function boundaryLayer(map, boundaries, result) {
    return L.geoJSON(boundaries, {
      style: { color: '#1d3557', weight: 1, opacity: 0.7, fill: false },
      interactive: false,
      onEachFeature: (feature, layer) => { result.municipalities[feature.properties.code] = layer; },
    }).addTo(map);
  }

  function areaLayers(map, styles, areas) {
    const outage = L.geoJSON(areas, {
      pane: 'areas',
      interactive: true, // its tooltip says the area's duration (v3)
      filter: (f) => f.properties.role === 'outage',
      style: () => ({
        color: styles.outage, weight: 2, dashArray: '6 4', fillColor: styles.outage, fillOpacity: 0.12,
      }),
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
    return { outage, snow };
  }

  // New gaps last, so their red outline is drawn on top of their neighbours'.
  function cellLayer(map, styles, cells, slider, present) {
    cells.features.sort((a, b) => Number(isNew(a.properties)) - Number(isNew(b.properties)));
    return L.geoJSON(cells, {
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
  }

  // Issue 21: the segments the scenario closed (GeoJSON from PostGIS), and the cells from
  // which some service cannot be reached at all (minutes null: no open road and too far
  // off-road), outlined.
  function closedRoadLayer(map, styles, roads) {
    return L.geoJSON(roads, {
      pane: 'areas',
      style: () => ({ color: styles.closedRoad, weight: 4, opacity: 0.95 }),
      onEachFeature: (f, l) => l.bindTooltip(
        escapeHtml(`${window.I18n.t('Closed road')}: ${f.properties.name || window.I18n.name('road_class', f.properties.road_class)}`),
        { sticky: true, className: 'map-tooltip' },
      ),
    }).addTo(map);
  }

  const CUT_OFF = ['food', 'care', 'shelter'];
  function isCutOff(p) {
    return CUT_OFF.some((s) => p[`${s}_minutes`] === null);
  }

  function cutOffLayer(map, styles, cells) {
    return L.geoJSON(cells, {
      filter: (f) => isCutOff(f.properties),
      interactive: false,
      style: () => ({ color: styles.cutOff, weight: 2.5, fill: false, dashArray: '3 3' }),
    }).addTo(map);
  }

  function generatorLine(styles, p, lines) {
    const coords = p.generator_line.coordinates.map((xy) => [xy[1], xy[0]]);
    L.polyline(coords, {
      color: styles.generator, weight: 2, dashArray: '5 5', interactive: false,
    }).addTo(lines);
    L.circleMarker(coords[0], {
      radius: 5, color: '#fff', weight: 1, fillColor: styles.generator, fillOpacity: 1,
    }).bindTooltip(escapeHtml(p.generator_name), { className: 'map-tooltip' }).addTo(lines);
  }

  // Care sites cold at some hour but powered throughout are drawn in the cold colour.
  function siteMarker(config, p, latlng) {
    const { styles } = config;
    const care = p.category === 'care';
    const fillColor = p.hours_unpowered > 0 ? styles.unpowered : styles.cold;
    const options = care ? {
      radius: Math.min(MAX_CARE_RADIUS, 5 + 1.6 * Math.sqrt(p.residents || 0)),
      color: '#fff', weight: 1.5, fillColor, fillOpacity: 0.9,
    } : {
      radius: 5, color: '#fff', weight: 1, fillColor: '#555', fillOpacity: 0.9,
    };
    return L.circleMarker(latlng, options)
      .bindPopup(sitePopup(p, config), POPUP)
      .bindTooltip(escapeHtml(p.name), { className: 'map-tooltip' });
  }

  function siteLayers(map, config, sites, slider, result) {
    const lines = L.layerGroup();
    const care = L.layerGroup();
    const other = L.layerGroup();
    sites.features.forEach((f) => {
      const p = f.properties;
      const [lon, lat] = f.geometry.coordinates;
      if (p.generator_line) generatorLine(config.styles, p, lines);
      const marker = siteMarker(config, p, [lat, lon]).addTo(p.category === 'care' ? care : other);
      result.siteMarkers[p.id] = marker;
      slider.sites.push({ marker, props: p, style: Object.assign({}, marker.options) });
    });
    // Drawn in this order on the canvas: other sites, then generators, care on top;
    // an overlay ticked again is drawn last, so the order is restored after it.
    other.addTo(map);
    lines.addTo(map);
    care.addTo(map);
    map.on('overlayadd', () => {
      [lines, care].forEach((group) => {
        if (map.hasLayer(group)) group.eachLayer((layer) => layer.bringToFront());
      });
    });
    return { other, lines, care };
  }

  function fetchAll(config) {
    return Promise.all([
      config.municipalitiesUrl, config.areasUrl, config.cellsUrl, config.sitesUrl, config.timelineUrl,
      config.closedRoadsUrl,
    ].map((url) => window.Api.json(url).catch((err) => ({ error: err }))));
  }

  async function load(map, config, base) {
    const { t } = window.I18n;
    const { styles } = config;
    map.createPane('areas').style.zIndex = 390;
    withRoads = Boolean(config.roads);
    const [boundaries, areas, cells, sites, timeline, closedRoads] = await fetchAll(config);
    const failed = [boundaries, areas, cells, sites, timeline].filter((r) => r.error);
    if (failed.length) document.getElementById('run-step').textContent = `${t('Could not load')}: ${failed[0].error.message}`;

    const result = { municipalities: {}, siteMarkers: {}, boundaries: null };
    const slider = window.RunTimeline.create(styles, config.hourZero);
    const present = new Set();
    const overlays = {};
    if (!boundaries.error) {
      result.boundaries = boundaryLayer(map, boundaries, result);
      overlays[escapeHtml(t('Municipalities'))] = result.boundaries;
    }
    if (!areas.error) {
      const { outage, snow } = areaLayers(map, styles, areas);
      overlays[escapeHtml(t('Outage areas'))] = outage;
      overlays[escapeHtml(t('Snow zones'))] = snow;
    }
    if (!cells.error) {
      overlays[escapeHtml(t('Gap cells'))] = cellLayer(map, styles, cells, slider, present);
      document.body.dataset.layerCells = String(cells.features.length);
      const cutOff = cutOffLayer(map, styles, cells);
      overlays[escapeHtml(t('Cut-off cells'))] = cutOff;
      document.body.dataset.layerCutOff = String(cutOff.getLayers().length);
      if (cutOff.getLayers().length) present.add('cut-off');
    }
    if (!closedRoads.error) {
      overlays[escapeHtml(t('Closed roads'))] = closedRoadLayer(map, styles, closedRoads);
      document.body.dataset.layerClosedRoads = String(closedRoads.features.length);
      if (closedRoads.features.length) present.add('closed-roads');
    }
    if (!sites.error) {
      const { other, lines, care } = siteLayers(map, config, sites, slider, result);
      overlays[escapeHtml(t('Other sites without power'))] = other;
      overlays[escapeHtml(t('Generator dispatch'))] = lines;
      overlays[escapeHtml(t('Care sites without power'))] = care;
      document.body.dataset.layerSites = String(sites.features.length);
    }
    L.control.layers(null, Object.assign(overlays, base.overlays), { collapsed: true }).addTo(map);
    const legend = legendControl(styles, present).addTo(map);
    // An open popup (a row of the care table, a click) is not hidden behind the legend.
    map.on('popupopen', () => { legend.getContainer().open = false; });
    if (result.boundaries) map.fitBounds(result.boundaries.getBounds());
    if (!timeline.error) slider.start(timeline);
    document.body.dataset.runLayers = 'ready';
    return result;
  }

  window.RunMap = { load, POPUP };
}());
