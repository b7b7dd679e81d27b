"""QGIS 3.22 exactly (issue 23): it types every field of an OGC API layer from the first
page it reads (`items?limit=10`, through OGR's GeoJSON reader, no schema), saves what it
loads (no map fields), and reads the CSV exports' side files. Checked with GDAL on the
first page as QGIS reads it, ogr2ogr's "Save As" of every layer into every format, the CSV
exports through GDAL's CSV driver with their .csvt, and PyQGIS itself (headless, the system
python3 with python3-qgis) where it is installed.

The data are small_county() with a crowd of care sites that lack a thermal time constant
ahead (by id) of the one that has it, so the first ten by id would leave it null."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pyogrio
import pytest
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from geodata.exporters import Field
from resilience.scenarios import parse_scenario
from resilience.services import exports, imports, ogc, runs, scenarios, users
from resilience.services.exports import RUN_LAYER_IDS, layer_ids
from tests.factories import OUTAGE_ABACKA, box_polygon, ogc_county, site
from tests.helpers.gdal import GDAL_TYPES, field_types, gdal
from tests.helpers.gdal import TOKEN_USER as NAME

# GDAL's tools and PyQGIS as subprocesses, over every collection and export.
pytestmark = pytest.mark.slow
CROWD = 14  # care sites without a thermal time constant, before the one with it
SYSTEM_PYTHON = "/usr/bin/python3"


def _crowded(session: Session) -> None:
    """ogc_county()'s data, but the one care site with a thermal time constant comes after
    CROWD others without, and a newer run over them all is the latest."""
    ogc_county(session)
    session.execute(text("UPDATE sites SET thermal_time_constant_hours = NULL"))
    crowd = [
        site(f"crowd-{i}", "care", "elderly_home", 751_000 + 100 * i, 7_082_000, residents=10)
        for i in range(CROWD)
    ]
    late = site(
        "care-late",
        "care",
        "elderly_home",
        753_500,
        7_083_500,
        residents=30,
        thermal_time_constant_hours=89,
        attributes={"note": "sent last", "beds": 30},
    )
    imports.import_sites(session, [*crowd, late], "test")
    # A closure across Åbackavägen, so that the run's closed roads are a layer with features.
    closed = {**OUTAGE_ABACKA, "road_closures": box_polygon(752_000, 7_083_000, 753_000, 7_085_000)}
    scenario = scenarios.create_scenario(session, parse_scenario(closed))
    runs.compute_run(session, runs.start_run(session, scenario).id)
    session.commit()


def _with_values(session: Session, collection: ogc.Collection) -> list[ogc.Column]:
    """The collection's properties that have a value in some feature."""
    columns = ogc.property_columns(session, collection.view)
    counts = ", ".join(f'count(v."{c.name}")' for c in columns)
    row = session.execute(text(f"SELECT {counts} FROM {collection.view} v")).one()
    return [c for c, n in zip(columns, row, strict=True) if n]


def _expected(column: ogc.Column) -> set[str]:
    return GDAL_TYPES[(column.json_type, column.format)]


# --- 1. and 2.: the first page types every field; attributes are text ----------------------


def test_the_first_page_types_every_field_as_the_schema(
    client: FlaskClient, db_session: Session, tmp_path: Path
) -> None:
    """What QGIS 3.22 does: read items?limit=10 with OGR's GeoJSON reader and type each
    field from those features alone. Every field with a value anywhere gets its schema's
    type, and the pages still hold every feature once."""
    _crowded(db_session)
    care_ids = db_session.execute(
        text("SELECT source_id FROM ogc_sites_care ORDER BY id")
    ).scalars()
    assert list(care_ids).index("care-late") >= 10  # not among the first ten by id
    for collection in ogc.catalog().values():
        response = client.get(f"/ogc/collections/{collection.id}/items?limit=10")
        page = tmp_path / f"{collection.id}.geojson"
        page.write_bytes(response.data)
        types = field_types(str(page), collection.id, env={})
        for column in _with_values(db_session, collection):
            assert types.get(column.name) in _expected(column), (collection.id, column, types)
        assert "String(JSON)" not in types.values()  # no map field in QGIS (item 2)
        # Every feature once over the pages, whatever comes first.
        seen: list[Any] = []
        for offset in range(0, 200, 3):
            features = client.get(
                f"/ogc/collections/{collection.id}/items?limit=3&offset={offset}"
            ).json["features"]
            seen += [f["id"] for f in features]
        stored = db_session.execute(text(f"SELECT id FROM {collection.view}")).scalars()
        assert sorted(seen) == sorted(stored), collection.id

    care = client.get("/ogc/collections/sites-care/items?limit=10").json["features"]
    late = next(f for f in care if f["properties"]["source_id"] == "care-late")
    assert late["properties"]["thermal_time_constant_hours"] == 89.0
    assert json.loads(late["properties"]["attributes"]) == {"note": "sent last", "beds": 30}
    properties = client.get("/ogc/collections/sites-care/schema").json["properties"]
    schema = properties["attributes"]
    assert schema["type"] == "string" and schema["contentMediaType"] == "application/json"
    # Only the category's own columns: a power site's capacity is never a care site's.
    assert "thermal_time_constant_hours" in properties and "capacity_kw" not in properties


