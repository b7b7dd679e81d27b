"""geodata.exporters without a database: every format written and read back with pyogrio
(and ogrinfo where installed), CRS, layer names, field types, and å, ä, ö."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyogrio
import pytest
import shapely

from geodata import exporters as ex

SITES = ex.LayerSchema(
    "platser",
    "Platser – vård och omsorg",
    "Point",
    (
        ex.Field("id", "int"),
        ex.Field("name", "text"),
        ex.Field("hours_unpowered_before", "float", "h_before", "hours"),
        ex.Field("unpowered", "bool"),
        ex.Field("cell_id", "bigint"),
    ),
)
CELLS = ex.LayerSchema(
    "rutor",
    "Rutor: täckning",
    "Polygon",
    (ex.Field("municipality_code", "text", "muni_code"), ex.Field("population", "int")),
)
NAMES = ["Björkgårdens äldreboende", "Ålidhems vårdcentral", None]


def site_batches() -> Iterator[pa.RecordBatch]:
    """Three sites in EPSG:3006 over two batches, with nulls in every field but the id."""
    yield ex.record_batch(
        SITES,
        {
            "id": [1, 2],
            "name": NAMES[:2],
            "hours_unpowered_before": [24.0, None],
            "unpowered": [True, False],
            "cell_id": [7_081_000_751_000, None],
        },
        shapely.to_wkb(shapely.points([751_500, 752_500], [7_081_500, 7_081_500])).tolist(),
    )
    yield ex.record_batch(
        SITES,
        {
            "id": [3],
            "name": NAMES[2:],
            "hours_unpowered_before": [1.5],
            "unpowered": [None],
            "cell_id": [1],
        },
        [shapely.to_wkb(shapely.Point(766_000, 7_085_500))],
    )


def cell_batches() -> Iterator[pa.RecordBatch]:
    boxes = [shapely.box(751_000, 7_081_000, 752_000, 7_082_000), shapely.box(0, 0, 1000, 1000)]
    yield ex.record_batch(
        CELLS,
        {"municipality_code": ["2401", None], "population": [120, 0]},
        shapely.to_wkb(boxes).tolist(),
    )


def layers() -> list[ex.Layer]:
    return [ex.Layer(SITES, site_batches()), ex.Layer(CELLS, cell_batches())]


def test_geopackage_layers_crs_and_field_types(tmp_path: Path) -> None:
    path = ex.write("gpkg", layers(), tmp_path, "vasterbotten_lager_2026-11-26", 3006)
    assert path.name == "vasterbotten_lager_2026-11-26.gpkg"
    assert [list(row) for row in pyogrio.list_layers(path)] == [
        ["platser", "Point"],
        ["rutor", "Polygon"],
    ]
    info = pyogrio.read_info(path, layer="platser")
    assert info["crs"] == "EPSG:3006" and info["features"] == 3
    assert list(info["fields"]) == ["id", "name", "hours_unpowered_before", "unpowered", "cell_id"]
    assert info["ogr_types"] == [
        "OFTInteger",
        "OFTString",
        "OFTReal",
        "OFTInteger",
        "OFTInteger64",
    ]
    assert info["ogr_subtypes"][3] == "OFSTBoolean"
    assert info["layer_metadata"]["IDENTIFIER"] == "Platser – vård och omsorg"
    _meta, _fids, geoms, fields = pyogrio.raw.read(path, layer="platser")
    assert list(fields[1]) == NAMES
    assert list(fields[0]) == [1, 2, 3]
    assert fields[4][0] == 7_081_000_751_000  # 64-bit survives
    assert shapely.from_wkb(geoms[0]).equals(shapely.Point(751_500, 7_081_500))
    cells = pyogrio.read_info(path, layer="rutor")
    assert cells["crs"] == "EPSG:3006" and cells["geometry_type"] == "Polygon"


def test_geopackage_in_wgs84(tmp_path: Path) -> None:
    batch = ex.record_batch(
        CELLS, {"municipality_code": ["2480"], "population": [5]}, [shapely.box(20, 63, 21, 64).wkb]
    )
    path = ex.write("gpkg", [ex.Layer(CELLS, [batch])], tmp_path, "x", 4326)
    assert pyogrio.read_info(path)["crs"] == "EPSG:4326"
    assert pyogrio.read_info(path)["total_bounds"] == (20.0, 63.0, 21.0, 64.0)  # lon, lat


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="ogrinfo (gdal-bin) not installed")
def test_geopackage_opens_in_the_gdal_command_line_tools(tmp_path: Path) -> None:
    """The system's GDAL (possibly older than pyogrio's) reads it without a warning."""
    path = ex.write("gpkg", layers(), tmp_path, "lager", 3006)
    done = subprocess.run(
        ["ogrinfo", "-so", "-al", str(path)], capture_output=True, text=True, check=True
    )
    assert "Warning" not in done.stderr and "ERROR" not in done.stderr
    out = done.stdout
    assert "Layer name: platser" in out and "Layer name: rutor" in out
    assert 'ID["EPSG",3006]' in out
    assert "hours_unpowered_before: Real" in out and "cell_id: Integer64" in out
    assert "unpowered: Integer(Boolean)" in out and "name: String" in out
    assert "IDENTIFIER=Platser – vård och omsorg" in out


def test_geojson_is_rfc7946(tmp_path: Path) -> None:
    batch = ex.record_batch(
        SITES,
        {
            "id": [1],
            "name": ["Östervik"],
            "hours_unpowered_before": [None],
            "unpowered": [False],
            "cell_id": [2],
        },
        [shapely.Point(20.123456789, 63.8).wkb],
    )
    path = ex.write("geojson", [ex.Layer(SITES, [batch])], tmp_path, "platser", 4326)
    assert path.suffix == ".geojson"
    raw = path.read_text(encoding="utf-8")
    assert "Östervik" in raw  # UTF-8, not \u escapes
    document = json.loads(raw)
    assert document["type"] == "FeatureCollection" and "crs" not in document
    feature = document["features"][0]
    assert feature["properties"] == {
        "id": 1,
        "name": "Östervik",
        "hours_unpowered_before": None,
        "unpowered": False,
        "cell_id": 2,
    }
    assert feature["geometry"]["coordinates"] == [20.1234568, 63.8]  # 7 decimals
    assert pyogrio.read_info(path)["crs"] == "EPSG:4326"


def test_geojson_refuses_other_crs(tmp_path: Path) -> None:
    with pytest.raises(ex.ExportError, match="WGS 84"):
        ex.write("geojson", layers(), tmp_path, "x", 3006)


def test_several_geojson_layers_come_zipped(tmp_path: Path) -> None:
    one = ex.record_batch(
        CELLS, {"municipality_code": ["2401"], "population": [3]}, [shapely.box(20, 63, 21, 64).wkb]
    )
    point = ex.record_batch(
        SITES,
        {
            "id": [1],
            "name": ["Åbacka"],
            "hours_unpowered_before": [1.0],
            "unpowered": [True],
            "cell_id": [1],
        },
        [shapely.Point(20.5, 63.5).wkb],
    )
    path = ex.write(
        "geojson", [ex.Layer(SITES, [point]), ex.Layer(CELLS, [one])], tmp_path, "lager", 4326
    )
    assert path.name == "lager.zip"
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["platser.geojson", "rutor.geojson"]
        sites = json.loads(archive.read("platser.geojson"))
    assert sites["features"][0]["properties"]["name"] == "Åbacka"


def _ogrinfo(source: str, *options: str) -> str:
    """ogrinfo's summary of a layer (the test set-up installs gdal-bin)."""
    ogrinfo = shutil.which("ogrinfo")
    assert ogrinfo, "ogrinfo (gdal-bin) is needed"
    done = subprocess.run(
        [ogrinfo, "-ro", "-al", "-so", source, *options],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_csv_with_wkt(tmp_path: Path) -> None:
    path = ex.write("csv", [ex.Layer(SITES, site_batches())], tmp_path, "platser", 3006)
    assert path.name == "platser.zip"
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["platser.csv", "platser.csvt", "platser.prj"]
        data = archive.read("platser.csv")
        types = archive.read("platser.csvt").decode().strip()
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads UTF-8
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == ["WKT", "id", "name", "hours_unpowered_before", "unpowered", "cell_id"]
    assert rows[0]["WKT"] == "POINT (751500 7081500)"
    assert [r["name"] for r in rows] == ["Björkgårdens äldreboende", "Ålidhems vårdcentral", ""]
    assert [r["unpowered"] for r in rows] == ["1", "0", ""]
    # Only what QGIS 3.22 reads too: no WKT, Integer64 or Integer(Boolean) (issue 23); a
    # 64-bit cell id beyond 32 bits is Real (exact), not an overflow in either.
    assert types == "String,Integer,String,Real,Integer,Real"
    source = f"/vsizip/{path}/platser.csv"
    _meta, _fids, geoms, fields = pyogrio.raw.read(source)
    assert list(fields[2][:2]) == NAMES[:2]  # GDAL reads it back, BOM and all
    assert shapely.from_wkb(geoms[0]).equals(shapely.Point(751500, 7081500))  # WKT by name
    summary = _ogrinfo(source)  # the side files give GDAL the CRS and the types
    assert 'ID["EPSG",3006]]' in summary
    for line in (
        "id: Integer",
        "name: String",
        "hours_unpowered_before: Real",
        "unpowered: Integer",
        "cell_id: Real",
    ):
        assert line + " (" in summary


def test_csv_with_x_y_uses_polygon_centroids(tmp_path: Path) -> None:
    path = ex.write(
        "csv", [ex.Layer(CELLS, cell_batches())], tmp_path, "rutor", 3006, csv_geometry="xy"
    )
    with zipfile.ZipFile(path) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("rutor.csv").decode("utf-8-sig"))))
    assert list(rows[0]) == ["X", "Y", "municipality_code", "population"]
    assert rows[0]["municipality_code"] == "2401"
    with zipfile.ZipFile(path) as archive:  # no CoordX
        assert archive.read("rutor.csvt").decode() == "Real,Real,String,Integer\n"
    # GDAL takes X and Y as a point when told their names (QGIS finds them by itself).
    xy = ("-oo", "X_POSSIBLE_NAMES=X", "-oo", "Y_POSSIBLE_NAMES=Y")
    summary = _ogrinfo(f"/vsizip/{path}/rutor.csv", *xy)
    assert 'ID["EPSG",3006]]' in summary and "Geometry: Point" in summary
    # "2401" stays text (without the .csvt GDAL and QGIS read it as the integer 2401)
    assert "municipality_code: String" in summary and "population: Integer" in summary


