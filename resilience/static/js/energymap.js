/* The energy map: buildings coloured by energy class and sized by annual use, and the
 * municipalities as a choropleth of total use or of savings achieved. Colours, radii and
 * class limits come computed from the API (resilience/web/charts.py); this only draws.
 *
 *   EnergyMap.init(map, config)   (folium's JsInit, resilience/web/energy_pages/register.py)
 */
(function () {
  'use strict';

  const { escapeHtml } = window; // static/js/escape.js
  const num = (value, digits) => window.Format.number(value, digits || 0);

  function buildingPopup(p, config) {
    const { t, name } = window.I18n;
    const metered = p.use_source === 'metered'
      ? ` (${escapeHtml(t('metered'))} ${escapeHtml(p.use_year)})` : '';
    const cls = p.energy_class
      ? `<span class="eclass eclass-${escapeHtml(p.energy_class)}" style="background:${escapeHtml(p.color)}">${escapeHtml(p.energy_class)}</span>`
      : '–';
    return window.Popup.table(p.name, [
      [t('Energy class'), cls],
      [t('Intensity'), `${num(p.intensity_kwh_m2)} kWh/m²`],
      [t('Annual use'), `${num(p.use_kwh_year)} kWh${metered}`],
      [t('Heated area'), `${num(p.heated_area_m2)} m²`],
      [t('Saving potential'), `${num(p.saving_potential_kwh_year)} kWh`],
      [t('Savings achieved'), `${num(p.savings_done_kwh_year)} kWh`],
      [t('Owner'), escapeHtml(p.owner ? name('owner', p.owner) : '–')],
      [t('Heating'), escapeHtml(p.heating ? name('heating', p.heating) : '–')],
      [t('Styrel priority'), escapeHtml(p.styrel_priority || '–')],
      [t('Backup power'), p.has_backup ? `${num(p.backup_kw)} kW, ${num(p.fuel_hours)} h` : escapeHtml(t('no'))],
      [t('Warm shelter'), p.warm_shelter ? `${num(p.shelter_capacity)} ${escapeHtml(t('places'))}` : escapeHtml(t('no'))],
    ], window.Popup.link(config.urls.buildingPage + p.id, t('Details')));
  }

  function municipalityPopup(p) {
    const { t } = window.I18n;
    return window.Popup.table(p.name, [
      [t('Annual use'), `${num(p.use_mwh_year)} MWh`],
      [t('Savings achieved'), `${num(p.savings_done_mwh_year, 1)} MWh`],
      [t('Saving potential'), `${num(p.saving_potential_mwh_year)} MWh`],
      [t('Intensity'), `${num(p.intensity_kwh_m2)} kWh/m²`],
      [t('Heated area'), `${num(p.heated_area_m2)} m²`],
    ]);
  }

  function choropleth(colorKey) {
    return L.geoJSON(null, {
      style: (f) => ({
        color: '#555', weight: 1, fillColor: f.properties[colorKey], fillOpacity: 0.65,
      }),
      onEachFeature: (f, layer) => {
        layer.bindPopup(municipalityPopup(f.properties));
        layer.bindTooltip(escapeHtml(f.properties.name), { sticky: true, className: 'map-tooltip' });
      },
    });
  }

  // The legend: the energy classes, and the chosen choropleth's classes once loaded.
  function legendHtml(config, breaks, which) {
    const { t } = window.I18n;
    let html = `<summary><h4>${escapeHtml(t('Legend'))}</h4></summary><h4>${escapeHtml(t('Energy class'))}</h4>`;
    Object.keys(config.classes).forEach((k) => {
      html += `<div><i class="dot" style="background:${escapeHtml(config.classes[k])}"></i>${escapeHtml(k === 'none' ? t('no data') : k)}</div>`;
    });
    html += `<div class="legend-note">${escapeHtml(t('Circle size: annual use'))}</div>`;
    if (breaks && which) {
      const colors = which === 'use' ? config.useColors : config.savingsColors;
      const limits = which === 'use' ? breaks.use_mwh_year : breaks.savings_done_mwh_year;
      const title = which === 'use' ? t('Total use per municipality') : t('Savings achieved per municipality');
      html += `<h4>${escapeHtml(title)} (MWh)</h4>`;
      colors.forEach((color, i) => {
        html += `<div><i style="background:${escapeHtml(color)}"></i>${num(limits[i])}–${num(limits[i + 1])}</div>`;
      });
    }
    return html;
  }

  function legendControl(map, config) {
    const legend = L.control({ position: 'bottomleft' });
    legend.breaks = null;
    legend.onAdd = function onAdd() {
      // A <details>: folded to its heading on a phone, where it would cover the map.
      this.div = L.DomUtil.create('details', 'legend');
      this.div.open = !window.matchMedia('(max-width: 48rem)').matches;
      L.DomEvent.disableClickPropagation(this.div);
      return this.div;
    };
    legend.update = function update(which) {
      this.div.innerHTML = legendHtml(config, this.breaks, which);
    };
    legend.addTo(map);
    legend.update(null); // the classes at once; the municipalities' breaks once loaded
    return legend;
  }

  function drawBuildings(buildings, houses, config) {
    houses.features.sort((a, b) => b.properties.radius - a.properties.radius);
    houses.features.forEach((f) => {
      const p = f.properties;
      const [lon, lat] = f.geometry.coordinates;
      L.circleMarker([lat, lon], {
        radius: p.radius,
        color: p.warm_shelter ? '#1d3557' : '#fff',
        weight: p.warm_shelter ? 2 : 1,
        fillColor: p.color,
        fillOpacity: 0.9,
      }).bindPopup(buildingPopup(p, config))
        .bindTooltip(escapeHtml(p.name), { className: 'map-tooltip' })
        .addTo(buildings);
    });
  }

  function init(map, config) {
    const { t } = window.I18n;
    const status = document.getElementById('energy-status');
    const say = (text, isError) => window.Api.showStatus(status, text, isError);
    const layers = {
      use: choropleth('use_color').addTo(map),
      savings: choropleth('savings_color'),
      buildings: L.layerGroup().addTo(map),
    };
    const bases = {};
    bases[t('Total use per municipality')] = layers.use;
    bases[t('Savings achieved per municipality')] = layers.savings;
    bases['–'] = L.layerGroup();
    const overlays = {};
    overlays[t('Buildings by energy class')] = layers.buildings;
    Object.assign(overlays, window.BaseMap.attach(map, config.basemap, {}).overlays);
    L.control.layers(bases, overlays, { collapsed: false }).addTo(map);

    const legend = legendControl(map, config);
    let current = 'use';
    map.on('baselayerchange', (e) => {
      current = e.layer === layers.use ? 'use' : e.layer === layers.savings ? 'savings' : null;
      legend.update(current);
      layers.buildings.eachLayer((l) => l.bringToFront());
    });

    say(t('Loading…'));
    Promise.all([config.urls.municipalities, config.urls.buildings].map((url) => window.Api.json(url)))
      .then(([municipalities, houses]) => {
        legend.breaks = municipalities.breaks;
        layers.use.addData(municipalities);
        layers.savings.addData(municipalities);
        map.invalidateSize(); // the bar above the map may have changed its height
        if (layers.use.getLayers().length) map.fitBounds(layers.use.getBounds(), { padding: [10, 10] });
        drawBuildings(layers.buildings, houses, config);
        legend.update(current);
        say('');
      })
      .catch((err) => say(`${t('Could not load')}: ${err.message}`, true));
  }

  window.EnergyMap = { init };
}());
