"""resilience.energy_figures: every figure of the energy pages, on tiny registers computed by hand
in the docstrings. No database, no Flask."""

from __future__ import annotations

import math
from datetime import date

import pytest

from resilience import energy_figures as energy
from resilience.energy_figures import Building, CareSite, Measure, Reading, Target


def school(id: int, area: float | None, use: float | None, **kw) -> Building:  # type: ignore[no-untyped-def]
    return Building(
        id=id, name=f"Skola {id}", kind="school", heated_area_m2=area, energy_kwh_year=use, **kw
    )


# --- one building ----------------------------------------------------------------------------


def test_intensity_is_use_per_heated_area() -> None:
    """120 000 kWh / 1 000 m² = 120 kWh/m²; no area, zero area or no use: unknown."""
    assert energy.intensity(120_000, 1_000) == 120.0
    assert energy.intensity(120_000, None) is None
    assert energy.intensity(120_000, 0) is None
    assert energy.intensity(None, 1_000) is None


def test_class_limits_follow_boverkets_ratios() -> None:
    """70 × (0.50, 0.75, 1.00, 1.35, 1.80, 2.35) = 35, 52.5, 70, 94.5, 126, 164.5."""
    assert energy.class_limits(70) == (35.0, 52.5, 70.0, 94.5, 126.0, 164.5)
    assert energy.default_class_limits()["school"] == (35.0, 52.5, 70.0, 94.5, 126.0, 164.5)
    assert set(energy.default_class_limits()) == set(energy.ENERGY_KINDS)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.0, "A"),
        (35.0, "A"),  # the upper limit belongs to the class
        (35.01, "B"),
        (70.0, "C"),  # = the requirement on a new building
        (94.5, "D"),
        (126.0, "E"),
        (164.5, "F"),
        (164.51, "G"),
        (900.0, "G"),
        (None, None),
    ],
)
def test_energy_class_boundaries(value: float | None, expected: str | None) -> None:
    assert energy.energy_class(value, energy.class_limits(70)) == expected


def test_class_limits_are_checked() -> None:
    assert energy.check_class_limits([1, 2, 3, 4, 5, 6]) == (1, 2, 3, 4, 5, 6)
    with pytest.raises(ValueError, match="expected 6"):
        energy.check_class_limits([1, 2, 3])
    with pytest.raises(ValueError, match="increase"):
        energy.check_class_limits([1, 2, 2, 4, 5, 6])
    with pytest.raises(ValueError, match="positive"):
        energy.check_class_limits([0, 2, 3, 4, 5, 6])


def test_saving_potential() -> None:
    """(150 − 120) kWh/m² × 2 000 m² = 60 000 kWh/year; at or below the median: 0."""
    assert energy.saving_potential(150, 120, 2_000) == 60_000
    assert energy.saving_potential(120, 120, 2_000) == 0
    assert energy.saving_potential(100, 120, 2_000) == 0
    assert energy.saving_potential(None, 120, 2_000) == 0
    assert energy.saving_potential(150, None, 2_000) == 0


def test_load_from_stored_peak_or_estimate() -> None:
    """87 600 kWh / 8 760 h = 10 kW mean; × peak factor 2 = 20 kW; × 1.5 = 15 kW."""
    assert energy.load_kw(87_600, None) == (20.0, "estimate")
    assert energy.load_kw(87_600, None, 1.5) == (15.0, "estimate")
    assert energy.load_kw(87_600, 55.0) == (55.0, "stored")
    assert energy.load_kw(None, None) == (None, "none")


def test_backup_shelter_and_must_stay_on() -> None:
    assert energy.has_backup(50, 24) and not energy.has_backup(50, 0)
    assert not energy.has_backup(None, 24)
    shelter = school(1, 100, 100, shelter_capacity=30)
    assert energy.is_warm_shelter(shelter) and energy.must_stay_on(shelter)
    assert not energy.must_stay_on(school(2, 100, 100, shelter_capacity=0))
    care = Building(3, "Vårdbyggnad", "care_home")
    assert energy.must_stay_on(care) and not energy.is_warm_shelter(care)


