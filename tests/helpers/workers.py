"""Workers for the tests that need one (marked `worker`): a real worker process, or the
queue worked off in this process where the jobs' work, not the process, is the point."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from unittest import mock

from rq import SimpleWorker
from rq.serializers import JSONSerializer

from resilience.app import create_app
from resilience.config import PROJECT_ROOT, Settings
from resilience.db import db
from workers import jobs
from workers.queue import queue


def run_worker(settings: Settings, **env: str) -> subprocess.CompletedProcess[str]:
    """A real worker process in burst mode: it works off the queue, then exits."""
    environment = os.environ | {
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "RESILIENCE_SECRET_KEY": "test",
        "RESILIENCE_VAR_DIR": str(settings.var_dir),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "workers.worker", "--burst"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def work_in_process(settings: Settings) -> bool:
    """The queue worked off as `python -m workers.worker --burst` does (scheduled jobs that
    are due first), but by RQ's SimpleWorker in this process: no start-up, no fork. The jobs
    run with an app of `settings` (as the worker's would with them in its environment); an
    exception of the worker itself propagates. True when it ran a job."""
    app = create_app(settings)
    q = queue(settings)
    worker = SimpleWorker([q], connection=q.connection, serializer=JSONSerializer)
    # RQ installs its own SIGINT and SIGTERM handlers: pytest's come back afterwards.
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    # No fork: the pooled connections are this process's own, not a parent's to drop (the
    # jobs' db.dispose() would leave them open for the garbage collector).
    try:
        with mock.patch.object(jobs, "_app", lambda: app), mock.patch.object(db, "dispose"):
            return worker.work(burst=True, with_scheduler=True, logging_level="WARNING")
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)
