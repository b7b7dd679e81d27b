"""Version 3's two changed rules, by hand: outage areas with their own durations, and
home-care clients who are not residents; and the unreachable figures without roads.

FAST parameters (helpers.py): 1 minute of travel per km, so 60 km is one hour.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from resilience.analysis import (
    CellTable,
    CoverageResult,
    OutageArea,
    Parameters,
    PlanParameters,
    Scenario,
    SiteTable,
    compute,
    plan,
)
from tests.analysis.helpers import FAST, MUNICIPALITIES, cells_table, row, site, sites_table

# Two wind areas of a live scenario: orange 12 h around x = 0, red 48 h around x = 1000.
ORANGE = shapely.box(-100, -100, 100, 100)
RED = shapely.box(900, -100, 1100, 100)


def run_v3(
    sites: SiteTable,
    cells: CellTable | None = None,
    *,
    areas: tuple[tuple[Any, float], ...] = ((ORANGE, 12.0), (RED, 48.0)),
    outage: Any = None,
    duration: float = 24.0,
    **parameters: Any,
) -> CoverageResult:
    scenario = Scenario(
        outage=outage,
        duration_hours=duration,
        parameters=Parameters.from_overrides({**FAST, **parameters}),
        outage_areas=tuple(OutageArea(g, h) for g, h in areas),
    )
    return compute(sites, cells if cells is not None else cells_table(), MUNICIPALITIES, scenario)


def test_each_site_has_the_duration_of_its_longest_area() -> None:
    """A site's D is the largest duration of the areas containing it, 0 outside them all;
    the scenario's D is the largest of all areas (48 h), where the timeline ends.

    - a (0, 0), no backup, orange only: D 12, hours_unpowered 12 (none);
    - b (1000, 0), 20 h of backup, red only: D 48, 48 - 20 = 28 (partial);
    - c (1100, 100), on the red area's corner (the boundary counts): D 48, 48 h;
    - d (5000, 0), outside: D 0, grid;
    a also lies in a third area of 6 h: still 12 h (the largest).
    """
    sites = sites_table(
        site("a", "care", "elderly_home", 0, 0, residents=10),
        site("b", "care", "elderly_home", 1000, 0, residents=10, backup_kw=5, fuel_hours=20),
        site("c", "care", "group_home", 1100, 100, residents=3),
        site("d", "care", "group_home", 5000, 0, residents=3),
    )
    result = run_v3(sites, areas=((ORANGE, 12.0), (RED, 48.0), (shapely.box(-1, -1, 1, 1), 6.0)))
    assert result.duration_hours == 48.0
    assert result.timeline.hours.tolist() == list(range(48))
    assert result.site_outage_hours().tolist() == [12.0, 48.0, 48.0, 0.0]
    assert result.hours_unpowered_before.tolist() == [12.0, 28.0, 48.0, 0.0]
    assert result.status.tolist() == ["none", "partial", "none", "grid"]
    records = {r["source_id"]: r for r in result.to_document()["sites"]}
    assert [records[s]["outage_hours"] for s in "abcd"] == [12.0, 48.0, 48.0, 0.0]
    # a is unpowered for t < 12, b from 20 on, c throughout: 2, then 1 from 12, 2 from 20.
    series = result.timeline.no_municipality.care_sites_unpowered.tolist()
    assert series == [2] * 12 + [1] * 8 + [2] * 28
    # residents: a 10 during [0, 12), b 10 during [20, 48), c 3 throughout.
    assert result.timeline.county.residents_unpowered.tolist() == [13] * 12 + [3] * 8 + [13] * 28
    # resident-hours: 10 · 12 + 10 · 28 + 3 · 48 = 544.
    assert result.county.resident_hours_unpowered == 544.0


def test_a_generator_must_arrive_before_the_site_s_own_d() -> None:
    """One generator 60 km away (1 h) with 12 h of mobilisation: A = 13 h, mobile_max 24 h.
    The elderly home in the 12 h area is visited first (priority 2) but A = 13 is not < 12:
    it gets none. The group home in the 48 h area (no backup) gets it:
    hours_unpowered = min(48, 13) - 0 + max(0, 48 - 13 - inf) = 13."""
    sites = sites_table(
        site("home", "care", "elderly_home", 0, 0, residents=10),
        site("group", "care", "group_home", 1000, 0, residents=3),
        site("gen", "power", "mobile_generator", 61_000, 0, mobilization_hours=12),
    )
    result = run_v3(sites, mobile_max_hours=24)
    assert result.generator_index[row(result, "home")] == -1
    assert result.generator_index[row(result, "group")] == row(result, "gen")
    assert result.arrival_hours[row(result, "group")] == 13.0
    assert result.hours_unpowered[row(result, "group")] == 13.0
    assert result.hours_unpowered[row(result, "home")] == 12.0


def test_a_plant_is_powered_again_from_its_own_d() -> None:
    """Heat (v3): a school outside every area heated by a plant in the 12 h area (no
    backup) is unheated during [0, 12) only, not until the scenario's 48 h. A school in the
    48 h area with 2 h of backup and a generator powering it during [5, 10), on a plant in
    an 8 h area with 6 h of backup, has three unheated intervals: [2, 5) (own), [6, 8)
    (plant) and [10, 48) (own); t* of a school = 60 · ln(31/28) ≈ 6.1 h, so only [10, 48)
    is cold: hours_cold = 38 - t*."""
    eight = shapely.box(4900, -100, 5100, 100)
    sites = sites_table(
        site("plant12", "utility", "district_heating_plant", 0, 0),
        site("plant8", "utility", "district_heating_plant", 5000, 0, backup_kw=1, fuel_hours=6),
        site("out", "energy", "school", 3000, 0, heating="district_heating", heat_plant="plant12"),
        site(
            "in",
            "energy",
            "school",
            1000,
            0,
            heating="district_heating",
            heat_plant="plant8",
            backup_kw=1,
            fuel_hours=2,
            shelter_capacity=10,
        ),
        site("care", "care", "group_home", 1000, 0, residents=1),
    )
    result = run_v3(sites, areas=((ORANGE, 12.0), (RED, 48.0), (eight, 8.0)))
    out = row(result, "out")
    assert result.unheated_start[out].tolist()[0] == 0.0
    assert result.unheated_end[out].tolist()[0] == 12.0
    assert result.hours_unpowered[out] == 0.0
    # The three intervals need a generator at the school; energy sites get none, so check
    # the closed form directly.
    from resilience.analysis.coverage import site_heat

    state = site_heat(
        np.array([True]),
        np.array([2.0]),
        np.array([0]),
        np.array([5.0]),
        np.array([5.0]),
        np.array([6.0]),
        np.array([60.0]),
        Scenario(duration_hours=48.0, parameters=Parameters.from_overrides(FAST)),
        np.array([48.0]),
        np.array([8.0]),
    )
    assert state.unheated[0].tolist() == [[2.0, 6.0, 10.0]]
    assert state.unheated[1].tolist() == [[5.0, 8.0, 48.0]]
    tstar = 60.0 * np.log(31 / 28)
    assert np.isclose(state.hours_cold[0], 38.0 - tstar, rtol=1e-12)
    assert np.isclose(state.first_cold_hour[0], 10.0 + tstar, rtol=1e-12)


def test_one_duration_as_areas_equals_the_plain_outage() -> None:
    """Every polygon with the scenario's duration, given as outage areas, is the v2 outage."""
    sites = sites_table(
        site("a", "care", "elderly_home", 0, 0, residents=10, municipality="2401"),
        site("f", "food", "grocery", 1000, 0, backup_kw=1, fuel_hours=5, municipality="2401"),
        site("g", "power", "mobile_generator", 30_000, 0, mobilization_hours=1),
    )
    cells = cells_table((0, 0, 10, "2401"), (20_000, 0, 5, "2403"))
    plain = run_v3(sites, cells, areas=(), outage=shapely.union(ORANGE, RED), duration=24)
    areas = run_v3(sites, cells, areas=((ORANGE, 24.0), (RED, 24.0)), duration=7)
    assert plain.to_document() == areas.to_document()


