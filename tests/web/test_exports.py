"""GIS exports over HTTP (resilience/web/exports.py) against a real PostGIS: every format read
back with pyogrio, CRS and filters, run results with gap polygons, the threshold between
direct and background exports, a background export built by a real RQ worker, the audit."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyogrio
import pytest
import shapely
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from rq.job import Job
from rq.serializers import JSONSerializer
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from resilience.config import LOCAL_TZ, Settings
from resilience.models import Export, ExportChunk
from resilience.scenarios import parse_scenario
from resilience.services import energy, exports, run_results, runs, scenarios
from tests.conftest import login
from tests.factories import OUTAGE_ABACKA, TWO_DURATIONS, small_county
from tests.helpers.workers import run_worker
from workers.queue import queue

TODAY = exports.today().isoformat()
SITE_LAYERS = ["vard", "reservkraft", "livsmedel", "energi", "fjarrvarme"]


@pytest.fixture
def county(db_session: Session) -> dict[str, Any]:
    return small_county(db_session)


def _save(response: Any, folder: Path) -> Path:
    """The attachment, saved under the name the server gave it."""
    assert response.status_code == 200, response.text
    disposition = response.headers["Content-Disposition"]
    name = re.search(r'filename="?([^";]+)', disposition).group(1)  # type: ignore[union-attr]
    path = folder / name
    path.write_bytes(response.data)
    response.close()
    return path


def _values(path: str | Path, layer: str | None = None) -> dict[str, list[Any]]:
    meta, _fids, _geoms, fields = pyogrio.raw.read(path, layer=layer)
    return {name: list(values) for name, values in zip(meta["fields"], fields, strict=True)}


def _finished_run(session: Session, document: dict[str, Any] = OUTAGE_ABACKA) -> int:
    scenario = scenarios.create_scenario(session, parse_scenario(document))
    run = runs.start_run(session, scenario)
    runs.compute_run(session, run.id)
    session.commit()
    return run.id


# A road across TWO_DURATIONS' closure (x 755-757 km, y 7,082-7,084 km): three of its five
# segments touch or cross it; a road in Östervik is open.
ROADS_SQL = (
    "INSERT INTO roads (source_id, name, road_class, speed_kmh, geom) VALUES"
    " ('r1', 'Åbackavägen', 'secondary', NULL, ST_GeomFromText('LINESTRING(751000 7083000,"
    "  754500 7083000, 755500 7083000, 756500 7083000, 757500 7083000, 759500 7083000)', 3006)),"
    " ('r2', 'E12', 'primary', 90,"
    "  ST_GeomFromText('LINESTRING(761000 7084000, 768000 7086000)', 3006))"
)


# --- the map layers ---------------------------------------------------------------------


def test_all_layers_as_one_geopackage(
    client: FlaskClient, county: dict[str, Any], tmp_path: Path
) -> None:
    response = client.get("/api/v1/exports/layers?format=gpkg")
    assert response.mimetype == "application/geopackage+sqlite3"
    path = _save(response, tmp_path)
    assert path.name == f"vasterbotten_lager_{TODAY}.gpkg"
    assert [list(r) for r in pyogrio.list_layers(path)] == [
        ["kommuner", "MultiPolygon"],
        ["befolkning", "Polygon"],
        ["vard", "Point"],
        ["reservkraft", "Point"],
        ["livsmedel", "Point"],
        ["energi", "Point"],
        ["fjarrvarme", "Point"],
        ["vagar", "LineString"],
    ]
    counts = {
        name: pyogrio.read_info(path, layer=name)["features"]
        for name, _t in pyogrio.list_layers(path)
    }
    assert counts == {
        "kommuner": 2,
        "befolkning": 3,
        "vard": 1,
        "reservkraft": 1,
        "livsmedel": 2,
        "energi": 1,
        "fjarrvarme": 0,
        "vagar": 0,
    }
    for name in counts:
        assert pyogrio.read_info(path, layer=name)["crs"] == "EPSG:3006"
    care = pyogrio.read_info(path, layer="vard")
    types = dict(zip(care["fields"], care["ogr_types"], strict=True))
    assert types["id"] == "OFTInteger" and types["name"] == "OFTString"
    assert types["residents"] == "OFTInteger" and types["backup_kw"] == "OFTReal"
    assert "capacity_kw" not in types  # the care layer has the care attributes
    assert types["heating"] == types["heat_plant"] == "OFTString"
    assert types["thermal_time_constant_hours"] == "OFTReal"
    food_types = pyogrio.read_info(path, layer="livsmedel")["fields"]
    assert "stock_person_days" in food_types and "thermal_time_constant_hours" not in food_types
    plant_fields = pyogrio.read_info(path, layer="fjarrvarme")["fields"]
    assert {"critical_load_kw", "backup_kw", "fuel_hours"} <= set(plant_fields)
    assert pyogrio.read_info(path, layer="fjarrvarme")["layer_metadata"]["IDENTIFIER"] == (
        "Fjärrvärmeverk"
    )
    assert care["layer_metadata"]["IDENTIFIER"] == "Vård och omsorg"
    assert _values(path, "vard")["name"] == ["Björkgårdens äldreboende"]
    assert _values(path, "vard")["municipality_name"] == ["Åbacka"]
    municipalities = _values(path, "kommuner")
    assert municipalities["name"] == ["Åbacka", "Östervik"]
    assert municipalities["population"] == [150, 55]
    food = _values(path, "livsmedel")
    assert food["municipality_code"] == ["2403", None]  # the shop outside every kommun
    population = pyogrio.read_info(path, layer="befolkning")
    assert population["ogr_types"][0] == "OFTInteger64"
    _meta, _fids, geoms, _fields = pyogrio.raw.read(path, layer="befolkning")
    assert shapely.from_wkb(geoms[0]).equals(shapely.box(751_000, 7_081_000, 752_000, 7_082_000))


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="ogrinfo (gdal-bin) not installed")
def test_the_geopackage_in_ogrinfo(
    client: FlaskClient, county: dict[str, Any], tmp_path: Path
) -> None:
    path = _save(client.get("/api/v1/exports/layers"), tmp_path)  # GeoPackage by default
    done = subprocess.run(
        ["ogrinfo", "-so", "-al", str(path)], capture_output=True, text=True, check=True
    )
    assert "Warning" not in done.stderr
    assert (
        done.stdout.count('ID["EPSG",3006]') == 8
    )  # 5 site layers, municipalities, population, roads
    for layer in ("kommuner", "befolkning", *SITE_LAYERS, "vagar"):
        assert f"Layer name: {layer}" in done.stdout
    assert "shelter_capacity: Integer" in done.stdout and "population: Integer64" in done.stdout


def test_wgs84_and_a_municipality(
    client: FlaskClient, county: dict[str, Any], tmp_path: Path
) -> None:
    path = _save(client.get("/api/v1/exports/layers?crs=EPSG:4326&municipality=2401"), tmp_path)
    assert path.name == f"vasterbotten_lager_abacka_wgs84_{TODAY}.gpkg"
    counts = {}
    for name, _type in pyogrio.list_layers(path):
        info = pyogrio.read_info(path, layer=name)
        assert info["crs"] == "EPSG:4326"
        counts[name] = info["features"]
        if info["features"]:
            minx, miny, maxx, maxy = info["total_bounds"]
            assert 19 < minx <= maxx < 21 and 63 < miny <= maxy < 64.5  # lon, lat
    assert counts == {
        "kommuner": 1,
        "befolkning": 2,
        "vard": 1,
        "reservkraft": 0,
        "livsmedel": 0,
        "energi": 1,
        "fjarrvarme": 0,
        "vagar": 0,
    }


def test_a_category_alone(client: FlaskClient, county: dict[str, Any], tmp_path: Path) -> None:
    path = _save(client.get("/api/v1/exports/layers?category=food&format=gpkg"), tmp_path)
    assert path.name == f"vasterbotten_livsmedel_{TODAY}.gpkg"
    assert [r[0] for r in pyogrio.list_layers(path)] == ["livsmedel"]
    # With layers named, the category keeps only its own site layer among them.
    both = _save(
        client.get("/api/v1/exports/layers?layers=municipalities,care,food&category=food"),
        tmp_path,
    )
    assert both.name == f"vasterbotten_lager_livsmedel_{TODAY}.gpkg"
    assert [r[0] for r in pyogrio.list_layers(both)] == ["kommuner", "livsmedel"]


@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "csv", "shp"])
def test_swedish_letters_survive_every_format(
    client: FlaskClient, county: dict[str, Any], tmp_path: Path, fmt: str
) -> None:
    path = _save(
        client.get(f"/api/v1/exports/layers?format={fmt}&layers=municipalities,care"), tmp_path
    )
    if fmt == "gpkg":
        sources = {layer: (path, layer) for layer in ("kommuner", "vard")}
    else:
        assert path.suffix == ".zip"
        with zipfile.ZipFile(path) as archive:
            members = set(archive.namelist())
            if fmt == "shp":
                for layer in ("kommuner", "vard"):
                    assert archive.read(f"{layer}.cpg") == b"UTF-8"
                    for ext in ("shp", "shx", "dbf", "prj"):
                        assert f"{layer}.{ext}" in members
                assert "field_names.csv" in members
                sources = {layer: (f"/vsizip/{path}", layer) for layer in ("kommuner", "vard")}
            else:
                side = {"csvt", "prj"} if fmt == "csv" else set()  # GDAL's types and CRS
                assert members == {
                    f"{layer}.{ext}" for layer in ("kommuner", "vard") for ext in {fmt, *side}
                }
                sources = {
                    layer: (f"/vsizip/{path}/{layer}.{fmt}", None) for layer in ("kommuner", "vard")
                }
    municipalities = _values(*sources["kommuner"])
    care = _values(*sources["vard"])
    assert list(municipalities["name"]) == ["Åbacka", "Östervik"]
    assert list(care["name"]) == ["Björkgårdens äldreboende"]
    muni_field = "muni_name" if fmt == "shp" else "municipality_name"
    assert list(care[muni_field]) == ["Åbacka"]
    crs = pyogrio.read_info(*sources["vard"])["crs"]
    assert (
        crs
        == {"gpkg": "EPSG:3006", "shp": "EPSG:3006", "geojson": "EPSG:4326", "csv": "EPSG:3006"}[
            fmt
        ]
    )


def test_geojson_is_wgs84_rfc7946(client: FlaskClient, county: dict[str, Any]) -> None:
    response = client.get("/api/v1/exports/layers?format=geojson&layers=care")
    assert response.mimetype == "application/geo+json"
    assert (
        f'filename="vasterbotten_vard_{TODAY}.geojson"' in response.headers["Content-Disposition"]
    )
    document = json.loads(response.data)
    assert "crs" not in document and document["name"] == "vard"
    lon, lat = document["features"][0]["geometry"]["coordinates"]
    assert 19 < lon < 21 and 63 < lat < 64.5
    assert document["features"][0]["properties"]["name"] == "Björkgårdens äldreboende"
    refused = client.get("/api/v1/exports/layers?format=geojson&crs=3006")
    assert refused.status_code == 400 and "RFC 7946" in refused.json["message"]


def test_csv_geometry_as_x_y(client: FlaskClient, county: dict[str, Any]) -> None:
    response = client.get("/api/v1/exports/layers?format=csv&layers=population&geometry=xy")
    assert response.mimetype == "application/zip"  # the CSV and its .csvt and .prj
    assert f"vasterbotten_befolkning_{TODAY}.zip" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        lines = archive.read("befolkning.csv").decode("utf-8-sig").splitlines()
        assert archive.read("befolkning.csvt").decode().strip() == (
            "Real,Real,Integer,Integer,Integer,Integer,Integer,String"  # as QGIS 3.22 reads
        )
    assert lines[0] == "X,Y,id,x_ll,y_ll,cell_size,population,municipality_code"
    x, y, *_rest = lines[1].split(",")
    assert (float(x), float(y)) == (751_500, 7_081_500)  # the cell's centre
    wkt = client.get("/api/v1/exports/layers?format=csv&layers=population")
    with zipfile.ZipFile(io.BytesIO(wkt.data)) as archive:
        first = archive.read("befolkning.csv").decode("utf-8-sig").splitlines()[1]
    assert first.startswith('"POLYGON ((') and "751000 7081000" in first
    assert first.endswith(',"2401"')  # GDAL quotes text that looks like a number


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("format=kml", "unknown format"),
        ("crs=3857", "3006"),
        ("crs=nonsense", "unknown CRS"),
        ("layers=railways", "unknown layers"),
        ("municipality=9999", "unknown municipality"),
        ("category=weapons", "unknown category"),
        ("format=csv&geometry=wkb", "wkt or xy"),
    ],
)
def test_bad_requests(
    client: FlaskClient, county: dict[str, Any], query: str, message: str
) -> None:
    response = client.get(f"/api/v1/exports/layers?{query}")
    assert response.status_code == 400
    assert message in response.json["message"]


def test_exports_need_login(app: Flask, db_session: Session) -> None:
    anonymous = app.test_client()
    assert anonymous.get("/api/v1/exports/layers").status_code == 401
    assert anonymous.post("/api/v1/exports", json={}).status_code == 401
    assert anonymous.get("/exports").status_code == 302


# --- run results ------------------------------------------------------------------------


def test_run_results_with_gap_polygons(
    client: FlaskClient, db_session: Session, county: dict[str, Any], tmp_path: Path
) -> None:
    """Outage over Åbacka: its school, the only warm shelter, goes dark, so all three
    cells lose the shelter (new gaps); food and care are not reachable anywhere in time."""
    run_id = _finished_run(db_session)
    result = run_results.result_document(db_session, run_id)
    response = client.get(f"/api/v1/runs/{run_id}/export?format=gpkg")
    # Named after the run and its scenario ("Avbrott i Åbacka"), not luckor (issue 23).
    name = f"vasterbotten_korning-{run_id}_avbrott-i-abacka_{TODAY}.gpkg"
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"
    )
    path = _save(response, tmp_path)
    assert path.name == name
    assert [list(r) for r in pyogrio.list_layers(path)] == [
        ["platser", "Point"],
        ["rutor", "Polygon"],
        ["kommuner", "MultiPolygon"],
        ["luckor", "MultiPolygon"],
        ["tidslinje", "MultiPolygon"],
        ["stangda_vagar", "LineString"],
    ]
    for name in ("platser", "rutor", "kommuner", "luckor", "tidslinje", "stangda_vagar"):
        assert pyogrio.read_info(path, layer=name)["crs"] == "EPSG:3006"

    sites = _values(path, "platser")
    by_name = dict(zip(sites["name"], sites["hours_unpowered_before"], strict=True))
    assert by_name["Björkgårdens äldreboende"] == 24.0  # no backup; a generator comes later
    assert len(sites["name"]) == len(result["sites"])
    cells = _values(path, "rutor")
    assert len(cells["cell_id"]) == 3 and sum(cells["population"]) == 205
    info = pyogrio.read_info(path, layer="rutor")
    assert dict(zip(info["fields"], info["ogr_subtypes"], strict=True))["shelter_covered"] == (
        "OFSTBoolean"
    )

    summary = _values(path, "kommuner")
    assert summary["name"][:2] == ["Åbacka", "Östervik"]
    assert summary["name"][2] == "Utanför kommunerna" and summary["code"][2] is None
    by_code = {m["code"]: m for m in result["municipalities"]}
    for code, uncovered in zip(summary["code"][:2], summary["uncovered_shelter"][:2], strict=True):
        assert uncovered == by_code[code]["uncovered"]["shelter"]

    # v2: the timeline per hour, each municipality (with its polygon), then the county
    # without geometry last, as in kommuner: QGIS decides from the first rows of a CSV.
    timeline = _values(path, "tidslinje")
    hours = result["timeline"]["hours"]
    assert len(hours) == 24 and timeline["hour"][-24:] == hours
    assert timeline["code"][-24:] == ["county"] * 24 and "county" not in timeline["code"][:-24]
    assert timeline["name"][-1] == "Västerbottens län"
    county_series = result["timeline"]["county"]
    assert timeline["care_sites_unpowered"][-24:] == county_series["care_sites_unpowered"]
    assert timeline["uncovered_shelter"][-24:] == county_series["uncovered"]["shelter"]
    geometries = list(pyogrio.raw.read(path, layer="tidslinje")[2])
    assert all(geometries[:-24]) and not any(geometries[-24:])
    abacka = [i for i, c in enumerate(timeline["code"]) if c == "2401"]
    assert [timeline["residents_unpowered"][i] for i in abacka] == (
        result["timeline"]["municipalities"]["2401"]["residents_unpowered"]
    )
    assert set(timeline["code"]) == {"county", *result["timeline"]["municipalities"]}
    # v2 per site, per cell and per municipality.
    home = sites["name"].index("Björkgårdens äldreboende")
    stored = next(s for s in result["sites"] if s["source_id"] == "care-1")
    assert sites["min_indoor_c"][home] == stored["min_indoor_c"]
    assert sites["unpowered_intervals"][home].startswith("0 ")  # dark from hour 0
    assert "food_stock_days" in summary and "residents_cold" in summary
    assert all(len(bits) == 24 for bits in cells["shelter_uncovered_at"] if bits)
    # v3: each site's D, home-care clients apart and unreachable people, as the document.
    assert sites["outage_hours"][home] == stored["outage_hours"] == 24
    assert [sites["outage_hours"][i] for i, _ in enumerate(sites["name"])] == [
        s["outage_hours"] for s in result["sites"]
    ]
    for code, clients, food in zip(
        summary["code"][:2],
        summary["home_care_clients_unpowered"][:2],
        summary["unreachable_food"][:2],
        strict=True,
    ):
        assert clients == by_code[code]["home_care_clients_unpowered"]
        assert food == by_code[code]["unreachable"]["food"]
    assert (
        timeline["home_care_clients_unpowered"][-24:]  # the county's rows, last
        == (county_series["home_care_clients_unpowered"])
    )
    assert timeline["unreachable_care"][-24:] == county_series["unreachable"]["care"]

    gaps = _values(path, "luckor")
    county_uncovered = result["county"]["uncovered"]
    for service in ("food", "care", "shelter"):
        people = [
            p for s, p in zip(gaps["service"], gaps["population"], strict=True) if s == service
        ]
        assert sum(people) == county_uncovered[service]  # the polygons hold every gap
    assert "Trygghetspunkt" in gaps["service_name"] and "Vård" in gaps["service_name"]
    shelter = [i for i, s in enumerate(gaps["service"]) if s == "shelter" and gaps["new_gap"][i]]
    assert shelter  # the shelter gap is new: the baseline had the school
    _meta, _fids, geoms, _fields = pyogrio.raw.read(path, layer="luckor")
    for i, geom in enumerate(shapely.from_wkb(geoms)):
        assert geom.area == pytest.approx(gaps["area_km2"][i] * 1e6)
        assert gaps["cells"][i] == round(geom.area / 1e6)  # 1 km² cells, dissolved


def test_run_results_filtered_and_as_shapefile(
    client: FlaskClient, db_session: Session, county: dict[str, Any], tmp_path: Path
) -> None:
    run_id = _finished_run(db_session)
    path = _save(
        client.get(
            f"/api/v1/runs/{run_id}/export?format=shp&crs=4326&municipality=2401&category=care"
        ),
        tmp_path,
    )
    assert (
        path.name == f"vasterbotten_korning-{run_id}_avbrott-i-abacka_abacka_vard_wgs84_{TODAY}.zip"
    )
    zipped = f"/vsizip/{path}"
    sites = pyogrio.read_info(zipped, layer="platser")
    assert sites["crs"] == "EPSG:4326" and sites["features"] == 1
    assert "h_before" in list(sites["fields"]) and max(map(len, sites["fields"])) <= 10
    assert pyogrio.read_info(zipped, layer="rutor")["features"] == 2
    summary = _values(zipped, "kommuner")
    assert summary["name"] == ["Åbacka"]
    with zipfile.ZipFile(path) as archive:
        mapping = archive.read("field_names.csv").decode()
    assert "rutor,shelter_minutes_baseline,shel_min_b,float" in mapping
    assert pyogrio.read_info(zipped, layer="tidslinje")["features"] == 24  # Åbacka's hours


@pytest.mark.parametrize("fmt", ["csv", "geojson", "shp"])
def test_the_timeline_table_in_every_format(
    client: FlaskClient, db_session: Session, county: dict[str, Any], tmp_path: Path, fmt: str
) -> None:
    """The county's rows have no geometry; every format still carries them."""
    run_id = _finished_run(db_session)
    path = _save(client.get(f"/api/v1/runs/{run_id}/export?format={fmt}"), tmp_path)
    with zipfile.ZipFile(path) as archive:
        name = next(
            n
            for n in archive.namelist()
            if n.startswith("tidslinje.") and n[-4:] in (".csv", "json", ".shp")
        )
    timeline = _values(f"/vsizip/{path}/{name}")
    assert timeline["code"].count("county") == 24
    assert len(timeline["code"]) == 24 * 3  # the county and both municipalities


