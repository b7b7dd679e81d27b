"""RQ job functions: thin, importable, taking ids only. They load, call a service, store."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import cache

from flask import Flask
from rq import get_current_job
from sqlalchemy import update

from resilience import create_app
from resilience.db import db
from resilience.models import Run
from resilience.services import runs

log = logging.getLogger(__name__)


@cache
def _app() -> Flask:
    return create_app()


def warm_up() -> None:
    """Build the app and import the analysis before forking (see workers/worker.py)."""
    _app()


def _set_progress(run_id: int, percent: float, step: str) -> None:
    """Progress goes in its own short transaction so the UI sees it while the run computes."""
    with db.begin() as session:
        session.execute(update(Run).where(Run.id == run_id).values(progress=percent, step=step))
    job = get_current_job()
    if job is not None:
        job.meta.update(progress=percent, step=step)
        job.save_meta()


def compute_run(run_id: int) -> dict[str, object]:
    """Compute a run. Idempotent: the results of a run are replaced as a whole. Exceptions
    propagate so that RQ retries (Settings.run_retry_intervals) and finally marks it failed."""
    with _app().app_context():
        db.dispose()  # a forked work horse must not share the parent's pooled connections
        job = get_current_job()
        with db.begin() as session:
            session.execute(
                update(Run)
                .where(Run.id == run_id)
                .values(
                    status="running",
                    progress=1.0,
                    step="loading data",
                    error=None,
                    started_at=datetime.now(UTC),
                    attempts=Run.attempts + 1,
                )
            )
        try:
            with db.begin() as session:
                run = runs.compute_run(session, run_id, _set_progress)
                summary = {"run_id": run_id, "status": run.status}
        except Exception as exc:
            retrying = job is not None and (job.retries_left or 0) > 0
            with db.begin() as session:
                session.execute(
                    update(Run)
                    .where(Run.id == run_id)
                    .values(
                        status="queued" if retrying else "failed",
                        step="waiting to retry" if retrying else None,
                        error=f"{type(exc).__name__}: {exc}",
                    )
                )
            log.exception("run %s failed", run_id)
            raise
        return summary