def test_home_care_clients_are_not_residents() -> None:
    """A home-care base with 100 clients and an elderly home with 10 residents, both
    without power for 24 h: residents_unpowered 10, resident_hours_unpowered 240,
    home_care_clients_unpowered 100, care_sites_unpowered 2 (the base still counts), in
    the municipality, the county and at every instant of the timeline. Both get cold
    (no heat for 24 h > t*), residents_cold 10 and resident_hours_cold = 10 · (24 - t*)."""
    sites = sites_table(
        site("base", "care", "home_care_base", 0, 0, residents=100, municipality="2401"),
        site("home", "care", "elderly_home", 10, 0, residents=10, municipality="2401"),
    )
    result = run_v3(sites, areas=((ORANGE, 24.0),))
    area = result.municipalities[0]
    assert area.residents_unpowered == 10
    assert area.resident_hours_unpowered == 240.0
    assert area.home_care_clients_unpowered == 100
    assert area.care_sites_unpowered == 2
    assert area.care_sites_cold == 2
    assert area.residents_cold == 10
    tstar = 72.0 * np.log(31 / 28)
    assert np.isclose(area.resident_hours_cold, 10 * (24 - tstar), rtol=1e-12)
    assert result.county.home_care_clients_unpowered == 100
    county = result.to_document()["county"]
    assert county["home_care_clients_unpowered"] == 100
    assert county["residents_unpowered"] == 10
    line = result.timeline.municipalities["2401"]
    assert line.home_care_clients_unpowered.tolist() == [100] * 24
    assert line.residents_unpowered.tolist() == [10] * 24
    assert result.timeline.county.to_dict()["home_care_clients_unpowered"] == [100] * 24


