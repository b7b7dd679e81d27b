"""Background exports' records, rows of `exports`: the same request over the same data
is one record (and one job), its state as users see it, the job's progress, purging.

The finished file is in `export_chunks` (stored_files.py). The web process creates the
record (queued); the job updates it (running, progress, finished or failed), each change in
its own short transaction, and stores the file with the finished status in one transaction,
so a reader sees a whole file or none. Web and workers thus share nothing but PostgreSQL
and Redis."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from resilience.db import advisory_xact_lock
from resilience.errors import NotFound
from resilience.models import Export, ExportChunk
from resilience.services import job_rows
from resilience.services.exports.audit_log import audit
from resilience.services.exports.plan import ExportRequest, Plan, plan_export
from resilience.services.lookup import get_or_404

EXPORT_TTL_S = 24 * 3600  # a finished background export is kept this long
LOST_AFTER_S = 60  # a queued record RQ does not know after this long was lost

_EXPORT_ID = re.compile(r"export-[0-9a-f]{24}")
_TIMES = ("created_at", "started_at", "finished_at", "expires_at")


def checked_id(export_id: str) -> str:
    """The id, if it has an export id's form (else NotFound, before any query)."""
    if not _EXPORT_ID.fullmatch(export_id):
        raise NotFound(f"no export {export_id}")
    return export_id


def as_record(row: Export) -> dict[str, Any]:
    """The record as the API shows it (times as ISO text)."""
    record = {c.key: getattr(row, c.key) for c in Export.__table__.columns}
    for key in _TIMES:
        record[key] = record[key].isoformat() if record[key] else None
    return record


def read_record(session: Session, export_id: str) -> dict[str, Any] | None:
    row = session.get(Export, checked_id(export_id), populate_existing=True)
    return as_record(row) if row is not None else None


def update_record(session: Session, export_id: str, **changes: Any) -> dict[str, Any]:
    row = get_or_404(session, Export, checked_id(export_id), "export")
    for key, value in changes.items():
        setattr(row, key, value)
    session.flush()
    return as_record(row)


def utc_now() -> datetime:
    """Now, in UTC: the records' times."""
    return datetime.now(UTC)


def _fingerprint(session: Session, run_id: int | None) -> list[Any]:
    """What changes when the exported data changes: imports, edits of sites, the grid."""
    row = session.execute(
        text(
            "SELECT (SELECT max(id) FROM data_imports),"
            " (SELECT count(*) FROM sites), (SELECT max(updated_at) FROM sites),"
            " (SELECT count(*) FROM municipalities), (SELECT max(updated_at) FROM municipalities),"
            " (SELECT count(*) FROM population_cells), (SELECT max(id) FROM population_cells),"
            " (SELECT sum(population) FROM population_cells),"
            " (SELECT finished_at FROM runs WHERE id = :run)"
        ),
        {"run": run_id},
    ).one()
    return [str(v) for v in row]


def export_id_for(session: Session, request: ExportRequest) -> str:
    """The same request over the same data gives the same id, so it is built once."""
    key = json.dumps(
        {"request": request.to_dict(), "data": _fingerprint(session, request.run_id)},
        sort_keys=True,
    )
    return "export-" + hashlib.sha256(key.encode()).hexdigest()[:24]


def has_file(session: Session, export_id: str) -> bool:
    """Whether the export's file is stored (at least its first piece)."""
    query = select(ExportChunk.seq).where(ExportChunk.export_id == export_id).limit(1)
    return session.execute(query).first() is not None


def record_state(record: dict[str, Any], job_state: str | None, now: datetime) -> dict[str, Any]:
    """The record as users see it: failed when RQ says the job died (or forgot a queued job
    long ago), expired after its time."""
    shown = dict(record)
    status = record["status"]
    created = datetime.fromisoformat(record["created_at"])
    if status in ("queued", "running") and (
        job_state in ("failed", "stopped", "canceled")
        or (job_state is None and (now - created).total_seconds() > LOST_AFTER_S)
    ):
        shown["status"] = "failed"
        shown["error"] = record.get("error") or (
            "the worker stopped unexpectedly; start the export again"
        )
    expires = record.get("expires_at")
    if status == "finished" and expires and now >= datetime.fromisoformat(expires):
        shown["status"] = "expired"
    return shown