@pytest.mark.parametrize(
    ("start", "zero", "back"),
    [
        # Winter time: hour 0 06:00 +01:00, the grid back 24 h later at the same time.
        ("2026-12-07T06:00", "2026-12-07T06:00:00+01:00", "2026-12-08T06:00:00+01:00"),
        # The night summer time begins (02:00 becomes 03:00): hour 1 is 03:00 +02:00, and
        # 24 h after 01:00 is 02:00 the next day.
        ("2026-03-29T01:00", "2026-03-29T01:00:00+01:00", "2026-03-30T02:00:00+02:00"),
    ],
)
def test_every_exported_hour_is_also_a_clock_time(
    client: FlaskClient,
    db_session: Session,
    county: dict[str, Any],
    tmp_path: Path,
    start: str,
    zero: str,
    back: str,
) -> None:
    """Issue 20, item 3: beside every hour field of a run's export, its clock time in
    Swedish time with the offset (ISO 8601), from the run's hour 0 (the scenario's start);
    the result API gives hour 0 as `hour_zero`."""
    run_id = _finished_run(db_session, {**OUTAGE_ABACKA, "start": start})
    document = client.get(f"/api/v1/runs/{run_id}/result").json
    assert document["hour_zero"] == zero
    hour_zero = datetime.fromisoformat(zero)

    def clock(hour: float | None) -> str | None:
        if hour is None or hour != hour:  # pyogrio reads a GeoPackage's null float as NaN
            return None
        at = (hour_zero + timedelta(minutes=round(hour * 60))).astimezone(LOCAL_TZ)
        return at.isoformat(timespec="seconds")

    gpkg = _save(client.get(f"/api/v1/runs/{run_id}/export?format=gpkg"), tmp_path)
    csv_zip = _save(client.get(f"/api/v1/runs/{run_id}/export?format=csv"), tmp_path)
    for path in (gpkg, f"/vsizip/{csv_zip}/tidslinje.csv"):
        layer = "tidslinje" if path == gpkg else None
        timeline = _values(path, layer)
        hours = [float(h) for h in timeline["hour"]]
        assert timeline["at"] == [clock(h) for h in hours]
        assert timeline["at"][-24:][:3] == [clock(0), clock(1), clock(2)]
    if start.startswith("2026-03-29"):
        assert clock(1) == "2026-03-29T03:00:00+02:00"  # summer time began at 02:00

    for path in (gpkg, f"/vsizip/{csv_zip}/platser.csv"):
        sites = _values(path, "platser" if path == gpkg else None)
        rows = [
            dict(zip(sites, values, strict=True)) for values in zip(*sites.values(), strict=True)
        ]
        for row in rows:
            number = {
                k: None if row[k] in (None, "") else float(row[k])
                for k in ("arrival_hours", "first_cold_hour", "outage_hours")
            }
            assert (row["arrival_at"] or None) == clock(number["arrival_hours"])
            assert (row["first_cold_at"] or None) == clock(number["first_cold_hour"])
            assert (row["grid_back_at"] or None) == clock(number["outage_hours"] or None)
            intervals = [float(v) for v in (row["unpowered_intervals"] or "").split()]
            assert (row["power_off_at"] or None) == clock(intervals[0] if intervals else None)
            assert (row["power_back_at"] or None) == clock(intervals[-1] if intervals else None)
        home = next(r for r in rows if r["name"] == "Björkgårdens äldreboende")
        # Dark from hour 0 until the generator arrives (within the first hour), which is
        # when its power is back; the grid is back at 24 h, the next day at the same time.
        assert home["power_off_at"] == zero
        assert home["power_back_at"] == home["arrival_at"] > zero
        assert home["arrival_at"] < clock(1)  # type: ignore[operator]
        assert home["grid_back_at"] == clock(24) == back