def test_home_care_bases_still_order_step_2_by_their_clients() -> None:
    """Two bases (priority 4), "a" with 5 clients and "b" with 100, one generator next to
    them: step 2 visits b first (more residents, as before), so b gets it; only a's 5
    clients stay unpowered."""
    sites = sites_table(
        site("a", "care", "home_care_base", 0, 0, residents=5),
        site("b", "care", "home_care_base", 0, 0, residents=100),
        site("gen", "power", "mobile_generator", 0, 0),
    )
    result = run_v3(sites, areas=((ORANGE, 24.0),))
    assert result.generator_index[row(result, "b")] == row(result, "gen")
    assert result.generator_index[row(result, "a")] == -1
    assert result.county.home_care_clients_unpowered == 5
    assert result.county.residents_unpowered == 0


def test_the_plan_leaves_home_care_clients_out() -> None:
    """Equipping the base (100 clients) reduces no resident-hours; the elderly home (10
    residents, 24 h) reduces them by 240: the plan equips the home, then stops (the base
    lowers nothing)."""
    sites = sites_table(
        site("base", "care", "home_care_base", 0, 0, residents=100),
        site("home", "care", "elderly_home", 10, 0, residents=10),
    )
    scenario = Scenario(
        parameters=Parameters.from_overrides(FAST), outage_areas=(OutageArea(ORANGE, 24.0),)
    )
    result = plan(sites, [("s", scenario)], PlanParameters(sites=2))
    assert result.objective_before == 240.0
    assert [step.source_id for step in result.steps] == ["home"]
    assert result.steps[0].reduction == 240.0
    assert result.to_document()["model_version"] == 3


def test_unreachable_without_roads_is_no_provider_at_all() -> None:
    """Without roads every provider is reached in finite time, so a cell is unreachable
    only where no provider operates. The one grocery (5 h of backup) lies in the 12 h area:
    food is unreachable for all 30 people in the scenario (it is not operational), for
    nobody in the baseline; at the instants t < 5 nobody, from 5 to 12 everybody. Care
    has no provider at all: unreachable in both, at every instant."""
    sites = sites_table(
        site("f", "food", "grocery", 0, 0, backup_kw=1, fuel_hours=5, municipality="2401"),
    )
    cells = cells_table((0, 0, 10, "2401"), (3000, 0, 20, "2403"), (6000, 0, 0, "2403"))
    result = run_v3(sites, cells, areas=((ORANGE, 12.0),))
    county = result.to_document()["county"]
    assert county["unreachable"] == {"food": 30, "care": 30, "shelter": 30}
    assert county["baseline_unreachable"] == {"food": 0, "care": 30, "shelter": 30}
    assert result.municipalities[1].unreachable.food == 20
    series = result.timeline.county.unreachable
    assert series["food"].tolist() == [0] * 5 + [30] * 7
    assert series["care"].tolist() == [30] * 12
    assert result.timeline.municipalities["2401"].unreachable["food"].tolist() == [0] * 5 + [10] * 7
