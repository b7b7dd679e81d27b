"""File readers: real SCB and OSM files from shared/data, and small files made here.

Pure tests: no database. Every refused input is checked for the place ("line 3",
"feature 2") and the field that the error names, as the person fixing the file reads it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyogrio
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import MultiPolygon

from geodata.loaders import MAX_BYTES, LoadResult, read_boundaries, read_population, read_sites
from geodata.records import ImportValidationError
from resilience.crs import transformer
from resilience.vocabulary import SWEREF99TM, WGS84

DATA = Path(__file__).parents[2].parent / "shared" / "data"
needs_data = pytest.mark.skipif(
    not DATA.is_dir(), reason=f"shared test data not found at {DATA} (outside the repository)"
)
KOMMUNER_WGS84 = DATA / "boundaries" / "vasterbotten_kommuner_scb.geojson"
KOMMUNER_SWEREF = DATA / "boundaries" / "vasterbotten_kommuner_lan_scb_sweref99tm.geojson"
HEALTH_OSM = DATA / "pois" / "vasterbotten_health_facilities_hotosm_2020.geojson"

UMEA_LONLAT = (20.2630, 63.8258)  # Umeå centre
UMEA_XY = (759_000.0, 7_082_000.0)  # about the same place in SWEREF 99 TM


def refused(read: Callable[..., Any], *args: Any, **kwargs: Any) -> str:
    """The error text of a refused import (what the user sees)."""
    with pytest.raises(ImportValidationError) as info:
        read(*args, **kwargs)
    return str(info.value)


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def feature(geometry: dict[str, Any] | None, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def point(x: float, y: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [x, y]}


def square(x: float, y: float, size: float = 1000, height: float | None = None) -> dict[str, Any]:
    h = size if height is None else height
    ring = [[x, y], [x + size, y], [x + size, y + h], [x, y + h], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def collection(features: list[dict[str, Any]], crs: str | None = None) -> str:
    doc: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(doc, ensure_ascii=False)


def care(source_id: Any, name: str = "Vårdcentral", **extra: Any) -> dict[str, Any]:
    return {
        "source_id": source_id,
        "name": name,
        "category": "care",
        "kind": "health_centre",
        **extra,
    }


# --- real files ----------------------------------------------------------------------------


@needs_data
def test_scb_boundaries_agree_between_wgs84_and_native_sweref() -> None:
    wgs84 = read_boundaries(KOMMUNER_WGS84)
    sweref = read_boundaries(KOMMUNER_SWEREF)

    assert (wgs84.crs, sweref.crs) == (WGS84, SWEREF99TM)  # the latter from its crs member
    assert wgs84.format == sweref.format == "geojson"
    a = {r.code: r for r in wgs84.records}
    b = {r.code: r for r in sweref.records}
    assert len(a) == 15
    assert a.keys() == b.keys()
    assert {"2480", "2463", "2460"} <= a.keys()
    assert {code: r.name for code, r in a.items()} == {code: r.name for code, r in b.items()}
    assert a["2480"].name == "Umeå" and a["2463"].name == "Åsele" and a["2460"].name == "Vännäs"
    for code, record in a.items():
        assert isinstance(record.geom, MultiPolygon) and record.geom.is_valid
        assert record.geom.area == pytest.approx(b[code].geom.area, rel=0.005)
    # The län polygon travels along in the native file: skipped, with the reason and field.
    assert wgs84.skipped == []
    [county] = sweref.skipped
    assert county.where == "feature 16" and county.field == "kommun_kod"
    assert "county" in county.message


@needs_data
def test_explicit_crs_overrides_the_crs_member() -> None:
    message = refused(read_boundaries, KOMMUNER_SWEREF, crs="EPSG:4326")
    assert "feature 1, field 'geometry'" in message
    assert "fall outside Sweden in EPSG:4326" in message


@needs_data
def test_osm_health_facilities_map_clinics_and_skip_pharmacies() -> None:
    result = read_sites(HEALTH_OSM, profile="osm")

    kinds = [(r.category, r.kind) for r in result.records]
    assert kinds.count(("care", "hospital")) == 2
    assert kinds.count(("care", "health_centre")) == 16 + 3  # clinics and doctors
    assert len(result.records) == 21
    reasons = [s.message for s in result.skipped]
    assert len(reasons) == 25 + 11
    assert sum("pharmacy" in r for r in reasons) == 25
    assert sum("dentist" in r for r in reasons) == 11
    assert all(s.field == "amenity" and s.where.startswith("feature ") for s in result.skipped)

    ids = [r.source_id for r in result.records]
    assert len(set(ids)) == len(ids) and all(i.startswith("osm-node-") for i in ids)
    by_name = {r.name: r for r in result.records}
    assert "Hälsocentral Vindeln" in by_name
    vindeln = by_name["Hälsocentral Vindeln"]
    assert vindeln.attributes["amenity"] == "doctors"
    assert 700_000 < vindeln.x < 760_000 and 7_100_000 < vindeln.y < 7_150_000
    assert json.dumps([r.attributes for r in result.records], allow_nan=False)


@needs_data
def test_osm_file_without_profile_says_to_pass_one() -> None:
    message = refused(read_sites, HEALTH_OSM)
    assert "file, field 'category'" in message
    assert "--profile osm" in message and "--category/--kind" in message


# --- GeoJSON -------------------------------------------------------------------------------


def test_geojson_sites_with_numbers_owner_and_attributes(tmp_path: Path) -> None:
    features = [
        feature(
            point(*UMEA_LONLAT),
            source_id=17,
            name="Ålidhems vårdcentral",
            category="Care",
            kind="health_centre",
            residents="12.0",
            backup_kw=40.5,
            fuel_hours=None,
            priority=3,
            operator="Region Västerbotten",
            score=float("nan"),
            source="region",
        ),
        feature(
            {"type": "MultiPoint", "coordinates": [[20.3, 63.8]]},
            source_id="s-2",
            name="Skolan",
            category="energy",
            kind="school",
            owner="municipality",
            shelter_capacity=200,
            heated_area_m2="",
        ),
    ]
    # json.dumps writes the NaN literal, which Python's json (and GDAL) read back.
    result = read_sites(write(tmp_path, "sites.geojson", collection(features)))

    first, second = result.records
    assert (first.source_id, first.category, first.kind) == ("17", "care", "health_centre")
    assert first.name == "Ålidhems vårdcentral"
    assert first.numbers["residents"] == 12 and isinstance(first.numbers["residents"], int)
    assert first.numbers["backup_kw"] == 40.5 and first.numbers["fuel_hours"] is None
    assert first.numbers["priority"] == 3 and first.source == "region"
    assert first.attributes == {"operator": "Region Västerbotten", "score": None}
    x, y = transformer(WGS84, SWEREF99TM).transform(*UMEA_LONLAT)
    assert (first.x, first.y) == pytest.approx((x, y), abs=1e-6)
    assert second.owner == "municipality" and second.numbers["shelter_capacity"] == 200
    assert second.numbers["heated_area_m2"] is None
    assert result.crs == WGS84 and result.skipped == []


def test_single_feature_with_short_crs_member(tmp_path: Path) -> None:
    doc = feature(point(*UMEA_XY), **care("a"))
    doc["crs"] = {"type": "name", "properties": {"name": "EPSG:3006"}}
    result = read_sites(write(tmp_path, "one.json", json.dumps(doc)))
    assert result.crs == SWEREF99TM
    assert (result.records[0].x, result.records[0].y) == UMEA_XY


def test_bytes_are_sniffed_as_geojson() -> None:
    data = collection([feature(point(*UMEA_XY), **care("a"))], crs="EPSG:3006").encode()
    result = read_sites(data)
    assert result.format == "geojson" and len(result.records) == 1


def test_malformed_json_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.geojson", '{"type": "FeatureCollection",\n  "features": [,]}')
    with pytest.raises(ImportValidationError) as info:
        read_sites(path)
    [error] = info.value.errors
    assert error.where == "line 2 column 16"
    assert "malformed JSON" in error.message


def test_metres_declared_as_wgs84_suggest_sweref(tmp_path: Path) -> None:
    # No crs member: RFC 7946 says WGS 84, but these are SWEREF 99 TM metres.
    text = collection([feature(point(*UMEA_XY), **care("a"))])
    message = refused(read_sites, write(tmp_path, "metres.geojson", text))
    assert "feature 1, field 'geometry'" in message
    assert "coordinates (759000, 7082000) fall outside Sweden in EPSG:4326" in message
    assert "try --crs EPSG:3006" in message


def test_swapped_lat_lon_is_named(tmp_path: Path) -> None:
    lat_first = point(UMEA_LONLAT[1], UMEA_LONLAT[0])
    text = collection([feature(point(*UMEA_LONLAT), **care("a")), feature(lat_first, **care("b"))])
    with pytest.raises(ImportValidationError) as info:
        read_sites(write(tmp_path, "swapped.geojson", text))
    [error] = info.value.errors
    assert (error.where, error.field) == ("feature 2", "geometry")
    assert "latitude and longitude look swapped" in error.message


def test_nan_coordinates_are_refused(tmp_path: Path) -> None:
    text = collection([feature(point(*UMEA_XY), **care("a"))], crs="EPSG:3006")
    text = text.replace("759000.0", "NaN")  # Python's json reads the NaN literal
    message = refused(read_sites, write(tmp_path, "nan.geojson", text))
    assert "feature 1, field 'geometry': coordinates are not finite" in message


def test_site_field_errors_are_all_listed(tmp_path: Path) -> None:
    at = point(*UMEA_LONLAT)
    features = [
        feature(at, **care("a", capacity_kw=-5)),
        feature(at, **care("b", residents="12.5")),
        feature(at, **care("c", category="hospital")),
        feature(at, **care("d", kind="pharmacy")),
        feature(at, **care("a")),
        feature(at, **care(None)),
        feature(at, **care("g", priority=9, owner="kommunen")),
        feature({"type": "LineString", "coordinates": [[20, 64], [20.1, 64]]}, **care("h")),
        feature(None, **care("i", name="")),
        feature(at, **care(True)),
    ]
    with pytest.raises(ImportValidationError) as info:
        read_sites(write(tmp_path, "bad.geojson", collection(features)))
    got = {(e.where, e.field): e.message for e in info.value.errors}
    assert "negative" in got["feature 1", "capacity_kw"]
    assert "not a whole number" in got["feature 2", "residents"]
    assert "unknown category 'hospital'" in got["feature 3", "category"]
    assert "unknown kind 'pharmacy' for care" in got["feature 4", "kind"]
    assert "duplicate source_id 'a' (first at feature 1)" in got["feature 5", "source_id"]
    assert "missing" in got["feature 6", "source_id"]
    assert "1 (highest) to 8" in got["feature 7", "priority"]
    assert "unknown owner 'kommunen'" in got["feature 7", "owner"]
    assert "expected a Point, got a LineString" in got["feature 8", "geometry"]
    assert "missing geometry" in got["feature 9", "geometry"]
    assert "missing" in got["feature 9", "name"]
    assert "expected text" in got["feature 10", "source_id"]
    assert len(got) == len(info.value.errors) == 12
    assert "feature 1, field 'capacity_kw'" in str(info.value)


def test_missing_source_id_column_is_one_error(tmp_path: Path) -> None:
    rows = [feature(point(*UMEA_LONLAT), name="X", category="food", kind="grocery")] * 3
    with pytest.raises(ImportValidationError) as info:
        read_sites(write(tmp_path, "noid.geojson", collection(rows)))
    [error] = info.value.errors
    assert (error.where, error.field) == ("file", "source_id")


def test_osm_profile_defaults_and_unnamed_features(tmp_path: Path) -> None:
    features = [
        feature(point(20.3, 63.8), osm_id=1, osm_type="node", shop="supermarket", name="ICA"),
        feature(point(20.3, 63.8), **{"@id": "way/2", "amenity": "clinic"}),
        feature(point(20.3, 63.8), osm_id=3, amenity="social_facility", name="Solgården"),
        feature(point(20.3, 63.8), osm_id=4, name="Okänt"),  # no tags: the defaults apply
        feature(point(20.3, 63.8), osm_id=5, amenity="dentist;pharmacy", name="Tandläkare"),
    ]
    path = write(tmp_path, "osm.geojson", collection(features))
    result = read_sites(path, profile="osm", defaults={"category": "food", "kind": "warehouse"})

    got = {r.source_id: (r.category, r.kind, r.name) for r in result.records}
    assert got == {
        "osm-node-1": ("food", "supermarket", "ICA"),
        "osm-way-2": ("care", "health_centre", "health centre osm-way-2"),
        "osm-3": ("care", "elderly_home", "Solgården"),
        "osm-4": ("food", "warehouse", "Okänt"),
    }
    [skip] = result.skipped
    assert (skip.where, skip.field) == ("feature 5", "amenity") and "dentist" in skip.message
    assert any("unnamed" in note for note in result.notes)


def test_bad_defaults_and_profile_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "s.geojson", collection([]))
    assert "defaults, field 'kind'" in refused(
        read_sites, path, defaults={"category": "care", "kind": "school"}
    )
    assert "defaults, field 'colour'" in refused(read_sites, path, defaults={"colour": "red"})
    assert "profile: unknown profile 'overpass'" in refused(read_sites, path, profile="overpass")


def test_size_limit_is_checked_before_parsing(tmp_path: Path) -> None:
    path = write(tmp_path, "big.geojson", "{" + " " * 5000)  # malformed, but never parsed
    message = refused(read_sites, path, max_bytes=1000)
    assert "file: the file is 5001 bytes, more than the limit of 1000 bytes" in message
    # Without max_bytes, the default limit applies: a (sparse) file one byte over it is
    # refused from its size alone, never read.
    huge = tmp_path / "huge.geojson"
    with huge.open("wb") as stream:
        stream.truncate(MAX_BYTES + 1)
    assert "more than the limit of" in refused(read_sites, huge)


def test_unreadable_files_are_one_clear_error(tmp_path: Path) -> None:
    assert "file: cannot read" in refused(read_sites, tmp_path / "absent.geojson")
    assert "file: the file is empty" in refused(read_sites, write(tmp_path, "e.csv", ""))
    latin1 = collection([feature(None, name="Umeå")]).encode("latin-1")
    assert "file: GeoJSON must be UTF-8" in refused(read_sites, write(tmp_path, "l.json", latin1))
    polygon = write(tmp_path, "p.geojson", json.dumps(square(*UMEA_XY)))
    assert "expected a GeoJSON FeatureCollection or Feature, got type 'Polygon'" in refused(
        read_sites, polygon
    )
    assert "crs argument: unknown CRS" in refused(read_sites, polygon, crs="EPSG:999999")


# --- boundaries ----------------------------------------------------------------------------


def test_bow_tie_and_wrong_type_boundaries(tmp_path: Path) -> None:
    x, y = UMEA_XY
    bow_tie = [[x, y], [x + 1000, y + 1000], [x + 1000, y], [x, y + 1000], [x, y]]
    features = [
        feature({"type": "Polygon", "coordinates": [bow_tie]}, KnKod="2480", KnNamn="Umeå"),
        feature(point(x, y), KnKod="2481", KnNamn="Lycksele"),
        feature(square(x, y), KnKod="248", KnNamn="Fel"),
        feature(square(x, y), KnKod="2480", KnNamn="Umeå igen"),
    ]
    text = collection(features, crs="urn:ogc:def:crs:EPSG::3006")
    with pytest.raises(ImportValidationError) as info:
        read_boundaries(write(tmp_path, "b.geojson", text))
    got = {(e.where, e.field): e.message for e in info.value.errors}
    assert "invalid polygon: Self-intersection" in got["feature 1", "geometry"]
    assert "expected a Polygon or MultiPolygon, got a Point" in got["feature 2", "geometry"]
    assert "'248' is not a 4-digit kommun code" in got["feature 3", "KnKod"]
    assert "duplicate kommun code '2480' (first at feature 1)" in got["feature 4", "KnKod"]


def test_boundary_polygon_becomes_multipolygon_and_codes_are_text(tmp_path: Path) -> None:
    features = [feature(square(*UMEA_XY, 5000), code=114, name="Upplands Väsby")]
    text = collection(features, crs="EPSG:3006")
    [record] = read_boundaries(write(tmp_path, "b.json", text)).records
    assert record.code == "0114" and isinstance(record.geom, MultiPolygon)
    assert record.geom.area == 25e6


def test_polygon_made_invalid_by_reprojection_is_repaired(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Valid in the file, self-touching once transformed: repaired and noted, not refused.
    The transform is replaced: real artefacts depend on PROJ's rounding, so are hard to make."""
    ring = [(0, 0), (1000, 0), (1000, 1000), (500, 501), (0, 1000), (500, 499), (0, 0)]
    almost = {"type": "Polygon", "coordinates": [[[20 + a / 1e5, 64 + b / 1e5] for a, b in ring]]}
    x, y = UMEA_XY
    # The two inner vertices meet after "reprojection": the ring touches itself there.
    pinched = shapely.Polygon([(x + a, y + (500 if a == 500 else b)) for a, b in ring])
    assert shapely.is_valid(shapely.geometry.shape(almost)) and not pinched.is_valid
    monkeypatch.setattr(
        "geodata.loaders.sources.to_sweref",
        lambda geoms, src: np.array([MultiPolygon([pinched])] * len(geoms), dtype=object),
    )
    features = [feature(almost, code="2480", name="Umeå")]
    result = read_boundaries(write(tmp_path, "b.geojson", collection(features)))
    [record] = result.records
    assert record.geom.is_valid and record.geom.area == pytest.approx(pinched.area)
    [note] = result.notes
    assert note.startswith("feature 1: repaired with make_valid after reprojection")


