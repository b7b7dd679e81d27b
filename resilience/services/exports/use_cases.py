"""The web's export use-cases, each its own transaction: a direct file, a background
export started, a finished file downloaded, the expired ones purged."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy.orm import Session

from resilience.errors import Unavailable
from resilience.services.exports.audit_log import audit, audit_download
from resilience.services.exports.files import build_bytes
from resilience.services.exports.plan import ExportRequest, Plan
from resilience.services.exports.records import mark_failed, purge_expired, start_background
from resilience.services.exports.stored_files import downloadable, file_pieces


def direct_file(session: Session, plan: Plan, user: str | None) -> bytes:
    """An export built while the request waits, audited (mode "direct") and committed."""
    data = build_bytes(session, plan)
    audit(session, user, plan, "direct")
    session.commit()
    return data


def start_export(
    session: Session,
    request: ExportRequest,
    user: str | None,
    job_state: Callable[[str], str | None],
    enqueue: Callable[[str, dict[str, Any]], object],
) -> dict[str, Any]:
    """A background export (start_background): the record and the audit row committed
    before the job looks for them, then `enqueue(export id, request)` when a new job is
    needed. When the queue went away just now (Unavailable) the record says so, committed,
    and the error goes on to the caller."""
    record, needed = start_background(session, request, user, job_state)
    session.commit()
    if needed:
        try:
            enqueue(record["id"], request.to_dict())
        except Unavailable:
            mark_failed(session, record["id"], "the job queue (Redis) was down", False)
            session.commit()
            raise
    return record


def open_download(
    session: Session, user: str | None, record: dict[str, Any], job_state: str | None
) -> Iterator[bytes]:
    """The finished export's file (else why not: downloadable), its download audited and
    committed; the pieces come from one snapshot, which ends with the last piece (not when
    the response object is collected: an idle transaction keeps its table locks)."""
    downloadable(session, record, job_state)
    audit_download(session, user, record)
    session.commit()
    return _to_the_end(session, file_pieces(session, record["id"]))


def _to_the_end(session: Session, pieces: Iterator[bytes]) -> Iterator[bytes]:
    try:
        yield from pieces
    finally:
        session.rollback()


def purge_now(session: Session) -> int:
    """purge_expired, committed (the export page tidies up as it opens)."""
    purged = purge_expired(session)
    session.commit()
    return purged
