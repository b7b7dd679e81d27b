/* The map of a backup-power plan (resilience/web/plans.py): our own base map, so the map
 * says where the sites are without internet, and the ranked sites as numbered markers,
 * coloured by their rank's band, rank 1 drawn on top of every other (a higher rank lies
 * below a lower one where they overlap), with a legend that says what they mean.
 *
 *   PlanMap.init(map, {basemap, sites: [{rank, name, kind, lat, lon}],
 *                      bands: [{upTo, color, text, label}]})   upTo null: every rank after
 *
 * For tests the body carries data-plan-markers (the markers drawn).
 */
(function () {
  'use strict';

  const { escapeHtml } = window;

  function band(bands, rank) {
    return bands.find((b) => b.upTo === null || rank <= b.upTo) || bands[bands.length - 1];
  }

  function marker(site, count, bands) {
    const b = band(bands, site.rank);
    const icon = L.divIcon({
      html: `<span class="plan-rank" style="background:${escapeHtml(b.color)};color:${escapeHtml(b.text)}">${site.rank}</span>`,
      className: 'plan-rank-icon',
      iconSize: [24, 24],
      iconAnchor: [12, 12],
    });
    // Leaflet stacks markers by their screen y; an offset larger than any map's height
    // per rank puts rank 1 above rank 2, rank 2 above rank 3, and so on.
    const m = L.marker([site.lat, site.lon], {
      icon,
      zIndexOffset: (count - site.rank + 1) * 10000,
      keyboard: true,
      title: `${site.rank}. ${site.name}`,
      alt: `${site.rank}. ${site.name}`,
    });
    const kind = site.kind ? ` (${window.I18n.name('kind', site.kind)})` : '';
    m.bindTooltip(escapeHtml(`${site.rank}. ${site.name}${kind}`));
    return m;
  }

  function legendHtml(bands) {
    const { t } = window.I18n;
    const parts = [`<summary><h4>${escapeHtml(t('Legend'))}</h4></summary>`];
    parts.push(`<div class="legend-note">${escapeHtml(t('A number: the rank of the site in the plan, 1 first to get fixed backup power.'))}</div>`);
    bands.forEach((b) => {
      parts.push(`<div class="plan-band"><i class="dot" style="background:${escapeHtml(b.color)}"></i>${escapeHtml(b.label)}</div>`);
    });
    parts.push(`<div class="legend-note">${escapeHtml(t('Where markers overlap, the lower rank is drawn on top.'))}</div>`);
    return parts.join('');
  }

  function legendControl(bands) {
    const control = L.control({ position: 'bottomright' });
    control.onAdd = () => {
      const div = L.DomUtil.create('details', 'legend plan-legend');
      div.open = !window.matchMedia('(max-width: 48rem)').matches; // folded on a phone
      div.innerHTML = legendHtml(bands);
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    return control;
  }

  function init(map, config) {
    window.BaseMap.attach(map, config.basemap, {});
    const sites = config.sites || [];
    sites.forEach((site) => marker(site, sites.length, config.bands).addTo(map));
    if (sites.length) legendControl(config.bands).addTo(map); // no markers: nothing to explain
    document.body.dataset.planMarkers = String(sites.length);
  }

  window.PlanMap = { init };
}());