def test_boundaries_refuse_csv(tmp_path: Path) -> None:
    path = write(tmp_path, "b.csv", "code,name,x,y\n2480,Umeå,759000,7082000\n")
    assert "file: boundaries need polygon geometry" in refused(read_boundaries, path)


# --- CSV -----------------------------------------------------------------------------------

SITE_COLUMNS = "source_id,name,category,kind"


def test_csv_lon_lat(tmp_path: Path) -> None:
    text = f"{SITE_COLUMNS},lon,lat,backup_kw\n1,Vännäs vc,care,health_centre,19.75,63.91,20\n"
    result = read_sites(write(tmp_path, "s.csv", text))
    [record] = result.records
    assert result.crs == WGS84 and result.format == "csv"
    assert record.source_id == "1" and record.numbers["backup_kw"] == 20
    assert "lon" not in record.attributes and record.attributes == {}


def test_csv_x_y_with_a_stated_crs(tmp_path: Path) -> None:
    rt90_x, rt90_y = transformer(SWEREF99TM, 3021).transform(*UMEA_XY)  # RT 90 2.5 gon V
    text = f"{SITE_COLUMNS},x,y\na,Umeå,food,supermarket,{rt90_x:.3f},{rt90_y:.3f}\n"
    path = write(tmp_path, "rt90.csv", text)
    result = read_sites(path, crs="EPSG:3021")
    assert result.crs == 3021
    assert (result.records[0].x, result.records[0].y) == pytest.approx(UMEA_XY, abs=0.01)
    # Without --crs these numbers are not SWEREF 99 TM in Sweden: the file is refused.
    message = refused(read_sites, path)
    assert "file, field 'x/y'" in message and "pass --crs" in message


