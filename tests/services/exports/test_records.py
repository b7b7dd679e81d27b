"""services/exports/records.py: a background export's record, one per request and data, its
state as users see it, the job's progress and failure, and purging, against PostGIS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from resilience.errors import NotFound
from resilience.services.exports import records
from resilience.services.exports.plan import ExportRequest
from tests.factories import small_county


def _record(**changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "id": "export-" + "b" * 24,
        "status": "queued",
        "created_at": now.isoformat(),
        "expires_at": None,
        "error": None,
    } | changes


def test_record_state() -> None:
    now = datetime.now(UTC)
    assert records.record_state(_record(), None, now)["status"] == "queued"  # just made
    old = (now - timedelta(minutes=2)).isoformat()
    assert records.record_state(_record(created_at=old), "queued", now)["status"] == "queued"
    lost = records.record_state(_record(created_at=old), None, now)
    assert lost["status"] == "failed" and "again" in lost["error"]
    died = records.record_state(_record(status="running"), "failed", now)
    assert died["status"] == "failed"
    expired = _record(status="finished", expires_at=(now - timedelta(seconds=1)).isoformat())
    assert records.record_state(expired, "finished", now)["status"] == "expired"


def test_a_lost_export_is_started_again(db_session: Session) -> None:
    small_county(db_session)
    request = ExportRequest(layers=("population",))
    first, enqueue = records.start_background(db_session, request, "anna", lambda _: None)
    assert enqueue and first["status"] == "queued" and first["features"] == 3
    again, enqueue = records.start_background(db_session, request, "bo", lambda _: None)
    assert not enqueue and again["id"] == first["id"]  # queued a moment ago: the same one
    stale = datetime.now(UTC) - timedelta(minutes=10)
    records.update_record(db_session, first["id"], status="running", created_at=stale)
    restarted, enqueue = records.start_background(db_session, request, "bo", lambda _: None)
    assert enqueue and restarted["status"] == "queued" and restarted["created_by"] == "bo"
    # Other data is another export.
    db_session.execute(text("UPDATE population_cells SET population = population + 1"))
    other, _enqueue = records.start_background(db_session, request, "bo", lambda _: None)
    assert other["id"] != first["id"]
    assert len(records.recent_records(db_session)) == 2
    assert records.purge_expired(db_session, datetime.now(UTC) + timedelta(days=2)) == 2
    assert records.recent_records(db_session) == []


def test_the_id_is_the_request_and_the_data(db_session: Session) -> None:
    small_county(db_session)
    care = ExportRequest(layers=("care",))
    first = records.export_id_for(db_session, care)
    assert first == records.export_id_for(db_session, care)
    assert records.checked_id(first) == first
    assert first != records.export_id_for(db_session, ExportRequest(layers=("food",)))
    db_session.execute(text("UPDATE sites SET name = 'Björkgården' WHERE source_id = 'care-1'"))
    db_session.execute(text("UPDATE sites SET updated_at = now() + interval '1 second'"))
    assert records.export_id_for(db_session, care) != first  # a site was edited


@pytest.mark.parametrize("export_id", ["../../etc/passwd", "export-nothex", "export-" + "A" * 24])
def test_an_id_not_of_an_export_is_not_found_before_any_query(
    db_session: Session, export_id: str
) -> None:
    with pytest.raises(NotFound):
        records.read_record(db_session, export_id)
    with pytest.raises(NotFound):
        records.update_record(db_session, export_id, status="failed")


def test_an_unknown_export(db_session: Session) -> None:
    unknown = "export-" + "0" * 24
    assert records.read_record(db_session, unknown) is None
    with pytest.raises(NotFound, match="no export"):
        records.update_record(db_session, unknown, status="failed")
    assert records.recent_records(db_session) == []  # nothing made


def test_the_job_runs_reports_progress_and_fails(db_session: Session) -> None:
    small_county(db_session)
    request = ExportRequest(layers=("care",), category="care")
    record, _enqueue = records.start_background(db_session, request, "åsa", lambda _: None)
    running = records.mark_running(db_session, record["id"], request.to_dict())
    assert (running["status"], running["attempts"]) == ("running", 1)
    records.set_progress(db_session, record["id"], 42.449, "vard")
    read = records.read_record(db_session, record["id"])
    assert read is not None and (read["progress"], read["step"]) == (42.4, "vard")
    records.mark_failed(db_session, record["id"], "PostGIS gick ner", retrying=True)
    read = records.read_record(db_session, record["id"])
    assert read is not None and (read["status"], read["error"]) == ("queued", "PostGIS gick ner")
    assert records.mark_running(db_session, record["id"], request.to_dict())["attempts"] == 2
    records.mark_failed(db_session, record["id"], "slut", retrying=False)
    read = records.read_record(db_session, record["id"])
    assert read is not None and read["status"] == "failed"


def test_a_job_enqueued_by_hand_gets_a_record(db_session: Session) -> None:
    small_county(db_session)
    request = ExportRequest(layers=("population",))
    export_id = records.export_id_for(db_session, request)
    record = records.mark_running(db_session, export_id, request.to_dict())
    assert record["status"] == "running" and record["features"] == 3
    assert record["file_name"].startswith("vasterbotten_befolkning_")
    assert [r["id"] for r in records.recent_records(db_session)] == [export_id]


def test_purged_after_their_time(db_session: Session) -> None:
    small_county(db_session)
    now = datetime.now(UTC)
    record, _enqueue = records.start_background(
        db_session, ExportRequest(layers=("care",)), None, lambda _: None
    )
    assert records.purge_expired(db_session, now + timedelta(hours=23)) == 0
    records.update_record(db_session, record["id"], expires_at=now + timedelta(hours=1))
    assert records.purge_expired(db_session, now + timedelta(minutes=59)) == 0
    assert records.purge_expired(db_session, now + timedelta(hours=1)) == 1
    assert records.read_record(db_session, record["id"]) is None