def test_annual_metered_prefers_annual_and_needs_twelve_months() -> None:
    """2022: annual 90 000 (the owner's figure wins over its months);
    2023: 12 × 7 000 = 84 000; 2024: only 11 months, left out."""
    readings = [Reading(1, 2022, None, 90_000), Reading(1, 2022, 1, 1)]
    readings += [Reading(1, 2023, m, 7_000) for m in range(1, 13)]
    readings += [Reading(1, 2024, m, 7_000) for m in range(1, 12)]
    assert energy.annual_metered(readings) == {2022: 90_000, 2023: 84_000}


def test_achieved_saving_verified_else_expected_only_when_done() -> None:
    done = date(2023, 5, 1)
    assert energy.achieved_saving(Measure(1, "LED", "done", done, 5_000, 4_000)) == 4_000
    assert energy.achieved_saving(Measure(1, "LED", "done", done, 5_000, None)) == 5_000
    assert energy.achieved_saving(Measure(1, "LED", "done", done, None, None)) == 0
    assert energy.achieved_saving(Measure(1, "LED", "in_progress", None, 5_000, None)) == 0


def test_vocabulary_aliases() -> None:
    assert energy.normalise_heating("Fjärrvärme") == "district_heating"
    assert energy.normalise_heating("heat-pump") == "heat_pump"
    assert energy.normalise_heating("district heating") == "district_heating"
    with pytest.raises(ValueError, match="unknown heating"):
        energy.normalise_heating("kärnkraft")
    assert energy.normalise_status("Klar") == "done"
    assert energy.normalise_status("pågår") == "in_progress"
    assert energy.normalise_status("in-progress") == "in_progress"
    with pytest.raises(ValueError, match="unknown status"):
        energy.normalise_status("kanske")


# --- the register ------------------------------------------------------------------------------


def test_assess_a_small_register() -> None:
    """Schools: 100, 150 and 200 kWh/m² on 1 000, 1 000 and 2 000 m²; one without area.
    Median of the known = 150. Potentials: 0, 0, (200 − 150) × 2 000 = 100 000.
    The pool is alone of its kind: its own median, potential 0.
    Classes (limits 35, 52.5, 70, 94.5, 126, 164.5): 100 → E, 150 → F, 200 → G, 600 → G.
    Loads: 100 000 / 8 760 × 2 = 22.83 kW; school 3 has a stored 80 kW."""
    buildings = [
        school(1, 1_000, 100_000),
        school(2, 1_000, 150_000),
        school(3, 2_000, 400_000, peak_kw=80.0),
        school(4, None, 50_000),
        Building(5, "Simhall", "swimming_pool", heated_area_m2=2_000, energy_kwh_year=1_200_000),
    ]
    a1, a2, a3, a4, a5 = energy.assess(buildings)
    assert [a.intensity_kwh_m2 for a in (a1, a2, a3, a4, a5)] == [100, 150, 200, None, 600]
    assert a1.kind_median_kwh_m2 == a3.kind_median_kwh_m2 == 150
    assert [a.saving_potential_kwh_year for a in (a1, a2, a3, a4, a5)] == [0, 0, 100_000, 0, 0]
    assert [a.energy_class for a in (a1, a2, a3, a4, a5)] == ["E", "F", "G", None, "G"]
    assert math.isclose(a1.load_kw or 0, 100_000 / 8_760 * 2)
    assert (a3.load_kw, a3.load_source) == (80.0, "stored")
    assert (a4.use_kwh_year, a4.use_source) == (50_000, "register")
    ranked = energy.rank_by_potential([a1, a2, a3, a4, a5])
    assert ranked[0] is a3


def test_assess_with_custom_limits_and_peak_factor() -> None:
    """With school limits (100, 110, 120, 130, 140, 150), 150 kWh/m² is F; with peak factor
    3: 150 000 / 8 760 × 3 = 51.37 kW."""
    limits = {"school": (100, 110, 120, 130, 140, 150)}
    (a,) = energy.assess([school(1, 1_000, 150_000)], limits=limits, peak_factor=3)
    assert a.energy_class == "F"
    assert math.isclose(a.load_kw or 0, 150_000 / 8_760 * 3)