# --- Save As of every layer, and every export through GDAL ---------------------------------

SAVE_AS = {"GPKG": "gpkg", "ESRI Shapefile": "shp", "GeoJSON": "geojson", "CSV": "csv"}


def test_gdal_saves_every_layer_in_every_format(
    live_server: str, committed: Session, make_token: Any, tmp_path: Path
) -> None:
    _crowded(committed)
    token = make_token("viewer")
    env = {"GDAL_HTTP_AUTH": "BASIC", "GDAL_HTTP_USERPWD": f"{NAME}:{token}"}
    source = f"OAPIF:{live_server}/ogc"
    for collection in ogc.catalog().values():
        count = committed.execute(text(f"SELECT count(*) FROM {collection.view}")).scalar_one()
        for driver, ext in SAVE_AS.items():
            out = tmp_path / f"{collection.id.replace('-', '_')}.{ext}"
            gdal("ogr2ogr", "-f", driver, str(out), source, collection.id, env=env)
            summary = gdal("ogrinfo", "-ro", "-al", "-so", str(out), env={})
            assert f"Feature Count: {count}" in summary, (collection.id, driver)
        saved = tmp_path / f"{collection.id.replace('-', '_')}.gpkg"
        types = field_types(str(saved), collection.id, {})
        for column in ogc.property_columns(committed, collection.view):
            assert types[column.name] in _expected(column) | {"String(JSON)"}, column


def _csvt_type(field: Field) -> set[str]:
    return {"text": {"String"}, "float": {"Real"}}.get(field.type, {"Integer"})


@pytest.mark.parametrize("geometry", ["wkt", "xy"])
def test_every_csv_export_through_gdal_with_its_side_files(
    client: FlaskClient, db_session: Session, tmp_path: Path, geometry: str
) -> None:
    """Every layer's CSV: GDAL's CSV driver takes every column's type from the .csvt (the
    municipality codes and 0/1 strings as text), the geometry and the CRS."""
    _crowded(db_session)
    run_id = db_session.execute(text("SELECT max(id) FROM runs")).scalar_one()
    for url, ids, sources in (
        ("/api/v1/exports/layers", layer_ids(), exports.layer_sources(None)),
        (f"/api/v1/runs/{run_id}/export", RUN_LAYER_IDS, exports.run_sources(None, None)),
    ):
        response = client.get(f"{url}?format=csv&geometry={geometry}")
        assert response.status_code == 200, response.text
        path = tmp_path / f"{geometry}-{len(ids)}.zip"
        path.write_bytes(response.data)
        with zipfile.ZipFile(path) as archive:
            archive.extractall(tmp_path / path.stem)
        for layer in ids:
            schema = sources[layer].schema
            csv_file = tmp_path / path.stem / f"{schema.name}.csv"
            options = ["-oo", "X_POSSIBLE_NAMES=X", "-oo", "Y_POSSIBLE_NAMES=Y"]
            summary = gdal("ogrinfo", "-ro", "-al", "-so", str(csv_file), *options, env={})
            assert 'ID["EPSG",3006]]' in summary, schema.name
            types = field_types(str(csv_file), schema.name, {})
            for field in schema.fields:
                assert types[field.name] in _csvt_type(field), (schema.name, field)
            assert types.get("WKT", "String") == "String"