def test_csv_x_y_that_look_like_sweref_need_no_crs(tmp_path: Path) -> None:
    text = f"{SITE_COLUMNS},x,y\na,Umeå,food,grocery,759000,7082000\n"
    result = read_sites(write(tmp_path, "s.csv", text))
    assert result.crs == SWEREF99TM and any("EPSG:3006" in n for n in result.notes)


def test_semicolon_csv_with_bom_swedish_letters_and_decimal_comma(tmp_path: Path) -> None:
    text = (
        "source_id;name;category;kind;lat;lon;fuel_hours;kommentar\r\n"
        "ä-1;Åsele äldreboende;care;elderly_home;64,16;17,35;12,5;Öppet dygnet runt\r\n"
    )
    path = write(tmp_path, "s.csv", "\ufeff".encode() + text.encode("utf-8"))
    [record] = read_sites(path).records
    assert record.source_id == "ä-1" and record.name == "Åsele äldreboende"
    assert record.numbers["fuel_hours"] == 12.5
    assert record.attributes == {"kommentar": "Öppet dygnet runt"}


def test_csv_numbers_as_pages_print_them(tmp_path: Path) -> None:
    """Numeric columns take what the pages print: groups of three with a (no-break) space,
    a decimal comma, the minus sign; an ambiguous group is refused with its line."""
    text = (
        "source_id;name;category;kind;lat;lon;capacity_kw;fuel_hours\r\n"
        "g-1;Gen;power;mobile_generator;63,8258;20,263;1\u00a0250;12,5\r\n"
        "g-2;Gen;power;mobile_generator;63.8258;\u221220,263;250 000;1 234,5\r\n"
    )
    path = write(tmp_path, "s.csv", text)
    with pytest.raises(ImportValidationError) as info:
        read_sites(path)
    got = {(e.where, e.field) for e in info.value.errors}
    assert got == {("line 3", "lon/lat")}  # −20,263 is a number, west of Sweden
    fixed = text.replace("\u221220,263", "20,263")
    first, second = read_sites(write(tmp_path, "t.csv", fixed)).records
    assert first.numbers["capacity_kw"] == 1250 and first.numbers["fuel_hours"] == 12.5
    assert second.numbers["capacity_kw"] == 250_000 and second.numbers["fuel_hours"] == 1234.5
    bad = fixed.replace("250 000", "12 34")
    with pytest.raises(ImportValidationError) as info:
        read_sites(write(tmp_path, "u.csv", bad))
    [error] = info.value.errors
    assert (error.where, error.field) == ("line 3", "capacity_kw")
    assert "grouped by three" in error.message


