"""Scenario files, version 3: a Feature's properties.duration_hours, road closures, and the
live scenario's wind areas with their own durations."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from resilience.analysis.spatial import outage_hours_xy
from resilience.scenarios import ActiveWarning, ScenarioError, live_scenario, parse_scenario


def box(x0: float, y0: float, x1: float, y1: float) -> dict:
    return shapely.geometry.mapping(shapely.box(x0, y0, x1, y1))


def feature(geometry: dict, **properties: object) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


WEST = box(600_000, 7_100_000, 610_000, 7_110_000)
EAST = box(700_000, 7_100_000, 710_000, 7_110_000)


def test_a_feature_s_duration_overrides_the_scenario_s() -> None:
    """West carries 48 h, east none (the scenario's 12 h): a site in the west has D 48, one
    in the east 12; the scenario's D is 48, and the definition round-trips."""
    spec = parse_scenario(
        {
            "name": "Två vindområden",
            "crs": "EPSG:3006",
            "outage": {
                "duration_hours": 12,
                "areas": {
                    "type": "FeatureCollection",
                    "features": [feature(WEST, duration_hours=48), feature(EAST)],
                },
            },
        }
    )
    assert spec.duration_hours == 12 and spec.outage_duration == 48
    assert [part.duration_hours for part in spec.outage_parts] == [48.0, 12.0]
    scenario = spec.to_analysis()
    assert scenario.outage_duration == 48.0
    hours = outage_hours_xy(scenario, np.array([605_000.0, 705_000.0, 0.0]), np.full(3, 7.105e6))
    assert hours.tolist() == [48.0, 12.0, 0.0]
    assert len(scenario.timeline_hours()) == 48
    again = parse_scenario(spec.to_definition())
    assert [p.duration_hours for p in again.outage_parts] == [48.0, 12.0]
    assert again.outage.equals_exact(spec.outage, 1e-6)


def test_without_own_durations_the_outage_is_as_before() -> None:
    spec = parse_scenario(
        {
            "name": "En varaktighet",
            "crs": "EPSG:3006",
            "outage": {
                "duration_hours": 6,
                "areas": {"type": "FeatureCollection", "features": [feature(WEST), feature(EAST)]},
            },
        }
    )
    assert spec.outage_parts == () and spec.to_analysis().outage is not None
    assert spec.to_definition()["outage"]["areas"]["type"] == "MultiPolygon"


@pytest.mark.parametrize("hours", [0, 0.05, 9000, "48", True])
def test_a_feature_s_duration_is_checked_as_the_scenario_s(hours: object) -> None:
    document = {
        "name": "Fel",
        "crs": "EPSG:3006",
        "outage": {
            "areas": {
                "type": "FeatureCollection",
                "features": [feature(WEST, duration_hours=hours)],
            }
        },
    }
    with pytest.raises(ScenarioError) as error:
        parse_scenario(document)
    assert "features[0].properties.duration_hours" in str(error.value.args[0])


def test_road_closures_and_closure_level() -> None:
    spec = parse_scenario(
        {
            "name": "Avstängd väg",
            "crs": "EPSG:3006",
            "road_closures": {"type": "FeatureCollection", "features": [feature(WEST)]},
            "parameters": {"closure_level": "red", "road_speeds": {"track": 15}},
        }
    )
    scenario = spec.to_analysis()
    assert scenario.road_closures is not None and scenario.road_closures.area == 1e8
    assert scenario.parameters.closure_level == "red"
    assert scenario.parameters.road_speeds["track"] == 15.0
    assert scenario.parameters.road_speeds["primary"] == 80.0
    assert parse_scenario(spec.to_definition()).road_closures.equals_exact(spec.road_closures, 1e-6)
    with pytest.raises(ScenarioError, match="closure_level"):
        parse_scenario({"name": "x", "parameters": {"closure_level": "black"}})


def test_the_live_scenario_gives_each_wind_area_its_duration() -> None:
    """An orange wind area (12 h) and a red one (48 h) in one live scenario."""
    orange = shapely.box(600_000, 7_100_000, 610_000, 7_110_000)
    red = shapely.box(700_000, 7_100_000, 710_000, 7_110_000)
    spec = live_scenario([ActiveWarning("orange", True, orange), ActiveWarning("red", True, red)])
    assert [p.duration_hours for p in spec.outage_parts] == [12.0, 48.0]
    scenario = spec.to_analysis()
    hours = outage_hours_xy(scenario, np.array([605_000.0, 705_000.0]), np.full(2, 7.105e6))
    assert hours.tolist() == [12.0, 48.0]
    assert scenario.outage_duration == 48.0
