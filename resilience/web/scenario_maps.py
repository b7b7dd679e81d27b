"""folium maps of the scenario pages: the scenario editor (Leaflet.draw) and a run's result.

As on the overview map, folium builds the map with the vendored Leaflet (no CDN) and a
MacroElement hands it to a function of static/js/scenarios.js; the layers come from the API.
"""

from __future__ import annotations

import json
from typing import Any

import folium
from branca.element import MacroElement
from flask import url_for
from jinja2 import Template

from resilience.config import Settings
from resilience.i18n import gettext as _
from resilience.web.maps import COUNTY_CENTRE

# Warning levels (scenario files spell them in English) and the colours of SMHI's warnings.
LEVEL_STYLE = {
    "yellow": ("yellow warning", "#f2c200"),
    "orange": ("orange warning", "#f77f00"),
    "red": ("red warning", "#d00000"),
}
OUTAGE_COLOR = "#3d405b"
# Gap cells by the services lost there (food, care, shelter as "f", "c", "s").
GAP_COLORS = {
    "f": "#fdb863",
    "c": "#b2abd2",
    "s": "#80cdc1",
    "fc": "#e08214",
    "fs": "#c2a5cf",
    "cs": "#5e3c99",
    "fcs": "#2d004b",
}
NEW_GAP_COLOR = "#e63946"
UNPOWERED_COLOR = "#d62828"
GENERATOR_COLOR = "#f77f00"


class PageScript(MacroElement):
    """Hands the folium map to ScenarioPages.<function>(map, config)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        ScenarioPages.{{ this.function }}({{ this._parent.get_name() }}, {{ this.config }});
        {% endmacro %}"""
    )

    def __init__(self, function: str, config: dict[str, Any]) -> None:
        super().__init__()
        self._name = "ScenarioPages"
        self.function = function
        # Inside an inline <script>: "</" would end it early, so escape it.
        self.config = json.dumps(config, ensure_ascii=False).replace("</", "<\\/")


def base_map(settings: Settings, *, canvas: bool = True, draw: bool = False) -> folium.Map:
    """The county with the configured base map, Leaflet (and Leaflet.draw) from /static."""
    fmap = folium.Map(
        location=COUNTY_CENTRE,
        zoom_start=6,
        tiles=None,
        prefer_canvas=canvas,
        control_scale=True,
        zoom_snap=0.25,
    )
    # Local copies only: the maps must work where CDNs are unreachable.
    fmap.default_js = [("leaflet", url_for("static", filename="vendor/leaflet/leaflet.js"))]
    fmap.default_css = [("leaflet_css", url_for("static", filename="vendor/leaflet/leaflet.css"))]
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


def styles() -> dict[str, Any]:
    return {
        "levels": {level: color for level, (_label, color) in LEVEL_STYLE.items()},
        "outage": OUTAGE_COLOR,
        "gaps": GAP_COLORS,
        "newGap": NEW_GAP_COLOR,
        "unpowered": UNPOWERED_COLOR,
        "generator": GENERATOR_COLOR,
    }


def editor_map(settings: Settings, config: dict[str, Any]) -> folium.Map:
    # SVG, not canvas: Leaflet.draw's editing handles work on SVG paths.
    fmap = base_map(settings, canvas=False, draw=True)
    PageScript("initEditor", config | {"styles": styles()}).add_to(fmap)
    return fmap


def run_map(settings: Settings, config: dict[str, Any]) -> folium.Map:
    fmap = base_map(settings, canvas=True)
    PageScript("initRunMap", config | {"styles": styles()}).add_to(fmap)
    return fmap