def test_excel_cp1252_csv_is_read_and_noted(tmp_path: Path) -> None:
    text = (
        "sep=;\n"  # Excel's delimiter hint
        "source_id;name;category;kind;x;y\n"
        "1;Storumans hälsocentral;care;hospital;600000;7200000\n"
    )
    result = read_sites(write(tmp_path, "excel.csv", text.encode("cp1252")))
    assert result.records[0].name == "Storumans hälsocentral"
    assert any("cp1252" in note for note in result.notes)


def test_csv_errors_name_line_and_column(tmp_path: Path) -> None:
    text = (
        f"{SITE_COLUMNS},lon,lat,capacity_kw\n"
        "a,Gen,power,mobile_generator,20.2,63.8,-10\n"
        "b,Gen,power,mobile_generator,abc,63.8,\n"
        "c,Gen,power,mobile_generator,759000,7082000,\n"
    )
    with pytest.raises(ImportValidationError) as info:
        read_sites(write(tmp_path, "s.csv", text))
    got = {(e.where, e.field): e.message for e in info.value.errors}
    assert "negative" in got["line 2", "capacity_kw"]
    assert "'abc' is not a number" in got["line 3", "lon"]
    assert (
        "fall outside Sweden in EPSG:4326 — wrong CRS? try --crs EPSG:3006"
        in got["line 4", "lon/lat"]
    )