def test_run_export_needs_a_finished_run(client: FlaskClient, db_session: Session) -> None:
    small_county(db_session)
    scenario = scenarios.create_scenario(db_session, parse_scenario(OUTAGE_ABACKA))
    run = runs.start_run(db_session, scenario)
    db_session.commit()
    assert client.get(f"/api/v1/runs/{run.id}/export").status_code == 409
    assert client.get("/api/v1/runs/999999/export").status_code == 404
    assert client.get(f"/api/v1/runs/{run.id}/export?layers=roads").status_code == 400


# --- direct or background -----------------------------------------------------------------


def test_large_exports_are_not_built_in_the_request(
    client: FlaskClient, county: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The county has 10 features. The limit decides in exports.plan; the pages read the
    # package's name for it.
    monkeypatch.setattr(exports.plan, "DIRECT_MAX_FEATURES", 5)
    monkeypatch.setattr(exports, "DIRECT_MAX_FEATURES", 5)
    api = client.get("/api/v1/exports/layers?format=shp&municipality=2403")
    assert api.status_code == 200  # Östervik alone has 4 features: small enough
    api.close()
    too_large = client.get("/api/v1/exports/layers?format=shp")
    assert too_large.status_code == 413
    assert too_large.json["details"]["features"] == 10
    assert too_large.json["details"]["background"] == "/api/v1/exports"
    browser = client.get(
        "/api/v1/exports/layers?format=shp", headers={"Accept": "text/html,*/*;q=0.8"}
    )
    assert browser.status_code == 303
    location = browser.headers["Location"]
    assert location.startswith("/exports?") and "large=10" in location and "format=shp" in location
    page = client.get(location)
    assert "10 objekt, fler än 5" in page.text
    assert 'value="shp" selected' in page.text


def _csrf(client: FlaskClient) -> str:
    page = client.get("/exports")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]


