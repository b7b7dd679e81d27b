/* The map of a backup-power plan (resilience/web/plans.py): the ranked sites are folium
 * markers; this adds our own base map, so the map says where they are without internet.
 */
(function () {
  'use strict';

  function init(map, config) {
    window.BaseMap.attach(map, config.basemap, {});
  }

  window.PlanMap = { init };
}());