def test_csv_wrong_column_count_and_missing_coordinates(tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", f"{SITE_COLUMNS},lon,lat\na,b,care,hospital,20,64,extra\n")
    assert "line 2: expected 6 columns, found 7" in refused(read_sites, path)
    path = write(tmp_path, "t.csv", f"{SITE_COLUMNS}\na,b,care,hospital\n")
    assert "no coordinate columns" in refused(read_sites, path)
    path = write(tmp_path, "u.csv", f'{SITE_COLUMNS},lon,lat\na,"b,care,hospital,20,64\n')
    assert "line 2: malformed CSV" in refused(read_sites, path)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(300_000, 900_000), st.floats(6_200_000, 7_600_000)),
        min_size=1,
        max_size=20,
    )
)
def test_lon_lat_csv_round_trips_to_sweref(points: list[tuple[float, float]]) -> None:
    """Writing SWEREF points as lon/lat (9 decimals) and reading them back is exact to 1 mm."""
    xy = np.array(points)
    lon, lat = transformer(SWEREF99TM, WGS84).transform(xy[:, 0], xy[:, 1])
    lines = [f"{SITE_COLUMNS},lon,lat"]
    pairs = enumerate(zip(lon, lat, strict=True))
    lines += [f"s{i},S,food,grocery,{a:.9f},{b:.9f}" for i, (a, b) in pairs]
    result = read_sites(("\n".join(lines) + "\n").encode())
    got = np.array([(r.x, r.y) for r in result.records])
    assert np.allclose(got, xy, atol=1e-3, rtol=0)


# --- GeoPackage ----------------------------------------------------------------------------


