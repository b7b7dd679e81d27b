"""The row of a run or a backup-power plan mirrors its job: running, progress, then
queued again while RQ retries, or failed with the reason (workers/jobs.py calls these, each
in a short transaction of its own so the pages see it while the work goes on)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from resilience.models import BackupPlan, Run

Tracked = type[Run] | type[BackupPlan]


def mark_running(session: Session, model: Tracked, row_id: int) -> None:
    """The job started (again): running, at 1 %, one attempt more."""
    session.execute(
        update(model)
        .where(model.id == row_id)
        .values(
            status="running",
            progress=1.0,
            step="loading data",
            error=None,
            started_at=datetime.now(UTC),
            attempts=model.attempts + 1,
        )
    )


def set_progress(session: Session, model: Tracked, row_id: int, percent: float, step: str) -> None:
    session.execute(update(model).where(model.id == row_id).values(progress=percent, step=step))


def mark_failed(session: Session, model: Tracked, row_id: int, error: str, retrying: bool) -> None:
    """The job raised: queued again while RQ retries, else failed, with the reason."""
    session.execute(
        update(model)
        .where(model.id == row_id)
        .values(
            status="queued" if retrying else "failed",
            step="waiting to retry" if retrying else None,
            error=error,
        )
    )
