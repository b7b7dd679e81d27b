"""Job records in PostgreSQL and job states from RQ: list pages ask RQ once for all their
jobs and survive jobs RQ lost or cannot read; the scheduler's purge, run by a real worker
on a host with its own var/, deletes expired exports (with their files) and uploads."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from redis import Redis
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from resilience.config import Settings
from resilience.models import Export, ExportChunk, LiveState, Upload
from resilience.scenarios import parse_scenario
from resilience.services import exports, runs, scenarios
from tests import factories
from tests.factories import OUTAGE_ABACKA, small_county
from tests.helpers.workers import run_worker
from workers.queue import enqueue_export, enqueue_purge, enqueue_run, job_states, run_job_id


@pytest.fixture
def rq_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Which of RQ's readers each request calls (the real ones, on the real Redis)."""
    calls: list[str] = []
    fetch_many, fetch = Job.fetch_many.__func__, Job.fetch.__func__  # type: ignore[attr-defined]

    def counted_many(cls: type[Job], *args: Any, **kwargs: Any) -> Any:
        calls.append("fetch_many")
        return fetch_many(cls, *args, **kwargs)

    def counted(cls: type[Job], *args: Any, **kwargs: Any) -> Any:
        calls.append("fetch")
        return fetch(cls, *args, **kwargs)

    monkeypatch.setattr(Job, "fetch_many", classmethod(counted_many))
    monkeypatch.setattr(Job, "fetch", classmethod(counted))
    yield calls


def _export(session: Session, letter: str, **changes: Any) -> Export:
    now = datetime.now(UTC)
    row = Export(
        id="export-" + letter * 24,
        status="queued",
        progress=0.0,
        request=exports.ExportRequest().to_dict(),
        description="GeoPackage EPSG:3006: layers",
        file_name="vasterbotten_lager.gpkg",
        created_at=now,
        attempts=0,
    )
    for key, value in changes.items():
        setattr(row, key, value)
    session.add(row)
    session.flush()
    return row


def test_list_pages_read_every_job_state_in_one_call(
    client: FlaskClient,
    db_session: Session,
    redis_conn: Redis,
    settings: Settings,
    rq_calls: list[str],
) -> None:
    small_county(db_session)
    scenario = scenarios.create_scenario(db_session, parse_scenario(OUTAGE_ABACKA))
    queued = [runs.start_run(db_session, scenario) for _ in range(3)]
    for run in queued:
        db_session.add(LiveState(fingerprint=f"state-{run.id}", warning_ids=[], run_id=run.id))
    db_session.commit()
    for run in queued:
        enqueue_run(settings, run.id)
    # The first run's work horse died: RQ says failed, the row still says queued.
    died = Job.fetch(run_job_id(queued[0].id), connection=redis_conn, serializer=JSONSerializer)
    died.set_status(JobStatus.FAILED)
    for letter in "cd":
        record = _export(db_session, letter)
        enqueue_export(settings, record.id, record.request)
    db_session.commit()

    rq_calls.clear()
    listed = {r["id"]: r for r in client.get("/api/v1/runs").json["runs"]}
    assert rq_calls == ["fetch_many"]
    assert listed[queued[0].id]["status"] == "failed"
    assert "worker stopped" in listed[queued[0].id]["error"]
    assert [listed[r.id]["status"] for r in queued[1:]] == ["queued", "queued"]
    for page in ("/runs", "/scenarios", "/warnings", "/exports", "/api/v1/exports"):
        rq_calls.clear()
        response = client.get(page)
        assert response.status_code == 200, page
        assert rq_calls == ["fetch_many"], page
    history = client.get("/warnings").text
    assert "misslyckades" in history and "i kö" in history
    assert {e["status"] for e in client.get("/api/v1/exports").json["exports"]} == {"queued"}

    # A job hash RQ cannot read (what a save_meta on a deleted job leaves) and a job Redis
    # lost are unknown, not a 500; the other jobs keep their states.
    redis_conn.delete(Job.key_for(run_job_id(queued[1].id)))
    for key in (Job.key_for(run_job_id(queued[2].id)), Job.key_for("export-" + "c" * 24)):
        redis_conn.delete(key)
        redis_conn.hset(key, "meta", "{}")
    listed = {r["id"]: r for r in client.get("/api/v1/runs").json["runs"]}
    assert [listed[r.id]["status"] for r in queued] == ["failed", "queued", "queued"]
    for page in ("/runs", "/scenarios", "/warnings", "/exports", "/api/v1/exports"):
        assert client.get(page).status_code == 200, page
    states = job_states(settings, ["export-" + "c" * 24, "export-" + "d" * 24, "nothing-here"])
    assert states == {
        "export-" + "c" * 24: None,
        "export-" + "d" * 24: "queued",
        "nothing-here": None,
    }


