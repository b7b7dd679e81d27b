"""services/exports/use_cases.py: the web's export use-cases, each its own transaction: a
direct file audited, a background export started on a real RQ queue (and marked failed
when Redis is gone), a finished file downloaded, the expired purged."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from resilience.config import Settings
from resilience.errors import Conflict, Unavailable
from resilience.models import AuditLog, Export
from resilience.services.exports import audit_log, records, stored_files, use_cases
from resilience.services.exports.plan import ExportRequest, plan_export
from tests.factories import small_county
from workers.queue import enqueue_export, job_state, queue


def _audited(session: Session) -> list[str | None]:
    return [e.field for e in audit_log.audit_entries(session)]


def test_a_direct_file_is_audited_and_committed(db_session: Session) -> None:
    small_county(db_session)
    plan = plan_export(db_session, ExportRequest("geojson", 4326, layers=("care",)))
    data = use_cases.direct_file(db_session, plan, "åsa")
    assert "Björkgårdens äldreboende" in data.decode("utf-8")
    db_session.rollback()  # committed: nothing to undo
    assert [e.user_name for e in audit_log.audit_entries(db_session)] == ["åsa"]


def test_a_background_export_is_enqueued_once(
    db_session: Session, settings: Settings, redis_conn: Redis
) -> None:
    small_county(db_session)
    request = ExportRequest(layers=("population",))

    def state(job_id: str) -> str | None:
        return job_state(settings, job_id)

    def enqueue(export_id: str, body: dict[str, object]) -> str:
        return enqueue_export(settings, export_id, body)

    record = use_cases.start_export(db_session, request, "örjan", state, enqueue)
    assert record["status"] == "queued"
    assert queue(settings).job_ids == [record["id"]]
    again = use_cases.start_export(db_session, request, "örjan", state, enqueue)
    assert again["id"] == record["id"] and queue(settings).job_ids == [record["id"]]
    db_session.rollback()  # both committed
    assert _audited(db_session) == ["background", "background"]


def test_with_redis_gone_the_record_says_so(db_session: Session, settings: Settings) -> None:
    small_county(db_session)
    gone = dataclasses.replace(settings, redis_url="redis://127.0.0.1:1/0")  # nothing listens

    def enqueue(export_id: str, body: dict[str, object]) -> str:
        return enqueue_export(gone, export_id, body)

    with pytest.raises(Unavailable):
        use_cases.start_export(
            db_session, ExportRequest(layers=("care",)), "eva", lambda _: None, enqueue
        )
    db_session.rollback()  # the failure was committed
    (row,) = db_session.scalars(select(Export)).all()
    assert (row.status, row.error) == ("failed", "the job queue (Redis) was down")


def test_a_finished_file_is_downloaded_and_audited(db_session: Session, tmp_path: Path) -> None:
    small_county(db_session)
    record, _enqueue = records.start_background(
        db_session, ExportRequest(layers=("care",)), "anna", lambda _: None
    )
    with pytest.raises(Conflict, match="is not ready"):
        use_cases.open_download(db_session, "bo", record, "queued")
    assert _audited(db_session) == ["background"]  # the refused download left no row
    built = tmp_path / "vard.gpkg"
    built.write_bytes("Åbacka".encode() * 100)
    finished = stored_files.store_file(db_session, record["id"], built)
    db_session.commit()
    pieces = use_cases.open_download(db_session, "bo", finished, "finished")
    assert b"".join(pieces) == built.read_bytes()
    assert _audited(db_session) == ["download", "background"]


def test_purge_now_commits(db_session: Session) -> None:
    small_county(db_session)
    record, _enqueue = records.start_background(
        db_session, ExportRequest(layers=("care",)), None, lambda _: None
    )
    records.update_record(
        db_session, record["id"], expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    assert use_cases.purge_now(db_session) == 1
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(Export)) == 0
    assert use_cases.purge_now(db_session) == 0
    assert db_session.scalar(select(func.count()).select_from(AuditLog)) == 1  # the start's
