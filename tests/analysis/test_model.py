"""Inputs: parameters and their validation, site and cell tables."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import shapely

from resilience.analysis import CellTable, Parameters, Scenario, SiteTable, SpeedFactors

DEFAULTS = {
    "speed_kmh": 70.0,
    "circuity": 1.3,
    "speed_factors": {"yellow": 0.7, "orange": 0.5, "red": 0.3},
    "food_minutes": 30.0,
    "care_minutes": 60.0,
    "shelter_minutes": 30.0,
    "mobile_max_hours": 12.0,
    "timeline_step_hours": 1.0,
    "outdoor_c": -10.0,
    "indoor_c": 21.0,
    "cold_threshold_c": 18.0,
    "food_stock_target_days": 7.0,
    # v3
    "access_speed_kmh": 30.0,
    "offroad_max_km": 5.0,
    "closure_level": None,
    "road_speeds": {
        "motorway": 110.0,
        "trunk": 90.0,
        "primary": 80.0,
        "secondary": 70.0,
        "tertiary": 60.0,
        "unclassified": 50.0,
        "residential": 40.0,
        "service": 20.0,
        "track": 20.0,
    },
}


def test_defaults_are_the_spec_s() -> None:
    assert Parameters().to_dict() == DEFAULTS
    assert Parameters.from_overrides(None).to_dict() == DEFAULTS
    assert Parameters.from_overrides({}).to_dict() == DEFAULTS


def test_overrides_apply_and_speed_factors_merge_per_level() -> None:
    parameters = Parameters.from_overrides(
        {"food_minutes": 20, "speed_factors": {"red": 0.2}, "speed_kmh": 50.5}
    )
    assert parameters.to_dict() == {
        **DEFAULTS,
        "food_minutes": 20.0,
        "speed_kmh": 50.5,
        "speed_factors": {"yellow": 0.7, "orange": 0.5, "red": 0.2},
    }
    assert isinstance(parameters.to_dict()["food_minutes"], float)
    assert parameters.threshold_minutes("food") == 20.0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"speed": 70}, "unknown parameter 'speed'"),
        ({"duration_hours": 12}, "unknown parameter 'duration_hours'"),
        ({"speed_kmh": "70"}, "'speed_kmh' must be a number"),
        ({"speed_kmh": True}, "'speed_kmh' must be a number"),
        ({"speed_kmh": 0}, "'speed_kmh' must be > 0"),
        ({"circuity": -1}, "'circuity' must be > 0"),
        ({"food_minutes": -5}, "'food_minutes' must be >= 0"),
        ({"care_minutes": math.nan}, "'care_minutes' must be finite"),
        ({"mobile_max_hours": math.inf}, "'mobile_max_hours' must be finite"),
        ({"speed_factors": 0.5}, "'speed_factors' must be an object"),
        ({"speed_factors": {"purple": 0.5}}, "unknown snow level 'purple'"),
        ({"speed_factors": {"red": 0}}, "'speed_factors.red' must be > 0"),
        ({"speed_factors": {"red": None}}, "'speed_factors.red' must be a number"),
    ],
)
def test_bad_overrides_are_rejected_with_a_clear_message(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        Parameters.from_overrides(overrides)


def test_parameters_must_be_a_mapping() -> None:
    with pytest.raises(ValueError, match="must be an object"):
        Parameters.from_overrides([("speed_kmh", 70)])  # type: ignore[arg-type]


def test_scenario_validation() -> None:
    with pytest.raises(ValueError, match="duration_hours"):
        Scenario(duration_hours=0)
    with pytest.raises(ValueError, match="unknown snow level 'blue'"):
        Scenario(snow_zones=(("blue", shapely.box(0, 0, 1, 1)),))
    with pytest.raises(ValueError, match="polygons"):
        Scenario(outage=shapely.LineString([(0, 0), (1, 1)]))
    scenario = Scenario(
        outage=shapely.GeometryCollection([shapely.box(0, 0, 1, 1), shapely.Polygon()]),
        snow_zones=[("red", shapely.box(0, 0, 1, 1))],
    )
    assert scenario.snow_zones[0].level == "red"
    assert scenario.baseline().outage is None and scenario.baseline().snow_zones == ()


def test_speed_factors_of_level() -> None:
    assert SpeedFactors().of("orange") == 0.5
    with pytest.raises(ValueError):
        SpeedFactors().of("green")


def test_site_table_from_records_fills_nulls() -> None:
    table = SiteTable.from_records(
        [
            {"id": 7, "source_id": 12, "category": "care", "kind": "hospital", "x": 1, "y": 2},
            {
                "id": 8,
                "source_id": "b",
                "category": "food",
                "kind": "grocery",
                "x": 3,
                "y": 4,
                "municipality": "2480",
                "backup_kw": 5.5,
            },
        ]
    )
    assert len(table) == 2
    assert table.id.dtype == np.int64
    assert table.source_id.tolist() == ["12", "b"]  # compared as text
    assert table.municipality.tolist() == [None, "2480"]
    assert np.isnan(table.residents).all()
    assert table.backup_kw[1] == 5.5 and np.isnan(table.backup_kw[0])
    assert len(SiteTable.from_records([])) == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"category": "water"}, "unknown category 'water'"),
        ({"kind": "bakery"}, "unknown food kind 'bakery'"),
        ({"residents": -1}, "'residents' has negative values"),
        ({"residents": 2.5}, "'residents' must hold whole numbers"),
        ({"fuel_hours": math.inf}, "'fuel_hours' must hold finite"),
        ({"x": math.nan}, "'x' must hold finite"),
        ({"municipality": ""}, "empty municipality code"),
        ({"source_id": None}, "'source_id' has null values"),
        ({"heating": "coal"}, "unknown heating 'coal'"),
        ({"thermal_time_constant_hours": 0}, "'thermal_time_constant_hours' must hold values > 0"),
        ({"stock_person_days": -1}, "'stock_person_days' has negative values"),
        ({"category": "utility"}, "unknown utility kind 'grocery'"),
    ],
)
def test_site_table_rejects_bad_values(change: dict[str, Any], message: str) -> None:
    record = {"id": 1, "source_id": "a", "category": "food", "kind": "grocery", "x": 0, "y": 0}
    with pytest.raises(ValueError, match=message):
        SiteTable.from_records([{**record, **change}])


def test_site_table_v2_columns() -> None:
    """Utility sites (heat plants) and the v2 attributes; missing ones are null."""
    table = SiteTable.from_records(
        [
            {"id": 1, "source_id": "dh", "category": "utility", "kind": "district_heating_plant"}
            | {"x": 0, "y": 0},
            {"id": 2, "source_id": "c", "category": "care", "kind": "elderly_home", "x": 1}
            | {"y": 1, "heating": "district_heating", "heat_plant": "dh"}
            | {"thermal_time_constant_hours": 30},
            {"id": 3, "source_id": "f", "category": "food", "kind": "grocery", "x": 2, "y": 2}
            | {"stock_person_days": 0},
        ]
    )
    assert table.heating.tolist() == [None, "district_heating", None]
    assert table.heat_plant.tolist() == [None, "dh", None]
    assert table.thermal_time_constant_hours[1] == 30.0
    assert np.isnan(table.thermal_time_constant_hours[[0, 2]]).all()
    assert table.stock_person_days[2] == 0.0


def test_site_table_rejects_duplicate_ids_and_bad_lengths() -> None:
    record = {"id": 1, "source_id": "a", "category": "food", "kind": "grocery", "x": 0, "y": 0}
    with pytest.raises(ValueError, match="duplicate"):
        SiteTable.from_records([record, record])
    with pytest.raises(ValueError, match="expected 1"):
        SiteTable(id=[1], source_id=["a"], category=["food"], kind=["grocery"], x=[0, 1], y=[0])  # type: ignore[arg-type]


def test_cell_table() -> None:
    cells = CellTable(id=[1, 2], x=[500.0, 1500.0], y=[500.0, 500.0], population=[3.0, 0])  # type: ignore[arg-type]
    assert cells.population.dtype == np.int64
    assert cells.municipality.tolist() == [None, None]
    with pytest.raises(ValueError, match="negative"):
        CellTable(id=[1], x=[0.0], y=[0.0], population=[-1])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="whole"):
        CellTable(id=[1], x=[0.0], y=[0.0], population=[1.5])  # type: ignore[arg-type]