def write_gpkg(path: Path, layer: str, columns: dict[str, list[Any]], geoms: list[Any]) -> None:
    table = pa.table({**columns, "geometry": shapely.to_wkb(np.array(geoms, dtype=object))})
    pyogrio.write_arrow(
        table,
        path,
        layer=layer,
        driver="GPKG",
        geometry_name="geometry",
        geometry_type=geoms[0].geom_type,
        crs="EPSG:3006",
        append=path.exists(),
    )


def test_geopackage_sites_and_layer_choice(tmp_path: Path) -> None:
    path = tmp_path / "register.gpkg"
    columns = {
        "source_id": ["g-1", "g-2"],
        "name": ["Mobilt aggregat Umeå", "Depå Skellefteå"],
        "category": ["power", "power"],
        "kind": ["mobile_generator", "fuel_depot"],
        "capacity_kw": pa.array([250.0, None]),
        "mobilization_hours": pa.array([2, None], pa.int64()),
    }
    write_gpkg(path, "sites", columns, [shapely.Point(UMEA_XY), shapely.Point(780_000, 7_190_000)])
    result = read_sites(path)
    assert result.format == "gpkg" and result.crs == SWEREF99TM
    first, second = result.records
    assert first.name == "Mobilt aggregat Umeå" and (first.x, first.y) == UMEA_XY
    assert first.numbers["capacity_kw"] == 250 and first.numbers["mobilization_hours"] == 2
    assert second.numbers["capacity_kw"] is None

    write_gpkg(path, "other", {"source_id": ["x"]}, [shapely.Point(UMEA_XY)])
    message = refused(read_sites, path)
    assert "2 layers (sites, other): pass --layer NAME" in message
    assert len(read_sites(path, layer="sites").records) == 2
    assert "no layer 'nope'" in refused(read_sites, path, layer="nope")


def test_geopackage_errors_name_the_layer(tmp_path: Path) -> None:
    path = tmp_path / "bad.gpkg"
    columns = {"source_id": ["a"], "name": ["X"], "category": ["food"], "kind": ["bakery"]}
    write_gpkg(path, "butiker", columns, [shapely.Point(UMEA_XY)])
    assert "layer butiker feature 1, field 'kind': unknown kind 'bakery'" in refused(
        read_sites, path
    )


def test_geopackage_population_cells(tmp_path: Path) -> None:
    path = tmp_path / "grid.gpkg"
    cell_polygon = shapely.box(759_000, 7_082_000, 760_000, 7_083_000)
    write_gpkg(path, "rutor", {"beftotalt": [120]}, [cell_polygon])
    [cell] = read_population(path).records
    assert (cell.x_ll, cell.y_ll, cell.cell_size, cell.population) == (
        759_000,
        7_082_000,
        1000,
        120,
    )


# --- population ----------------------------------------------------------------------------


def test_population_polygons_from_wgs84(tmp_path: Path) -> None:
    """A 1 km cell written in WGS 84 (8 decimals) comes back as the same whole-metre cell."""
    to_wgs84 = transformer(SWEREF99TM, WGS84)
    x, y = 759_000, 7_082_000
    ring = [
        to_wgs84.transform(a, b)
        for a, b in [(x, y), (x + 1000, y), (x + 1000, y + 1000), (x, y + 1000), (x, y)]
    ]
    geometry = {"type": "Polygon", "coordinates": [[[round(a, 8), round(b, 8)] for a, b in ring]]}
    text = collection([feature(geometry, population="12.0")])
    result = read_population(write(tmp_path, "grid.geojson", text))
    assert (
        result.records[0]
        == read_population(
            write(
                tmp_path, "g.json", collection([feature(square(x, y), population=12)], "EPSG:3006")
            )
        ).records[0]
    )
    assert result.records[0].population == 12 and result.crs == WGS84


def test_population_errors(tmp_path: Path) -> None:
    x, y = UMEA_XY
    features = [
        feature(square(x, y), population=10),
        feature(square(x, y, 1000, 500), population=3),  # not square
        feature(square(x + 1000, y), population="12.5"),
        feature(square(x + 2000, y), population=-1),
        feature(square(x, y), population=5),  # duplicate of feature 1
        feature(point(x, y), population=1),
    ]
    with pytest.raises(ImportValidationError) as info:
        read_population(write(tmp_path, "grid.geojson", collection(features, "EPSG:3006")))
    got = {(e.where, e.field): e.message for e in info.value.errors}
    assert "1000 × 500 m" in got["feature 2", "geometry"]
    assert "not an axis-aligned square" in got["feature 2", "geometry"]
    assert "not a whole number" in got["feature 3", "population"]
    assert "negative" in got["feature 4", "population"]
    assert (
        "duplicate cell at 759000, 7082000 (1000 m; first at feature 1)"
        in got["feature 5", "geometry"]
    )
    assert "expected a Polygon" in got["feature 6", "geometry"]
    assert len(got) == len(info.value.errors) == 5


