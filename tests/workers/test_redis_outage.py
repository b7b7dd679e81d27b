"""A Redis outage, with a Redis of the test's own (redis-server on a free port) that it stops
and starts: the web service answers 503 for what needs the queue and writes nothing, pages
that show job state still load, and a real worker and the scheduler wait it out instead of
dying, then carry on."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import IO

import pytest
from flask import Flask
from redis import Redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from resilience.app import create_app
from resilience.config import PROJECT_ROOT, Settings
from resilience.models import AuditLog, Run
from resilience.services import users
from tests import factories
from tests.factories import OUTAGE_ABACKA, small_county

REDIS_SERVER = shutil.which("redis-server")
pytestmark = [
    pytest.mark.worker,
    pytest.mark.slow,
    pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server"),
]


class OwnRedis:
    """redis-server on a port of its own, stopped and started again on the same port."""

    def __init__(self, directory: Path, *, persistent: bool = False) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.directory = directory
        self.persistent = persistent  # with scripts/redis.conf, as scripts/setup.sh starts it
        self.process: subprocess.Popen[bytes] | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS_SERVER is not None
        durability = (
            [str(PROJECT_ROOT / "scripts" / "redis.conf")]
            if self.persistent
            else ["--save", "", "--appendonly", "no"]
        )
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                *durability,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if Redis.from_url(self.url, socket_connect_timeout=0.2).ping():
                    return
            except Exception:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def outage_app(settings: Settings, own_redis: OwnRedis) -> Flask:
    return create_app(replace(settings, redis_url=own_redis.url))


def _count(session: Session, model: type) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_with_redis_down_nothing_is_started_and_pages_still_load(
    outage_app: Flask, own_redis: OwnRedis, committed: Session, settings: Settings
) -> None:
    small_county(committed)
    factories.user(committed, "planner-pär", "planner")
    token = users.create_token(committed, "planner-pär")
    committed.commit()
    auth = {"Authorization": f"Bearer {token}"}
    client = outage_app.test_client()
    created = client.post("/api/v1/scenarios", data=json.dumps(OUTAGE_ABACKA), headers=auth)
    scenario_id = created.json["id"]
    started = client.post(f"/api/v1/scenarios/{scenario_id}/runs", headers=auth)
    assert started.status_code == 202  # Redis up: queued
    run_id = started.json["id"]
    exports_dir = settings.var_dir / "exports"
    records_before = sorted(exports_dir.glob("*.json")) if exports_dir.exists() else []
    audits_before = _count(committed, AuditLog)

    own_redis.stop()
    refused = client.post(f"/api/v1/scenarios/{scenario_id}/runs", headers=auth)
    assert refused.status_code == 503, refused.text
    assert "Redis" in refused.json["message"]
    assert _count(committed, Run) == 1  # no queued run that nothing would compute
    export = client.post(
        "/api/v1/exports", json={"layers": ["care"], "format": "gpkg"}, headers=auth
    )
    assert export.status_code == 503, export.text
    form = client.post("/exports", data={"what": "layers", "format": "gpkg"}, headers=auth)
    assert form.status_code in (403, 503)  # (the form needs a session's CSRF token first)
    assert _count(committed, AuditLog) == audits_before
    after = sorted(exports_dir.glob("*.json")) if exports_dir.exists() else []
    assert after == records_before

    # Pages and the API that show job state read it defensively: the stored state.
    status = client.get(f"/api/v1/runs/{run_id}", headers=auth)
    assert status.status_code == 200 and status.json["status"] == "queued"
    for path in ("/api/v1/runs", "/runs", f"/runs/{run_id}", "/exports", "/api/v1/exports"):
        assert client.get(path, headers=auth).status_code == 200, path
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json["redis"].startswith("error")

    own_redis.start()  # back: the same requests work again
    again = client.post(f"/api/v1/scenarios/{scenario_id}/runs", headers=auth)
    assert again.status_code == 202, again.text


def _process(settings: Settings, redis_url: str, log: IO[str], *args: str) -> subprocess.Popen[str]:
    """A real worker or scheduler process; its output goes to `log` (a pipe nobody reads
    could fill up and block it)."""
    environment = os.environ | {
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": redis_url,
        "RESILIENCE_SECRET_KEY": "test",
        "RESILIENCE_VAR_DIR": str(settings.var_dir),
        "RESILIENCE_SMHI_URL": "http://127.0.0.1:9/none",  # polls fail: no SMHI here
        "RESILIENCE_SMHI_POLL_SECONDS": "2",
    }
    return subprocess.Popen(
        [sys.executable, "-m", *args],
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait(condition, timeout: float = 60) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_worker_and_scheduler_wait_out_an_outage(
    app: Flask, own_redis: OwnRedis, committed: Session, settings: Settings, tmp_path: Path
) -> None:
    small_county(committed)
    factories.user(committed, "planner-pär", "planner")
    token = users.create_token(committed, "planner-pär")
    committed.commit()
    auth = {"Authorization": f"Bearer {token}"}
    client = create_app(replace(settings, redis_url=own_redis.url)).test_client()
    redis = Redis.from_url(own_redis.url)
    worker_log, scheduler_log = tmp_path / "worker.log", tmp_path / "scheduler.log"
    logs = [worker_log.open("w"), scheduler_log.open("w")]
    worker = _process(settings, own_redis.url, logs[0], "workers.worker")
    scheduler = _process(settings, own_redis.url, logs[1], "workers.scheduler")
    try:
        # The scheduler enqueues its periodic jobs; the worker is up and registered.
        assert _wait(lambda: any(k.startswith(b"rq:worker:") for k in redis.keys("rq:worker:*")))
        own_redis.stop()
        time.sleep(6)  # a few seconds of outage, as the audit did
        assert worker.poll() is None, worker_log.read_text()[-3000:]
        assert scheduler.poll() is None, scheduler_log.read_text()[-3000:]
        own_redis.start()  # an empty Redis again (nothing was saved)

        # Both carry on: the scheduler enqueues again and the worker computes a new run.
        assert _wait(lambda: bool(redis.keys("rq:job:live-check-*"))), "scheduler idle"
        created = client.post("/api/v1/scenarios", data=json.dumps(OUTAGE_ABACKA), headers=auth)
        run = client.post(f"/api/v1/scenarios/{created.json['id']}/runs", headers=auth)
        assert run.status_code == 202, run.text
        url = f"/api/v1/runs/{run.json['id']}"
        assert _wait(lambda: client.get(url, headers=auth).json["status"] == "finished", 90)
        assert worker.poll() is None and scheduler.poll() is None
    finally:
        for process in (worker, scheduler):
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        for log in logs:
            log.close()
    assert "trying again" in scheduler_log.read_text()  # it saw the outage and said so


def test_a_run_queued_before_a_redis_restart_is_finished_after_it(
    app: Flask, committed: Session, settings: Settings, tmp_path: Path
) -> None:
    """Redis as scripts/setup.sh starts it (scripts/redis.conf: append-only): a run enqueued
    while no worker is up survives a restart of Redis, and a worker started afterwards
    computes it."""
    small_county(committed)
    factories.user(committed, "planner-pär", "planner")
    token = users.create_token(committed, "planner-pär")
    committed.commit()
    auth = {"Authorization": f"Bearer {token}"}
    durable = OwnRedis(tmp_path / "redis", persistent=True)
    durable.directory.mkdir()
    durable.start()
    worker = None
    log = (tmp_path / "worker.log").open("w")
    try:
        client = create_app(replace(settings, redis_url=durable.url)).test_client()
        created = client.post("/api/v1/scenarios", data=json.dumps(OUTAGE_ABACKA), headers=auth)
        run = client.post(f"/api/v1/scenarios/{created.json['id']}/runs", headers=auth)
        assert run.status_code == 202, run.text
        url = f"/api/v1/runs/{run.json['id']}"
        assert client.get(url, headers=auth).json["status"] == "queued"
        durable.stop()  # SIGTERM: Redis writes its append-only file and exits
        assert (durable.directory / "appendonlydir").is_dir()
        durable.start()
        worker = _process(settings, durable.url, log, "workers.worker")
        assert _wait(lambda: client.get(url, headers=auth).json["status"] == "finished", 90), (
            client.get(url, headers=auth).json
        )
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(5)
        log.close()
        durable.stop()


def test_a_worker_told_to_stop_stops_and_is_not_started_again(
    own_redis: OwnRedis, settings: Settings, tmp_path: Path
) -> None:
    """SIGTERM (what `make run` sends on Ctrl-C, and systemd on stop) to an idle worker ends
    the process; only a loop ended by a Redis outage is started again."""
    redis = Redis.from_url(own_redis.url)
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        worker = _process(settings, own_redis.url, log, "workers.worker")
        try:
            # Idle: waiting for a job, so past RQ's start-up (its signal handlers are set).
            assert _wait(
                lambda: any(
                    redis.hget(key, "state") == b"idle" for key in redis.keys("rq:worker:*")
                )
            ), log_path.read_text()[-3000:]
            worker.terminate()
            try:
                code = worker.wait(30)
            except subprocess.TimeoutExpired:
                code = None
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait(5)
    text = log_path.read_text()
    assert code == 0, text[-3000:]
    assert "starting again" not in text, text[-3000:]
