"""A background export's file: built by the job, stored in `export_chunks` in pieces of
CHUNK_BYTES with the finished status, and read back a piece at a time."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from resilience.errors import Conflict, DomainError
from resilience.models import Export, ExportChunk
from resilience.services.exports.files import Progress, build
from resilience.services.exports.plan import ExportRequest, plan_export
from resilience.services.exports.records import (
    EXPORT_TTL_S,
    as_record,
    checked_id,
    has_file,
    record_state,
    utc_now,
)
from resilience.services.lookup import get_or_404

CHUNK_BYTES = 1024 * 1024  # about 60 pieces for the largest (Sweden-sized) export


class ExportGone(DomainError):
    status, code = 410, "gone"


def build_file(
    session: Session,
    record: Mapping[str, Any],
    directory: Path,
    progress: Progress | None = None,
) -> Path:
    """Build a background export's file into `directory` (a local scratch folder of the
    worker), under the record's file name. Running it again builds the same file."""
    plan = plan_export(session, ExportRequest.from_dict(record["request"]))
    plan.file_name = record["file_name"]
    return build(session, plan, directory, progress)


def store_file(session: Session, export_id: str, path: Path) -> dict[str, Any]:
    """Put the built file into the database, replacing any earlier one, and mark the export
    finished, in the caller's transaction. Read and written a piece at a time."""
    # NotFound if it was purged while it was being built
    row = get_or_404(session, Export, checked_id(export_id), "export")
    session.execute(delete(ExportChunk).where(ExportChunk.export_id == export_id))
    size = 0
    with path.open("rb") as stream:
        for seq, piece in enumerate(iter(lambda: stream.read(CHUNK_BYTES), b"")):
            session.execute(insert(ExportChunk).values(export_id=export_id, seq=seq, data=piece))
            size += len(piece)
    finished = utc_now()
    row.status, row.progress, row.step, row.error = "finished", 100.0, None, None
    row.size_bytes = size
    row.finished_at = finished
    row.expires_at = finished + timedelta(seconds=EXPORT_TTL_S)
    session.flush()
    return as_record(row)


def downloadable(session: Session, record: dict[str, Any], job_state: str | None) -> None:
    """Nothing when the export's file can be downloaded, else the reason why not."""
    shown = record_state(record, job_state, utc_now())
    if shown["status"] == "expired":
        raise ExportGone(f"export {record['id']} has expired; start it again")
    if shown["status"] != "finished":
        raise Conflict(f"export {record['id']} is not ready (status {shown['status']})")
    if not has_file(session, record["id"]):
        raise ExportGone(f"the file of export {record['id']} is gone; start it again")


def file_pieces(session: Session, export_id: str) -> Iterator[bytes]:
    """The stored file, a piece at a time, from one snapshot (a server-side cursor)."""
    query = (
        select(ExportChunk.data).where(ExportChunk.export_id == export_id).order_by(ExportChunk.seq)
    )
    result = session.execute(query, execution_options={"yield_per": 1})
    try:
        for (piece,) in result:
            yield bytes(piece)
    finally:
        result.close()  # also when the reader stops early (a range, a dropped connection)
