"""Scenario files: valid ones normalise to EPSG:3006, bad ones say where they are wrong."""

from __future__ import annotations

import json

import pytest

from resilience.scenarios import ScenarioError, parse_scenario, parse_scenario_json

# A box over inland Västerbotten (Lycksele), lon/lat.
LYCKSELE_BOX = {
    "type": "Polygon",
    "coordinates": [[[18.0, 64.4], [19.2, 64.4], [19.2, 64.8], [18.0, 64.8], [18.0, 64.4]]],
}


def test_minimal_scenario_has_the_defaults() -> None:
    spec = parse_scenario({"name": "Lugnt väder"})
    assert spec.duration_hours == 24 and spec.outage is None and spec.snow_zones == ()
    assert spec.to_analysis().parameters.speed_kmh == 70


def test_wgs84_areas_are_transformed_to_sweref99tm() -> None:
    spec = parse_scenario(
        {
            "name": "Storm över inlandet",
            "outage": {"duration_hours": 48, "areas": LYCKSELE_BOX},
            "snow_zones": [{"level": "red", "geometry": LYCKSELE_BOX}],
            "parameters": {"food_minutes": 20},
        }
    )
    minx, miny, maxx, maxy = spec.outage.bounds
    assert 600_000 < minx < maxx < 710_000 and 7_130_000 < miny < maxy < 7_200_000
    assert spec.snow_zones[0].level == "red"
    again = parse_scenario(spec.to_definition())  # stored definitions parse to the same
    assert again.outage.equals_exact(spec.outage, 1e-6)
    assert again.to_analysis().parameters.food_minutes == 20


def test_feature_collection_and_sweref_input() -> None:
    square = {
        "type": "Polygon",
        "coordinates": [
            [[700000, 7100000], [710000, 7100000], [710000, 7110000], [700000, 7100000]]
        ],
    }
    spec = parse_scenario(
        {
            "name": "x",
            "crs": "EPSG:3006",
            "outage": {
                "areas": {
                    "type": "FeatureCollection",
                    "features": [{"type": "Feature", "geometry": square}],
                }
            },
        }
    )
    assert spec.outage.area == pytest.approx(50_000_000)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({}, "name"),
        ({"name": "x", "colour": "red"}, "unknown keys: colour"),
        ({"name": "x", "crs": "EPSG:nope"}, "crs"),
        ({"name": "x", "outage": {"duration_hours": -1}}, "outage.duration_hours"),
        ({"name": "x", "outage": {"duration_hours": "lång"}}, "outage.duration_hours"),
        (
            {"name": "x", "outage": {"areas": {"type": "Point", "coordinates": [18, 64]}}},
            "outage.areas: expected Polygon",
        ),
        (
            {
                "name": "x",
                "outage": {
                    "areas": {
                        "type": "Polygon",
                        "coordinates": [
                            [
                                [750000, 7100000],
                                [760000, 7100000],
                                [760000, 7110000],
                                [750000, 7100000],
                            ]
                        ],
                    }
                },
            },
            "not longitude/latitude",
        ),
        (
            {
                "name": "x",
                "outage": {
                    "areas": {
                        "type": "Polygon",
                        "coordinates": [[[18, 64], [19, 65], [19, 64], [18, 65], [18, 64]]],
                    }
                },
            },
            "invalid polygon",
        ),
        (
            {
                "name": "x",
                "outage": {
                    "areas": {
                        "type": "Polygon",
                        "coordinates": [[[-70, -30], [-69, -30], [-69, -29], [-70, -30]]],
                    }
                },
            },
            "outside Sweden",
        ),
        (
            {"name": "x", "snow_zones": [{"level": "purple", "geometry": LYCKSELE_BOX}]},
            "snow_zones[0].level",
        ),
        ({"name": "x", "parameters": {"speed_kmh": 0}}, "speed_kmh"),
        ({"name": "x", "parameters": {"warp": 9}}, "warp"),
    ],
)
def test_bad_scenarios_name_the_place(document: dict, message: str) -> None:
    with pytest.raises(ScenarioError, match=None) as info:
        parse_scenario(document)
    assert message in str(info.value)


def test_malformed_json() -> None:
    with pytest.raises(ScenarioError, match="not valid JSON"):
        parse_scenario_json(b"{name: ")
    assert parse_scenario_json(json.dumps({"name": "Åsele"}).encode()).name == "Åsele"


def test_a_scenario_may_set_its_start_on_the_clock() -> None:
    spec = parse_scenario({"name": "Jul", "start": "2026-12-24T06:00"})
    assert spec.start is not None and spec.start.isoformat() == "2026-12-24T06:00:00+01:00"
    assert spec.to_definition()["start"] == "2026-12-24T06:00:00+01:00"
    assert parse_scenario(spec.to_definition()).start == spec.start  # stored, read back
    assert parse_scenario({"name": "Utan"}).start is None
    assert "start" not in parse_scenario({"name": "Utan"}).to_definition()
    with pytest.raises(ScenarioError, match="start"):
        parse_scenario({"name": "Fel", "start": "julafton"})