def test_shapefile_zip_one_set_per_layer_in_utf8(tmp_path: Path) -> None:
    path = ex.write("shp", layers(), tmp_path, "vasterbotten_lager_2026-11-26", 3006)
    assert path.name == "vasterbotten_lager_2026-11-26.zip"
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        for layer in ("platser", "rutor"):
            assert {f"{layer}.{ext}" for ext in ("shp", "shx", "dbf", "prj", "cpg")} <= names
            assert archive.read(f"{layer}.cpg").decode().strip() == "UTF-8"
        assert "SWEREF99" in archive.read("platser.prj").decode()
        mapping = list(csv.DictReader(io.StringIO(archive.read("field_names.csv").decode())))
    assert any(
        m["field"] == "hours_unpowered_before" and m["shapefile_field"] == "h_before"
        for m in mapping
    )
    zipped = f"/vsizip/{path}"
    assert sorted(pyogrio.list_layers(zipped)[:, 0]) == ["platser", "rutor"]
    info = pyogrio.read_info(zipped, layer="platser")
    assert info["crs"] == "EPSG:3006" and info["encoding"] == "UTF-8"
    assert list(info["fields"]) == ["id", "name", "h_before", "unpowered", "cell_id"]
    assert all(len(name) <= 10 for name in info["fields"])
    _meta, _fids, _geoms, fields = pyogrio.raw.read(zipped, layer="platser")
    assert list(fields[1]) == NAMES
    # booleans as integers 1/0 (a DBF logical reaches QGIS as 'T'/'F'), explained
    assert list(fields[3][:2]) == [1, 0] and "unpowered: Integer " in _ogrinfo(zipped)
    assert next(m for m in mapping if m["field"] == "unpowered")["description"] == (ex.DBF_BOOLEAN)
    cells = pyogrio.read_info(zipped, layer="rutor")
    assert list(cells["fields"]) == ["muni_code", "population"]


