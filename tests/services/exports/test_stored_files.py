"""services/exports/stored_files.py: a background export's file built, stored in pieces
with the finished status, read back, and refused when it is not ready or gone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyogrio
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from resilience.errors import Conflict, NotFound
from resilience.models import ExportChunk
from resilience.services.exports import records, stored_files
from resilience.services.exports.plan import ExportRequest
from resilience.services.exports.stored_files import ExportGone
from tests.factories import small_county


def _started(session: Session, request: ExportRequest) -> dict[str, Any]:
    record, _enqueue = records.start_background(session, request, "anna", lambda _: None)
    return record


def test_a_file_is_stored_and_read_back_in_pieces(
    db_session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_county(db_session)
    record = _started(db_session, ExportRequest(layers=("population",)))
    monkeypatch.setattr(stored_files, "CHUNK_BYTES", 1000)
    built = tmp_path / "built.gpkg"
    content = bytes(range(256)) * 10 + "åäö".encode()  # 2,566 bytes: three pieces
    built.write_bytes(content)
    finished = stored_files.store_file(db_session, record["id"], built)
    assert finished["status"] == "finished" and finished["size_bytes"] == len(content)
    pieces = list(stored_files.file_pieces(db_session, record["id"]))
    assert [len(p) for p in pieces] == [1000, 1000, 566] and b"".join(pieces) == content
    stored_files.downloadable(db_session, records.read_record(db_session, record["id"]), "finished")
    # Storing again (a retried job) replaces the file.
    built.write_bytes(b"short")
    stored_files.store_file(db_session, record["id"], built)
    assert b"".join(stored_files.file_pieces(db_session, record["id"])) == b"short"


def test_the_job_builds_the_file_under_the_records_name(
    db_session: Session, tmp_path: Path
) -> None:
    small_county(db_session)
    record = _started(db_session, ExportRequest("geojson", 4326, layers=("care",)))
    path = stored_files.build_file(db_session, record, tmp_path)
    assert path.name == record["file_name"] and path.parent == tmp_path
    _meta, table = pyogrio.read_arrow(path)
    assert table.column("name").to_pylist() == ["Björkgårdens äldreboende"]


def test_a_file_is_not_downloadable_before_it_is_finished_or_after_it_expired(
    db_session: Session, tmp_path: Path
) -> None:
    small_county(db_session)
    record = _started(db_session, ExportRequest(layers=("care",)))
    with pytest.raises(Conflict, match="is not ready"):
        stored_files.downloadable(db_session, record, "queued")
    with pytest.raises(Conflict, match="status failed"):
        stored_files.downloadable(db_session, record, "failed")  # the job died
    built = tmp_path / "vard.gpkg"
    built.write_bytes(b"GPKG")
    finished = stored_files.store_file(db_session, record["id"], built)
    stored_files.downloadable(db_session, finished, "finished")
    gone = records.update_record(
        db_session, record["id"], expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    with pytest.raises(ExportGone, match="has expired"):
        stored_files.downloadable(db_session, gone, "finished")


def test_a_finished_record_without_its_file_is_gone(db_session: Session) -> None:
    small_county(db_session)
    record = _started(db_session, ExportRequest(layers=("care",)))
    finished = records.update_record(
        db_session,
        record["id"],
        status="finished",
        expires_at=datetime.now(UTC) + timedelta(hours=1),
    )
    with pytest.raises(ExportGone, match=r"the file of export .* is gone"):
        stored_files.downloadable(db_session, finished, "finished")
    assert list(stored_files.file_pieces(db_session, record["id"])) == []


def test_a_file_for_a_purged_export_is_refused_and_not_stored(
    db_session: Session, tmp_path: Path
) -> None:
    built = tmp_path / "x.gpkg"
    built.write_bytes(b"abc")
    with pytest.raises(NotFound, match="no export"):
        stored_files.store_file(db_session, "export-" + "c" * 24, built)
    with pytest.raises(NotFound):
        stored_files.store_file(db_session, "../x", built)
    assert db_session.scalar(select(func.count()).select_from(ExportChunk)) == 0


def test_a_reader_that_stops_early(
    db_session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_county(db_session)
    record = _started(db_session, ExportRequest(layers=("care",)))
    monkeypatch.setattr(stored_files, "CHUNK_BYTES", 2)
    built = tmp_path / "x.gpkg"
    built.write_bytes(b"abcdef")
    stored_files.store_file(db_session, record["id"], built)
    pieces = stored_files.file_pieces(db_session, record["id"])
    assert next(pieces) == b"ab"
    pieces.close()  # the cursor is closed: the session goes on
    assert b"".join(stored_files.file_pieces(db_session, record["id"])) == b"abcdef"