def test_assess_uses_the_latest_complete_metered_year() -> None:
    """Register says 200 000; metered 2023 annual 90 000 and 2024 as 12 × 7 000 = 84 000; 2025
    has one month. Use = 84 000 (2024), intensity 84 on 1 000 m²."""
    readings = [Reading(1, 2023, None, 90_000), Reading(1, 2025, 1, 9_000)]
    readings += [Reading(1, 2024, m, 7_000) for m in range(1, 13)]
    (a,) = energy.assess([school(1, 1_000, 200_000)], readings)
    assert (a.use_kwh_year, a.use_source, a.use_year) == (84_000, "metered", 2024)
    assert a.intensity_kwh_m2 == 84


def test_assess_sums_measures() -> None:
    """Done: 4 000 verified + 3 000 expected = 7 000 achieved, 4 000 verified; planned 2 000
    + in progress 1 000 = 3 000 pending; cost 10 000 + 20 000 + 5 000 = 35 000 SEK."""
    measures = [
        Measure(1, "LED", "done", date(2023, 1, 1), 5_000, 4_000, 10_000),
        Measure(1, "Temp", "done", date(2023, 2, 1), 3_000, None, None),
        Measure(1, "Fönster", "planned", None, 2_000, None, 20_000),
        Measure(1, "Vent", "in_progress", None, 1_000, None, 5_000),
        Measure(2, "Annan byggnad", "done", date(2023, 1, 1), 99_000, None, None),
    ]
    (a,) = energy.assess([school(1, 1_000, 100_000)], measures=measures)
    assert a.savings_done_kwh_year == 7_000
    assert a.savings_verified_kwh_year == 4_000
    assert a.savings_pending_kwh_year == 3_000
    assert a.measures_cost_sek == 35_000
    assert a.measures == 4


def test_select_filters() -> None:
    buildings = [
        Building(1, "A", "school", owner="municipality", municipality="2401"),
        Building(2, "B", "office", owner="state", municipality="2401"),
        Building(3, "C", "school", owner="region", municipality="2403"),
    ]
    assessed = energy.assess(buildings)
    ids = lambda rows: [a.building.id for a in rows]  # noqa: E731
    assert ids(energy.select(assessed, municipality="2401")) == [1, 2]
    assert ids(energy.select(assessed, kind="school")) == [1, 3]
    assert ids(energy.select(assessed, owner="region", kind="school")) == [3]
    assert ids(energy.select(assessed)) == [1, 2, 3]


def test_totals_area_weighted_intensity_and_classes() -> None:
    """Use 100 000 on 1 000 m² and 300 000 on 2 000 m²: 400 000 / 3 000 = 133.3 kWh/m².
    The building without area adds its 50 000 kWh to the use but not to the intensity; the
    one without use is counted as such. Warm shelter places 120."""
    buildings = [
        school(1, 1_000, 100_000, shelter_capacity=120),
        school(2, 2_000, 300_000),
        school(3, None, 50_000),
        school(4, 500, None),
    ]
    t = energy.totals(energy.assess(buildings))
    assert t.buildings == 4
    assert t.heated_area_m2 == 3_500
    assert t.use_kwh_year == 450_000
    assert t.without_use == 1
    assert math.isclose(t.intensity_kwh_m2 or 0, 400_000 / 3_000)
    assert (t.warm_shelters, t.shelter_places) == (1, 120)
    # 100 kWh/m² → E, 150 → F; the other two have no intensity.
    assert t.classes == {"A": 0, "B": 0, "C": 0, "D": 0, "E": 1, "F": 1, "G": 0}
    groups = energy.totals_by(energy.assess(buildings), lambda a: a.building.id % 2)
    assert groups[1].use_kwh_year == 150_000 and groups[0].use_kwh_year == 300_000


# --- targets and progress ------------------------------------------------------------------