def test_shapefile_cuts_long_text_at_a_character(tmp_path: Path) -> None:
    long_name = "å" * 200  # 400 bytes in UTF-8; a DBF field holds 254
    batch = ex.record_batch(
        SITES,
        {
            "id": [1],
            "name": [long_name],
            "hours_unpowered_before": [None],
            "unpowered": [None],
            "cell_id": [None],
        },
        [shapely.Point(1, 1).wkb],
    )
    path = ex.write("shp", [ex.Layer(SITES, [batch])], tmp_path, "x", 3006)
    _meta, _fids, _geoms, fields = pyogrio.raw.read(f"/vsizip/{path}")
    assert fields[1][0] == "å" * 127


def test_empty_layers_are_written(tmp_path: Path) -> None:
    for fmt in ("gpkg", "shp"):
        folder = tmp_path / fmt
        folder.mkdir()
        path = ex.write(fmt, [ex.Layer(SITES, [])], folder, "tom", 3006)
        source = f"/vsizip/{path}" if fmt == "shp" else path
        assert pyogrio.read_info(source)["features"] == 0


def test_a_failing_source_keeps_its_error(tmp_path: Path) -> None:
    def broken() -> Iterator[pa.RecordBatch]:
        yield from site_batches()
        raise ConnectionError("PostGIS went away")

    with pytest.raises(ConnectionError, match="PostGIS went away"):
        ex.write("gpkg", [ex.Layer(SITES, broken())], tmp_path, "x", 3006)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ((ex.Field("hours_unpowered", "float"),), "Shapefile name"),
        ((ex.Field("abc", "float", "x"), ex.Field("def", "float", "X")), "not unique"),
        ((ex.Field("a", "decimal"),), "unknown type"),
        ((ex.Field("a", "int", "å"),), "Shapefile name"),
    ],
)
def test_schemas_are_checked(fields: tuple[ex.Field, ...], message: str) -> None:
    with pytest.raises(ex.ExportError, match=message):
        ex.LayerSchema("lager", "Lager", "Point", fields)


