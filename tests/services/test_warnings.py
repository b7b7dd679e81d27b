"""Warnings in PostGIS: idempotent ingestion, updates and cancellations, the county test,
and the live scenario built from what is in force."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from resilience.config import Settings
from resilience.models import Run, WeatherWarning
from resilience.services import run_results, runs, warning_banner, warning_ingest, warnings
from tests.factories import SKANE_LONLAT, ibww, ibww_area, small_county

JSON = "application/json"


def _ingest(session: Session, settings: Settings, document: object, snapshot: bool = False):  # type: ignore[no-untyped-def]
    return warning_ingest.ingest(session, settings, json.dumps(document).encode(), JSON, snapshot)


def test_same_document_twice_changes_nothing(db_session: Session, settings: Settings) -> None:
    small_county(db_session)
    first = _ingest(db_session, settings, ibww(ibww_area()))
    assert first.report.stored == 1 and first.recalculation is not None
    warning = db_session.scalar(select(WeatherWarning))
    assert warning.in_county and warning.involves_wind and warning.level == "orange"
    assert warning.event_sv == "Vind i kombination med snöfall"
    run = warnings.start_live_run(db_session, first.recalculation)
    assert run is not None
    again = _ingest(db_session, settings, ibww(ibww_area()))
    assert (again.report.stored, again.report.unchanged) == (0, 1)
    assert again.recalculation is None  # the same state: nothing to start
    assert db_session.scalar(select(func.count()).select_from(WeatherWarning)) == 1


def test_live_scenario_of_an_orange_wind_warning(db_session: Session, settings: Settings) -> None:
    """Orange wind over the county: a snow zone at orange and a 12 h outage over the area
    (coverage-model.md, "Warning-driven scenarios")."""
    small_county(db_session)
    result = _ingest(db_session, settings, ibww(ibww_area(level="ORANGE")))
    run = warnings.start_live_run(db_session, result.recalculation)
    snapshot = run.scenario_snapshot
    assert snapshot["outage"]["duration_hours"] == 12
    assert [z["level"] for z in snapshot["snow_zones"]] == ["orange"]
    runs.compute_run(db_session, run.id)
    county = run_results.result_document(db_session, run.id)["county"]
    assert county["care_sites_unpowered"] == 1  # the elderly home in Åbacka


def test_an_update_replaces_and_red_wind_means_48_hours(
    db_session: Session, settings: Settings
) -> None:
    small_county(db_session)
    _ingest(db_session, settings, ibww(ibww_area(level="ORANGE")))
    updated = _ingest(
        db_session, settings, ibww(ibww_area(level="RED", published="2026-11-26T12:00:00.000Z"))
    )
    assert updated.report.stored == 1
    current = db_session.scalars(select(WeatherWarning).where(WeatherWarning.current)).all()
    assert [w.level for w in current] == ["red"]
    run = warnings.start_live_run(db_session, updated.recalculation)
    assert run.scenario_snapshot["outage"]["duration_hours"] == 48


def test_a_warning_outside_the_county_starts_nothing(
    db_session: Session, settings: Settings
) -> None:
    small_county(db_session)
    result = _ingest(db_session, settings, ibww(ibww_area(coords=SKANE_LONLAT)))
    assert result.report.stored == 1 and result.recalculation is None
    assert not db_session.scalar(select(WeatherWarning.in_county))


def test_expired_and_future_warnings_are_not_in_force(
    db_session: Session, settings: Settings
) -> None:
    small_county(db_session)
    past = ibww_area(area_id=1, hours=(-30, -2))
    future = ibww_area(area_id=2, hours=(5, 30))
    result = _ingest(db_session, settings, ibww(past, future))
    assert result.report.stored == 2 and result.recalculation is None
    assert warnings.active_in_county(db_session) == []


def test_two_polls_that_no_longer_list_a_warning_end_it(
    db_session: Session, settings: Settings
) -> None:
    small_county(db_session)
    first = _ingest(db_session, settings, ibww(ibww_area()), snapshot=True)
    warnings.start_live_run(db_session, first.recalculation)
    once = _ingest(db_session, settings, [], snapshot=True)  # one empty answer: still in force
    assert once.report.ended == 0 and once.recalculation is None
    assert len(warnings.active_in_county(db_session)) == 1
    gone = _ingest(db_session, settings, [], snapshot=True)  # confirmed: it has ended
    assert gone.report.ended == 1
    assert warnings.active_in_county(db_session) == []
    calm = warnings.start_live_run(db_session, gone.recalculation)  # the all-clear state
    assert calm.scenario_snapshot["outage"]["areas"] is None
    assert db_session.scalar(select(func.count()).select_from(Run)) == 2


def test_an_empty_poll_between_two_listings_loses_nothing(
    db_session: Session, settings: Settings
) -> None:
    """RED, [] once, RED: in force throughout, and the live scenario never changes."""
    small_county(db_session)
    red = ibww(ibww_area(level="RED"))
    first = _ingest(db_session, settings, red, snapshot=True)
    warnings.start_live_run(db_session, first.recalculation)
    assert _ingest(db_session, settings, [], snapshot=True).recalculation is None
    again = _ingest(db_session, settings, red, snapshot=True)
    assert again.report.to_dict() == {"stored": 0, "unchanged": 1, "ended": 0, "restored": 0}
    assert again.recalculation is None
    (warning,) = warnings.active_in_county(db_session)
    assert warning.level == "red" and warning.missed_polls == 0
    # The count starts again: one more empty poll still ends nothing.
    assert _ingest(db_session, settings, [], snapshot=True).report.ended == 0


def test_a_warning_listed_again_after_polls_ended_it_is_in_force_again(
    db_session: Session, settings: Settings
) -> None:
    small_county(db_session)
    red = ibww(ibww_area(level="RED"))
    first = _ingest(db_session, settings, red, snapshot=True)
    warnings.start_live_run(db_session, first.recalculation)
    _ingest(db_session, settings, [], snapshot=True)
    ended = _ingest(db_session, settings, [], snapshot=True)
    assert ended.report.ended == 1 and warnings.active_in_county(db_session) == []
    warnings.start_live_run(db_session, ended.recalculation)
    back = _ingest(db_session, settings, red, snapshot=True)
    assert back.report.restored == 1 and back.recalculation is not None
    assert [w.level for w in warnings.active_in_county(db_session)] == ["red"]
    live = warnings.start_live_run(db_session, back.recalculation)
    assert [z["level"] for z in live.scenario_snapshot["snow_zones"]] == ["red"]
    assert db_session.scalar(select(func.count()).select_from(WeatherWarning)) == 1


def test_live_changes_compare_the_last_two_live_runs(
    db_session: Session, settings: Settings
) -> None:
    small_county(db_session)
    first = _ingest(db_session, settings, ibww(ibww_area(level="YELLOW")))
    run1 = warnings.start_live_run(db_session, first.recalculation)
    runs.compute_run(db_session, run1.id)
    second = _ingest(
        db_session, settings, ibww(ibww_area(level="RED", published="2026-11-26T13:00:00.000Z"))
    )
    run2 = warnings.start_live_run(db_session, second.recalculation)
    runs.compute_run(db_session, run2.id)
    changes = warning_banner.live_changes(db_session)
    assert changes["run_id"] == run2.id and changes["previous_run_id"] == run1.id
    # Yellow is snow only; red wind cuts the power: the home in Åbacka loses it.
    assert changes["delta"]["elderly_homes"] == 1 and changes["now"]["elderly_homes"] == 1


def _lonlat_box(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    """A SWEREF 99 TM box's corners in lon/lat (a ring)."""
    from resilience.crs import transformer
    from resilience.vocabulary import SWEREF99TM, WGS84

    project = transformer(SWEREF99TM, WGS84)
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    return [list(project.transform(x, y)) for x, y in corners]