def test_target_resolution_most_specific_first() -> None:
    targets = {
        ("municipality", "2480"): Target(15, 2021),
        ("municipality", None): Target(12, 2022),
        (None, None): Target(8, 2020),
    }
    assert energy.target_for("municipality", "2480", targets) == Target(15, 2021)
    assert energy.target_for("municipality", "2401", targets) == Target(12, 2022)
    assert energy.target_for("state", "2480", targets) == Target(8, 2020)
    assert energy.target_for(None, "2480", targets) == Target(8, 2020)
    assert energy.target_for("state", None, {}) == energy.DEFAULT_TARGET == Target(10, 2022)


def test_use_in_year_metered_or_estimated_from_measures() -> None:
    """Base 2022 = register 100 000. Measures: done 2023-06-01 saving 5 000 (verified),
    done 2021 (before the base year: already in it), planned 9 000.
    2022: 100 000 (the base); 2023: 100 000 (the measure counts from the next year);
    2024: 95 000; 2025 metered 93 000; 2021 (before the base): the base."""
    b = school(1, 1_000, 100_000)
    measures = [
        Measure(1, "LED", "done", date(2023, 6, 1), 6_000, 5_000),
        Measure(1, "Gammal", "done", date(2021, 3, 1), 7_000),
        Measure(1, "Plan", "planned", date(2026, 1, 1), 9_000),
    ]
    metered = {2025: 93_000.0}
    use = lambda y: energy.use_in_year(b, metered, measures, y, 2022)  # noqa: E731
    assert use(2022) == energy.YearUse(100_000, "register")
    assert use(2023) == energy.YearUse(100_000, "estimate")
    assert use(2024) == energy.YearUse(95_000, "estimate")
    assert use(2025) == energy.YearUse(93_000, "metered")
    assert use(2021) == energy.YearUse(100_000, "register")
    assert energy.use_in_year(school(2, 1, None), {}, [], 2024, 2022) is None


def test_base_year_metered_wins_over_register() -> None:
    b = school(1, 1_000, 100_000)
    assert energy.base_use(b, {2022: 120_000.0}, 2022) == energy.YearUse(120_000, "metered")
    assert energy.base_use(b, {2023: 120_000.0}, 2022) == energy.YearUse(100_000, "register")


def test_progress_of_one_building() -> None:
    """Base 100 000, target −10 % = 90 000, use 2024 = 100 000 − 5 000 = 95 000.
    Change 5 000 = 5 %, target 10 %, half the target reached, not on track."""
    b = school(1, 1_000, 100_000, owner="municipality")
    m = Measure(1, "LED", "done", date(2023, 6, 1), 6_000, 5_000)
    p = energy.progress([b], [], [m], {}, 2024)
    assert (p.base_kwh, p.target_kwh, p.use_kwh) == (100_000, 90_000, 95_000)
    assert p.change_kwh == 5_000
    assert p.change_percent == 5
    assert p.target_percent == pytest.approx(10)
    assert p.reached == pytest.approx(0.5) and p.reached_percent == pytest.approx(50)
    assert not p.on_track
    assert (p.buildings, p.metered, p.without_data) == (1, 0, 0)


