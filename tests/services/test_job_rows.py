"""services/job_rows.py: a run's, plan's or export's row mirrors its job (running, progress,
queued again for a retry, failed with the reason), against PostGIS."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from resilience.models import Export, Run
from resilience.services import job_rows, runs
from tests.factories import OUTAGE_ABACKA, saved_scenario, small_county


def _run(session: Session) -> Run:
    """A queued run of OUTAGE_ABACKA over small_county (which the test has loaded)."""
    run = runs.start_run(session, saved_scenario(session, OUTAGE_ABACKA))
    session.commit()
    assert (run.status, run.attempts) == ("queued", 0)
    return run


def _state(session: Session, row: Run | Export) -> tuple[object, ...]:
    session.refresh(row)
    return row.status, row.progress, row.step, row.error, row.attempts


def test_running_progress_and_again_after_a_retry(db_session: Session) -> None:
    small_county(db_session)
    run = _run(db_session)
    before = datetime.now(UTC)
    job_rows.mark_running(db_session, Run, run.id)
    assert _state(db_session, run) == ("running", 1.0, "loading data", None, 1)
    assert run.started_at is not None and run.started_at >= before

    job_rows.set_progress(db_session, Run, run.id, 40.0, "reach of care")
    assert _state(db_session, run) == ("running", 40.0, "reach of care", None, 1)

    job_rows.mark_failed(db_session, Run, run.id, "OperationalError", retrying=True)
    assert _state(db_session, run) == (
        "queued",
        40.0,
        "waiting to retry",
        "OperationalError",
        1,
    )
    # The retry starts over: the error is cleared and the attempt counted.
    job_rows.mark_running(db_session, Run, run.id)
    assert _state(db_session, run) == ("running", 1.0, "loading data", None, 2)

    job_rows.mark_failed(db_session, Run, run.id, "ValueError: no cells", retrying=False)
    assert _state(db_session, run) == ("failed", 1.0, None, "ValueError: no cells", 2)


def test_only_the_row_named_changes(db_session: Session) -> None:
    small_county(db_session)
    run, other = _run(db_session), _run(db_session)
    job_rows.mark_running(db_session, Run, run.id)
    job_rows.mark_failed(db_session, Run, 999_999, "gone", retrying=False)  # no such row
    assert _state(db_session, other) == ("queued", 0.0, None, None, 0)
    assert _state(db_session, run)[0] == "running"


def test_an_exports_record_fails_the_same_way(db_session: Session) -> None:
    export = Export(
        id="exp-test-1",
        request={"format": "gpkg"},
        file_name="sites.gpkg",
        created_at=datetime.now(UTC),
    )
    db_session.add(export)
    db_session.commit()
    job_rows.mark_failed(db_session, Export, "exp-test-1", "disk full", retrying=True)
    assert _state(db_session, export) == ("queued", 0.0, "waiting to retry", "disk full", 0)
    job_rows.mark_failed(db_session, Export, "exp-test-1", "disk full", retrying=False)
    assert _state(db_session, export)[:4] == ("failed", 0.0, None, "disk full")