def test_the_export_page_form(
    client: FlaskClient, db_session: Session, county: dict[str, Any]
) -> None:
    run_id = _finished_run(db_session)
    page = client.get(f"/exports?run={run_id}")
    assert page.status_code == 200
    assert "Export för GIS" in page.text and "Kartlager" in page.text
    assert f'<option value="{run_id}" selected>' in page.text
    assert 'name="what" value="run" checked' in page.text
    assert "shel_min_b" in page.text  # the Shapefile field names are documented
    refused = client.post("/exports", data={"format": "gpkg", "what": "layers"})
    assert refused.status_code == 403
    token = _csrf(client)
    direct = client.post(
        "/exports",
        data={
            "csrf_token": token,
            "what": "run",
            "run": str(run_id),
            "run_layers": ["gaps"],
            "format": "geojson",
            "layers": ["population"],  # of the other choice: ignored
        },
    )
    assert direct.status_code == 200 and direct.mimetype == "application/geo+json"
    assert json.loads(direct.data)["name"] == "luckor"
    nothing = client.post(
        "/exports", data={"csrf_token": token, "what": "layers", "format": "csv", "crs": "4326"}
    )
    assert nothing.status_code == 400  # the page again, as sent, the problem by the layers
    assert '<span class="field-error" id="export-layers-error">Vad: Välj minst ett lager.' in (
        nothing.text
    )
    assert 'name="layers" value="population" >' in nothing.text  # none checked, as sent
    assert '<option value="csv" selected>' in nothing.text
    assert '<option value="4326" selected>' in nothing.text