def test_an_orange_and_a_red_wind_area_last_12_and_48_hours_in_one_live_run(
    db_session: Session, settings: Settings
) -> None:
    """v3: each wind warning area is its own outage area with its own duration: the sites
    under the orange one (Åbacka) get D 12, those under the red one (Östervik) D 48."""
    small_county(db_session)
    orange = ibww_area(
        901, "ORANGE", _lonlat_box(745_000, 7_075_000, 759_000, 7_095_000), hours=(-2, 24)
    )
    red = ibww_area(902, "RED", _lonlat_box(761_000, 7_075_000, 775_000, 7_095_000))
    result = _ingest(db_session, settings, ibww(orange, red))
    run = warnings.start_live_run(db_session, result.recalculation)
    assert run is not None
    snapshot = run.scenario_snapshot
    features = snapshot["outage"]["areas"]["features"]
    assert sorted(f["properties"]["duration_hours"] for f in features) == [12, 48]
    assert sorted(z["level"] for z in snapshot["snow_zones"]) == ["orange", "red"]
    runs.compute_run(db_session, run.id)
    document = run_results.result_document(db_session, run.id)
    hours = {s["source_id"]: s["outage_hours"] for s in document["sites"]}
    assert hours["care-1"] == 12 and hours["energy-1"] == 12  # Åbacka, orange
    assert hours["food-1"] == 48  # Östervik, red
    assert hours["outside-1"] == 0
    assert len(document["timeline"]["hours"]) == 48  # the scenario's D: the longest
    assert run.parameters is not None and run.parameters["duration_hours"] == 48
    # Hour 0 is the earliest start of the warnings: the orange one's, two hours ago.
    state = warnings.live_state_of(db_session, run.id)
    starts = db_session.scalars(select(WeatherWarning.starts)).all()
    assert warnings.live_hour_zero(db_session, state) == min(starts)
    assert warnings.live_hour_zero(db_session, None) is None
