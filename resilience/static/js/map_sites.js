/* The main map's sites (resiliencemap.js): one layer per category. Most are canvas circle
 * markers; care sites are DOM markers in the marker pane, so they are drawn above every
 * canvas at every zoom, can be reached with the keyboard (Tab, then Enter opens the popup)
 * and are clustered below zoom 10, so that the county's ~230 care sites read as counts per
 * town. A category's colour, marker, extra radius, draw order and clustering come from the
 * server (config.categories, from resilience/vocabulary.py): backup power is kept above food
 * and energy on the shared canvas (restack(), by drawOrder).
 *
 *   const sites = MapSites.create(map, { categories, siteNumbers, sitePage });
 *   sites.layer(category), sites.resize(group), sites.restack(groups)
 */
(function () {
  'use strict';

  // Clustered categories (care) are clustered below this zoom.
  const CLUSTER_BELOW_ZOOM = 10;
  const DEFAULT_NUMBERS = [
    'residents', 'critical_load_kw', 'backup_kw', 'fuel_hours', 'priority', 'capacity_kw',
    'mobilization_hours', 'heated_area_m2', 'energy_kwh_year', 'shelter_capacity',
    'thermal_time_constant_hours', 'stock_person_days',
  ];
  const POPUP = { maxWidth: 340 };

  const { escapeHtml } = window;

  function numberRows(p, siteNumbers) {
    const { name } = window.I18n;
    const { row } = window.Popup;
    const fmt = (value) => window.Format.number(value, 1);
    return siteNumbers
      .filter((key) => p[key] !== null && p[key] !== undefined && p[key] !== '')
      .map((key) => row(name('field', key), escapeHtml(fmt(p[key])))).join('');
  }

  function heatingRows(p) {
    const { t, name } = window.I18n;
    const { row } = window.Popup;
    let rows = '';
    if (p.owner) rows += row(t('owner'), escapeHtml(name('owner', p.owner)));
    if (p.heating) rows += row(name('field', 'heating'), escapeHtml(name('heating', p.heating)));
    if (p.heat_plant) {
      rows += row(name('field', 'heat_plant'), escapeHtml(p.heat_plant));
    } else if (p.heating === 'district_heating') {
      rows += row(name('field', 'heat_plant'), escapeHtml(t('the nearest plant in the municipality')));
    }
    return rows;
  }

  function sitePopup(feature, options) {
    const { t, name } = window.I18n;
    const { row, swatch, link } = window.Popup;
    const categories = options.categories || {};
    const color = (categories[feature.properties.category] || {}).color || '#555';
    const p = feature.properties;
    const synthetic = String(p.source || '').toLowerCase().indexOf('synthetic') >= 0;
    const rows = row(t('Category'), swatch(color, 'dot')
      + escapeHtml(name('category', p.category)))
      + row(t('Kind'), escapeHtml(name('kind', p.kind)))
      + row(t('Municipality'), escapeHtml(p.municipality_name || '–'))
      + numberRows(p, options.siteNumbers || DEFAULT_NUMBERS) + heatingRows(p)
      + row(t('Source'), escapeHtml(p.source || '–') + (synthetic
        ? ' <span class="badge badge-synthetic">' + escapeHtml(t('synthetic')) + '</span>' : ''));
    const badges = Number(p.shelter_capacity) > 0
      ? '<span class="badge badge-shelter">' + escapeHtml(t('warm shelter')) + '</span>' : '';
    return '<div class="popup"><h3>' + escapeHtml(p.name) + '</h3>' + badges
      + '<table>' + rows + '</table>' + link(options.sitePage + feature.id, t('Details'))
      + '</div>';
  }

  function create(map, options) {
    const { t } = window.I18n;
    const fmt = (value) => window.Format.number(value, 1);
    const categories = options.categories || {};
    const colorOf = (category) => (categories[category] || {}).color || '#555';

    // Smaller at county scale, where ~1,500 sites would otherwise cover the towns.
    function radius(p) {
      const zoom = map.getZoom();
      const base = zoom < 6.5 ? 2.5 : zoom < 8 ? 3.5 : zoom < 10 ? 4.5 : 5.5;
      const extra = (categories[p.category] || {}).radius || 0;
      if (extra) return base + extra;
      return p.kind === 'hospital' || Number(p.shelter_capacity) > 0 ? base + 2.5 : base;
    }

    function bind(feature, layer) {
      // A function: the HTML is built when a popup opens, not for every site up front.
      layer.bindPopup(() => sitePopup(feature, options), POPUP);
      layer.bindTooltip(escapeHtml(feature.properties.name), {
        direction: 'top', offset: [0, -6], className: 'map-tooltip',
      });
    }

    const context = {
      t, fmt, radius, bind,
    };

    function layer(category) {
      const color = colorOf(category);
      if ((categories[category] || {}).clustered && L.markerClusterGroup) return careLayer(context, color);
      const plant = (categories[category] || {}).marker === 'plant';
      return L.geoJSON(null, {
        pointToLayer: (feature, latlng) => L.circleMarker(latlng, {
          radius: radius(feature.properties),
          color: plant ? '#3d2b1f' : '#ffffff',
          weight: plant ? 2.5 : 1.2,
          fillColor: color,
          fillOpacity: 0.92,
        }),
        onEachFeature: bind,
      });
    }

    function resize(group) {
      if (group.resize) group.resize();
      else group.eachLayer((m) => m.setRadius(radius(m.feature.properties)));
    }

    // Backup power above food, energy and the heat plants: a layer added or reloaded later
    // is drawn later on the shared canvas, so after each load the categories with a draw
    // order come to the front, the highest last.
    const onTop = Object.keys(categories)
      .filter((c) => (categories[c].drawOrder || 0) > 0 && !categories[c].clustered)
      .sort((a, b) => categories[a].drawOrder - categories[b].drawOrder);
    function restack(groups) {
      onTop.forEach((c) => {
        const group = groups[c];
        if (group && map.hasLayer(group)) group.eachLayer((m) => m.bringToFront());
      });
    }

    return { layer, resize, restack };
  }

  // A care site's marker: a dot as large as the canvas markers would draw it, inside a hit
  // area of at least 16 px (a finger, a pointer at county zoom).
  function careIcon(context, p, color) {
    const diameter = Math.round(2 * context.radius(p) + 2);
    const box = Math.max(diameter, 16);
    return L.divIcon({
      className: 'care-marker',
      html: '<span style="background:' + escapeHtml(color) + ';width:' + diameter
        + 'px;height:' + diameter + 'px"></span>',
      iconSize: [box, box],
    });
  }

  function clusterIcon(context, cluster) {
    const { t, fmt } = context;
    const count = cluster.getChildCount();
    const size = count < 10 ? 28 : count < 50 ? 34 : 40;
    return L.divIcon({
      className: 'care-cluster',
      html: '<span aria-hidden="true">' + fmt(count) + '</span>'
        + '<span class="visually-hidden">' + escapeHtml(t('Care sites')) + ': '
        + fmt(count) + '. ' + escapeHtml(t('Zoom in to see them.')) + '</span>',
      iconSize: [size, size],
    });
  }

  function careLayer(context, color) {
    const group = L.markerClusterGroup({
      maxClusterRadius: 40,
      disableClusteringAtZoom: CLUSTER_BELOW_ZOOM,
      showCoverageOnHover: false,
      spiderfyOnMaxZoom: false,
      chunkedLoading: true,
      iconCreateFunction: (cluster) => clusterIcon(context, cluster),
    });
    // A cluster is a button too: Enter zooms to its sites, as a click does.
    group.on('clusterkeypress', (e) => {
      if (e.originalEvent && e.originalEvent.key === 'Enter') e.layer.zoomToBounds({ padding: [20, 20] });
    });
    const build = (feature) => {
      const [lon, lat] = feature.geometry.coordinates;
      const marker = L.marker([lat, lon], {
        icon: careIcon(context, feature.properties, color), keyboard: true, riseOnHover: true,
      });
      marker.feature = feature;
      marker.on('add', () => {
        const element = marker.getElement();
        if (element) element.setAttribute('aria-label', feature.properties.name);
      });
      context.bind(feature, marker);
      return marker;
    };
    group.updateFeatures = (features) => window.MapLoading.updateCluster(group, features, build);
    group.resize = () => group.eachLayer((m) => {
      const icon = careIcon(context, m.feature.properties, color);
      if (icon.options.html !== m.options.icon.options.html) m.setIcon(icon);
    });
    return group;
  }

  window.MapSites = { create };
}());
