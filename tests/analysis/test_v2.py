"""Hand-computed cases of the v2 sections of coverage-model.md: Time, Heat, Food stock.

Unless a test says otherwise: FAST parameters (1 minute per km at factor 1), D = 24 h,
timeline step 1 h (instants 0, 1, ..., 23), T_out = -10, T_0 = 21, T_c = 18 °C, so
t* = tau · ln(31 / 28) = tau · R with R ≈ 0.10178.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from resilience.analysis import Parameters, Scenario
from resilience.scenarios import ScenarioError, parse_scenario
from tests.analysis.helpers import cells_table, row, run, site, sites_table

R = math.log(31 / 28)
OUTAGE = shapely.box(-1_000, -1_000, 1_000, 1_000)  # around the origin only
EVERYWHERE = shapely.box(-1e6, -1e6, 1e6, 1e6)


def tau_for(tstar: float) -> float:
    """A time constant whose t* = tau · R is exactly tstar in floating point."""
    tau = tstar / R
    for _ in range(64):
        if tau * R == tstar:
            return tau
        tau = math.nextafter(tau, math.inf if tau * R < tstar else -math.inf)
    raise AssertionError(f"no tau gives t* = {tstar}")


def plant(source_id: str, x: float, y: float = 0.0, **numbers: object) -> dict:
    return site(source_id, "utility", "district_heating_plant", x, y, **numbers)


def home(source_id: str, x: float = 0.0, y: float = 0.0, **numbers: object) -> dict:
    return site(source_id, "care", "elderly_home", x, y, **numbers)


def generator(source_id: str, x: float, y: float = 0.0, **numbers: float) -> dict:
    return site(source_id, "power", "mobile_generator", x, y, **numbers)


# Heat --------------------------------------------------------------------------------------


def test_plant_inside_the_outage_makes_a_building_outside_it_go_cold() -> None:
    """The plant dh (2401) is in the outage with 2 h of backup: F = 2, powered [0, 2),
    22 h unpowered (partial). The elderly home 50 km away is outside the outage (grid, 0 h)
    but on district heating with no heat_plant: its plant is the nearest in 2401, dh (dh-far
    in 2403 is nearer but in another municipality). Unheated [2, 24); tau 12, t* = 12 R:
    hours_cold = 22 - 12 R, first_cold_hour = 2 + 12 R ≈ 3.22, min_indoor_c = -10 + 31 ·
    exp(-22 / 12). Cold at the instants 2 + 12 R < t < 24: 4, 5, ..., 23. The oil-heated
    home beside it depends on no plant and never cools.
    The sports hall (shelter, on dh by name, default tau 36) is not heated throughout, so
    step 3 leaves the cell beside it (40 people) without a shelter (baseline: 0 min). At the
    instants it is heated, t < 2, the cell is covered: uncovered 0, 0, then 40 from t = 2.
    Its unheated [2, 24) is longer than t* = 36 R ≈ 3.66: one cold shelter.
    2401: care_sites_cold 1, residents_cold 30, resident_hours_cold 30 · (22 - 12 R)."""
    sites = sites_table(
        plant("dh", 0, municipality="2401", backup_kw=100, fuel_hours=2),
        plant("dh-far", 50_000, 1_000, municipality="2403"),
        home(
            "home",
            50_000,
            municipality="2401",
            residents=30,
            heating="district_heating",
            thermal_time_constant_hours=12,
        ),
        home("oil", 50_000, municipality="2401", residents=5, heating="oil"),
        site(
            "hall",
            "energy",
            "sports_hall",
            60_000,
            0,
            municipality="2401",
            shelter_capacity=100,
            heating="district_heating",
            heat_plant="dh",
        ),
    )
    cells = cells_table((60_000, 0, 40, "2401"))
    result = run(sites, cells, outage=OUTAGE)
    dh, h, oil, hall = (row(result, s) for s in ("dh", "home", "oil", "hall"))
    assert result.status[dh] == "partial" and result.hours_unpowered[dh] == 22.0
    assert result.status[h] == "grid" and result.hours_unpowered[h] == 0.0
    assert result.heat_plant_source_id.tolist() == [None, None, "dh", None, "dh"]
    assert result.hours_cold[h] == 22 - 12 * R
    assert result.first_cold_hour[h] == 2 + 12 * R
    assert result.min_indoor_c[h] == pytest.approx(-10 + 31 * math.exp(-22 / 12), abs=1e-12)
    assert result.hours_cold[oil] == 0.0 and result.min_indoor_c[oil] == 21.0
    assert math.isnan(result.first_cold_hour[oil])
    assert result.hours_cold[hall] == 22 - 36 * R

    assert math.isinf(result.minutes["shelter"][0])
    assert result.baseline_minutes["shelter"][0] == 0.0
    abacka = result.timeline.municipalities["2401"]
    assert abacka.uncovered["shelter"].tolist() == [0, 0] + [40] * 22
    assert abacka.care_sites_cold.tolist() == [0] * 4 + [1] * 20
    assert abacka.residents_cold.tolist() == [0] * 4 + [30] * 20
    assert abacka.care_sites_unpowered.tolist() == [0] * 24
    assert result.covered_at("shelter", 1).tolist() == [True]
    assert result.covered_at("shelter", 2).tolist() == [False]

    summary = result.municipalities[0]
    assert (summary.care_sites_cold, summary.residents_cold, summary.shelters_cold) == (1, 30, 1)
    assert summary.resident_hours_cold == 30 * (22 - 12 * R)
    document = result.to_document()
    by_source = {s["source_id"]: s for s in document["sites"]}
    assert by_source["home"]["heat_plant_source_id"] == "dh"
    assert by_source["home"]["first_cold_hour"] == 2 + 12 * R
    # Utility sites are listed with their step 1 status and no indoor figures.
    assert by_source["dh"]["status"] == "partial"
    assert [by_source["dh"][k] for k in ("hours_cold", "first_cold_hour", "min_indoor_c")] == [
        None
    ] * 3


def test_two_unheated_intervals_own_backup_then_generator() -> None:
    """Home in the outage with 2 h of backup (F = 2). The generator at the same point
    mobilises in 5 h: A = 5, fuel G = 10, so powered [0, 2) and [5, 15): unheated [2, 5)
    and [15, 24). Step 2: max(0, min(24, 5) - 2) + max(0, 24 - 5 - 10) = 3 + 9 = 12 h.
    tau with t* = 1 exactly: hours_cold = (3 - 1) + (9 - 1) = 10, first_cold_hour = 2 + 1 =
    3, min_indoor_c from the longest interval L = 9: -10 + 31 · exp(-9 / tau).
    Unpowered at the instants 2, 3, 4 and 15..23 (closed at the start: 2 and 15 are
    unpowered, open at the end: 5 is powered). Cold at 3 < t < 5 and 16 < t < 24: 4 and
    17..23 (strict: not at 3, not at 16)."""
    tau = tau_for(1.0)
    sites = sites_table(
        home(
            "c",
            residents=7,
            backup_kw=10,
            fuel_hours=2,
            thermal_time_constant_hours=tau,
            municipality="2401",
        ),
        generator("g", 0, mobilization_hours=5, fuel_hours=10),
    )
    result = run(sites, outage=OUTAGE)
    assert result.hours_unpowered[0] == 12.0
    assert result.unheated_start[0].tolist() == [2.0, 15.0]
    assert result.unheated_end[0].tolist() == [5.0, 24.0]
    assert result.hours_cold[0] == 10.0
    assert result.first_cold_hour[0] == 3.0
    assert result.min_indoor_c[0] == pytest.approx(-10 + 31 * math.exp(-9 / tau), abs=1e-12)
    line = result.timeline.municipalities["2401"]
    unpowered = [1 if t in (2, 3, 4) or t >= 15 else 0 for t in range(24)]
    cold = [1 if t == 4 or t >= 17 else 0 for t in range(24)]
    assert line.care_sites_unpowered.tolist() == unpowered
    assert line.residents_unpowered.tolist() == [7 * u for u in unpowered]
    assert line.care_sites_cold.tolist() == cold
    assert result.timeline.county.care_sites_cold.tolist() == cold
    assert [bool(result.unpowered_at(t)[0]) for t in (1.99, 2, 4.99, 5, 14.99, 15)] == [
        False,
        True,
        True,
        False,
        False,
        True,
    ]
    assert [bool(result.cold_at(t)[0]) for t in (3, 3.01, 4.99, 5, 16, 16.01)] == [
        False,
        True,
        True,
        False,
        False,
        True,
    ]


def test_unheated_interval_exactly_t_star_is_never_cold() -> None:
    """tau with t* = 3 exactly. exact: F = 21, unheated [21, 24), L = 3 = t*: not longer
    than t*, so hours_cold = max(0, 3 - 3) = 0, first_cold_hour null, and it cools to
    -10 + 31 · exp(-3 / tau) ≈ 18 °C (T_c). longer: F = 19.5, [19.5, 24), L = 4.5:
    hours_cold 1.5, first_cold_hour 22.5, cold at the instant 23 only (22.5 < 23 < 24)."""
    tau = tau_for(3.0)
    sites = sites_table(
        home("exact", backup_kw=1, fuel_hours=21, thermal_time_constant_hours=tau),
        home("longer", backup_kw=1, fuel_hours=19.5, thermal_time_constant_hours=tau),
    )
    result = run(sites, outage=OUTAGE)
    assert result.hours_cold.tolist() == [0.0, 1.5]
    assert math.isnan(result.first_cold_hour[0])
    assert result.first_cold_hour[1] == 22.5
    assert result.min_indoor_c[0] == pytest.approx(18.0, abs=1e-9)
    assert result.county.care_sites_cold == 1
    assert result.timeline.county.care_sites_cold.tolist() == [0] * 23 + [1]


def test_first_cold_hour_is_the_first_interval_longer_than_t_star() -> None:
    """t* = 1. Backup F = 2, generator at A = 2.5 with fuel 10: unheated [2, 2.5) (0.5 h,
    shorter than t*: never cold) and [12.5, 24) (11.5 h): first_cold_hour = 12.5 + 1 =
    13.5, not 2 + 1; hours_cold = 0 + 10.5; L = 11.5."""
    tau = tau_for(1.0)
    sites = sites_table(
        home("c", backup_kw=10, fuel_hours=2, thermal_time_constant_hours=tau),
        generator("g", 0, mobilization_hours=2.5, fuel_hours=10),
    )
    result = run(sites, outage=OUTAGE)
    assert result.first_cold_hour[0] == 13.5
    assert result.hours_cold[0] == 10.5
    assert result.min_indoor_c[0] == pytest.approx(-10 + 31 * math.exp(-11.5 / tau), abs=1e-12)


def test_own_backup_and_plant_merge_into_one_interval() -> None:
    """A home in the outage with F = 6 on a plant also in the outage with F = 3. The
    generator arrives at 8 with unlimited fuel: the home is unpowered [6, 8) only (2 h), but
    heated only while both are powered, [0, 3): one maximal unheated interval [3, 24), not
    [3, 6) and [6, 8) and [8, 24). t* = 1: hours_cold = 21 - 1 = 20, first_cold_hour 4."""
    tau = tau_for(1.0)
    sites = sites_table(
        plant("dh", 0, municipality="2401", backup_kw=1, fuel_hours=3),
        home(
            "c",
            municipality="2401",
            backup_kw=1,
            fuel_hours=6,
            heating="district_heating",
            thermal_time_constant_hours=tau,
        ),
        generator("g", 0, mobilization_hours=8),
    )
    result = run(sites, outage=OUTAGE)
    c = row(result, "c")
    assert result.hours_unpowered[c] == 2.0  # [6, 8)
    assert result.unheated_start[c].tolist() == [3.0, 24.0]
    assert result.unheated_end[c].tolist() == [24.0, 24.0]
    assert (result.hours_cold[c], result.first_cold_hour[c]) == (20.0, 4.0)


# Plants ------------------------------------------------------------------------------------


def test_nearest_plant_is_in_the_same_municipality_ties_by_source_id() -> None:
    """Home at the origin in 2401. dh-b and dh-a both 10 km away in 2401: tie, "dh-a" <
    "dh-b" as text. dh-near is 1 km away but in 2403, dh-none in no municipality: neither
    counts. A home in no municipality depends on no plant; a named plant in another
    municipality is honoured; heating other than district_heating (or null) depends on
    none, even with a heat_plant."""
    sites = sites_table(
        plant("dh-b", 10_000, municipality="2401"),
        plant("dh-a", -10_000, municipality="2401"),
        plant("dh-near", 1_000, municipality="2403"),
        plant("dh-none", 500),
        home("c", municipality="2401", heating="district_heating"),
        home("lost", heating="district_heating"),
        home("named", municipality="2401", heating="district_heating", heat_plant="dh-near"),
        home("pump", municipality="2401", heating="heat_pump", heat_plant="dh-near"),
        home("null", municipality="2401", heat_plant="dh-near"),
    )
    result = run(sites)
    assert result.heat_plant_source_id[4:].tolist() == ["dh-a", None, "dh-near", None, None]


def test_heat_plant_that_names_no_plant_is_refused() -> None:
    """heat_plant must be the source_id of a utility site: a missing one and a generator's
    source_id are both input errors, named in the message."""
    with pytest.raises(ValueError, match=r"site 'c' names heat_plant 'dh-x'"):
        run(sites_table(plant("dh", 0), home("c", heating="district_heating", heat_plant="dh-x")))
    with pytest.raises(ValueError, match=r"site 'c' names heat_plant 'g'.*no district heating"):
        run(sites_table(generator("g", 0), home("c", heat_plant="g")))


def test_utility_sites_get_step_1_only() -> None:
    """The plant is in the outage without backup: 24 h, none. The free generator next to
    it is not dispatched (v2 dispatches to care sites only): it stays free."""
    sites = sites_table(plant("dh", 0), generator("g", 0))
    result = run(sites, outage=OUTAGE)
    assert result.status.tolist() == ["none", None]
    assert result.hours_unpowered.tolist()[0] == 24.0
    assert result.generator_index.tolist() == [-1, -1]
    assert result.county.generators_free == 1
    assert [s["source_id"] for s in result.to_document()["sites"]] == ["dh"]


# Food stock --------------------------------------------------------------------------------


def test_food_stock_with_unknown_stocks_and_no_population() -> None:
    """2401: 100 people. f1 (300 person-days) on the grid, f2 (400) in the outage without
    backup, f3 (stock null: unknown, counts 0) on the grid. Operational stock 300:
    food_stock_days 300 / 100 = 3, baseline (300 + 400) / 100 = 7, deficit max(0, 7 · 100 -
    300) = 400, 1 unknown. 2403: no people (P = 0), f4 holds 50: days null, deficit
    max(0, 0 - 50) = 0. No municipality: f5 (20) and a cell of 10 people.
    County: P = 110, operational 300 + 50 + 20 = 370, all 770: days 370 / 110, baseline
    770 / 110, deficit max(0, 770 - 370) = 400, 1 unknown."""
    sites = sites_table(
        site("f1", "food", "grocery", 50_000, 0, municipality="2401", stock_person_days=300),
        site("f2", "food", "warehouse", 0, 0, municipality="2401", stock_person_days=400),
        site("f3", "food", "grocery", 50_000, 0, municipality="2401"),
        site("f4", "food", "grocery", 50_000, 0, municipality="2403", stock_person_days=50),
        site("f5", "food", "grocery", 50_000, 0, stock_person_days=20),
    )
    cells = cells_table((50_000, 0, 100, "2401"), (50_000, 0, 10))
    result = run(sites, cells, outage=OUTAGE)
    abacka, ostervik = (m.to_dict() for m in result.municipalities)
    food = ("food_stock_days", "food_stock_days_baseline", "food_stock_deficit_person_days")
    assert [abacka[k] for k in food] == [3.0, 7.0, 400.0]
    assert abacka["food_sites_stock_unknown"] == 1
    assert [ostervik[k] for k in food] == [None, None, 0.0]
    assert ostervik["food_sites_stock_unknown"] == 0
    county = result.county.to_dict()
    assert [county[k] for k in food] == [370 / 110, 770 / 110, 400.0]
    assert county["food_sites_stock_unknown"] == 1


# Parameters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"cold_threshold_c": 25},  # T_c > T_0
        {"cold_threshold_c": 21},  # T_c = T_0
        {"outdoor_c": 18},  # T_out = T_c
        {"outdoor_c": 30, "indoor_c": 20, "cold_threshold_c": 25},
    ],
)
def test_temperatures_out_of_order_are_refused(overrides: dict) -> None:
    with pytest.raises(ValueError, match="outdoor_c < cold_threshold_c < indoor_c"):
        Parameters.from_overrides(overrides)
    # The scenario parser turns it into its own error (a 400 in the API).
    with pytest.raises(ScenarioError, match="outdoor_c < cold_threshold_c < indoor_c"):
        parse_scenario({"name": "kallt", "parameters": overrides})


def test_v2_parameters_are_validated_like_the_others() -> None:
    with pytest.raises(ValueError, match="'timeline_step_hours' must be > 0"):
        Parameters.from_overrides({"timeline_step_hours": 0})
    with pytest.raises(ValueError, match="'food_stock_target_days' must be >= 0"):
        Parameters.from_overrides({"food_stock_target_days": -1})
    with pytest.raises(ValueError, match="'outdoor_c' must be a number"):
        Parameters.from_overrides({"outdoor_c": "-10"})
    assert Parameters.from_overrides({"outdoor_c": -30.5}).outdoor_c == -30.5
    with pytest.raises(ValueError, match="at most 2000"):
        Scenario(duration_hours=48, parameters=Parameters(timeline_step_hours=0.01))


def test_timeline_instants() -> None:
    """t_k = k · step while t_k < D: D = 2.5, step 1 → 0, 1, 2; step 0.5 → 0 .. 2 (2.5 is
    not < 2.5); D = 0.1 → just 0."""
    assert Scenario(duration_hours=2.5).timeline_hours().tolist() == [0.0, 1.0, 2.0]
    half = Scenario(duration_hours=2.5, parameters=Parameters(timeline_step_hours=0.5))
    assert half.timeline_hours().tolist() == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert Scenario(duration_hours=0.1).timeline_hours().tolist() == [0.0]


# v1 data ----------------------------------------------------------------------------------


def test_v1_data_keeps_v1_figures_and_the_timeline_matches_step_3() -> None:
    """The v1 hand cases run through v2 in test_rules.py and test_property.py check every v1
    figure unchanged. Here: on v1 data without plants or stocks and with every provider
    either on the grid or without backup, the timeline is step 3 at every instant, and the
    food stock figures are zero with every food site unknown."""
    sites = sites_table(
        site("f1", "food", "grocery", 1_000, 500, municipality="2401"),
        site("f2", "food", "grocery", 60_000, 500, municipality="2403"),
        home("c1", 0, 0, residents=10, municipality="2401"),
    )
    cells = cells_table((500, 500, 100, "2401"), (40_500, 500, 30, "2403"))
    result = run(sites, cells, outage=shapely.box(-5_000, -5_000, 10_000, 5_000))
    for code, summary in zip(["2401", "2403"], result.municipalities, strict=True):
        line = result.timeline.municipalities[code]
        for service in ("food", "care", "shelter"):
            assert line.uncovered[service].tolist() == [getattr(summary.uncovered, service)] * 24
        assert line.care_sites_unpowered.tolist() == [summary.care_sites_unpowered] * 24
    assert result.municipalities[0].food.food_stock_days == 0.0
    assert result.county.food.food_sites_stock_unknown == 2
    assert np.all(result.heat_plant_source_id == None)  # noqa: E711


def test_a_timeline_too_long_is_refused_by_the_scenario_parser() -> None:
    """48 h at 0.01 h a step would be 4,800 instants, more than the 2,000 allowed."""
    with pytest.raises(ScenarioError, match="at most 2000"):
        parse_scenario(
            {
                "name": "fint",
                "outage": {"duration_hours": 48},
                "parameters": {"timeline_step_hours": 0.01},
            }
        )