GPKG_TYPES = {
    "text": {"String"},
    "int": {"Integer"},
    "bigint": {"Integer64"},
    "float": {"Real"},
    "bool": {"Integer(Boolean)"},
}
PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "text": (str,),
    "int": (int,),
    "bigint": (int,),
    "float": (float,),
    "bool": (bool,),
}


_detected_clock = {"DateTime"}


def _clock(field: Field) -> bool:
    """A clock-time field of a run's layers (issue 20: text, ISO 8601 with the offset)."""
    return field.type == "text" and (field.name == "at" or field.name.endswith("_at"))


@pytest.mark.parametrize("fmt", ["gpkg", "geojson"])
def test_every_export_layer_has_its_schema_types_and_values(
    client: FlaskClient, db_session: Session, tmp_path: Path, fmt: str
) -> None:
    """Every layer of both exports, as GDAL reads it: each field with its schema's type and
    each value of that type (or empty)."""
    _crowded(db_session)
    run_id = db_session.execute(text("SELECT max(id) FROM runs")).scalar_one()
    crs = "&crs=4326" if fmt == "geojson" else ""
    for url, ids, sources in (
        ("/api/v1/exports/layers", layer_ids(), exports.layer_sources(None)),
        (f"/api/v1/runs/{run_id}/export", RUN_LAYER_IDS, exports.run_sources(None, None)),
    ):
        response = client.get(f"{url}?format={fmt}{crs}")
        assert response.status_code == 200, response.text
        path = tmp_path / f"{len(ids)}.{'zip' if fmt == 'geojson' else fmt}"
        path.write_bytes(response.data)
        for layer in ids:
            schema = sources[layer].schema
            source = str(path) if fmt == "gpkg" else f"/vsizip/{path}/{schema.name}.geojson"
            types = field_types(source, schema.name, {})
            _meta, table = pyogrio.read_arrow(source, layer=schema.name)
            features = [{"properties": row} for row in table.to_pylist()]
            assert features, schema.name
            for field in schema.fields:
                if fmt == "gpkg" or any(f["properties"][field.name] is not None for f in features):
                    assert types[field.name] in GPKG_TYPES[field.type] | (
                        {"Integer"} if fmt == "geojson" and field.type == "bigint" else set()
                    ) | (_detected_clock if fmt == "geojson" and _clock(field) else set()), (
                        schema.name,
                        field,
                        types[field.name],
                    )
                for feature in features:
                    value = feature["properties"][field.name]
                    if field.type == "bool" and value is not None:
                        value = bool(value) if fmt == "geojson" and value in (0, 1) else value
                    if fmt == "geojson" and _clock(field) and isinstance(value, datetime):
                        continue  # GDAL reads a GeoJSON's ISO 8601 text as a date and time
                    assert value is None or isinstance(value, PYTHON_TYPES[field.type]), (
                        schema.name,
                        field,
                        value,
                    )


# --- PyQGIS, headless, where the machine has it ---------------------------------------------


def _qgis_missing() -> str | None:
    if not Path(SYSTEM_PYTHON).exists():
        return f"{SYSTEM_PYTHON} is absent"
    done = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0:
        return "PyQGIS is not installed (apt-get install qgis python3-qgis; scripts/setup.sh dev)"
    return None


QGIS_MISSING = _qgis_missing()
needs_qgis = pytest.mark.skipif(QGIS_MISSING is not None, reason=QGIS_MISSING or "")

