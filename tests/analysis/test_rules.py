"""Hand-computed cases, one rule of coverage-model.md each.

Unless a test says otherwise: FAST parameters (1 minute per km at factor 1, 60 km = 1 h;
factors yellow 0.5, orange 0.25, red 0.125), D = 24 h, mobile_max_hours 12.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from resilience.analysis import Scenario, SnowZone, SpeedFactors, compute, speed_factor_xy
from tests.analysis.helpers import cells_table, row, run, site, sites_table

EVERYWHERE = shapely.box(-1e6, -1e6, 1e6, 1e6)  # an outage covering every test site


def home(source_id: str, x: float = 0.0, y: float = 0.0, **numbers: float) -> dict:
    """An elderly home (default priority 2)."""
    return site(source_id, "care", "elderly_home", x, y, **numbers)


def generator(source_id: str, x: float, y: float = 0.0, **numbers: float) -> dict:
    return site(source_id, "power", "mobile_generator", x, y, **numbers)


# Step 1 -------------------------------------------------------------------------------------


def test_site_on_outage_edge_or_vertex_is_inside() -> None:
    """Outage box (0, 0)-(10 km, 10 km). A grocery on the east edge and one on the corner
    (0, 0) are inside: no backup, so F = 0 and hours = max(0, 24 - 0) = 24, status none.
    One 0.5 m beyond the edge is on the grid: 0 h."""
    sites = sites_table(
        site("edge", "food", "grocery", 10_000, 5_000),
        site("corner", "food", "grocery", 0, 0),
        site("beyond", "food", "grocery", 10_000.5, 5_000),
    )
    result = run(sites, outage=shapely.box(0, 0, 10_000, 10_000))
    assert result.status.tolist() == ["none", "none", "grid"]
    assert result.hours_unpowered_before.tolist() == [24.0, 24.0, 0.0]
    assert result.in_outage.tolist() == [True, True, False]


def test_backup_rules() -> None:
    """Everything in the outage, D = 24.
    unknown-load: backup 1 kW, fuel 10 h, load null -> any backup suffices: F = 10, 14 h,
    partial. too-small: backup 1 < load 5 -> F = 0: 24 h, none. equal: backup 5 >= load 5,
    fuel 10 -> 14 h, partial. zero-kw: backup 0 -> no backup: 24 h. no-fuel: fuel null ->
    no backup: 24 h. exact: fuel 24 = D -> 0 h, backup. long: fuel 30 -> max(0, -6) = 0,
    backup."""
    sites = sites_table(
        home("unknown-load", backup_kw=1, fuel_hours=10),
        site("too-small", "food", "grocery", 0, 0, backup_kw=1, fuel_hours=10, critical_load_kw=5),
        site("equal", "energy", "school", 0, 0, backup_kw=5, fuel_hours=10, critical_load_kw=5),
        site("zero-kw", "food", "grocery", 0, 0, backup_kw=0, fuel_hours=10),
        site("no-fuel", "food", "grocery", 0, 0, backup_kw=10),
        site("exact", "food", "grocery", 0, 0, backup_kw=10, fuel_hours=24),
        site("long", "food", "grocery", 0, 0, backup_kw=10, fuel_hours=30),
    )
    result = run(sites, outage=EVERYWHERE)
    assert result.hours_unpowered_before.tolist() == [14, 24, 14, 24, 24, 0, 0]
    assert result.status.tolist() == [
        "partial",
        "none",
        "partial",
        "none",
        "none",
        "backup",
        "backup",
    ]
    # No generator: step 2 leaves everything as it was.
    np.testing.assert_array_equal(result.hours_unpowered, result.hours_unpowered_before)


def test_power_sites_have_no_status() -> None:
    """Step 1 covers care, food and energy sites only."""
    sites = sites_table(generator("g", 0), site("d", "power", "fuel_depot", 0, 0))
    result = run(sites, outage=EVERYWHERE)
    assert result.status.tolist() == [None, None]
    assert np.isnan(result.hours_unpowered_before).all()
    assert result.to_document()["sites"] == []


# Step 2 -------------------------------------------------------------------------------------


def test_null_capacity_is_zero_and_null_mobilization_is_zero() -> None:
    """Care home, load 10 kW, no backup: F = 0, 24 h before. near (60 km, capacity null =
    0 < 10) may not serve it; far (120 km, capacity 10 >= 10, mobilization null = 0) does:
    A = 0 + 120 min / 60 = 2 h; fuel null (unlimited): hours = min(24, 2) - 0 + 0 = 2."""
    sites = sites_table(
        home("c", critical_load_kw=10),
        generator("near", 60_000, mobilization_hours=0),
        generator("far", 120_000, capacity_kw=10),
    )
    result = run(sites, outage=EVERYWHERE)
    c = row(result, "c")
    assert result.generator_source_id[c] == "far"
    assert result.generator_id[c] == 3
    assert result.arrival_hours[c] == 2.0
    assert result.hours_unpowered[c] == 2.0
    assert result.status[c] == "none"  # the status is step 1's


def test_unknown_load_takes_any_capacity() -> None:
    """Same, load null: near (capacity null) qualifies and arrives first, A = 1 h, 1 h."""
    sites = sites_table(
        home("c"),
        generator("near", 60_000),
        generator("far", 120_000, capacity_kw=10),
    )
    result = run(sites, outage=EVERYWHERE)
    assert result.generator_source_id[0] == "near"
    assert result.hours_unpowered[0] == 1.0
    assert result.county.generators_free == 1


def test_generator_tie_goes_to_lower_source_id_as_text() -> None:
    """gen-9 at -60 km and gen-10 at +60 km both arrive at A = 1 h; "gen-10" < "gen-9" as
    text, so gen-10 serves although gen-9 has the lower id."""
    sites = sites_table(home("c"), generator("gen-9", -60_000), generator("gen-10", 60_000))
    result = run(sites, outage=EVERYWHERE)
    assert result.generator_source_id[0] == "gen-10"
    assert result.arrival_hours[0] == 1.0


@pytest.mark.parametrize(
    ("first", "second", "winner"),
    [
        # Priority beats residents: hospital (default 1) before a home (2) with 100 residents.
        (
            site("a-hospital", "care", "hospital", 0, 0, residents=0),
            home("b-home", residents=100),
            "a-hospital",
        ),
        # A site's own priority overrides its kind's: health centre (3) with priority 1.
        (
            home("a-home", residents=50),
            site("b-centre", "care", "health_centre", 0, 0, priority=1, residents=10),
            "b-centre",
        ),
        # Same priority: more residents first.
        (home("x-1", residents=10), home("x-2", residents=20), "x-2"),
        # Residents null counts as 0, tie; then source_id as text: "s-10" < "s-9".
        (home("s-9"), home("s-10", residents=0), "s-10"),
    ],
)
def test_visiting_order(first: dict, second: dict, winner: str) -> None:
    """One generator at 60 km (A = 1 h for both sites): the first visited gets it, 1 h; the
    other keeps 24 h."""
    result = run(sites_table(first, second, generator("g", 60_000)), outage=EVERYWHERE)
    w = row(result, winner)
    assert result.generator_source_id[w] == "g"
    assert result.hours_unpowered[w] == 1.0
    assert sorted(result.hours_unpowered[:2].tolist()) == [1.0, 24.0]


def test_generators_run_out() -> None:
    """Three homes (residents 30, 20, 10) and two generators: the one with 10 gets none."""
    sites = sites_table(
        home("a", residents=10),
        home("b", residents=30),
        home("c", residents=20),
        generator("g1", 60_000),
        generator("g2", 120_000),
    )
    result = run(sites, outage=EVERYWHERE)
    # b first takes g1 (1 h), c takes g2 (2 h), a gets none.
    assert result.generator_source_id[:3].tolist() == [None, "g1", "g2"]
    assert result.hours_unpowered[:3].tolist() == [24.0, 1.0, 2.0]
    assert result.county.generators_free == 0


def test_mobile_max_hours_is_inclusive() -> None:
    """mobilization 11 h + 60 km (1 h): A = 12 = mobile_max_hours, assigned: 12 h.
    mobilization 11.5 h: A = 12.5 > 12, not assigned: 24 h and the generator stays free."""
    on_time = run(
        sites_table(home("c"), generator("g", 60_000, mobilization_hours=11)), outage=EVERYWHERE
    )
    assert on_time.arrival_hours[0] == 12.0
    assert on_time.hours_unpowered[0] == 12.0
    late = run(
        sites_table(home("c"), generator("g", 60_000, mobilization_hours=11.5)),
        outage=EVERYWHERE,
    )
    assert late.generator_index[0] == -1
    assert math.isnan(late.arrival_hours[0])
    assert late.hours_unpowered[0] == 24.0
    assert late.county.generators_free == 1


def test_arrival_at_or_after_the_end_is_not_assigned() -> None:
    """D = 6. mobilization 5 + 1 h = 6 = D: A < D fails, not assigned, 6 h. mobilization 4:
    A = 5 < 6, assigned: min(6, 5) - 0 = 5 h."""
    at_end = run(
        sites_table(home("c"), generator("g", 60_000, mobilization_hours=5)),
        outage=EVERYWHERE,
        duration=6,
    )
    assert at_end.generator_index[0] == -1
    assert at_end.hours_unpowered[0] == 6.0
    before_end = run(
        sites_table(home("c"), generator("g", 60_000, mobilization_hours=4)),
        outage=EVERYWHERE,
        duration=6,
    )
    assert before_end.arrival_hours[0] == 5.0
    assert before_end.hours_unpowered[0] == 5.0


def test_unlimited_generator_fuel() -> None:
    """F = 0, A = 1 h, G null (refuelled): max(0, min(24, 1) - 0) + max(0, 24 - 1 - inf) = 1."""
    result = run(sites_table(home("c"), generator("g", 60_000)), outage=EVERYWHERE)
    assert result.hours_unpowered[0] == 1.0


def test_finite_generator_fuel_two_terms() -> None:
    """own: backup 100 >= load 50, fuel 2: F = 2, 22 h before. Generator 60 km, capacity
    100, fuel 10: A = 1; max(0, min(24, 1) - 2) + max(0, 24 - max(1, 2) - 10) = 0 + 12 = 12.
    bare: F = 0, generator 180 km (A = 3), fuel 5: 3 + max(0, 24 - 3 - 5) = 3 + 16 = 19."""
    own = run(
        sites_table(
            home("c", backup_kw=100, critical_load_kw=50, fuel_hours=2),
            generator("g", 60_000, capacity_kw=100, fuel_hours=10),
        ),
        outage=EVERYWHERE,
    )
    assert own.hours_unpowered_before[0] == 22.0
    assert own.status[0] == "partial"
    assert own.hours_unpowered[0] == 12.0
    bare = run(sites_table(home("c"), generator("g", 180_000, fuel_hours=5)), outage=EVERYWHERE)
    assert bare.arrival_hours[0] == 3.0
    assert bare.hours_unpowered[0] == 19.0


def test_only_mobile_generators_are_dispatched() -> None:
    """A fixed generator and a fuel depot next to the site are not dispatched."""
    sites = sites_table(
        home("c"),
        site("fixed", "power", "fixed_generator", 0, 0, capacity_kw=1000),
        site("depot", "power", "fuel_depot", 0, 0),
    )
    result = run(sites, outage=EVERYWHERE)
    assert result.generator_index[0] == -1
    assert result.county.generators_free == 0


def test_speed_factor_is_the_lower_of_both_ends() -> None:
    """Home in an orange zone (0.25), generator in a yellow one (0.5): f = 0.25, so 60 km
    takes 60000 / (60 · 0.25 · 1000 / 60) = 240 min: A = 4 h. Step 3 likewise: a cell in
    yellow, a grocery 1 km away in orange: 1000 / 250 = 4 min (baseline 1 min)."""
    zones = (
        ("orange", shapely.box(-1_000, -1_000, 1_000, 1_000)),
        ("yellow", shapely.box(59_000, -1_000, 61_000, 1_000)),
        ("yellow", shapely.box(-1_000, 1_500, 1_000, 3_000)),
    )
    sites = sites_table(
        home("c"),
        generator("g", 60_000),
        site("f", "food", "grocery", 0, 1_000),  # on the orange zone's edge: inside
    )
    result = run(
        sites, cells_table((0, 2_000, 5)), outage=shapely.box(-10, -10, 10, 10), zones=zones
    )
    assert result.arrival_hours[0] == 4.0
    assert result.site_speed_factor.tolist() == [0.25, 0.5, 0.25]
    assert result.minutes["food"][0] == 4.0
    assert result.baseline_minutes["food"][0] == 1.0


def test_cell_centre_on_snow_zone_edge_gets_the_zone_factor() -> None:
    """Red zone (0.125) (0, 0)-(1 km, 1 km). Cell centre (1000, 500) on its east edge:
    f = min(0.125, 1) = 0.125 to a grocery 8 km east: 8000 / 125 = 64 min (baseline 8).
    A cell centre 0.5 m further east is outside: 7999.5 m at factor 1 = 7.9995 min."""
    result = run(
        sites_table(site("f", "food", "grocery", 9_000, 500)),
        cells_table((1_000, 500, 10), (1_000.5, 500, 10)),
        zones=(("red", shapely.box(0, 0, 1_000, 1_000)),),
    )
    assert result.cell_speed_factor.tolist() == [0.125, 1.0]
    assert result.minutes["food"][0] == 64.0
    assert result.baseline_minutes["food"][0] == 8.0
    assert result.minutes["food"][1] == pytest.approx(7.9995, abs=1e-12)
    # 64 > 30 now, 8 <= 30 before: a new food gap.
    assert result.new_gaps()["food"].tolist() == [True, False]


def test_most_severe_level_wins_whatever_its_factor() -> None:
    """A point in both a yellow and a red zone takes red's factor, even when a scenario
    sets red's factor above yellow's (severity is by level, as the spec says)."""
    zones = [
        SnowZone("yellow", shapely.box(0, 0, 10, 10)),
        SnowZone("red", shapely.box(5, 5, 20, 20)),
    ]
    x, y = np.array([2.0, 7.0, 15.0, 30.0]), np.array([2.0, 7.0, 15.0, 30.0])
    factor = speed_factor_xy(zones, SpeedFactors(yellow=0.5, orange=0.4, red=0.9), x, y)
    assert factor.tolist() == [0.5, 0.9, 0.9, 1.0]


# Step 3 -------------------------------------------------------------------------------------


def test_services_and_thresholds() -> None:
    """No outage. Cell at the origin. care: an elderly home 100 m away does not count, the
    health centre 5 km away does: 5 min, covered at care_minutes 5 (<=). shelter: a school
    without shelter_capacity and an office with 0 do not count, the sports hall (capacity
    10) 3 km away does: 3 min, not covered at 2.9. food: a warehouse 2 km: 2 min."""
    sites = sites_table(
        home("h", 100, 0),
        site("hc", "care", "health_centre", 5_000, 0),
        site("school", "energy", "school", 100, 0),
        site("office", "energy", "office", 200, 0, shelter_capacity=0),
        site("hall", "energy", "sports_hall", 3_000, 0, shelter_capacity=10),
        site("wh", "food", "warehouse", 2_000, 0),
    )
    result = run(sites, cells_table((0, 0, 1)), care_minutes=5, shelter_minutes=2.9)
    assert {s: result.minutes[s][0] for s in ("food", "care", "shelter")} == {
        "food": 2.0,
        "care": 5.0,
        "shelter": 3.0,
    }
    assert result.covered["care"][0]
    assert not result.covered["shelter"][0]


def test_site_powered_by_generator_is_operational() -> None:
    """Hospital in the outage: backup 100 >= 50, fuel 2: F = 2, 22 h. Generator 60 km (A =
    1, capacity 50 >= 50, fuel null): max(0, 1 - 2) + max(0, 24 - 2 - inf) = 0 h:
    operational, so a cell 3 km away reaches care in 3 min."""
    sites = sites_table(
        site("h", "care", "hospital", 0, 0, backup_kw=100, critical_load_kw=50, fuel_hours=2),
        generator("g", 60_000, capacity_kw=50),
    )
    result = run(sites, cells_table((0, 3_000, 4)), outage=EVERYWHERE)
    assert result.hours_unpowered[0] == 0.0
    assert result.operational[0]
    assert result.minutes["care"][0] == 3.0
    assert not result.care_gaps[0]


def test_cell_with_no_reachable_site() -> None:
    """No hospital or shelter at all: care and shelter minutes are inf in both runs, not
    covered, and not new gaps. The only grocery is in the outage without backup: food is
    inf in the scenario, 1 min in the baseline: a new gap. An unpopulated cell has NaN."""
    result = run(
        sites_table(site("f", "food", "grocery", 1_000, 0)),
        cells_table((0, 0, 3), (0, 0, 0)),
        outage=shapely.box(500, -500, 1_500, 500),
    )
    assert math.isinf(result.minutes["care"][0])
    assert math.isinf(result.baseline_minutes["shelter"][0])
    assert not result.covered["care"][0]
    assert not result.new_gaps()["care"][0]
    assert math.isinf(result.minutes["food"][0])
    assert result.baseline_minutes["food"][0] == 1.0
    assert result.new_gaps()["food"].tolist() == [True, False]
    assert math.isnan(result.minutes["food"][1])
    assert result.county.uncovered.to_dict() == {"food": 3, "care": 3, "shelter": 3}
    assert result.county.baseline_uncovered.to_dict() == {"food": 0, "care": 3, "shelter": 3}


# Results ------------------------------------------------------------------------------------


def test_municipality_and_county_sums() -> None:
    """Åbacka 2401, Östervik 2403, and a cell and a site in no municipality.
    Outage: (-5 km, -5 km)-(10 km, 5 km) and (85 km, -5 km)-(95 km, 5 km).
    Food: f1 (1 km, 0.5 km) in the outage, no backup; f2 at 60 km on the grid.
    Cells (population): A (0.5 km) 100 and B (1.5 km) 50 in 2401 reach f1 in 0.5 min in
    the baseline, f2 in 59.5 / 58.5 min in the scenario: 150 uncovered (baseline 0).
    C (40.5 km) 30 in 2403: 19.5 min to f2, covered both. D (90.5 km) 7, no municipality:
    30.5 min, uncovered both. E (91.5 km) 0 people counts nowhere.
    No hospital and no shelter: everyone uncovered for care and shelter, both runs.
    Care: c1 (2401, 10 residents) and c2 (none, 5) in the outage, 24 h before; c3 (2403, 3)
    on the grid. The generator, located in 2403, is 60 km from c1, which comes first (more
    residents): A = 1 h, 1 h unpowered; c2 keeps 24 h.
    2401: population 150, uncovered food 150 care 150 shelter 150, baseline 0/150/150,
    1 care site unpowered, 10 residents, 10 · 1 = 10 resident-hours, 1 generator assigned
    (by the site's municipality). 2403: 30, 0/30/30 both, nothing unpowered, 0 assigned.
    None: 7, 7/7/7, 1 site, 5 residents, 5 · 24 = 120. County = sum: 187, 157/187/187,
    baseline 7/187/187, 2 sites, 15 residents, 130 resident-hours, 1 assigned, 0 free."""
    sites = sites_table(
        site("f1", "food", "grocery", 1_000, 500, municipality="2401"),
        site("f2", "food", "grocery", 60_000, 500, municipality="2403"),
        home("c1", 0, 0, residents=10, municipality="2401"),
        home("c2", 90_000, 0, residents=5),
        site("c3", "care", "group_home", 40_000, 0, residents=3, municipality="2403"),
        generator("g", 60_000, municipality="2403"),
    )
    cells = cells_table(
        (500, 500, 100, "2401"),
        (1_500, 500, 50, "2401"),
        (40_500, 500, 30, "2403"),
        (90_500, 500, 7),
        (91_500, 500, 0),
    )
    outage = shapely.MultiPolygon(
        [shapely.box(-5_000, -5_000, 10_000, 5_000), shapely.box(85_000, -5_000, 95_000, 5_000)]
    )
    result = run(sites, cells, outage=outage)
    # The v1 figures, unchanged in v2 (the v2 figures are checked in test_v2.py).
    abacka, ostervik = (
        m.v1_dict() | {"code": m.code, "name": m.name} for m in result.municipalities
    )
    assert abacka == {
        "code": "2401",
        "name": "Åbacka",
        "population": 150,
        "uncovered": {"food": 150, "care": 150, "shelter": 150},
        "baseline_uncovered": {"food": 0, "care": 150, "shelter": 150},
        "care_sites_unpowered": 1,
        "residents_unpowered": 10,
        "resident_hours_unpowered": 10.0,
        "generators_assigned": 1,
    }
    assert ostervik == {
        "code": "2403",
        "name": "Östervik",
        "population": 30,
        "uncovered": {"food": 0, "care": 30, "shelter": 30},
        "baseline_uncovered": {"food": 0, "care": 30, "shelter": 30},
        "care_sites_unpowered": 0,
        "residents_unpowered": 0,
        "resident_hours_unpowered": 0.0,
        "generators_assigned": 0,
    }
    assert result.no_municipality.v1_dict() == {
        "population": 7,
        "uncovered": {"food": 7, "care": 7, "shelter": 7},
        "baseline_uncovered": {"food": 7, "care": 7, "shelter": 7},
        "care_sites_unpowered": 1,
        "residents_unpowered": 5,
        "resident_hours_unpowered": 120.0,
        "generators_assigned": 0,
    }
    assert result.county.v1_dict() | {"generators_free": result.county.generators_free} == {
        "population": 187,
        "uncovered": {"food": 157, "care": 187, "shelter": 187},
        "baseline_uncovered": {"food": 7, "care": 187, "shelter": 187},
        "care_sites_unpowered": 2,
        "residents_unpowered": 15,
        "resident_hours_unpowered": 130.0,
        "generators_assigned": 1,
        "generators_free": 0,
    }


def test_every_listed_municipality_is_summarised_even_when_empty() -> None:
    result = run(sites_table(), municipalities={"2409": "Robertsfors", "2401": "Åbacka"})
    assert [m.code for m in result.municipalities] == ["2401", "2409"]
    assert result.municipalities[1].population == 0


def test_unknown_municipality_code_is_an_error() -> None:
    with pytest.raises(ValueError, match="2499"):
        run(sites_table(home("c", municipality="2499")))


def test_progress_is_reported_from_zero_to_one() -> None:
    seen: list[tuple[float, str]] = []
    sites = sites_table(home("c"))

    def progress(fraction: float, step: str) -> None:
        seen.append((fraction, step))

    compute(sites, cells_table((0, 0, 1)), {}, Scenario(), progress)
    fractions = [fraction for fraction, _ in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert all(isinstance(step, str) and step for _, step in seen)