def test_links_from_the_run_page_and_the_map(
    client: FlaskClient, db_session: Session, county: dict[str, Any]
) -> None:
    run_id = _finished_run(db_session)
    run_page = client.get(f"/runs/{run_id}").text
    assert f'href="/api/v1/runs/{run_id}/export?format=gpkg"' in run_page
    assert f'href="/api/v1/runs/{run_id}/export?format=shp"' in run_page
    assert f'href="/exports?run={run_id}"' in run_page
    map_page = client.get("/").text
    assert '"layers": "/api/v1/exports/layers"' in map_page and '"page": "/exports"' in map_page
    assert 'href="/exports"' in map_page  # the nav


# --- the audit ------------------------------------------------------------------------------


def test_exports_are_audited_for_admins(
    app: Flask, client: FlaskClient, db_session: Session, county: dict[str, Any], make_user
) -> None:  # type: ignore[no-untyped-def]
    client.get("/api/v1/exports/layers?format=csv&crs=4326&municipality=2401&layers=care").close()
    assert client.get("/api/v1/exports/audit").status_code == 403
    assert client.get("/exports/audit").status_code == 403
    make_user("admin-ada", "admin")
    admin = app.test_client()
    login(admin, "admin-ada")
    entries = admin.get("/api/v1/exports/audit").json["entries"]
    assert len(entries) == 1
    entry = entries[0]
    assert entry["user"] == "viewer-vera" and entry["mode"] == "direct"
    assert {k: entry["request"][k] for k in ("format", "crs", "municipality", "layers")} == {
        "format": "csv",
        "crs": 4326,
        "municipality": "2401",
        "layers": ["care"],
    }
    assert entry["request"]["file"] == f"vasterbotten_vard_abacka_wgs84_{TODAY}.zip"
    assert entry["request"]["features"] == 1
    assert datetime.fromisoformat(entry["at"]) > datetime.now(UTC) - timedelta(minutes=5)
    page = admin.get("/exports/audit")
    assert page.status_code == 200 and "viewer-vera" in page.text and "direkt" in page.text
    # The energy history lists changes, and an export changes nothing.
    assert all(e.action != "export" for e in energy.audit_entries(db_session))