def _planned(plan: Plan) -> dict[str, Any]:
    """What a record keeps of its plan: the request, for people too, its size and file."""
    return {
        "request": plan.request.to_dict(),
        "description": plan.request.describe(),
        "features": plan.features,
        "file_name": plan.file_name,
    }


def start_background(
    session: Session,
    request: ExportRequest,
    user: str | None,
    job_state: Callable[[str], str | None],
) -> tuple[dict[str, Any], bool]:
    """The record of a background export of `request` and whether a job must be enqueued:
    a queued, running or finished (unexpired) export of the same request and data is
    reused. `job_state` is RQ's state of a job id. The record and the audit are written in
    the caller's transaction."""
    purge_expired(session)
    plan = plan_export(session, request)
    export_id = export_id_for(session, request)
    # Two requests for the same export at once: the second waits here for the first.
    advisory_xact_lock(session, export_id)
    record = read_record(session, export_id)
    now = utc_now()
    reusable = False
    if record is not None:
        status = record_state(record, job_state(export_id), now)["status"]
        reusable = status in ("queued", "running") or (
            status == "finished" and has_file(session, export_id)
        )
    if not reusable:
        row = session.get(Export, export_id)
        if row is None:
            row = Export(id=export_id)
            session.add(row)
        fresh: dict[str, Any] = {
            "status": "queued",
            "progress": 0.0,
            "step": None,
            "error": None,
            **_planned(plan),
            "size_bytes": None,
            "created_by": user,
            "created_at": now,
            "started_at": None,
            "finished_at": None,
            "expires_at": None,
            "attempts": 0,
        }
        for key, value in fresh.items():
            setattr(row, key, value)
        session.execute(delete(ExportChunk).where(ExportChunk.export_id == export_id))
        session.flush()
        record = as_record(row)
    audit(session, user, plan, "background", export_id)
    assert record is not None
    return record, not reusable


def mark_running(
    session: Session, export_id: str, request_data: Mapping[str, Any]
) -> dict[str, Any]:
    """The job starts (again): running, one more attempt. A job enqueued without a record
    (by hand) gets one."""
    request = ExportRequest.from_dict(request_data)
    row = session.get(Export, checked_id(export_id))
    if row is None:
        plan = plan_export(session, request)
        row = Export(id=export_id, **_planned(plan), created_at=utc_now(), attempts=0)
        session.add(row)
    row.status, row.progress, row.step, row.error = "running", 1.0, None, None
    row.started_at = utc_now()
    row.attempts = (row.attempts or 0) + 1
    session.flush()
    return as_record(row)


def set_progress(session: Session, export_id: str, percent: float, step: str) -> None:
    session.execute(
        update(Export).where(Export.id == export_id).values(progress=round(percent, 1), step=step)
    )


def mark_failed(session: Session, export_id: str, error: str, retrying: bool) -> None:
    job_rows.mark_failed(session, Export, export_id, error, retrying)


def recent_records(session: Session) -> list[dict[str, Any]]:
    """The background exports still on record, newest first."""
    rows = session.scalars(select(Export).order_by(Export.created_at.desc(), Export.id))
    return [as_record(row) for row in rows]


def purge_expired(session: Session, now: datetime | None = None) -> int:
    """Delete the records and files of exports past their time: finished ones after
    EXPORT_TTL_S from finishing, others after EXPORT_TTL_S from their start. In the
    caller's transaction."""
    now = now or utc_now()
    ends = func.coalesce(Export.expires_at, Export.created_at + timedelta(seconds=EXPORT_TTL_S))
    return len(session.execute(delete(Export).where(ends <= now).returning(Export.id)).all())
