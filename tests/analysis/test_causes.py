"""The reason for a gap (analysis/causes.py): the facts of one site, in order."""

from __future__ import annotations

from resilience.analysis.causes import Cause, FreeGenerator, SiteFacts, site_causes

HOME = SiteFacts(
    x=0.0,
    y=0.0,
    status="none",
    outage_hours=48.0,
    critical_load_kw=60.0,
    backup_kw=80.0,
    fuel_hours=8.0,
    hours_unpowered_before=40.0,
    hours_unpowered=40.0,
    heat_plant_name="Sorsele värmeverk",
    heat_plant_unpowered_from=0.0,
    first_cold_hour=7.3,
    hours_cold=30.0,
)


def test_the_issues_example_in_order() -> None:
    free = [
        FreeGenerator("Gen 3", 20.0, 1_000.0, 0.0),  # too small
        FreeGenerator("Gen 14", 100.0, 0.0, 14_200.0),
        FreeGenerator("Gen 20", 100.0, 30_000.0, 0.0),
    ]
    assert site_causes(HOME, free, mobile_max_hours=12.0) == [
        Cause("outage", hours=48.0),
        Cause("own_backup", hours=8.0),
        Cause("no_generator", hours=12.0, needed_kw=60.0, name="Gen 14", km=14.2),
        Cause("heat_plant", name="Sorsele värmeverk", hours=0.0),
        Cause("cold", hours=7.3, duration=30.0),
    ]


def test_a_small_backup_no_free_generator_and_a_sent_one() -> None:
    small = HOME.__class__(**{**HOME.__dict__, "backup_kw": 30.0, "heat_plant_name": None})
    assert site_causes(small, [FreeGenerator("Gen 3", 20.0, 0.0, 0.0)], 12.0)[1:3] == [
        Cause("backup_too_small", kw=30.0, needed_kw=60.0),
        Cause("all_generators_taken", needed_kw=60.0),
    ]
    sent = HOME.__class__(
        **{**HOME.__dict__, "backup_kw": None, "generator_name": "Gen 1", "arrival_hours": 2.5}
    )
    assert site_causes(sent, [], 12.0)[1:3] == [
        Cause("no_backup"),
        Cause("generator", name="Gen 1", hours=2.5),
    ]


def test_a_site_outside_the_outage_cold_from_its_plant() -> None:
    outside = HOME.__class__(**{**HOME.__dict__, "status": "grid", "hours_unpowered": 0.0})
    assert [c.kind for c in site_causes(outside, [], 12.0)] == ["heat_plant", "cold"]


def test_no_open_road_when_the_closures_leave_no_free_generator_a_way() -> None:
    """v3: free generators carry its load, but none has a way to it over open roads: the
    reason is no open road; when some have, the nearest of those is named."""
    free = [
        FreeGenerator("Gen 14", 100.0, 0.0, 14_200.0),
        FreeGenerator("Gen 20", 100.0, 30_000.0, 0.0),
    ]
    cut_off = HOME.__class__(**{**HOME.__dict__, "reachable_generators": frozenset()})
    assert site_causes(cut_off, free, 12.0)[2] == Cause("no_open_road", needed_kw=60.0)
    beyond = HOME.__class__(**{**HOME.__dict__, "reachable_generators": frozenset({"Gen 20"})})
    assert site_causes(beyond, free, 12.0)[2] == Cause(
        "no_generator", hours=12.0, needed_kw=60.0, name="Gen 20", km=30.0
    )
    # Without roads (None) every free generator counts, as before.
    assert site_causes(HOME, free, 12.0)[2].name == "Gen 14"


def test_a_site_step_2_sends_no_generator_to_has_no_generator_fact() -> None:
    """A school or a heating plant (dispatched=False): a free generator that would carry it
    is no reason, as step 2 visits care sites only."""
    school = HOME.__class__(**{**HOME.__dict__, "backup_kw": None, "dispatched": False})
    free = [FreeGenerator("Gen 14", 100.0, 0.0, 1_000.0)]
    assert [c.kind for c in site_causes(school, free, 12.0)] == [
        "outage",
        "no_backup",
        "heat_plant",
        "cold",
    ]
