"""folium builds the map object; layers are loaded by static/js/resiliencemap.js from the API
by bounding box, never inlined into the HTML."""

from __future__ import annotations

import json
from typing import Any

import folium
from branca.element import Figure, MacroElement
from flask import url_for
from flask_babel import gettext as _
from jinja2 import Template
from jinja2.utils import htmlsafe_json_dumps

from geodata.exporters import FORMAT_NAMES
from resilience.config import Settings
from resilience.vocabulary import CATEGORY, SITE_NUMBERS
from resilience.web import tiles
from resilience.web.security import with_nonce

# Västerbotten, roughly centred; the JS fits the view to the municipality layer.
COUNTY_CENTRE = (64.6, 18.0)


class JsInit(MacroElement):
    """Hands the folium map to a page's script: `<function>(map, config)`; the script then
    fetches its layers from the API."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        {{ this.function }}({{ this._parent.get_name() }}, {{ this.config }});
        {% endmacro %}"""
    )

    def __init__(self, function: str, config: dict[str, Any]) -> None:
        super().__init__()
        self._name = "JsInit"
        self.function = function
        # Inside an inline <script>: no "<", ">" or "&" at all ("</script>", "<!--").
        self.config = str(htmlsafe_json_dumps(config, dumps=json.dumps, ensure_ascii=False))


def base_map(settings: Settings, *, canvas: bool = True, draw: bool = False) -> folium.Map:
    """The county with the configured base map; Leaflet (and Leaflet.draw) from /static."""
    fmap = folium.Map(
        location=COUNTY_CENTRE,
        zoom_start=6,
        tiles=None,
        prefer_canvas=canvas,
        control_scale=True,
        zoom_snap=0.25,  # lets fitBounds fill the view with the long, narrow county
    )
    # Also without a tile layer: markercluster needs a finite maxZoom, our tiles end at 18.
    fmap.options["max_zoom"] = 18
    # Local copies only: the maps must work where CDNs are unreachable.
    fmap.default_js = [("leaflet", url_for("static", filename="vendor/leaflet/leaflet.js"))]
    fmap.default_css = [("leaflet_css", url_for("static", filename="vendor/leaflet/leaflet.css"))]
    # Our own base layer (vector tiles, web/tiles.py) and the offline fallback, on every map.
    fmap.default_js += [
        (
            "leaflet_vectorgrid",
            url_for("static", filename="vendor/leaflet-vectorgrid/Leaflet.VectorGrid.bundled.js"),
        ),
        ("basemap", url_for("static", filename="js/basemap.js")),
    ]
    fmap.default_css.append(("resilience_map_css", url_for("static", filename="css/map.css")))
    if draw:
        fmap.default_js.append(
            ("leaflet_draw", url_for("static", filename="vendor/leaflet-draw/leaflet.draw.js"))
        )
        fmap.default_css.append(
            ("leaflet_draw_css", url_for("static", filename="vendor/leaflet-draw/leaflet.draw.css"))
        )
    if settings.tile_url:  # empty: no base map (offline networks, tests)
        folium.TileLayer(
            tiles=settings.tile_url, attr=settings.tile_attribution, name=_("Map"), max_zoom=18
        ).add_to(fmap)
    return fmap


def basemap_config() -> dict[str, str]:
    """static/js/basemap.js's part of a map's config: where the vector tiles and names are."""
    return tiles.config() | {
        "attribution": _("Own map: SCB, GeoNames, © OpenStreetMap contributors")
    }


def categories_config() -> dict[str, dict[str, Any]]:
    """The site categories as the map scripts draw them, in the registry's order (legends,
    layer lists): all from their vocabulary entries, read when the page is built."""
    return {
        c.name: {
            "color": c.color,
            "marker": c.marker,
            "radius": c.radius,
            "tileRadius": c.tile_radius,
            "drawOrder": c.draw_order,
            "clustered": c.clustered,
        }
        for c in CATEGORY.values()
    }


def overview_map(settings: Settings) -> folium.Map:
    fmap = base_map(settings)
    # Care sites are DOM markers (keyboard-reachable, above the canvas), clustered at low zoom.
    fmap.default_js.append(
        (
            "leaflet_markercluster",
            url_for("static", filename="vendor/leaflet-markercluster/leaflet.markercluster.js"),
        )
    )
    fmap.default_css.append(
        (
            "leaflet_markercluster_css",
            url_for("static", filename="vendor/leaflet-markercluster/MarkerCluster.css"),
        )
    )
    config = {
        "urls": {
            "municipalities": url_for("api.municipalities", simplify=100),
            "population": url_for("api.population"),
            "sites": url_for("api.sites"),
            "warnings": url_for("api.list_warnings"),
            "sitePage": url_for("pages.site_page", site_id=0).removesuffix("0"),
        },
        "categories": categories_config(),
        "basemap": basemap_config(),
        "siteNumbers": list(SITE_NUMBERS),
        # Every layer for GIS in one click (web/exports.py); the export page has the choices.
        "exports": {
            "layers": url_for("api.export_layers"),
            "page": url_for("exports.page"),
            "formats": [[f, FORMAT_NAMES[f]] for f in ("gpkg", "shp", "csv", "geojson")],
        },
    }
    JsInit("ResilienceMap.init", config).add_to(fmap)
    return fmap


def site_map(settings: Settings, lon: float, lat: float, name: str, category: str) -> folium.Map:
    """The small map of a site page: the site and the municipalities (static/js/sitemap.js)."""
    fmap = base_map(settings, canvas=False)
    config = {
        "urls": {"municipalities": url_for("api.municipalities", simplify=100)},
        "basemap": basemap_config(),
        "site": {
            "lon": lon,
            "lat": lat,
            "name": name,
            "color": CATEGORY[category].color if category in CATEGORY else "#1d3557",
        },
    }
    JsInit("SiteMap.init", config).add_to(fmap)
    return fmap


def map_parts(fmap: folium.Map) -> dict[str, str]:
    """The header, body and script parts for embedding in our own Jinja layout."""
    root = fmap.get_root()
    assert isinstance(root, Figure)  # a Map's root is always a Figure (typed as Element)
    root.render()
    return {  # header and html hold <script> tags: they get the page's CSP nonce
        "header": with_nonce(root.header.render()),
        "html": with_nonce(root.html.render()),
        "script": root.script.render(),  # goes inside the template's own nonce'd <script>
    }