# --- background exports ---------------------------------------------------------------------


@pytest.mark.worker
def test_a_background_export_built_by_a_real_worker(
    app: Flask,
    committed: Session,
    redis_conn: Redis,
    settings: Settings,
    make_token,
    tmp_path: Path,
) -> None:  # type: ignore[no-untyped-def]
    small_county(committed)
    run_id = _finished_run(committed)
    auth = {"Authorization": f"Bearer {make_token('viewer')}"}
    client = app.test_client()

    started = client.post(
        "/api/v1/exports",
        json={"layers": ["population", "care"], "format": "shp", "municipality": "2401"},
        headers=auth,
    )
    assert started.status_code == 202, started.text
    status_url = started.headers["Location"]
    export_id = started.json["id"]
    assert status_url == f"/api/v1/exports/{export_id}"
    assert started.json["status"] == "queued" and started.json["links"]["download"] is None
    run_export = client.post(
        "/api/v1/exports", json={"run": run_id, "format": "gpkg", "crs": 4326}, headers=auth
    )
    assert run_export.status_code == 202
    assert client.get(f"{status_url}/download", headers=auth).status_code == 409

    # The worker runs as on another host: its own var/, nothing shared but PostgreSQL and
    # Redis.
    worker_var = tmp_path / "worker-var"
    worker = run_worker(settings, RESILIENCE_VAR_DIR=str(worker_var))
    assert worker.returncode == 0, worker.stderr[-3000:]
    assert not (worker_var / "exports").exists()
    assert not (Path(settings.var_dir) / "exports").exists()

    status = client.get(status_url, headers=auth).json
    assert status["status"] == "finished", status
    assert status["progress"] == 100 and status["features"] == 3  # 2 cells, 1 care site
    assert status["file_name"] == f"vasterbotten_lager_abacka_{TODAY}.zip"
    assert status["size_bytes"] > 0 and status["expires_at"]
    job = Job.fetch(export_id, connection=redis_conn, serializer=JSONSerializer)
    assert job.meta["progress"] == 100
    download = client.get(status["links"]["download"], headers=auth)
    path = _save(download, tmp_path)
    assert path.name == status["file_name"]
    assert sorted(pyogrio.list_layers(f"/vsizip/{path}")[:, 0]) == ["befolkning", "vard"]
    assert _values(f"/vsizip/{path}", "vard")["name"] == ["Björkgårdens äldreboende"]
    assert download.headers["Content-Length"] == str(status["size_bytes"])
    assert path.stat().st_size == status["size_bytes"]
    pieces = committed.execute(
        select(func.count(), func.sum(func.length(ExportChunk.data))).where(
            ExportChunk.export_id == export_id
        )
    ).one()
    assert tuple(pieces) == (1, status["size_bytes"])  # a small file is a single piece

    run_status = client.get(run_export.headers["Location"], headers=auth).json
    assert run_status["status"] == "finished"
    assert (
        run_status["file_name"]
        == f"vasterbotten_korning-{run_id}_avbrott-i-abacka_wgs84_{TODAY}.gpkg"
    )
    gpkg = _save(client.get(run_status["links"]["download"], headers=auth), tmp_path)
    assert pyogrio.read_info(gpkg, layer="luckor")["crs"] == "EPSG:4326"

    # The same request over the same data is the same export: nothing is built again.
    again = client.post(
        "/api/v1/exports",
        json={"layers": "population,care", "format": "shp", "municipality": "2401"},
        headers=auth,
    )
    assert again.status_code == 202 and again.json["id"] == export_id
    assert again.json["status"] == "finished"
    assert len(queue(settings)) == 0
    listed = client.get("/api/v1/exports", headers=auth).json["exports"]
    assert {r["id"] for r in listed} == {export_id, run_export.json["id"]}
    page = client.get("/exports", headers=auth)
    assert status["file_name"] in page.text and "Ladda ner" in page.text

    modes = [
        e.field
        for e in exports.audit_entries(committed)
        if e.row_id == export_id and e.user_name == "viewer-token"
    ]
    assert sorted(modes) == ["background", "background", "download"]


