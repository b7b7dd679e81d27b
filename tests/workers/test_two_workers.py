"""Two workers as on two machines (issue 22, item 4): separate working directories and var/
folders, no secret key, nothing shared but Redis and PostgreSQL. Runs, plans and exports
complete on either, and each worker's inputs of runs (services/run_inputs.py, read before
it forks) follow a site changed through a service under both of them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from redis import Redis
from rq import Worker
from rq.job import Job
from rq.serializers import JSONSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from resilience.analysis import PlanParameters
from resilience.config import PROJECT_ROOT, Settings
from resilience.models import BackupPlan, Run, Site
from resilience.scenarios import parse_scenario
from resilience.services import imports, plans, runs, scenarios
from resilience.services.energy import Editor, update_building
from tests.factories import OUTAGE_ABACKA, small_county

pytestmark = pytest.mark.worker
WAIT_S = 240  # two cores shared with other work: a worker may take a while


def _start(settings: Settings, home: Path, name: str, log: Path) -> subprocess.Popen[str]:
    """A worker in its own folder, as on another host: its cwd and var/ are `home`, no
    RESILIENCE_SECRET_KEY, the project only on its PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESILIENCE_")}
    env |= {
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "RESILIENCE_VAR_DIR": str(home / "var"),
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    with log.open("w") as out:  # the worker's own copy stays open
        return subprocess.Popen(
            [sys.executable, "-m", "workers.worker", "--no-scheduler", "--name", name],
            cwd=home,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=out,
            text=True,
        )


@pytest.fixture
def two_workers(settings: Settings, redis_conn: Redis, tmp_path: Path) -> Iterator[dict[str, Path]]:
    homes = {name: tmp_path / name for name in ("worker-a", "worker-b")}
    procs = []
    for name, home in homes.items():
        home.mkdir()
        procs.append(_start(settings, home, name, tmp_path / f"{name}.log"))
    try:
        deadline = time.monotonic() + WAIT_S
        while len(Worker.all(connection=redis_conn)) < 2:
            for proc in procs:
                assert proc.poll() is None, (tmp_path / "worker-a.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.1)
        yield homes
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait(session: Session, row: Run | BackupPlan) -> None:
    deadline = time.monotonic() + WAIT_S
    while True:
        session.expire_all()
        session.refresh(row)
        session.commit()
        if row.status in ("finished", "failed"):
            assert row.status == "finished", row.error
            return
        assert time.monotonic() < deadline, f"{row} still {row.status}"
        time.sleep(0.05)


def _worker_of(redis_conn: Redis, job_id: str) -> str:
    job = Job.fetch(job_id, connection=redis_conn, serializer=JSONSerializer)
    assert job.worker_name
    return job.worker_name


def _on_both(
    redis_conn: Redis, start: Callable[[], tuple[Any, str]], check: Callable[[Any], None]
) -> None:
    """Start jobs one after another until each worker has done one; check each."""
    seen: set[str] = set()
    for _ in range(12):
        row, job_id = start()
        check(row)
        seen.add(_worker_of(redis_conn, job_id))
        if seen == {"worker-a", "worker-b"}:
            return
    pytest.fail(f"only {seen} took the jobs")


def test_two_workers_share_the_queue_and_follow_the_data(
    app: Flask,
    committed: Session,
    redis_conn: Redis,
    settings: Settings,
    make_token: Callable[[str], str],
    two_workers: dict[str, Path],
) -> None:
    small_county(committed)
    scenario = scenarios.create_scenario(committed, parse_scenario(OUTAGE_ABACKA))
    committed.commit()
    before = imports.data_version(committed)

    def run() -> tuple[Run, str]:
        row = runs.start_and_enqueue_run(committed, settings, scenario.id, "test")
        _wait(committed, row)
        return row, f"run-{row.id}"

    def shelter_uncovered(row: Run) -> int:
        # In the scenario the school is in the outage, so no shelter: normally it is.
        return int(row.summary["county"]["baseline_uncovered"]["shelter"])

    covered: list[int] = []
    _on_both(redis_conn, run, lambda row: covered.append(shelter_uncovered(row)))
    assert len(set(covered)) == 1  # the same answer on either worker
    committed.commit()

    # Both workers keep the inputs of this data version. An editor takes the school's
    # shelter away (the energy pages' service: no import, no data_imports row).
    school = committed.scalars(select(Site).where(Site.source_id == "energy-1")).one()
    update_building(committed, school.id, {"shelter_capacity": None}, Editor("eva"))
    after = imports.data_version(committed)
    assert after > before

    def changed(row: Run) -> None:
        assert row.data_version == after
        assert shelter_uncovered(row) > covered[0]  # the school sheltered Åbacka's cells

    _on_both(redis_conn, run, changed)
    # Each worker read the changed inputs itself, before it forked (workers/worker.py).
    for name in two_workers:
        log = (two_workers[name].parent / f"{name}.log").read_text()
        assert f"inputs of runs read for data version {before} " in log
        assert f"inputs of runs read for data version {after} " in log

    def plan() -> tuple[BackupPlan, str]:
        request = plans.PlanRequest((scenario.id,), PlanParameters(sites=1), None)
        row = plans.start_and_enqueue_plan(committed, settings, request, "test")
        _wait(committed, row)
        return row, f"plan-{row.id}"

    _on_both(redis_conn, plan, lambda row: row.data_version == after or pytest.fail())

    client = app.test_client()
    auth = {"Authorization": f"Bearer {make_token('viewer')}"}

    def export() -> tuple[dict[str, Any], str]:
        # Each request differs (another municipality, format), so none is served again.
        formats = export.formats  # type: ignore[attr-defined]
        started = client.post(
            "/api/v1/exports",
            json={"layers": ["population", "care"], "format": formats.pop()},
            headers=auth,
        )
        assert started.status_code == 202, started.text
        deadline = time.monotonic() + WAIT_S
        while (status := client.get(started.headers["Location"], headers=auth).json)[
            "status"
        ] not in ("finished", "failed"):
            assert time.monotonic() < deadline, status
            time.sleep(0.05)
        return status, str(started.json["id"])

    export.formats = ["gpkg", "csv", "geojson", "shp"] * 3  # type: ignore[attr-defined]

    def downloadable(status: dict[str, Any]) -> None:
        assert status["status"] == "finished", status
        download = client.get(status["links"]["download"], headers=auth)
        assert download.status_code == 200 and len(download.data) == status["size_bytes"]

    _on_both(redis_conn, export, downloadable)

    # Nothing of either worker's own folder is needed: no file but, at most, the
    # development secret key that the app makes (workers sign nothing with it).
    for home in two_workers.values():
        files = sorted(p.relative_to(home).as_posix() for p in home.rglob("*") if p.is_file())
        assert files in ([], ["var/secret_key"]), files
