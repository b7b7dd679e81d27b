"""services/run_clock.py: a run's hour 0 (its warnings', its scenario's start, or its own
start) and the instants the pages show of its timeline, on a hand-made timeline whose
figures are checked by eye, and a live run's warnings read from PostGIS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from resilience.models import LiveState, WeatherWarning
from resilience.services import run_clock, runs
from resilience.services.run_clock import Instant
from tests.factories import OUTAGE_ABACKA, saved_scenario, small_county, stored_warning

ZERO = datetime(2026, 1, 10, 6, 0, tzinfo=UTC)


def _county(**series: list[int]) -> dict[str, object]:
    """A county's series at hours 0, 6, 12, 24: zeros but those given."""
    zeros = [0, 0, 0, 0]
    names = (
        "care_sites_unpowered",
        "residents_unpowered",
        "care_sites_cold",
        "residents_cold",
    )
    county: dict[str, object] = {name: series.get(name, zeros) for name in names}
    county["uncovered"] = {s: series.get(s, zeros) for s in ("food", "care", "shelter")}
    return county


# Residents hit 10 + 0, 30 + 5, 30 + 5, 0 + 0 at hours 0, 6, 12, 24: the peak is hour 6 (the
# earliest of the two equal ones).
TIMELINE = {
    "hours": [0.0, 6.0, 12.0, 24.0],
    "county": _county(
        residents_unpowered=[10, 30, 30, 0],
        residents_cold=[0, 5, 5, 0],
        care_sites_unpowered=[1, 2, 2, 0],
        food=[100, 200, 300, 0],
    ),
}


def test_the_clock_to_the_nearest_minute() -> None:
    assert run_clock.clock(ZERO, 7.33) == datetime(2026, 1, 10, 13, 20, tzinfo=UTC)
    assert run_clock.clock(ZERO, 0) == ZERO
    assert run_clock.clock(ZERO, -1.5) == ZERO - timedelta(minutes=90)


def test_the_peak() -> None:
    assert run_clock.peak_index(TIMELINE) == 1
    # No resident hit: the most people without food, care or shelter.
    people = {
        "hours": [0.0, 6.0, 12.0, 24.0],
        "county": _county(food=[1, 5, 9, 0], care=[0, 0, 1, 0]),
    }
    assert run_clock.peak_index(people) == 2
    assert run_clock.peak_index({"hours": [0.0, 6.0], "county": _county()}) is None
    assert run_clock.peak_index({"hours": [], "county": None}) is None


def test_the_reports_instants_in_time_order() -> None:
    instants = run_clock.report_instants(TIMELINE, 18.0, ZERO, now_hour=7.5)
    assert [(i.key, i.hour) for i in instants] == [
        ("start", 0.0),
        ("peak", 6.0),  # hour 6 is the peak: not shown twice
        ("now", 7.5),
        ("hour", 12.0),
        ("back", 18.0),  # 24 and 48 are after the grid is back
    ]
    start, peak, now, twelve, back = instants
    assert start.values is not None and start.values["residents_unpowered"] == 10
    assert now.values == peak.values  # the last t_k at or before 7.5 h is 6 h
    assert now.at == datetime(2026, 1, 10, 13, 30, tzinfo=UTC)
    assert twelve.values is not None and twelve.values["food"] == 300
    assert twelve.values["home_care_clients_unpowered"] == 0  # a timeline without the series
    assert back == Instant("back", 18.0, datetime(2026, 1, 11, 0, 0, tzinfo=UTC), None)


def test_now_outside_the_outage_is_left_out() -> None:
    for now_hour in (None, 0.0, 18.0, 30.0):
        keys = [i.key for i in run_clock.report_instants(TIMELINE, 18.0, ZERO, now_hour)]
        assert keys == ["start", "peak", "hour", "back"]


def test_a_run_without_a_timeline_has_only_its_end() -> None:
    empty = {"hours": [], "county": None}
    assert run_clock.report_instants(empty, 10.0, ZERO, None) == [
        Instant("back", 10.0, ZERO + timedelta(hours=10), None)
    ]


def test_one_instant_and_now_and_peak() -> None:
    before = run_clock.instant_at(TIMELINE, 18.0, ZERO, "now", -1.0)
    assert before.values is None  # nothing has happened yet
    during = run_clock.instant_at(TIMELINE, 18.0, ZERO, "now", 13.0)
    assert during.values is not None and during.values["food"] == 300
    assert run_clock.instant_at(TIMELINE, 18.0, ZERO, "now", 18.0).values is None  # back

    now, peak = run_clock.now_and_peak(TIMELINE, 18.0, ZERO, ZERO + timedelta(hours=2))
    assert (now.key, now.hour, now.values and now.values["residents_unpowered"]) == ("now", 2.0, 10)
    assert peak is not None and (peak.key, peak.hour) == ("peak", 6.0)
    _now, none = run_clock.now_and_peak({"hours": [0.0], "county": _county()}, 18.0, ZERO, ZERO)
    assert none is None


def _warning(
    session: Session, identity: str, starts: datetime | None, published: datetime
) -> WeatherWarning:
    return stored_warning(
        session, identity, starts, published=published, ends=None, event_code="WIND"
    )


def test_hour_zero_of_a_live_a_scheduled_and_a_plain_run(db_session: Session) -> None:
    small_county(db_session)
    run = runs.start_run(db_session, saved_scenario(db_session, OUTAGE_ABACKA))
    db_session.flush()
    assert run_clock.report_warnings(db_session, run) == []
    zero, basis = run_clock.hour_zero(run, [])
    assert basis == "run" and zero == (run.started_at or run.created_at)

    # A scenario with a start rests on it; a malformed one is ignored.
    run.scenario_snapshot = {**run.scenario_snapshot, "start": "2026-01-10T06:00:00+01:00"}
    assert run_clock.hour_zero(run, []) == (datetime(2026, 1, 10, 5, 0, tzinfo=UTC), "scenario")
    run.scenario_snapshot = {**run.scenario_snapshot, "start": "not a time"}
    assert run_clock.hour_zero(run, [])[1] == "run"

    # A live run: the earliest start of its warnings (published when one has no start).
    early = _warning(db_session, "a", None, ZERO - timedelta(hours=3))
    late = _warning(db_session, "b", ZERO, ZERO - timedelta(hours=5))
    _warning(db_session, "c", ZERO - timedelta(days=9), ZERO)  # not this run's
    db_session.add(LiveState(fingerprint="x", warning_ids=[late.id, early.id], run_id=run.id))
    db_session.flush()
    assert run_clock.report_warnings(db_session, run) == [early, late]
    assert run_clock.run_hour_zero(db_session, run) == ZERO - timedelta(hours=3)
