"""Issue 24, item 4 (and 10: the DB's `running` against the API's `queued`): a job that was
running when Redis died stays "started" in Redis with no worker behind it. The sweep finds
it as soon as its heartbeat is two minutes old (not after RQ's ten-minute clean-up) and
fails the run with the reason; a job that waits for a retry makes the row say queued, as
the API does. Real PostGIS and Redis: the jobs are RQ's own records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from redis import Redis
from rq.job import Job, JobStatus
from sqlalchemy.orm import Session

from resilience.config import Settings
from resilience.models import Run
from resilience.scenarios import parse_scenario
from resilience.services import runs, scenarios, users
from tests.factories import OUTAGE_ABACKA, small_county
from workers import jobs
from workers.queue import enqueue_run, queue, run_job_id


def _running_run(session: Session, settings: Settings, heartbeat_age_s: float) -> Run:
    scenario = scenarios.create_scenario(session, parse_scenario(OUTAGE_ABACKA))
    run = runs.start_run(session, scenario)
    session.commit()
    enqueue_run(settings, run.id)
    job = Job.fetch(run_job_id(run.id), connection=queue(settings).connection)
    queue(settings).remove(job)  # taken by a worker...
    beat = datetime.now(UTC) - timedelta(seconds=heartbeat_age_s)
    job.started_at = beat
    job.set_status(JobStatus.STARTED)
    job.heartbeat(beat, ttl=3600)
    job.save()
    # ...which marked the row running, then lost Redis: its failure stayed "waiting to retry"
    run.status, run.step, run.error = "queued", "waiting to retry", "ConnectionError: Redis"
    session.commit()
    return run


def _api_status(app: Flask, session: Session, run_id: int) -> Any:
    users.create_user(session, f"api-{run_id}", "correct horse battery", "viewer")
    token = users.create_token(session, f"api-{run_id}")
    session.commit()
    client = app.test_client()
    return client.get(f"/api/v1/runs/{run_id}", headers={"Authorization": f"Bearer {token}"}).json


def test_a_job_whose_worker_lost_redis_is_failed_by_the_next_sweep(
    app: Flask, db_session: Session, redis_conn: Redis, settings: Settings
) -> None:
    small_county(db_session)
    lost = _running_run(db_session, settings, heartbeat_age_s=180)
    alive = _running_run(db_session, settings, heartbeat_age_s=10)
    swept = jobs.sweep_lost(db_session, settings)
    assert swept["runs"] == [lost.id]
    db_session.refresh(lost)
    assert lost.status == "failed"
    assert "stopped while it was computed" in (lost.error or "")
    assert "ConnectionError" in (lost.error or "")  # the reason it had is kept
    shown = _api_status(app, db_session, lost.id)
    assert shown["status"] == "failed" and "stopped" in shown["error"]
    db_session.refresh(alive)
    assert alive.status == "queued"  # its worker is still beating: left alone


def test_the_row_and_the_api_agree_on_a_run_waiting_for_a_retry(
    app: Flask, db_session: Session, redis_conn: Redis, settings: Settings
) -> None:
    small_county(db_session)
    scenario = scenarios.create_scenario(db_session, parse_scenario(OUTAGE_ABACKA))
    run = runs.start_run(db_session, scenario)
    db_session.commit()
    enqueue_run(settings, run.id)  # RQ: queued (a retry scheduled looks the same to us)
    run.status = "running"  # the row a worker left before its job went back to the queue
    db_session.commit()
    assert _api_status(app, db_session, run.id)["status"] == "queued"
    jobs.sweep_lost(db_session, settings)
    db_session.refresh(run)
    assert (run.status, run.step) == ("queued", "waiting to retry")