def test_the_page_starts_a_background_export(
    client: FlaskClient, county: dict[str, Any], redis_conn: Redis, settings: Settings
) -> None:
    response = client.post(
        "/exports",
        data={
            "csrf_token": _csrf(client),
            "what": "layers",
            "layers": ["municipalities"],
            "format": "gpkg",
            "background": "1",
        },
    )
    assert response.status_code == 303
    export_id = re.search(r"job=(export-[0-9a-f]+)", response.headers["Location"]).group(1)  # type: ignore[union-attr]
    assert queue(settings).job_ids == [export_id]
    page = client.get(response.headers["Location"])
    assert f'data-export="{export_id}" class="current"' in page.text
    assert "status-queued" in page.text


def _record(session: Session, **changes: Any) -> dict[str, Any]:
    """A record with a file of three bytes, as a worker leaves it (times as datetimes)."""
    now = datetime.now(UTC)
    record = {
        "id": "export-" + "a" * 24,
        "status": "finished",
        "progress": 100.0,
        "step": None,
        "error": None,
        "request": exports.ExportRequest().to_dict(),
        "description": "GeoPackage EPSG:3006: layers",
        "features": 10,
        "file_name": "vasterbotten_lager_2026-11-25.gpkg",
        "size_bytes": 3,
        "created_by": "anna",
        "created_at": now - timedelta(hours=30),
        "started_at": None,
        "finished_at": now - timedelta(hours=25),
        "expires_at": now - timedelta(hours=1),
        "attempts": 1,
    } | changes
    session.merge(Export(**record))
    session.merge(ExportChunk(export_id=record["id"], seq=0, data=b"abc"))
    session.commit()
    return record