def test_population_csv_by_lower_left_corner(tmp_path: Path) -> None:
    text = "x;y;population;cell_size\n759000;7082000;120;\n760000;7082000;7;250\n"
    result = read_population(write(tmp_path, "grid.csv", text))
    assert [(c.x_ll, c.y_ll, c.cell_size, c.population) for c in result.records] == [
        (759_000, 7_082_000, 1000, 120),
        (760_000, 7_082_000, 250, 7),
    ]
    assert result.format == "csv" and result.crs == SWEREF99TM

    bad = "x,y,population\n759000,7082000,-3\n759000,7082000,4\n"
    with pytest.raises(ImportValidationError) as info:
        read_population(write(tmp_path, "bad.csv", bad))
    got = {(e.where, e.field): e.message for e in info.value.errors}
    assert "negative" in got["line 2", "population"]
    assert "duplicate cell" in got["line 3", "x/y"]

    lonlat = "lon,lat,population\n20.2,63.8,4\n"
    message = refused(read_population, write(tmp_path, "ll.csv", lonlat))
    assert "file, field 'lon/lat'" in message and "lower-left corner" in message


def test_load_result_is_typed_and_plain(tmp_path: Path) -> None:
    text = collection([feature(square(*UMEA_XY), population=0)], crs="EPSG:3006")
    result = read_population(write(tmp_path, "g.geojson", text))
    assert isinstance(result, LoadResult)
    assert result.skipped == [] and result.notes == []
    assert result.records[0].population == 0


def test_sites_per_row_keeps_the_good_rows_and_lists_the_refused() -> None:
    """The same file read whole is refused; read per row, rows 1 and 4 come back."""
    x, y = UMEA_XY
    text = collection(
        [
            feature(point(x, y), **care("a", "Åsens vårdcentral")),
            feature(point(x, y), **care("b", kind="castle", residents=-2)),
            feature({"type": "LineString", "coordinates": [[x, y], [x + 9, y]]}, **care("c")),
            feature(point(x + 10, y), **care("d")),
            feature(point(x, y), **care("e")),
            feature(point(x + 20, y), **care("e")),
        ],
        crs="EPSG:3006",
    ).encode()
    whole = refused(read_sites, text)
    assert "feature 6, field 'source_id': duplicate source_id 'e' (first at feature 5)" in whole

    result = read_sites(text, per_row=True)
    assert [r.source_id for r in result.records] == ["a", "d"]
    assert result.wheres == ["feature 1", "feature 4"]
    assert result.records[0].name == "Åsens vårdcentral"
    assert [(e.where, e.field) for e in result.refused] == [
        ("feature 2", "residents"),
        ("feature 2", "kind"),
        ("feature 3", "geometry"),
        ("feature 5", "source_id"),  # every row of a repeated id: which one is right?
        ("feature 6", "source_id"),
    ]
    assert result.refused[3].message == "duplicate source_id 'e' (again at feature 6)"

    # A problem of the file as a whole still refuses it.
    no_kind = collection([feature(point(x, y), source_id="a", name="n", category="care")])
    assert "the file has no 'kind' field" in refused(read_sites, no_kind.encode(), per_row=True)


# --- v2: heat plants, heating, tau, food stock --------------------------------------------


def plant(source_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "source_id": source_id,
        "name": f"Värmeverk {source_id}",
        "category": "utility",
        "kind": "district_heating_plant",
        **extra,
    }


def test_geojson_v2_fields_and_heating_aliases(tmp_path: Path) -> None:
    x, y = UMEA_XY
    features = [
        feature(point(x, y), **plant("dh-1", critical_load_kw=800, backup_kw=1000, fuel_hours=48)),
        feature(
            point(x + 50, y),
            **care("c-1", kind="elderly_home", heating="Fjärrvärme", heat_plant="dh-1"),
            thermal_time_constant_hours=80,
        ),
        feature(point(x + 90, y), **care("c-2", heating="värmepump")),
        feature(
            point(x + 99, y),
            source_id="f-1",
            name="Lager",
            category="food",
            kind="warehouse",
            stock_person_days="12500",
            heating="district heating",
            HEAT_PLANT="old-plant",  # stored already; field names match in any case
        ),
    ]
    path = write(tmp_path, "v2.geojson", collection(features, crs="EPSG:3006"))
    result = read_sites(path, stored_plants={"old-plant"})
    dh, c1, c2, f1 = result.records
    assert (dh.category, dh.kind, dh.numbers["backup_kw"]) == (
        "utility",
        "district_heating_plant",
        1000,
    )
    assert (c1.heating, c1.heat_plant) == ("district_heating", "dh-1")
    assert c1.numbers["thermal_time_constant_hours"] == 80
    assert (c2.heating, c2.heat_plant) == ("heat_pump", None)
    assert c2.numbers["thermal_time_constant_hours"] is None
    assert (f1.heating, f1.heat_plant, f1.numbers["stock_person_days"]) == (
        "district_heating",
        "old-plant",
        12500,
    )
    assert "heating" not in f1.attributes and "HEAT_PLANT" not in f1.attributes