@pytest.mark.worker
def test_the_purge_job_deletes_expired_exports_and_uploads(
    committed: Session, redis_conn: Redis, settings: Settings, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    user = factories.user(committed, "petra", "planner")
    committed.flush()
    for upload_id, expires in (
        ("u" * 24, now - timedelta(minutes=1)),
        ("v" * 24, now + timedelta(hours=1)),
    ):
        committed.add(
            Upload(
                id=upload_id,
                user_id=user.id,
                status="pending",
                document={"id": upload_id},
                created_at=expires - timedelta(hours=2),
                expires_at=expires,
            )
        )
    expired = _export(committed, "e", status="finished", expires_at=now - timedelta(minutes=1))
    kept = _export(committed, "f", status="finished", expires_at=now + timedelta(hours=1))
    stale = _export(committed, "a", created_at=now - timedelta(hours=25))  # never finished
    for record in (expired, kept, stale):
        committed.add(ExportChunk(export_id=record.id, seq=0, data=b"GPKG"))
    committed.commit()

    assert enqueue_purge(settings, time.time())
    assert enqueue_purge(settings, time.time()) is None  # once per interval
    worker = run_worker(settings, RESILIENCE_VAR_DIR=str(tmp_path / "worker-var"))
    assert worker.returncode == 0, worker.stderr[-3000:]

    committed.expire_all()
    assert committed.scalars(select(Upload.id)).all() == ["v" * 24]
    assert committed.scalars(select(Export.id)).all() == [kept.id]
    chunks = committed.scalars(select(ExportChunk.export_id)).all()
    assert chunks == [kept.id]
    assert committed.scalar(select(func.count()).select_from(Export)) == 1


def test_the_sweep_fails_lost_plans_as_it_fails_lost_runs(
    db_session: Session, settings: Settings, redis_conn: Redis
) -> None:
    """Four plans and a run, none computed: the plan and the run whose jobs Redis lost over
    a minute ago are marked failed with the reason; a plan made just now (its job is being
    enqueued), a plan whose job is queued and a finished plan stay as they are; a plan whose
    job failed (a killed work horse) is marked failed with the worker's reason."""
    from resilience.models import BackupPlan
    from resilience.services import plans
    from workers.jobs import sweep_lost
    from workers.queue import enqueue_plan

    small_county(db_session)
    scenario = scenarios.create_scenario(db_session, parse_scenario(OUTAGE_ABACKA))
    request = plans.parse_request(db_session, {"scenarios": [scenario.id], "sites": 1})
    lost, fresh, queued, finished, killed = (
        plans.start_plan(db_session, request) for _ in range(5)
    )
    run = runs.start_run(db_session, scenario)
    old = datetime.now(UTC) - timedelta(minutes=2)
    for row in (lost, queued, finished, killed, run):
        row.created_at = old
    finished.status = "finished"
    db_session.commit()
    enqueue_plan(settings, queued.id)
    enqueue_plan(settings, killed.id)
    Job.fetch(f"plan-{killed.id}", connection=redis_conn, serializer=JSONSerializer).set_status(
        JobStatus.FAILED
    )

    assert sweep_lost(db_session, settings) == {"runs": [run.id], "plans": [lost.id, killed.id]}
    db_session.commit()
    db_session.expire_all()
    status = {p.id: (p.status, p.error) for p in db_session.scalars(select(BackupPlan))}
    assert status[lost.id] == (
        "failed",
        "the plan's job was lost (was Redis restarted?); start the plan again",
    )
    assert status[killed.id] == ("failed", "the worker stopped unexpectedly; start the plan again")
    assert status[fresh.id] == ("queued", None) and status[queued.id] == ("queued", None)
    assert status[finished.id][0] == "finished"
    assert runs.get_run(db_session, run.id).status == "failed"
    assert sweep_lost(db_session, settings) == {"runs": [], "plans": []}  # once
