"""folium maps of the scenario pages: the scenario editor (Leaflet.draw) and a run's result.

As on the overview map, folium builds the map with the vendored Leaflet (no CDN) and a
MacroElement hands it to static/js/scenario_editor.js or run_page.js; the layers come from the API.
"""

from __future__ import annotations

from typing import Any

import folium

from resilience.config import Settings
from resilience.web.maps import JsInit, base_map, basemap_config, categories_config

# Warning levels (scenario files spell them in English) and the colours of SMHI's warnings;
# their names are in web/names.py.
LEVEL_STYLE = {
    "yellow": "#f2c200",
    "orange": "#f77f00",
    "red": "#d00000",
}
OUTAGE_COLOR = "#3d405b"
ROAD_CLOSURE_COLOR = "#6a040f"  # v3: areas where every road is closed
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


# A site cold at the slider's hour (coverage-model.md, "Heat").
COLD_COLOR = "#1d6fb8"


# Issue 21: a closed road segment, and the outline of a cell cut off from some service.
CLOSED_ROAD_COLOR = "#111111"
CUT_OFF_COLOR = "#6a040f"


def styles() -> dict[str, Any]:
    return {
        "levels": dict(LEVEL_STYLE),
        "outage": OUTAGE_COLOR,
        "closure": ROAD_CLOSURE_COLOR,
        "gaps": GAP_COLORS,
        "newGap": NEW_GAP_COLOR,
        "unpowered": UNPOWERED_COLOR,
        "generator": GENERATOR_COLOR,
        "cold": COLD_COLOR,
        "closedRoad": CLOSED_ROAD_COLOR,
        "cutOff": CUT_OFF_COLOR,
    }


def editor_map(settings: Settings, config: dict[str, Any]) -> folium.Map:
    # SVG, not canvas: Leaflet.draw's editing handles work on SVG paths.
    fmap = base_map(settings, canvas=False, draw=True)
    # The same layers as the main map, from our own vector tiles (drawing needs no internet).
    extra = {"styles": styles(), "basemap": basemap_config(), "categories": categories_config()}
    JsInit("ScenarioEditor.init", config | extra).add_to(fmap)
    return fmap


def run_map(settings: Settings, config: dict[str, Any]) -> folium.Map:
    fmap = base_map(settings, canvas=True)
    extra = {"styles": styles(), "basemap": basemap_config()}
    JsInit("RunPage.init", config | extra).add_to(fmap)
    return fmap
