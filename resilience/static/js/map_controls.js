/* The main map's layer control and legend (resiliencemap.js). The legend is a <details>,
 * folded to its heading on a phone (where it would cover the map) and whenever a popup
 * opens; it lists the categories in the server's order and colours (config.categories).
 *
 *   MapControls.layers(map, layers)    layers: { municipalities, population, warnings,
 *                                      sites: { category: group }, base: BaseMap's result }
 *   MapControls.legend(map, config)
 */
(function () {
  'use strict';

  const { escapeHtml } = window;
  const WARNING_COLORS = {
    yellow: '#f2c500', orange: '#f08c00', red: '#e03131', message: '#868e96',
  };

  // A phone's width (app.css folds the top bar's menu at the same 48rem).
  function narrowScreen() {
    return window.matchMedia('(max-width: 48rem)').matches;
  }

  function markerClass(category) {
    return category.marker === 'plant' ? 'dot plant' : 'dot';
  }

  function layers(map, config, groups) {
    const { t, name } = window.I18n;
    const { swatch } = window.Popup;
    const { DENSITY_COLORS } = window.BaseMap;
    const categories = config.categories || {};
    const overlays = {};
    overlays[swatch('transparent', 'line') + escapeHtml(t('Municipalities'))] = groups.municipalities;
    overlays[swatch(DENSITY_COLORS[3], 'square') + escapeHtml(t('Population grid'))] = groups.population;
    Object.keys(categories).forEach((c) => {
      const label = swatch(categories[c].color, markerClass(categories[c])) + escapeHtml(name('category', c));
      overlays[label] = groups.sites[c];
    });
    overlays[swatch(WARNING_COLORS.orange, 'square') + escapeHtml(t('Weather warnings'))] = groups.warnings;
    // Our own base map and place names, and folium's internet base map when a tile URL is
    // configured (static/js/basemap.js switches to ours when its tiles fail).
    Object.assign(overlays, groups.base.overlays);
    return L.control.layers(null, overlays, {
      collapsed: narrowScreen(), position: 'topright',
    }).addTo(map);
  }

  function densityLines(fmt) {
    const { swatch } = window.Popup;
    const { DENSITY_BREAKS, DENSITY_COLORS } = window.BaseMap;
    return DENSITY_BREAKS.map((lower, i) => {
      const upper = DENSITY_BREAKS[i + 1];
      const range = upper === undefined
        ? '≥ ' + fmt(lower) : fmt(lower) + '–' + fmt(upper - 1);
      return '<div>' + swatch(DENSITY_COLORS[i], 'square') + range + '</div>';
    }).join('');
  }

  // Downloads for QGIS/ArcGIS (the export page has the choices).
  function exportLines(exports) {
    const { t } = window.I18n;
    if (!exports) return '';
    const links = exports.formats.map((f) => '<a href="'
      + escapeHtml(window.Api.withParams(exports.layers, { format: f[0] })) + '">'
      + escapeHtml(f[1]) + '</a>').join(' · ');
    return '<h5>' + escapeHtml(t('Export all layers')) + '</h5>'
      + '<div class="legend-exports" style="white-space: normal">' + links + '</div>'
      + '<div><a href="' + escapeHtml(exports.page) + '">'
      + escapeHtml(t('More choices…')) + '</a></div>';
  }

  function legendHtml(config) {
    const { t, name } = window.I18n;
    const { swatch } = window.Popup;
    const fmt = (value) => window.Format.number(value, 1);
    const categories = config.categories || {};
    let html = '<summary><h4>' + escapeHtml(t('Legend')) + '</h4></summary><h5>' + escapeHtml(t('Sites')) + '</h5>';
    Object.keys(categories).forEach((c) => {
      html += '<div>' + swatch(categories[c].color, markerClass(categories[c])) + escapeHtml(name('category', c)) + '</div>';
    });
    html += '<div class="legend-note">' + swatch('#888', 'dot big')
      + escapeHtml(t('Hospital or warm shelter')) + '</div>';
    html += '<div class="legend-note"><i class="cluster-swatch">3</i>'
      + escapeHtml(t('Care sites close together; zoom in')) + '</div>';
    html += '<h5>' + escapeHtml(t('Population grid')) + '</h5>'
      + '<div class="legend-note">' + escapeHtml(t('inhabitants per km²')) + '</div>';
    html += densityLines(fmt);
    html += '<h5>' + escapeHtml(t('Weather warnings')) + '</h5>';
    ['yellow', 'orange', 'red'].forEach((level) => {
      html += '<div>' + swatch(WARNING_COLORS[level], 'square')
        + escapeHtml(name('warning', level)) + '</div>';
    });
    html += '<h5>' + escapeHtml(t('Municipalities')) + '</h5><div>'
      + swatch('transparent', 'line') + escapeHtml(t('Municipal boundary')) + '</div>';
    return html + exportLines(config.exports);
  }

  function legend(map, config) {
    const control = L.control({ position: 'bottomright' });
    control.onAdd = function onAdd() {
      const div = L.DomUtil.create('details', 'legend');
      div.open = !narrowScreen();
      div.setAttribute('role', 'region');
      div.setAttribute('aria-label', window.I18n.t('Legend'));
      div.innerHTML = legendHtml(config);
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    control.addTo(map);
    // An open popup is not hidden behind the legend: the legend folds to its heading.
    map.on('popupopen', () => { control.getContainer().open = false; });
    return control;
  }

  window.MapControls = {
    layers, legend, WARNING_COLORS,
  };
}());
