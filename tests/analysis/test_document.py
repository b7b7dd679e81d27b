"""The result document: exactly the keys of coverage-model.md, JSON-able, stable."""

from __future__ import annotations

import json
import math

import shapely

from tests.analysis.helpers import cells_table, run, site, sites_table

AREA_KEYS = {
    "population",
    "uncovered",
    "baseline_uncovered",
    "care_sites_unpowered",
    "residents_unpowered",
    "resident_hours_unpowered",
    "generators_assigned",
    "care_sites_cold",
    "residents_cold",
    "resident_hours_cold",
    "shelters_cold",
    "food_stock_days",
    "food_stock_days_baseline",
    "food_stock_deficit_person_days",
    "food_sites_stock_unknown",
    # v3
    "home_care_clients_unpowered",
    "unreachable",
    "baseline_unreachable",
}
TIMELINE_KEYS = {
    "care_sites_unpowered",
    "residents_unpowered",
    "care_sites_cold",
    "residents_cold",
    "uncovered",
    # v3
    "home_care_clients_unpowered",
    "unreachable",
}
SITE_KEYS = [
    "id",
    "source_id",
    "category",
    "kind",
    "municipality",
    "status",
    "outage_hours",  # v3
    "hours_unpowered_before",
    "hours_unpowered",
    "generator_id",
    "generator_source_id",
    "arrival_hours",
    "heat_plant_source_id",
    "hours_cold",
    "first_cold_hour",
    "min_indoor_c",
]


def document() -> dict:
    sites = sites_table(
        site("f", "food", "grocery", 0, 0, municipality="2401"),
        site("c", "care", "elderly_home", 0, 0, residents=12, municipality="2403"),
        site("c2", "care", "hospital", 200, 0),
        site("e", "energy", "school", 300, 0, shelter_capacity=40),
        site("gen-4", "power", "mobile_generator", 60_000, 0),
        site("depot", "power", "fuel_depot", 0, 0),
    )
    cells = cells_table((0, 0, 10, "2401"), (5_000, 0, 0, "2403"), (9e5, 9e5, 3))
    result = run(sites, cells, outage=shapely.box(-10, -10, 150, 10), duration=12)
    return result.to_document()


def test_document_keys_are_exactly_the_spec_s() -> None:
    doc = document()
    assert list(doc) == [
        "model_version",
        "parameters",
        "sites",
        "municipalities",
        "county",
        "timeline",
        "roads",  # v3
    ]
    assert doc["model_version"] == 3
    assert doc["roads"] is None  # no road network
    assert set(doc["parameters"]) == {
        "speed_kmh",
        "circuity",
        "speed_factors",
        "food_minutes",
        "care_minutes",
        "shelter_minutes",
        "mobile_max_hours",
        "timeline_step_hours",
        "outdoor_c",
        "indoor_c",
        "cold_threshold_c",
        "food_stock_target_days",
        # v3
        "access_speed_kmh",
        "offroad_max_km",
        "closure_level",
        "road_speeds",
    }
    for entry in doc["sites"]:
        assert list(entry) == SITE_KEYS
    for entry in doc["municipalities"]:
        assert set(entry) == {"code", "name"} | AREA_KEYS
        assert set(entry["uncovered"]) == {"food", "care", "shelter"}
        assert set(entry["baseline_uncovered"]) == {"food", "care", "shelter"}
        assert set(entry["unreachable"]) == {"food", "care", "shelter"}
        assert set(entry["baseline_unreachable"]) == {"food", "care", "shelter"}
    assert set(doc["county"]) == AREA_KEYS | {"generators_free"}
    timeline = doc["timeline"]
    assert list(timeline) == ["hours", "county", "municipalities"]
    assert timeline["hours"] == list(range(12))  # D = 12, step 1: t_k < 12
    assert list(timeline["municipalities"]) == ["2401", "2403"]
    for series in [timeline["county"], *timeline["municipalities"].values()]:
        assert set(series) == TIMELINE_KEYS
        assert set(series["uncovered"]) == {"food", "care", "shelter"}
        assert set(series["unreachable"]) == {"food", "care", "shelter"}
        for values in [*series["uncovered"].values(), *series["unreachable"].values()] + [
            series[key] for key in TIMELINE_KEYS - {"uncovered", "unreachable"}
        ]:
            assert len(values) == 12 and all(isinstance(v, int) for v in values)


def test_sites_are_care_food_and_energy_by_id_with_generators_by_reference() -> None:
    doc = document()
    assert [s["source_id"] for s in doc["sites"]] == ["f", "c", "c2", "e"]
    home = doc["sites"][1]
    # The hospital (x 200 m) is outside the outage. The home is 60 km from the generator:
    # at 1 km/min it arrives after 1 h of a 12 h outage and has unlimited fuel: 1 h.
    # Unheated during [0, 1): L = 1 h < t* = 72 · ln(31 / 28) ≈ 7.3 h, never cold; it
    # cools to -10 + 31 · exp(-1 / 72) °C. No plant, no heating: heat_plant null.
    assert home == {
        "id": 2,
        "source_id": "c",
        "category": "care",
        "kind": "elderly_home",
        "municipality": "2403",
        "status": "none",
        "outage_hours": 12.0,
        "hours_unpowered_before": 12.0,
        "hours_unpowered": 1.0,
        "generator_id": 5,
        "generator_source_id": "gen-4",
        "arrival_hours": 1.0,
        "heat_plant_source_id": None,
        "hours_cold": 0.0,
        "first_cold_hour": None,
        "min_indoor_c": -10 + 31 * math.exp(-1 / 72),
    }
    food = doc["sites"][0]  # no indoor figures for food sites
    assert [food[k] for k in ("hours_cold", "first_cold_hour", "min_indoor_c")] == [None] * 3
    assert doc["sites"][0]["generator_id"] is None
    assert doc["sites"][0]["arrival_hours"] is None
    assert [m["code"] for m in doc["municipalities"]] == ["2401", "2403"]


def test_document_is_strict_json_and_round_trip_stable() -> None:
    doc = document()
    text = json.dumps(doc, allow_nan=False, ensure_ascii=False)
    assert json.loads(text) == doc
    assert json.dumps(json.loads(text), allow_nan=False, ensure_ascii=False) == text
    assert document() == doc  # deterministic
