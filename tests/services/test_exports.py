"""services/exports/: requests, file names, export ids and records (the HTTP side and the
files themselves are in tests/web/test_exports.py and tests/geodata/test_exporters.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from resilience.errors import BadInput
from resilience.services import exports
from resilience.services.exports import ExportRequest
from tests.factories import small_county

DAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Stormen Ylva", "stormen-ylva"),
        ("Skellefteå kust", "skelleftea-kust"),
        ("Örnsköldsvik", "ornskoldsvik"),
        ("Åsele – Vilhelmina (röd varning)", "asele-vilhelmina-rod-varning"),
        ("Zoë & René", "zoe-rene"),
        ("???", "x"),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert exports.slugify(name) == slug


def test_file_names_say_what_and_when() -> None:
    run = ExportRequest(layers=exports.RUN_LAYER_IDS, run_id=12)
    assert (
        exports.file_name(run, DAY, scenario="Stormen Ylva")
        == "vasterbotten_korning-12_stormen-ylva_2026-11-26.gpkg"
    )
    some = ExportRequest(layers=("sites", "timeline"), run_id=12)
    assert (
        exports.file_name(some, DAY, scenario="Storm över Åsele")
        == "vasterbotten_korning-12_storm-over-asele_platser-tidslinje_2026-11-26.gpkg"
    )
    assert exports.file_name(ExportRequest(), DAY) == "vasterbotten_lager_2026-11-26.gpkg"
    assert (
        exports.file_name(ExportRequest("shp", 4326), DAY, municipality="Umeå")
        == "vasterbotten_lager_umea_wgs84_2026-11-26.zip"
    )
    one = ExportRequest("csv", layers=("population",))
    assert exports.file_name(one, DAY) == "vasterbotten_befolkning_2026-11-26.zip"  # with .csvt
    geojson = ExportRequest("geojson", 4326, layers=("care",), category="care")
    assert exports.file_name(geojson, DAY) == "vasterbotten_vard_2026-11-26.geojson"
    unnamed = ExportRequest(layers=("gaps",), run_id=7, category="food")
    assert (
        exports.file_name(unnamed, DAY) == "vasterbotten_korning-7_luckor_livsmedel_2026-11-26.gpkg"
    )


def test_requests_are_parsed_strictly() -> None:
    assert ExportRequest.parse({}) == ExportRequest()
    assert ExportRequest.parse({"format": "geojson"}).crs == 4326
    parsed = ExportRequest.parse(
        {
            "format": "CSV",
            "crs": "EPSG:4326",
            "layers": ["care,food", "population"],
            "geometry": "XY",
        }
    )
    assert parsed.layers == ("population", "care", "food")  # in the file's order
    assert parsed.csv_geometry == "xy" and parsed.format == "csv"
    run = ExportRequest.parse({"run": 5, "category": "care", "municipality": 2480})
    assert run.layers == exports.RUN_LAYER_IDS and run.municipality == "2480"
    assert ExportRequest.parse({"category": "power"}).layers == ("power",)
    with pytest.raises(BadInput, match="not among the layers"):
        ExportRequest.parse({"layers": "care", "category": "food"})
    with pytest.raises(BadInput, match="run number"):
        ExportRequest.parse({"run": "x"})
    with pytest.raises(BadInput, match="unknown layers"):
        ExportRequest.parse({"run": 1, "layers": "population"})
    assert ExportRequest.from_dict(parsed.to_dict()) == parsed


def test_every_shapefile_name_is_short_and_unique() -> None:
    for schemas in exports.schemas().values():
        for schema in schemas:
            names = [f.dbf_name for f in schema.fields]
            assert all(len(n) <= 10 for n in names)
            assert len({n.lower() for n in names}) == len(names)


def _record(**changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "id": "export-" + "b" * 24,
        "status": "queued",
        "created_at": now.isoformat(),
        "expires_at": None,
        "error": None,
    } | changes


def test_record_state() -> None:
    now = datetime.now(UTC)
    assert exports.record_state(_record(), None, now)["status"] == "queued"  # just made
    old = (now - timedelta(minutes=2)).isoformat()
    assert exports.record_state(_record(created_at=old), "queued", now)["status"] == "queued"
    lost = exports.record_state(_record(created_at=old), None, now)
    assert lost["status"] == "failed" and "again" in lost["error"]
    died = exports.record_state(_record(status="running"), "failed", now)
    assert died["status"] == "failed"
    expired = _record(status="finished", expires_at=(now - timedelta(seconds=1)).isoformat())
    assert exports.record_state(expired, "finished", now)["status"] == "expired"


def test_a_lost_export_is_started_again(db_session: Session) -> None:
    small_county(db_session)
    request = ExportRequest(layers=("population",))
    first, enqueue = exports.start_background(db_session, request, "anna", lambda _: None)
    assert enqueue and first["status"] == "queued" and first["features"] == 3
    again, enqueue = exports.start_background(db_session, request, "bo", lambda _: None)
    assert not enqueue and again["id"] == first["id"]  # queued a moment ago: the same one
    stale = datetime.now(UTC) - timedelta(minutes=10)
    exports.update_record(db_session, first["id"], status="running", created_at=stale)
    restarted, enqueue = exports.start_background(db_session, request, "bo", lambda _: None)
    assert enqueue and restarted["status"] == "queued" and restarted["created_by"] == "bo"
    # Other data is another export.
    db_session.execute(text("UPDATE population_cells SET population = population + 1"))
    other, _enqueue = exports.start_background(db_session, request, "bo", lambda _: None)
    assert other["id"] != first["id"]
    assert len(exports.recent_records(db_session)) == 2
    assert exports.purge_expired(db_session, datetime.now(UTC) + timedelta(days=2)) == 2
    assert exports.recent_records(db_session) == []


def test_a_file_is_stored_and_read_back_in_pieces(
    db_session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_county(db_session)
    record, _enqueue = exports.start_background(
        db_session, ExportRequest(layers=("population",)), "anna", lambda _: None
    )
    monkeypatch.setattr(exports.stored_files, "CHUNK_BYTES", 1000)
    built = tmp_path / "built.gpkg"
    content = bytes(range(256)) * 10 + "åäö".encode()  # 2,566 bytes: three pieces
    built.write_bytes(content)
    finished = exports.store_file(db_session, record["id"], built)
    assert finished["status"] == "finished" and finished["size_bytes"] == len(content)
    pieces = list(exports.file_pieces(db_session, record["id"]))
    assert [len(p) for p in pieces] == [1000, 1000, 566] and b"".join(pieces) == content
    exports.downloadable(db_session, exports.read_record(db_session, record["id"]), "finished")
    # Storing again (a retried job) replaces the file.
    built.write_bytes(b"short")
    exports.store_file(db_session, record["id"], built)
    assert b"".join(exports.file_pieces(db_session, record["id"])) == b"short"
