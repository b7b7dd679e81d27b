"""The result document: exactly the keys of coverage-model.md, JSON-able, stable."""

from __future__ import annotations

import json

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
}
SITE_KEYS = [
    "id",
    "source_id",
    "category",
    "kind",
    "municipality",
    "status",
    "hours_unpowered_before",
    "hours_unpowered",
    "generator_id",
    "generator_source_id",
    "arrival_hours",
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
    assert list(doc) == ["model_version", "parameters", "sites", "municipalities", "county"]
    assert doc["model_version"] == 1
    assert set(doc["parameters"]) == {
        "speed_kmh",
        "circuity",
        "speed_factors",
        "food_minutes",
        "care_minutes",
        "shelter_minutes",
        "mobile_max_hours",
    }
    for entry in doc["sites"]:
        assert list(entry) == SITE_KEYS
    for entry in doc["municipalities"]:
        assert set(entry) == {"code", "name"} | AREA_KEYS
        assert set(entry["uncovered"]) == {"food", "care", "shelter"}
        assert set(entry["baseline_uncovered"]) == {"food", "care", "shelter"}
    assert set(doc["county"]) == AREA_KEYS | {"generators_free"}


def test_sites_are_care_food_and_energy_by_id_with_generators_by_reference() -> None:
    doc = document()
    assert [s["source_id"] for s in doc["sites"]] == ["f", "c", "c2", "e"]
    home = doc["sites"][1]
    # The hospital (x 200 m) is outside the outage. The home is 60 km from the generator:
    # at 1 km/min it arrives after 1 h of a 12 h outage and has unlimited fuel: 1 h.
    assert home == {
        "id": 2,
        "source_id": "c",
        "category": "care",
        "kind": "elderly_home",
        "municipality": "2403",
        "status": "none",
        "hours_unpowered_before": 12.0,
        "hours_unpowered": 1.0,
        "generator_id": 5,
        "generator_source_id": "gen-4",
        "arrival_hours": 1.0,
    }
    assert doc["sites"][0]["generator_id"] is None
    assert doc["sites"][0]["arrival_hours"] is None
    assert [m["code"] for m in doc["municipalities"]] == ["2401", "2403"]


def test_document_is_strict_json_and_round_trip_stable() -> None:
    doc = document()
    text = json.dumps(doc, allow_nan=False, ensure_ascii=False)
    assert json.loads(text) == doc
    assert json.dumps(json.loads(text), allow_nan=False, ensure_ascii=False) == text
    assert document() == doc  # deterministic
