/* The energy map: buildings coloured by energy class and sized by annual use, and the
   municipalities as a choropleth of total use or of savings achieved. Colours, radii and
   class limits come computed from the API (resilience/web/charts.py); this only draws. */
window.EnergyMap = (function () {
  "use strict";
  var esc = window.escapeHtml;  // static/js/escape.js
  function init(map, config) {
    var t = window.I18n.t;
    var name = window.I18n.name;
    var locale = config.lang === "sv" ? "sv-SE" : "en-GB";
    var n0 = new Intl.NumberFormat(locale, {maximumFractionDigits: 0});
    var n1 = new Intl.NumberFormat(locale, {maximumFractionDigits: 1});
    var num = function (v, f) { return v == null ? "–" : (f || n0).format(v); };
    var status = document.getElementById("energy-status");
    function say(text, isError) {
      status.hidden = !text;
      status.textContent = text || "";
      status.classList.toggle("is-error", !!isError);
    }
    function get(url) {
      return fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (r) {
          if (!r.ok) { throw new Error(r.status + " " + r.statusText); }
          return r.json();
        });
    }
    function row(label, value) { return "<tr><th>" + esc(label) + "</th><td>" + value + "</td></tr>"; }

    function buildingPopup(p) {
      var use = num(p.use_kwh_year) + " kWh" + (p.use_source === "metered" ? " (" + esc(t("metered")) + " " + esc(p.use_year) + ")" : "");
      var cls = p.energy_class ? '<span class="eclass eclass-' + esc(p.energy_class) + '" style="background:' + esc(p.color) + '">' + esc(p.energy_class) + "</span>" : "–";
      return '<div class="popup"><h3>' + esc(p.name) + "</h3><table>" +
        row(t("Energy class"), cls) +
        row(t("Intensity"), num(p.intensity_kwh_m2) + " kWh/m²") +
        row(t("Annual use"), use) +
        row(t("Heated area"), num(p.heated_area_m2) + " m²") +
        row(t("Saving potential"), num(p.saving_potential_kwh_year) + " kWh") +
        row(t("Savings achieved"), num(p.savings_done_kwh_year) + " kWh") +
        row(t("Owner"), esc(p.owner ? name("owner", p.owner) : "–")) +
        row(t("Heating"), esc(p.heating ? name("heating", p.heating) : "–")) +
        row(t("Styrel priority"), esc(p.styrel_priority || "–")) +
        row(t("Backup power"), p.has_backup ? num(p.backup_kw) + " kW, " + num(p.fuel_hours) + " h" : esc(t("no"))) +
        row(t("Warm shelter"), p.warm_shelter ? num(p.shelter_capacity) + " " + esc(t("places")) : esc(t("no"))) +
        '</table><p class="popup-link"><a href="' + esc(config.urls.buildingPage + p.id) + '">' + esc(t("Details")) + " →</a></p></div>";
    }
    function municipalityPopup(p) {
      return '<div class="popup"><h3>' + esc(p.name) + "</h3><table>" +
        row(t("Annual use"), num(p.use_mwh_year) + " MWh") +
        row(t("Savings achieved"), num(p.savings_done_mwh_year, n1) + " MWh") +
        row(t("Saving potential"), num(p.saving_potential_mwh_year) + " MWh") +
        row(t("Intensity"), num(p.intensity_kwh_m2) + " kWh/m²") +
        row(t("Heated area"), num(p.heated_area_m2) + " m²") +
        "</table></div>";
    }
    function choropleth(colorKey) {
      return L.geoJSON(null, {
        style: function (f) {
          return {color: "#555", weight: 1, fillColor: f.properties[colorKey], fillOpacity: 0.65};
        },
        onEachFeature: function (f, layer) {
          layer.bindPopup(municipalityPopup(f.properties));
          layer.bindTooltip(esc(f.properties.name), {sticky: true, className: "map-tooltip"});
        }
      });
    }
    var useLayer = choropleth("use_color").addTo(map);
    var savingsLayer = choropleth("savings_color");
    var none = L.layerGroup();
    var buildings = L.layerGroup().addTo(map);
    var bases = {};
    bases[t("Total use per municipality")] = useLayer;
    bases[t("Savings achieved per municipality")] = savingsLayer;
    bases["–"] = none;
    var overlays = {};
    overlays[t("Buildings by energy class")] = buildings;
    Object.assign(overlays, window.BaseMap.attach(map, config.basemap, {}).overlays);
    L.control.layers(bases, overlays, {collapsed: false}).addTo(map);

    var legend = L.control({position: "bottomleft"});
    var breaks = null;
    legend.onAdd = function () {
      // A <details>: folded to its heading on a phone, where it would cover the map.
      this._div = L.DomUtil.create("details", "legend");
      this._div.open = !window.matchMedia("(max-width: 48rem)").matches;
      L.DomEvent.disableClickPropagation(this._div);
      return this._div;
    };
    legend.update = function (which) {
      var html = "<summary><h4>" + esc(t("Legend")) + "</h4></summary><h4>" + esc(t("Energy class")) + "</h4>";
      Object.keys(config.classes).forEach(function (k) {
        html += '<div><i class="dot" style="background:' + esc(config.classes[k]) + '"></i>' + esc(k === "none" ? t("no data") : k) + "</div>";
      });
      html += '<div class="legend-note">' + esc(t("Circle size: annual use")) + "</div>";
      if (breaks && which) {
        var colors = which === "use" ? config.useColors : config.savingsColors;
        var limits = which === "use" ? breaks.use_mwh_year : breaks.savings_done_mwh_year;
        html += "<h4>" + esc(which === "use" ? t("Total use per municipality") : t("Savings achieved per municipality")) + " (MWh)</h4>";
        for (var i = 0; i < colors.length; i++) {
          html += '<div><i style="background:' + esc(colors[i]) + '"></i>' + num(limits[i]) + "–" + num(limits[i + 1]) + "</div>";
        }
      }
      this._div.innerHTML = html;
    };
    legend.addTo(map);
    legend.update(null);  // the classes at once; the municipalities' breaks once loaded
    var current = "use";
    map.on("baselayerchange", function (e) {
      current = e.layer === useLayer ? "use" : e.layer === savingsLayer ? "savings" : null;
      legend.update(current);
      buildings.eachLayer(function (l) { l.bringToFront(); });
    });

    say(t("Loading…"));
    Promise.all([get(config.urls.municipalities), get(config.urls.buildings)]).then(function (docs) {
      var munis = docs[0], houses = docs[1];
      breaks = munis.breaks;
      useLayer.addData(munis);
      savingsLayer.addData(munis);
      map.invalidateSize();  // the bar above the map may have changed its height
      if (useLayer.getLayers().length) { map.fitBounds(useLayer.getBounds(), {padding: [10, 10]}); }
      houses.features.sort(function (a, b) { return b.properties.radius - a.properties.radius; });
      houses.features.forEach(function (f) {
        var p = f.properties, c = f.geometry.coordinates;
        L.circleMarker([c[1], c[0]], {
          radius: p.radius, color: p.warm_shelter ? "#1d3557" : "#fff", weight: p.warm_shelter ? 2 : 1,
          fillColor: p.color, fillOpacity: 0.9
        }).bindPopup(buildingPopup(p)).bindTooltip(esc(p.name), {className: "map-tooltip"}).addTo(buildings);
      });
      legend.update(current);
      say("");
    }).catch(function (err) { say(t("Could not load") + ": " + err.message, true); });
  }
  return {init: init};
})();
