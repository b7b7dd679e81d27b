"""services/scenario_layers.py: a scenario's outage areas, snow zones and road closures as
GeoJSON for the map and the editor, transformed from the stored EPSG:3006 in one place; a
saved scenario as it is now, a run's as it was computed."""

from __future__ import annotations

import copy

import pytest
import shapely
from shapely.geometry import shape
from sqlalchemy.orm import Session

from resilience.errors import NotFound
from resilience.scenarios import parse_scenario
from resilience.services import runs, scenario_layers, scenarios
from resilience.vocabulary import SWEREF99TM
from tests.factories import OUTAGE_ABACKA, TWO_DURATIONS, box_polygon, saved_scenario

SNOWY = {
    **copy.deepcopy(OUTAGE_ABACKA),
    "snow_zones": [
        {"level": "orange", "geometry": box_polygon(760_000, 7_080_000, 770_000, 7_090_000)},
        {"level": "red", "geometry": box_polygon(750_000, 7_085_000, 770_000, 7_090_000)},
    ],
    "parameters": {"food_minutes": 20},
}


def _definition(document: dict) -> dict:
    return parse_scenario(document).to_definition()


def test_one_outage_feature_for_one_duration_and_the_snow_zones() -> None:
    layers = scenario_layers.definition_geojson(_definition(SNOWY), SWEREF99TM)
    roles = [(f["properties"]["role"], f["properties"].get("level")) for f in layers["features"]]
    assert roles == [("outage", None), ("snow_zone", "orange"), ("snow_zone", "red")]
    outage = layers["features"][0]
    assert outage["properties"] == {
        "role": "outage",
        "duration_hours": 24.0,
        "index": 0,
        "own_duration": False,
    }
    assert shape(outage["geometry"]).equals(shapely.box(750_000, 7_080_000, 760_000, 7_090_000))
    assert [f["properties"].get("index") for f in layers["features"][1:]] == [0, 1]
    assert layers["scenario"] == {
        "name": "Avbrott i Åbacka",
        "description": "",
        "duration_hours": 24.0,
        "outage_duration": 24.0,
        "parameters": {"food_minutes": 20},
    }
    assert layers["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::3006"


def test_each_area_its_own_duration_and_the_road_closures() -> None:
    layers = scenario_layers.definition_geojson(_definition(TWO_DURATIONS), SWEREF99TM)
    outages = [f["properties"] for f in layers["features"] if f["properties"]["role"] == "outage"]
    assert outages == [
        {"role": "outage", "duration_hours": 12.0, "index": 0, "own_duration": True},
        {"role": "outage", "duration_hours": 48.0, "index": 1, "own_duration": True},
    ]
    (closure,) = [f for f in layers["features"] if f["properties"]["role"] == "road_closure"]
    assert shape(closure["geometry"]).area == 4e6
    assert layers["scenario"]["outage_duration"] == 48.0


def test_lon_lat_to_six_decimals_by_default() -> None:
    layers = scenario_layers.definition_geojson(_definition(OUTAGE_ABACKA))
    assert "crs" not in layers  # GeoJSON's own: WGS 84
    minx, miny, maxx, maxy = shape(layers["features"][0]["geometry"]).bounds
    assert 19.9 < minx < maxx < 20.4 and 63.7 < miny < maxy < 63.9
    for lon, lat in shapely.get_coordinates(shape(layers["features"][0]["geometry"])):
        assert (round(lon, 6), round(lat, 6)) == (lon, lat)  # ~0.1 m


def test_a_scenario_without_areas_has_no_features() -> None:
    layers = scenario_layers.definition_geojson(_definition({"name": "Lugnt väder"}))
    assert layers["features"] == [] and layers["scenario"]["name"] == "Lugnt väder"


def test_a_saved_scenario_as_it_is_now_and_a_run_as_it_was(db_session: Session) -> None:
    scenario = saved_scenario(db_session, OUTAGE_ABACKA)
    run = runs.start_run(db_session, scenario)
    db_session.flush()
    scenarios.update_scenario(db_session, scenario, parse_scenario(SNOWY))
    now = scenario_layers.scenario_geojson(db_session, scenario.id, SWEREF99TM)
    assert len(now["features"]) == 3
    then = scenario_layers.run_areas_geojson(db_session, run.id, SWEREF99TM)
    assert [f["properties"]["role"] for f in then["features"]] == ["outage"]
    with pytest.raises(NotFound):
        scenario_layers.scenario_geojson(db_session, 999_999)
    with pytest.raises(NotFound):
        scenario_layers.run_areas_geojson(db_session, 999_999)
