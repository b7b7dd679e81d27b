"""services/exports/files.py: an export's file built from the layers' rows in PostGIS, read
back with GDAL, with its progress reported per layer."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pyogrio
from sqlalchemy import text
from sqlalchemy.orm import Session

from resilience.services.exports import files
from resilience.services.exports.plan import ExportRequest, plan_export
from tests.factories import small_county


def test_a_geopackage_of_the_layers_asked_for(db_session: Session, tmp_path: Path) -> None:
    small_county(db_session)
    plan = plan_export(db_session, ExportRequest(layers=("municipalities", "care", "food")))
    steps: list[tuple[float, str]] = []
    path = files.build(db_session, plan, tmp_path, lambda p, s: steps.append((p, s)))
    assert path.parent == tmp_path and path.name == plan.file_name
    assert [name for name, _kind in pyogrio.list_layers(path)] == [
        "kommuner",
        "vard",
        "livsmedel",
    ]
    _meta, municipalities = pyogrio.read_arrow(path, layer="kommuner")
    assert municipalities.column("name").to_pylist() == ["Åbacka", "Östervik"]
    assert municipalities.column("population").to_pylist() == [150, 55]
    _meta, care = pyogrio.read_arrow(path, layer="vard")
    assert care.column("name").to_pylist() == ["Björkgårdens äldreboende"]
    assert care.column("municipality_name").to_pylist() == ["Åbacka"]
    # Progress per layer, in order, rising, below 100 (the job says 100 when stored).
    assert [s for _p, s in steps] == ["kommuner", "vard", "livsmedel"]
    percents = [p for p, _s in steps]
    assert percents == sorted(percents) and percents[-1] == 99.0


def test_a_csv_file_in_memory_with_swedish_letters_and_no_formulas(db_session: Session) -> None:
    small_county(db_session)
    db_session.execute(text("UPDATE sites SET name = '=Summa(Åre)' WHERE source_id = 'food-1'"))
    plan = plan_export(db_session, ExportRequest("csv", 4326, layers=("food",)))
    data = files.build_bytes(db_session, plan)
    assert plan.file_name.endswith(".zip")  # the CSV with its .csvt
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".csv")]
        rows = list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))
    assert [r["name"] for r in rows] == ["'=Summa(Åre)", "supermarket outside-1"]
    assert rows[0]["municipality_name"] == "Östervik" and rows[1]["municipality_name"] == ""


def test_an_empty_layer_is_a_file_without_rows(db_session: Session, tmp_path: Path) -> None:
    small_county(db_session)
    plan = plan_export(db_session, ExportRequest(layers=("food",), municipality="2401"))
    assert plan.counts == [0]
    steps: list[tuple[float, str]] = []
    path = files.build(db_session, plan, tmp_path, lambda p, s: steps.append((p, s)))
    _meta, table = pyogrio.read_arrow(path)
    assert table.num_rows == 0 and steps == []