def test_progress_with_owner_targets_per_municipality() -> None:
    """Municipality owner: 10 % from 2022 (default); region: 20 % from 2023.
    Building 1 (municipality, 2401): base 2022 = 100 000, target 90 000, 2024 metered 88 000.
    Building 2 (region, 2401): base 2023 metered 200 000, target 160 000, 2024 metered 170 000.
    Building 3 (region, 2403): no use at all: left out.
    2401: base 300 000, target 250 000, use 258 000 → change 42 000 = 14 %, target 16.67 %,
    reached 42/50 = 0.84. Region: base 200 000, target 160 000, use 170 000."""
    buildings = [
        Building(
            1, "A", "school", owner="municipality", municipality="2401", energy_kwh_year=100_000
        ),
        Building(2, "B", "office", owner="region", municipality="2401", energy_kwh_year=999),
        Building(3, "C", "office", owner="region", municipality="2403"),
    ]
    readings = [
        Reading(1, 2024, None, 88_000),
        Reading(2, 2023, None, 200_000),
        Reading(2, 2024, None, 170_000),
    ]
    targets = {("region", None): Target(20, 2023)}
    by_muni = energy.progress_by(buildings, readings, [], targets, 2024, lambda b: b.municipality)
    p = by_muni["2401"]
    assert (p.base_kwh, p.target_kwh, p.use_kwh) == (300_000, 250_000, 258_000)
    assert p.change_percent == pytest.approx(14)
    assert p.target_percent == pytest.approx(50_000 / 300_000 * 100)
    assert p.reached == pytest.approx(0.84)
    assert (p.buildings, p.metered) == (2, 2)
    assert by_muni["2403"].buildings == 0 and by_muni["2403"].without_data == 1
    assert not by_muni["2403"].on_track
    by_owner = energy.progress_by(buildings, readings, [], targets, 2024, lambda b: b.owner)
    r = by_owner["region"]
    assert (r.base_kwh, r.target_kwh, r.use_kwh) == (200_000, 160_000, 170_000)
    county = energy.progress(buildings, readings, [], targets, 2024)
    assert county.base_kwh == sum(q.base_kwh for q in by_muni.values())
    assert county.use_kwh == sum(q.use_kwh for q in by_muni.values())


def test_progress_series_years() -> None:
    """2022-2024 for one building of 100 000 with 10 000 saved by a measure done in 2022:
    2022 = 100 000, 2023 = 2024 = 90 000: the target is met from 2023."""
    b = school(1, 1, 100_000)
    m = Measure(1, "LED", "done", date(2022, 3, 1), 10_000)
    series = energy.progress_series([b], [], [m], {}, 2022, 2024)
    assert [(p.year, p.use_kwh, p.on_track) for p in series] == [
        (2022, 100_000, False),
        (2023, 90_000, True),
        (2024, 90_000, True),
    ]


def test_progress_of_nothing() -> None:
    p = energy.progress([], [], [], {}, 2024)
    assert p.buildings == 0 and p.change_percent is None and p.reached is None
    assert not p.on_track


# --- load shedding --------------------------------------------------------------------------------


def test_load_shedding_by_priority_class() -> None:
    """Class 8: 87 600 kWh → 20 kW; class 6: 43 800 kWh → 10 kW and a stored 30 kW = 40 kW;
    not classified: 8 760 kWh → 2 kW (not summed into the sheddable load); a building
    without use in class 6 is counted, not summed. The warm shelter (class 4) and the care
    building stay on. Cut from 8: 20; from 7: 20; from 6: 60; … from 1: 60."""
    buildings = [
        school(1, 1, 87_600, styrel_priority=8),
        school(2, 1, 43_800, styrel_priority=6),
        school(3, 1, 1, styrel_priority=6, peak_kw=30.0),
        school(4, 1, None, styrel_priority=6),
        school(5, 1, 8_760),
        school(6, 1, 50_000, styrel_priority=4, shelter_capacity=80),
        Building(7, "Vårdbyggnad", "care_home", energy_kwh_year=10_000, styrel_priority=2),
    ]
    care = [
        CareSite(20, "Hälsocentral", "health_centre"),
        CareSite(21, "Sjukhus", "hospital", backup_kw=100, fuel_hours=24),
    ]
    plan = energy.load_shedding(energy.assess(buildings), care)
    by = {c.priority: c for c in plan.classes}
    assert by[8].kw == pytest.approx(20) and by[8].buildings == 1
    assert by[6].kw == pytest.approx(40) and by[6].buildings == 3
    assert (by[6].estimated, by[6].without_load) == (1, 1)
    assert by[None].kw == pytest.approx(2)
    assert by[4].buildings == 0 and by[2].buildings == 0
    assert plan.sheddable_kw == pytest.approx(60)
    cumulative = dict(plan.cumulative_kw())
    assert cumulative[8] == pytest.approx(20)
    assert cumulative[7] == pytest.approx(20)
    assert cumulative[6] == pytest.approx(60)
    assert cumulative[1] == pytest.approx(60)
    assert [a.building.id for a in plan.must_stay_on] == [6, 7]  # warm shelters first
    assert [c.id for c in plan.care_sites] == [21, 20]  # hospital (1) before health centre (3)
    assert plan.care_sites[0].has_backup and plan.care_sites[1].effective_priority == 3


