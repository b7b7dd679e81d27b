"""End to end: the API creates a scenario and starts a run, a real RQ worker process computes
it, and the API returns the result. RQ's retries of a failing run are worked off in this
process (their point is the run's row, not the process)."""

from __future__ import annotations

import json

import pytest
from redis import Redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from resilience.analysis import compute
from resilience.config import Settings
from resilience.models import RunCell
from resilience.scenarios import parse_scenario
from resilience.services import run_clock, runs, scenarios, users
from resilience.web.formatting import iso_clock
from tests import factories
from tests.factories import OUTAGE_ABACKA, small_county
from tests.helpers.workers import run_worker, work_in_process

pytestmark = pytest.mark.worker


def test_api_run_computed_by_a_real_worker(
    app, committed: Session, redis_conn: Redis, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    small_county(committed)
    factories.user(committed, "planner-per", "planner")
    token = users.create_token(committed, "planner-per")
    committed.commit()
    auth = {"Authorization": f"Bearer {token}"}
    client = app.test_client()

    created = client.post(
        "/api/v1/scenarios",
        data=json.dumps(OUTAGE_ABACKA),
        headers=auth,
        content_type="application/json",
    )
    assert created.status_code == 201, created.text
    started = client.post(created.json["runs_url"], headers=auth)
    assert started.status_code == 202
    run_url = started.headers["Location"]
    assert client.get(run_url, headers=auth).json["status"] == "queued"
    assert client.get(f"{run_url}/result", headers=auth).status_code == 404

    worker = run_worker(settings)
    assert worker.returncode == 0, worker.stderr[-3000:]

    status = client.get(run_url, headers=auth).json
    assert status["status"] == "finished", status
    assert status["progress"] == 100 and status["model_version"] == 3
    result = client.get(f"{run_url}/result", headers=auth).json
    sites, cells, names = runs.load_inputs(committed)
    expected = compute(sites, cells, names, parse_scenario(OUTAGE_ABACKA).to_analysis())
    # The document with its hour 0 on the clock: this scenario sets no start, so the run's.
    run = runs.get_run(committed, int(run_url.rsplit("/", 1)[1]))
    assert result.pop("hour_zero") == iso_clock(run_clock.run_hour_zero(committed, run))
    assert result == expected.to_document()  # the v2 document, timeline included
    gap_sites = client.get(f"{run_url}/sites", headers=auth).json["features"]
    by_name = {f["properties"]["name"]: f["properties"] for f in gap_sites}
    assert set(by_name) == {"Björkgårdens äldreboende", "school energy-1"}  # both in Åbacka
    assert by_name["Björkgårdens äldreboende"]["generator_line"]["type"] == "LineString"
    assert by_name["school energy-1"]["generator_line"] is None  # schools get no generator
    gap_cells = client.get(f"{run_url}/cells?all=1", headers=auth).json["features"]
    assert len(gap_cells) == 3


def test_a_failing_run_is_visibly_failed(
    app, committed: Session, redis_conn: Redis, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    """A run whose stored scenario cannot be computed ends failed with the reason, after RQ's
    retries, and no result rows are written."""
    small_county(committed)
    scenario = scenarios.create_scenario(committed, parse_scenario(OUTAGE_ABACKA))
    scenario.definition = {"name": "broken", "outage": {"duration_hours": "x"}}
    run = runs.start_run(committed, scenario)
    committed.commit()
    from workers.queue import enqueue_run, queue

    enqueue_run(settings, run.id)
    work_in_process(settings)  # retries without delay (test settings) are requeued at once
    committed.expire_all()
    failed = runs.get_run(committed, run.id)
    assert failed.status == "failed" and "duration_hours" in failed.error
    assert failed.attempts == 4  # the first try and three retries
    assert len(queue(settings)) == 0


def test_a_crashed_work_horse_leaves_the_run_visibly_failed(  # type: ignore[no-untyped-def]
    app, committed: Session, redis_conn: Redis, settings: Settings, make_token
) -> None:
    """The process computing a run dies (as on an out-of-memory kill): it cannot write its
    own failure, so the API reports the run failed from RQ's record, and no half-written
    results exist."""
    from rq.serializers import JSONSerializer

    from workers.queue import job_state, queue, run_job_id

    small_county(committed)
    scenario = scenarios.create_scenario(committed, parse_scenario(OUTAGE_ABACKA))
    run = runs.start_run(committed, scenario)
    run.status = "running"  # as the job sets it before computing
    committed.commit()
    # The run's own job id, but a function that kills the work horse outright.
    queue(settings).enqueue("os._exit", 9, job_id=run_job_id(run.id))
    assert queue(settings).serializer is JSONSerializer
    worker = run_worker(settings)
    assert worker.returncode == 0, worker.stderr[-3000:]

    status = (
        app.test_client()
        .get(f"/api/v1/runs/{run.id}", headers={"Authorization": f"Bearer {make_token('viewer')}"})
        .json
    )
    assert status["status"] == "failed"
    assert "worker stopped" in status["error"]
    assert runs.get_run(committed, run.id).summary is None
    assert committed.scalar(select(func.count()).select_from(RunCell)) == 0
    # The scheduler's sweep writes the failure into the run itself.
    committed.expire_all()
    states = {run.id: job_state(settings, run_job_id(run.id))}
    assert runs.fail_lost(committed, states, lost_after_s=900) == [run.id]
    committed.commit()
    assert runs.get_run(committed, run.id).status == "failed"
    assert runs.fail_lost(committed, states, lost_after_s=900) == []  # once
