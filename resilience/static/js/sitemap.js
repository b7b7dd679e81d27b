/* The small map of the site page (resilience/web/maps.py site_map): the site as a dot in
 * its category's colour, and the municipalities' outlines and names from the API, so the
 * map says where the site is even when the base map's tiles cannot be fetched.
 */
(function () {
  'use strict';

  function init(map, config) {
    const site = config.site;
    const at = [site.lat, site.lon];
    map.setView(at, 10);
    window.BaseMap.attach(map, config.basemap, {}); // offline: our own base map
    fetch(config.urls.municipalities, { credentials: 'same-origin' })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => {
        if (!data) return;
        L.geoJSON(data, {
          interactive: false,
          style: { color: '#1d3557', weight: 1.5, fill: false },
        }).addTo(map).bringToBack();
      })
      .catch(() => {});  // the dot alone still shows where the site is
    L.circleMarker(at, {
      radius: 8, color: '#fff', weight: 2, fillColor: site.color, fillOpacity: 1,
    })
      .bindTooltip(escapeHtml(site.name), { permanent: true, direction: 'right', offset: [8, 0] })
      .addTo(map);
  }

  window.SiteMap = { init };
}());