def test_expired_and_lost_exports(
    client: FlaskClient, db_session: Session, redis_conn: Redis, settings: Settings
) -> None:
    fresh = _record(db_session, expires_at=datetime.now(UTC) + timedelta(hours=1))
    assert client.get(f"/api/v1/exports/{fresh['id']}/download").data == b"abc"
    resumed = client.get(f"/api/v1/exports/{fresh['id']}/download", headers={"Range": "bytes=1-"})
    assert resumed.status_code == 206 and resumed.data == b"bc"
    assert resumed.headers["Content-Range"] == "bytes 1-2/3"
    resumed.close()  # as a WSGI server does: the rest of the stream is let go
    expired = _record(db_session)
    status = client.get(f"/api/v1/exports/{expired['id']}").json
    assert status["status"] == "expired" and status["links"]["download"] is None
    assert client.get(f"/api/v1/exports/{expired['id']}/download").status_code == 410
    assert exports.purge_expired(db_session) == 1
    assert client.get(f"/api/v1/exports/{expired['id']}").status_code == 404
    assert client.get(f"/api/v1/exports/{expired['id']}/download").status_code == 404
    assert db_session.scalar(select(func.count()).select_from(ExportChunk)) == 0  # the file too

    lost = _record(
        db_session,
        status="running",
        created_at=datetime.now(UTC) - timedelta(minutes=5),
        expires_at=None,
    )
    status = client.get(f"/api/v1/exports/{lost['id']}").json  # RQ knows no such job
    assert status["status"] == "failed" and "start the export again" in status["error"]
    assert client.get("/api/v1/exports/../../etc/passwd").status_code == 404
    assert client.get("/api/v1/exports/export-nothex").status_code == 404


def test_request_body_errors(client: FlaskClient, county: dict[str, Any]) -> None:
    assert client.post("/api/v1/exports", json=[1, 2]).status_code == 400
    response = client.post("/api/v1/exports", json={"format": "dxf"})
    assert response.status_code == 400 and "unknown format" in response.json["message"]
    assert client.post("/api/v1/exports", json={"run": 999999}).status_code == 404


def test_file_is_served_with_its_media_type(client: FlaskClient, county: dict[str, Any]) -> None:
    response = client.get("/api/v1/exports/layers?format=shp&layers=care")
    assert response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert archive.read("vard.cpg") == b"UTF-8"


def test_roads_in_the_map_export_and_closed_roads_in_a_run_export(
    client: FlaskClient, db_session: Session, county: dict[str, Any], tmp_path: Path
) -> None:
    db_session.execute(text(ROADS_SQL))
    db_session.commit()
    path = _save(client.get("/api/v1/exports/layers?format=gpkg&layers=roads"), tmp_path)
    assert [list(r) for r in pyogrio.list_layers(path)] == [["vagar", "LineString"]]
    roads = _values(path, "vagar")
    assert list(roads["name"]) == ["Åbackavägen", "E12"]
    assert list(roads["road_class"]) == ["secondary", "primary"]
    assert list(roads["speed_kmh"])[1] == 90.0
    csv = zipfile.ZipFile(
        io.BytesIO(client.get("/api/v1/exports/layers?format=csv&layers=roads").data)
    )
    text_csv = next(csv.read(n).decode() for n in csv.namelist() if n.endswith(".csv"))
    assert "LINESTRING" in text_csv and "Åbackavägen" in text_csv
    in_ostervik = client.get("/api/v1/exports/layers?format=gpkg&layers=roads&municipality=2403")
    assert _values(_save(in_ostervik, tmp_path), "vagar")["name"] == ["E12"]

    run_id = _finished_run(db_session, TWO_DURATIONS)
    path = _save(client.get(f"/api/v1/runs/{run_id}/export?format=gpkg"), tmp_path)
    closed = _values(path, "stangda_vagar")
    assert list(closed["name"]) == ["Åbackavägen"] * 3 and list(closed["segment"]) == [2, 3, 4]
    geoms = shapely.from_wkb(pyogrio.raw.read(path, layer="stangda_vagar")[2])
    assert [round(g.length) for g in geoms] == [1000, 1000, 1000]