# Run by the system's python3 (PyQGIS is not in the venv). It prints one JSON document.
QGIS_SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    from qgis.PyQt.QtCore import QVariant
    from qgis.core import (
        Qgis, QgsApplication, QgsCoordinateTransformContext, QgsVectorFileWriter,
        QgsVectorLayer,
    )
    app = QgsApplication([], False)
    app.initQgis()
    job = json.load(open(sys.argv[1]))
    out = {"version": Qgis.QGIS_VERSION, "layers": {}, "csv": {}}

    def save_all(layer, stem):
        saved = {}
        for driver, ext in job["save_as"].items():
            options = QgsVectorFileWriter.SaveVectorOptions()
            options.driverName = driver
            error = QgsVectorFileWriter.writeAsVectorFormatV3(
                layer, os.path.join(job["out"], stem + "." + ext),
                QgsCoordinateTransformContext(), options,
            )
            saved[driver] = [int(error[0]), error[1]]
        return saved

    auth = f"username='{job['user']}' password='{job['token']}'"
    if job.get("authcfg"):  # a Basic configuration in QGIS's authentication database
        from qgis.core import QgsAuthMethodConfig
        manager = QgsApplication.authManager()
        manager.setMasterPassword("test-master-password", True)
        config = QgsAuthMethodConfig("Basic")
        config.setName("Resilienskarta")
        config.setConfig("username", job["user"])
        config.setConfig("password", job["token"])
        manager.storeAuthenticationConfig(config)
        auth = f"authcfg='{config.id()}'"
    for name in job["collections"]:
        uri = f"url='{job['url']}' typename='{name}' {auth}"
        layer = QgsVectorLayer(uri, name, "OAPIF")
        if not layer.isValid():
            out["layers"][name] = {"valid": False}
            continue
        def plain(v):
            if v is None or isinstance(v, QVariant) and v.isNull():
                return None
            return v if isinstance(v, (int, float, str, bool)) else str(v)

        features = [
            {f.name(): plain(v) for f, v in zip(layer.fields(), feature.attributes())}
            for feature in layer.getFeatures()
        ]
        out["layers"][name] = {
            "valid": True,
            "fields": {f.name(): f.typeName() for f in layer.fields()},
            "features": features,
            "saved": save_all(layer, name.replace("-", "_")),
        }
    for name, path in job.get("ogr", {}).items():
        layer = QgsVectorLayer(path, name, "ogr")
        out["csv"][name] = {
            "valid": layer.isValid(),
            "count": layer.featureCount(),
            "fields": {f.name(): f.typeName() for f in layer.fields()},
            "saved": save_all(layer, "ogr_" + name) if layer.isValid() else {},
        }
    for name, path in job["csv"].items():
        kind = "wktField=WKT" if job["geometry"] == "wkt" else "xField=X&yField=Y"
        uri = f"file://{path}?type=csv&delimiter=,&{kind}&crs=EPSG:3006"
        layer = QgsVectorLayer(uri, name, "delimitedtext")
        out["csv"][name] = {
            "valid": layer.isValid(),
            "count": layer.featureCount(),
            "geometries": sum(1 for f in layer.getFeatures() if f.hasGeometry()),
            "fields": {f.name(): f.typeName() for f in layer.fields()},
            "saved": save_all(layer, "csv_" + name) if layer.isValid() else {},
        }
    print(json.dumps(out), flush=True)
    os._exit(0)  # PyQGIS 3.22 may crash tearing itself down; the answer is out already
    """
)
# QGIS's type names of our JSON Schema types (OAPIF) and of our .csvt words.
QGIS_TYPES = {
    ("integer", None): {"Integer", "Integer64", "int", "qlonglong"},
    ("number", None): {"Real", "double"},
    ("boolean", None): {"Boolean", "bool"},
    ("string", None): {"String", "QString"},
    ("string", "date-time"): {"DateTime", "QDateTime"},
}
QGIS_CSV_TYPES = {"text": {"text"}, "float": {"double"}}


def _run_qgis(job: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    script, job_file = tmp_path / "qgis_job.py", tmp_path / "qgis_job.json"
    script.write_text(QGIS_SCRIPT)
    job_file.write_text(json.dumps(job))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))},
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(tmp_path),  # QGIS's profile, settings and network cache: this test's own
        "XDG_RUNTIME_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [SYSTEM_PYTHON, str(script), str(job_file)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@needs_qgis
def test_pyqgis_loads_every_collection_typed_and_saves_it(
    live_server: str, committed: Session, make_token: Any, tmp_path: Path
) -> None:
    """QGIS 3.22's own OAPIF provider, HTTP Basic with the token (as the README says): every
    field with its schema's type and every value as stored; Save As GeoPackage, Shapefile,
    GeoJSON and CSV succeed for every layer."""
    _crowded(committed)
    token = make_token("viewer")
    out = tmp_path / "saved"
    out.mkdir()
    job = {
        "url": f"{live_server}/ogc",
        "user": NAME,
        "token": token,
        "collections": list(ogc.catalog()),
        "save_as": SAVE_AS,
        "out": str(out),
        "csv": {},
        "geometry": "wkt",
    }
    result = _run_qgis(job, tmp_path)
    for collection in ogc.catalog().values():
        loaded = result["layers"][collection.id]
        assert loaded["valid"], collection.id
        columns = ogc.property_columns(committed, collection.view)
        stored = committed.execute(
            text("SELECT " + ", ".join(f'"{c.name}"' for c in columns) + f" FROM {collection.view}")
        ).all()
        assert len(loaded["features"]) == len(stored)
        for column in _with_values(committed, collection):
            assert loaded["fields"][column.name] in QGIS_TYPES[(column.json_type, column.format)], (
                collection.id,
                column,
                loaded["fields"][column.name],
            )
        # The values, compared as sorted multisets per field (QGIS's order is its own).
        for i, column in enumerate(columns):
            if column.format == "date-time":
                continue  # QDateTime as text; its type is checked above
            values = [f[column.name] for f in loaded["features"]]
            expected = [row[i] for row in stored]
            if column.json_text:
                values = [None if v is None else json.loads(v) for v in values]
            key = json.dumps
            assert sorted(map(key, values)) == sorted(map(key, expected)), (collection.id, column)
        for driver, (error, message) in loaded["saved"].items():
            assert error == 0, (collection.id, driver, message)


@needs_qgis
@pytest.mark.parametrize("geometry", ["wkt", "xy"])
def test_pyqgis_adds_every_csv_export_as_a_delimited_text_layer(
    client: FlaskClient, db_session: Session, tmp_path: Path, geometry: str
) -> None:
    """ "Add Delimited Text Layer": QGIS 3.22 honours every .csvt (a municipality code stays
    text, a 0/1 string is not 1.1e+32), finds the geometries, and saves the layer again."""
    _crowded(db_session)
    run_id = db_session.execute(text("SELECT max(id) FROM runs")).scalar_one()
    files: dict[str, str] = {}
    schemas = {}
    for url, ids, sources in (
        ("/api/v1/exports/layers", layer_ids(), exports.layer_sources(None)),
        (f"/api/v1/runs/{run_id}/export", RUN_LAYER_IDS, exports.run_sources(None, None)),
    ):
        response = client.get(f"{url}?format=csv&geometry={geometry}")
        folder = tmp_path / f"csv-{len(ids)}"
        path = folder.with_suffix(".zip")
        path.write_bytes(response.data)
        with zipfile.ZipFile(path) as archive:
            archive.extractall(folder)
        for layer in ids:
            schema = sources[layer].schema
            files[schema.name] = str(folder / f"{schema.name}.csv")
            schemas[schema.name] = schema
    out = tmp_path / "saved"
    out.mkdir()
    job = {
        "collections": [],
        "save_as": SAVE_AS,
        "out": str(out),
        "csv": files,
        "geometry": geometry,
        **{"url": "", "user": "", "token": ""},
    }
    result = _run_qgis(job, tmp_path)
    for name, loaded in result["csv"].items():
        schema = schemas[name]
        assert loaded["valid"], name
        for field in schema.fields:
            assert loaded["fields"][field.name] in QGIS_CSV_TYPES.get(field.type, {"integer"}), (
                name,
                field,
                loaded["fields"][field.name],
            )
        assert loaded["geometries"] > 0, name
        for driver, (error, message) in loaded["saved"].items():
            assert error == 0, (name, driver, message)
    timeline = result["csv"]["tidslinje"]
    assert timeline["geometries"] < timeline["count"]  # the county's rows, last, have none


@needs_qgis
def test_pyqgis_opens_the_geopackage_and_geojson_exports_and_saves_them(
    client: FlaskClient, db_session: Session, tmp_path: Path
) -> None:
    """Every exported layer opens in QGIS 3.22 without a map field and saves again in every
    format (attributes is text in GeoJSON too, not a nested object)."""
    _crowded(db_session)
    run_id = db_session.execute(text("SELECT max(id) FROM runs")).scalar_one()
    layers: dict[str, str] = {}
    for url, ids, sources in (
        ("/api/v1/exports/layers", layer_ids(), exports.layer_sources(None)),
        (f"/api/v1/runs/{run_id}/export", RUN_LAYER_IDS, exports.run_sources(None, None)),
    ):
        gpkg = tmp_path / f"{len(ids)}.gpkg"
        gpkg.write_bytes(client.get(f"{url}?format=gpkg").data)
        zipped = tmp_path / f"{len(ids)}.zip"
        zipped.write_bytes(client.get(f"{url}?format=geojson&crs=4326").data)
        with zipfile.ZipFile(zipped) as archive:
            archive.extractall(tmp_path / f"geojson-{len(ids)}")
        for layer in ids:
            name = sources[layer].schema.name
            layers[f"gpkg-{name}"] = f"{gpkg}|layername={name}"
            layers[f"geojson-{name}"] = str(tmp_path / f"geojson-{len(ids)}" / f"{name}.geojson")
    out = tmp_path / "saved"
    out.mkdir()
    job = {
        "collections": [],
        "save_as": SAVE_AS,
        "out": str(out),
        "csv": {},
        "ogr": layers,
        "geometry": "wkt",
        **{"url": "", "user": "", "token": ""},
    }
    result = _run_qgis(job, tmp_path)
    assert set(result["csv"]) == set(layers)
    for name, loaded in result["csv"].items():
        assert loaded["valid"] and loaded["count"] > 0, name
        assert "QVariantMap" not in loaded["fields"].values(), (name, loaded["fields"])
        for driver, (error, message) in loaded["saved"].items():
            assert error == 0, (name, driver, message)


@needs_qgis
def test_pyqgis_with_a_basic_configuration_and_no_cache_after_revoking(
    live_server: str, committed: Session, make_token: Any, tmp_path: Path
) -> None:
    """The README's way, a Basic configuration in QGIS's authentication database, loads
    the layer; once the token is revoked the same QGIS profile no longer opens it. (Headless
    QGIS here did not reuse its disk cache even without `no-store`, so this does not prove
    the header; tests/web/test_hardening.py checks that every protected answer has it.)"""
    _crowded(committed)
    token = make_token("viewer")
    out = tmp_path / "saved"
    out.mkdir()
    job = {
        "url": f"{live_server}/ogc",
        "user": NAME,
        "token": token,
        "authcfg": True,
        "collections": ["sites-care"],
        "save_as": {},
        "out": str(out),
        "csv": {},
        "geometry": "wkt",
    }
    first = _run_qgis(job, tmp_path)["layers"]["sites-care"]
    assert first["valid"] and len(first["features"]) == CROWD + 2
    assert first["fields"]["thermal_time_constant_hours"] in QGIS_TYPES[("number", None)]
    assert users.revoke_tokens(committed, NAME) == 1
    committed.commit()
    again = _run_qgis(job, tmp_path)["layers"]["sites-care"]
    assert not again["valid"] or not again.get("features"), again


@needs_qgis
def test_pyqgis_given_the_service_root_finds_the_layers(
    live_server: str, committed: Session, make_token: Any, tmp_path: Path
) -> None:
    """A planner who types the map's address instead of /ogc: with the right token QGIS is
    sent on to /ogc (an absolute 307) and loads the layer; with a wrong one it is refused
    (401), never 'Protocol "" is unknown'."""
    _crowded(committed)
    token = make_token("viewer")
    job = {
        "url": f"{live_server}/",
        "user": NAME,
        "token": token,
        "collections": ["sites-care"],
        "save_as": {},
        "out": str(tmp_path),
        "csv": {},
        "geometry": "wkt",
    }
    loaded = _run_qgis(job, tmp_path)["layers"]["sites-care"]
    assert loaded["valid"] and len(loaded["features"]) == CROWD + 2
    wrong = _run_qgis({**job, "token": "x" * 43}, tmp_path)["layers"]["sites-care"]
    assert not wrong["valid"]


def test_qgis_is_there_or_the_tests_say_why() -> None:
    """Where PyQGIS is absent the QGIS tests skip with the reason; gdal-bin is always
    needed."""
    assert shutil.which("ogrinfo") and shutil.which("ogr2ogr")
    assert QGIS_MISSING is None or "python3-qgis" in QGIS_MISSING or "absent" in QGIS_MISSING