def test_field_names_document() -> None:
    text = ex.field_names_csv([SITES])
    assert text.splitlines()[0] == "layer,field,shapefile_field,type,description"
    assert "platser,hours_unpowered_before,h_before,float,hours" in text


def test_csv_cells_that_would_be_formulas_are_text(tmp_path: Path) -> None:
    """CSV injection: text starting with = + - @ (or a tab, a CR) gets an apostrophe, in
    every batch; a negative number in a numeric column stays a number."""
    formulas = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "ok = fine"]

    def batches() -> Iterator[pa.RecordBatch]:
        for names, hours in ((formulas[:3], [-5.0, 1.0, None]), (formulas[3:], [2.0, -0.5, 3.0])):
            yield ex.record_batch(
                SITES,
                {
                    "id": [1, 2, 3],
                    "name": names,
                    "hours_unpowered_before": hours,
                    "unpowered": [True, False, None],
                    "cell_id": [1, 2, 3],
                },
                shapely.to_wkb(shapely.points([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])).tolist(),
            )

    path = ex.write("csv", [ex.Layer(SITES, batches())], tmp_path, "platser", 3006)
    with zipfile.ZipFile(path) as archive:  # a CSV comes zipped with GDAL's side files
        text = archive.read(f"{SITES.name}.csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["name"] for r in rows] == [
        '\'=HYPERLINK("http://x")',
        "'+1+1",
        "'-2+3",
        "'@SUM(A1)",
        "'\tx",
        "ok = fine",
    ]
    assert [r["hours_unpowered_before"] for r in rows] == ["-5", "1", "", "2", "-0.5", "3"]
    assert ex.csv_safe(-5) == -5 and ex.csv_safe("-5") == "'-5" and ex.csv_safe(None) is None