def test_to_mwh() -> None:
    assert energy.to_mwh(1_500) == 1.5 and energy.to_mwh(None) is None


# --- the primary energy number (BBR 29, 9:2) ------------------------------------------------


@pytest.mark.parametrize(
    ("heating", "municipality", "expected", "klass"),
    [
        # 100 kWh/m² delivered, 70 % heating: (70 × VF / F_geo + 30 × 1.8), by hand.
        ("district_heating", "2480", 70 * 0.7 / 1.5 + 54, "D"),  # Umeå: 86.67
        ("electricity", "2422", 70 * 1.8 / 1.9 + 54, "E"),  # Sorsele: 120.32
        ("heat_pump", "2422", 70 * 1.8 / 1.9 + 54, "E"),  # a heat pump runs on electricity
        ("biofuel", "2482", 70 * 0.6 / 1.5 + 54, "D"),  # Skellefteå: 82.0
        ("oil", "2481", 70 * 1.8 / 1.7 + 54, "F"),  # Lycksele: 128.12
    ],
)
def test_primary_energy_number_by_hand(
    heating: str, municipality: str, expected: float, klass: str
) -> None:
    value = energy.primary_energy_number(100_000, 1_000, heating, municipality)
    assert value is not None and math.isclose(value, expected)
    assert energy.energy_class(value, energy.class_limits(70)) == klass


def test_primary_energy_number_needs_heating_area_and_f_geo() -> None:
    assert energy.primary_energy_number(100_000, 1_000, None, "2480") is None
    assert energy.primary_energy_number(100_000, 1_000, "district_heating", "0180") is None
    assert energy.primary_energy_number(100_000, None, "district_heating", "2480") is None
    assert energy.primary_energy_number(None, 1_000, "district_heating", "2480") is None
    # All of it heating: 100 × 0.7 / 1.5 = 46.67, class B.
    whole = energy.primary_energy_number(100_000, 1_000, "district_heating", "2480", 1.0)
    assert whole is not None and math.isclose(whole, 70 / 1.5)
    with pytest.raises(ValueError, match="heating share"):
        energy.primary_energy_number(100_000, 1_000, "oil", "2480", 1.5)
    assert set(energy.WEIGHTING_FACTORS) == set(energy.HEATING)
    assert len(energy.F_GEO) == 15  # every municipality of Västerbotten


def test_assess_classes_on_ep_pet_where_known() -> None:
    """School 1: district heating in Umeå, 150 kWh/m² delivered → EP_pet 150 × 0.8667 = 130
    → F (delivered alone would be F too: 150 ≤ 164.5); school 2: 100 kWh/m² district
    heating in Umeå → 86.67 → D (delivered: E); school 3: no heating → delivered, E."""
    buildings = [
        Building(1, "A", "school", municipality="2480", heated_area_m2=1_000,
                 energy_kwh_year=150_000, heating="district_heating"),
        Building(2, "B", "school", municipality="2480", heated_area_m2=1_000,
                 energy_kwh_year=100_000, heating="district_heating"),
        Building(3, "C", "school", municipality="2480", heated_area_m2=1_000,
                 energy_kwh_year=100_000),
    ]  # fmt: skip
    a1, a2, a3 = energy.assess(buildings)
    assert math.isclose(a1.primary_energy_kwh_m2 or 0, 130)
    assert [a.energy_class for a in (a1, a2, a3)] == ["F", "D", "E"]
    assert [a.class_method for a in (a1, a2, a3)] == ["primary_energy"] * 2 + ["delivered"]
    assert a3.primary_energy_kwh_m2 is None
    assert [a.intensity_kwh_m2 for a in (a1, a2, a3)] == [150, 100, 100]  # delivered stays