def test_a_heat_plant_that_names_no_plant_is_a_row_error(tmp_path: Path) -> None:
    x, y = UMEA_XY
    features = [
        feature(point(x, y), **plant("dh-1")),
        feature(point(x, y), **care("c-1", heating="district_heating", heat_plant="dh-9")),
        feature(point(x, y), **care("c-2", heat_plant="c-1")),  # a care site is no plant
        feature(point(x, y), **care("c-3", heat_plant="dh-1")),
    ]
    path = write(tmp_path, "plants.geojson", collection(features, crs="EPSG:3006"))
    message = refused(read_sites, path)
    assert (
        "feature 2, field 'heat_plant': heat_plant 'dh-9' names no district_heating_plant"
        " (neither in this file nor stored)" in message
    )
    assert "feature 3, field 'heat_plant': heat_plant 'c-1'" in message
    assert "feature 4" not in message
    # Stored plants count, and per row the other rows are kept.
    result = read_sites(path, stored_plants={"dh-9"}, per_row=True)
    assert [r.source_id for r in result.records] == ["dh-1", "c-1", "c-3"]
    assert [(e.where, e.field) for e in result.refused] == [("feature 3", "heat_plant")]


def test_a_refused_plant_does_not_count_for_its_buildings() -> None:
    x, y = UMEA_XY
    text = collection(
        [
            feature(point(x, y), **plant("dh-1", backup_kw=-5)),
            feature(point(x, y), **care("c-1", heat_plant="dh-1")),
        ],
        crs="EPSG:3006",
    ).encode()
    result = read_sites(text, per_row=True)
    assert result.records == []
    assert [(e.where, e.field) for e in result.refused] == [
        ("feature 1", "backup_kw"),
        ("feature 2", "heat_plant"),
    ]


def test_csv_v2_fields_are_checked(tmp_path: Path) -> None:
    text = (
        "source_id;name;category;kind;x;y;heating;heat_plant;thermal_time_constant_hours;"
        "stock_person_days\n"
        "p;Dåva;utility;district_heating_plant;764000;7087000;;;;\n"
        "a;Äldreboendet;care;elderly_home;759000;7082000;fjärrvärme;p;72,5;\n"
        "b;Skolan;energy;school;759000;7082000;kärnkraft;;0;\n"
        "c;Ica;food;grocery;759000;7082000;el;;;-3\n"
        "d;Coop;food;supermarket;759000;7082000;;;;0\n"
    )
    path = write(tmp_path, "v2.csv", text)
    message = refused(read_sites, path, crs="EPSG:3006")
    assert "line 4, field 'heating': unknown heating 'kärnkraft'; expected one of" in message
    assert (
        "line 4, field 'thermal_time_constant_hours': thermal_time_constant_hours '0' must be"
        " greater than 0" in message
    )
    assert "line 5, field 'stock_person_days': '-3' is negative" in message
    assert "line 2" not in message and "line 3" not in message and "line 6" not in message
    result = read_sites(path, crs="EPSG:3006", per_row=True)
    by_id = {r.source_id: r for r in result.records}
    assert sorted(by_id) == ["a", "d", "p"]
    assert by_id["a"].numbers["thermal_time_constant_hours"] == 72.5
    assert by_id["a"].heating == "district_heating" and by_id["a"].heat_plant == "p"
    assert by_id["d"].numbers["stock_person_days"] == 0


def test_geopackage_v2_fields(tmp_path: Path) -> None:
    path = tmp_path / "v2.gpkg"
    columns = {
        "source_id": ["dh", "s-1"],
        "name": ["Hedensbyn", "Skolan"],
        "category": ["utility", "energy"],
        "kind": ["district_heating_plant", "school"],
        "heating": pa.array([None, "district_heating"]),
        "heat_plant": pa.array([None, "dh"]),
        "thermal_time_constant_hours": pa.array([None, 60.0]),
        "fuel_hours": pa.array([24.0, None]),
    }
    write_gpkg(path, "sites", columns, [shapely.Point(UMEA_XY), shapely.Point(UMEA_XY)])
    plant_record, school = read_sites(path).records
    assert plant_record.category == "utility" and plant_record.numbers["fuel_hours"] == 24
    assert (school.heating, school.heat_plant) == ("district_heating", "dh")
    assert school.numbers["thermal_time_constant_hours"] == 60


def test_osm_heat_plants_are_utility_sites_and_other_plants_skipped() -> None:
    x, y = UMEA_LONLAT
    text = collection(
        [
            feature(point(x, y), osm_id=1, osm_type="way", name="Dåva kraftvärmeverk",
                    power="plant", **{"plant:output:hot_water": "yes",
                                      "plant:output:electricity": "yes"}),
            feature(point(x, y), osm_id=2, name="Stornorrfors", power="plant",
                    **{"plant:source": "hydro"}),
        ]
    ).encode()  # fmt: skip
    result = read_sites(text, profile="osm")
    [plant_record] = result.records
    assert (plant_record.category, plant_record.kind) == ("utility", "district_heating_plant")
    assert plant_record.source_id == "osm-way-1"
    [skipped] = result.skipped
    assert skipped.field == "power" and "power=plant has no mapping" in skipped.message
