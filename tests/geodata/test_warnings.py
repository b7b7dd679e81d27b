"""The warning parsers against every sample in ../shared/data/warnings and hand-made
Västerbotten documents. Pure: no database, no Flask."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import MultiPolygon, Polygon

from geodata.loaders.geometry import to_sweref
from geodata.loaders.warnings import (
    LINE_BUFFER_M,
    AreaCatalog,
    ParseResult,
    WarningFormatError,
    intersects_county,
    parse_cap,
    parse_ibww,
)
from geodata.loaders.warnings.areas import to_sweref_area
from resilience.crs import transformer
from resilience.vocabulary import SWEREF99TM, WGS84

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
WARNINGS = SHARED / "warnings"
CAP_DIR = WARNINGS / "cap"
SMHI_SENDER = "urn:oid:2.49.0.0.752.0"  # SMHI's sender in its MeteoAlarm CAP feed


def shared(relative: str) -> Path:
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"../shared/data is absent here ({path} not found)")
    return path


@pytest.fixture(scope="module")
def catalog() -> AreaCatalog:
    return AreaCatalog.from_files(
        shared("warnings/smhi_ibww_metadata_areas.json"),
        shared("warnings/meteoalarm_emma_id_sweden.geojson"),
    )


@pytest.fixture(scope="module")
def vasterbotten() -> MultiPolygon:
    """SCB's län polygon in native SWEREF 99 TM (the feature without a kommun code)."""
    data = json.loads(
        shared("boundaries/vasterbotten_kommuner_lan_scb_sweref99tm.geojson").read_text()
    )
    (lan,) = [f for f in data["features"] if f["properties"]["kommun_kod"] is None]
    return shapely.from_geojson(json.dumps(lan["geometry"]))


def km2(geom: shapely.Geometry) -> float:
    return geom.area / 1e6


# --- the area catalog -------------------------------------------------------------------


def test_catalog_has_every_county_sea_district_and_emma_id(catalog: AreaCatalog) -> None:
    assert len(catalog.ibww) == 39 and len(catalog.emma) == 53
    county = catalog.ibww[24]
    assert county.name_sv == "Västerbottens län"
    # SMHI's county 24 is about 59 650 km² (land ≈ 55 000 km² plus coastal water).
    assert 50_000 < km2(county.geometry) < 65_000
    inland = catalog.emma["SE032"]
    assert inland.name_sv == "Västerbottens inland" and 20_000 < km2(inland.geometry) < 30_000


def test_catalog_reads_the_region_feature_collection_too(catalog: AreaCatalog) -> None:
    region = AreaCatalog.from_files(
        shared("warnings/smhi_ibww_areas_vasterbotten_region.geojson"), None
    )
    assert sorted(region.ibww) == [22, 23, 24, 25, 41, 42, 43] and not region.emma
    assert region.ibww[24].geometry.equals_exact(catalog.ibww[24].geometry, 1e-3)


def test_county_24_covers_the_scb_lan(catalog: AreaCatalog, vasterbotten: MultiPolygon) -> None:
    covered = catalog.ibww[24].geometry.intersection(vasterbotten).area / vasterbotten.area
    assert covered > 0.98  # PROVENANCE: 99 %


def test_catalog_union_and_unknown_codes(catalog: AreaCatalog) -> None:
    union, unknown = catalog.resolve_emma(["se019", "SE032", "NO803"])
    assert unknown == ["NO803"] and union is not None
    parts = km2(catalog.emma["SE019"].geometry) + km2(catalog.emma["SE032"].geometry)
    assert km2(union) == pytest.approx(parts, rel=0.01)
    assert catalog.resolve_ibww([99]) == (None, [99])


def test_unreadable_catalog_file_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "areas.json"
    bad.write_text('{"type": "FeatureCollection"}')
    with pytest.raises(ValueError, match=r"areas\.json: not a readable warning-area file"):
        AreaCatalog.from_files(bad, None)


# --- SMHI IBWW: the real-format test payload ----------------------------------------------


@pytest.fixture(scope="module")
def smhi(catalog: AreaCatalog) -> ParseResult:
    return parse_ibww(shared("warnings/smhi_ibww_test_warnings.json").read_bytes(), catalog)


def by_identity(result: ParseResult) -> dict[str, Any]:
    return {area.identity: area for area in result.areas}


def test_all_eight_test_warnings_and_eleven_areas_parse(smhi: ParseResult) -> None:
    assert not smhi.refused
    areas = by_identity(smhi)
    assert len(areas) == 11 and len({a.message for a in smhi.areas}) == 8
    for area in smhi.areas:
        assert isinstance(area.geometry, MultiPolygon) and area.geometry.is_valid
        assert area.source == "smhi-ibww" and area.published.tzinfo is UTC
        assert area.raw["warningAreas"][0]["id"] == int(area.identity.rsplit(":", 1)[1])
        assert len(area.raw["warningAreas"]) == 1  # only this area, not its siblings
    assert {a.level for a in smhi.areas} == {"message", "yellow", "orange"}
    assert areas["ibww:1:1"].version == "2021-09-16T08:47:36.540Z"


def test_ibww_codes_levels_and_wind(smhi: ParseResult) -> None:
    areas = by_identity(smhi)
    gale = areas["ibww:2:4"]
    assert gale.event_code == "WIND_SEA/GALE_LOW" and gale.involves_wind
    assert gale.event_sv == "Kuling 14-17 m/s"  # the specific description, not "Medelvind"
    assert areas["ibww:1:2"].event_code == "WIND" and areas["ibww:1:2"].involves_wind
    fire = areas["ibww:3:5"]
    assert (fire.level, fire.event_code, fire.involves_wind) == (
        "message",
        "FIRE/GRASS_FIRE",
        False,
    )
    assert areas["ibww:6:54"].level == "orange" and not areas["ibww:6:54"].involves_wind


def test_feature_collection_with_a_line_and_no_end(smhi: ParseResult) -> None:
    river = by_identity(smhi)["ibww:4:6"]
    assert river.ends is None and river.starts == datetime(2021, 9, 16, 11, 36, tzinfo=UTC)
    assert river.polygonal is False  # a LineString, widened by LINE_BUFFER_M
    assert river.active_at(datetime(2030, 1, 1, tzinfo=UTC))  # open-ended


def test_coast_line_is_buffered_by_one_kilometre(smhi: ParseResult) -> None:
    coast = by_identity(smhi)["ibww:8:57"]
    assert not coast.polygonal and LINE_BUFFER_M == 1_000
    (warning,) = [
        w
        for w in json.loads(shared("warnings/smhi_ibww_test_warnings.json").read_text())
        if w["id"] == 8
    ]
    line = shapely.from_geojson(json.dumps(warning["warningAreas"][0]["area"]["geometry"]))
    assert line.geom_type == "LineString"
    # 1 km each side plus the round ends: 2 km × length + π km² (less where it bends).
    length_km = to_sweref(np.array([line]), WGS84)[0].length / 1000
    assert km2(coast.geometry) == pytest.approx(2 * length_km + math.pi, rel=0.05)
    assert coast.area_name_sv == "Hallands län"  # no areaName: the affected county's name


def test_multipolygon_with_crs_member_and_warning_level_area_name(smhi: ParseResult) -> None:
    kalmar = by_identity(smhi)["ibww:7:56"]
    assert len(kalmar.geometry.geoms) > 1 and kalmar.polygonal
    # areaName has only "sv"; English falls back to the affected county's name.
    assert (kalmar.area_name_sv, kalmar.area_name_en) == ("Kalmar län", "Kalmar County")
    assert 10_000 < km2(kalmar.geometry) < 14_000
    assert kalmar.ends is None  # WATER_SHORTAGE has no approximateEnd either


def test_none_of_the_test_areas_touches_vasterbotten(
    smhi: ParseResult, vasterbotten: MultiPolygon
) -> None:
    assert not any(intersects_county(area, vasterbotten) for area in smhi.areas)


# --- SMHI IBWW: a Västerbotten warning made by hand ------------------------------------------

INLAND = [[16.0, 64.4], [18.5, 64.4], [18.5, 65.3], [16.0, 65.3], [16.0, 64.4]]  # Storuman–Lycksele


def snow_storm(**area_changes: Any) -> dict[str, Any]:
    """ "Vind i kombination med snöfall", orange, over inland Västerbotten."""
    area = {
        "id": 901,
        "approximateStart": "2026-12-01T06:00:00.000Z",
        "approximateEnd": "2026-12-02T18:00:00.000Z",
        "published": "2026-11-30T10:15:00.000Z",
        "normalProbability": True,
        "areaName": {"sv": "Västerbottens inland", "en": "Inland Västerbotten"},
        "warningLevel": {"sv": "Orange", "en": "Orange", "code": "ORANGE"},
        "eventDescription": {
            "sv": "Vind i kombination med snöfall",
            "en": "Wind in combination with snowfall",
            "code": "WIND_SNOW",
        },
        "affectedAreas": [{"id": 24, "sv": "Västerbottens län", "en": "Västerbotten County"}],
        "descriptions": [],
        "area": {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [INLAND]}},
    }
    area.update(area_changes)
    return {
        "id": 90,
        "normalProbability": True,
        "event": {"sv": "Vind", "en": "Wind", "code": "WIND"},
        "descriptions": [],
        "warningAreas": [area],
    }


def test_vasterbotten_wind_with_snow(catalog: AreaCatalog, vasterbotten: MultiPolygon) -> None:
    (area,) = parse_ibww(json.dumps([snow_storm()]), catalog).areas
    assert (area.identity, area.level, area.event_code) == (
        "ibww:90:901",
        "orange",
        "WIND/WIND_SNOW",
    )
    assert area.involves_wind and area.polygonal and not area.cancelled
    assert area.event_sv == "Vind i kombination med snöfall"
    assert area.ends == datetime(2026, 12, 2, 18, tzinfo=UTC)
    assert intersects_county(area, vasterbotten)
    # 2.5° × 0.9° at 64.85° N: 2.5 · 111.32 · cos(64.85°) km × 0.9 · 111.2 km ≈ 11 800 km².
    assert km2(area.geometry) == pytest.approx(11_800, rel=0.03)
    assert area.active_at(datetime(2026, 12, 1, 12, tzinfo=UTC))
    assert not area.active_at(datetime(2026, 12, 3, tzinfo=UTC))


def test_area_only_by_county_id_takes_the_catalog_polygon(catalog: AreaCatalog) -> None:
    (area,) = parse_ibww([snow_storm(area=None, approximateEnd=None)], catalog).areas
    assert area.geometry.equals(catalog.ibww[24].geometry) and area.polygonal
    assert 50_000 < km2(area.geometry) < 65_000 and area.ends is None


def test_unknown_county_id_is_refused_not_raised(catalog: AreaCatalog) -> None:
    result = parse_ibww([snow_storm(area=None, affectedAreas=[{"id": 77}])], catalog)
    assert result.areas == []
    assert result.refused == [
        "warning 0 (id 90), warningAreas[0] (id 901): no area geometry, "
        "and affectedAreas [77] are not in the area catalog"
    ]


def test_ibww_area_in_sweref_with_crs_member(catalog: AreaCatalog) -> None:
    square = [
        [700_000, 7_200_000],
        [710_000, 7_200_000],
        [710_000, 7_210_000],
        [700_000, 7_200_000],
    ]
    feature = {
        "type": "Feature",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3006"}},
        "geometry": {"type": "Polygon", "coordinates": [square]},
    }
    (area,) = parse_ibww([snow_storm(area=feature)], catalog).areas
    assert km2(area.geometry) == pytest.approx(50, rel=1e-3)  # the triangle's half of 100 km²


def test_self_intersecting_polygon_is_repaired(catalog: AreaCatalog) -> None:
    bowtie = [[16.0, 64.4], [18.5, 65.3], [18.5, 64.4], [16.0, 65.3], [16.0, 64.4]]
    feature = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [bowtie]}}
    (area,) = parse_ibww([snow_storm(area=feature)], catalog).areas
    assert area.geometry.is_valid and len(area.geometry.geoms) == 2


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ('[{"id": 1,', "malformed JSON at line 1, column 11"),
        ("{}", "expected a JSON array of warnings"),
        ([{"id": "x"}], "warning 0, field 'id': expected an integer"),
        (
            [snow_storm(warningLevel={"code": "PURPLE"})],
            "(id 901), field 'warningLevel.code': unknown level 'PURPLE'",
        ),
        ([snow_storm(published="yesterday")], "field 'published': 'yesterday' is not an ISO 8601"),
        (
            [
                snow_storm(
                    area={"type": "Feature", "geometry": {"type": "Polygon", "coordinates": "x"}}
                )
            ],
            "field 'area': not valid GeoJSON",
        ),
        (
            [
                snow_storm(
                    area={
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [18, 123]},
                    }
                )
            ],
            "field 'area': latitude 123 (point 1) is outside ±90°",
        ),
    ],
)
def test_malformed_ibww_is_refused_saying_where(
    catalog: AreaCatalog, payload: Any, message: str
) -> None:
    with pytest.raises(WarningFormatError) as caught:
        parse_ibww(payload, catalog)
    assert message in str(caught.value)


def test_ibww_over_the_size_limit(catalog: AreaCatalog) -> None:
    body = b"[" + b" " * 6_000_000 + b"]"
    with pytest.raises(WarningFormatError, match="6000002 bytes; at most 5000000"):
        parse_ibww(body, catalog)


# --- CAP 1.2: the real samples ------------------------------------------------------------


def cap_file(name: str) -> bytes:
    return shared(f"warnings/cap/{name}").read_bytes()


@pytest.mark.parametrize(
    ("name", "areas", "refused"),
    [
        ("cap12_alertswiss_landslide_polygon.xml", 0, "not a weather warning (no <category>)"),
        ("cap12_fmi_seawind_quark_emma_id.xml", 0, "EMMA_ID FI802, FI801, FI810, FI809 not in"),
        ("cap12_kazhydromet_icing_polygon.xml", 0, "lies outside the region this service covers"),
        ("cap12_meteireann_smallcraft_emma_id.xml", 0, "EMMA_ID EI807, EI809, EI806, EI808 not"),
        ("cap12_metno_gale_update_polygon_emma_id.xml", 1, None),
        ("cap12_metno_meteoalarm_rain_nuts3_geocodes.xml", 0, "EMMA_ID NO010 not in the area"),
        ("cap12_roshydromet_multi_polygon.xml", 0, "lies outside the region"),
        ("cap12_smg_macao_update_allclear.xml", 0, "lies outside the region"),
    ],
)
def test_every_cap_sample_parses_or_is_refused_with_a_reason(
    catalog: AreaCatalog, name: str, areas: int, refused: str | None
) -> None:
    result = parse_cap(cap_file(name), catalog)
    assert len(result.areas) == areas
    if refused is None:
        assert result.refused == []
    else:
        assert len(result.refused) == 1 and refused in result.refused[0]


def test_cap_sample_names_are_all_covered() -> None:
    names = {p.name for p in shared("warnings/cap").glob("*.xml")}
    assert len(names) == 8


def test_metno_update_maps_onto_the_alert_it_updates(catalog: AreaCatalog) -> None:
    result = parse_cap(cap_file("cap12_metno_gale_update_polygon_emma_id.xml"), catalog)
    (area,) = result.areas
    original = "cap:noreply@met.no:2.49.0.1.578.0.190514063210436.1897"
    assert area.identity == f"{original}:0:0" and area.replaces == (f"{original}:0:0",)
    assert result.supersedes == (original,) == area.references
    assert area.message == "cap:noreply@met.no:2.49.0.1.578.0.190514063336367.1898"
    # en-GB is preferred over "no"; a lat,lon polygon at the North Cape, reversed to lon,lat.
    assert (area.event_en, area.event_sv, area.area_name_en) == ("Gale", None, "Loppa - North Cape")
    assert (area.level, area.event_code, area.involves_wind) == ("yellow", "WIND", True)
    assert area.version == "2019-05-14T06:33:36.000Z"
    assert area.ends == datetime(2019, 5, 14, 19, tzinfo=UTC)
    lon, lat = shapely.get_coordinates(to_wgs84(area.geometry)).mean(axis=0)
    assert 21 < lon < 26 and 70 < lat < 71.3


def to_wgs84(geom: shapely.Geometry) -> shapely.Geometry:
    project = transformer(SWEREF99TM, WGS84)
    return shapely.transform(geom, lambda xy: np.column_stack(project.transform(*xy.T)))


def test_macao_allclear_is_cancelled_and_its_tabbed_polygon_parses() -> None:
    """Macao is outside our region, so take its polygon text to check the parse itself."""
    text = cap_file("cap12_smg_macao_update_allclear.xml").decode()
    polygon = text.split("<polygon>")[1].split("</polygon>")[0]
    assert "\t" in polygon and "\n" in polygon
    # Move Macao (22.1 N, 113.6 E) to Umeå (63.8 N, 20.3 E) keeping its shape.
    moved = " ".join(
        f"{float(lat) + 41.7:.4f},{float(lon) - 93.3:.4f}"
        for lat, lon in (pair.split(",") for pair in polygon.split())
    )
    swedish = text.replace(polygon, moved.replace(" ", "\n\t\t\t"))
    result = parse_cap(swedish, AreaCatalog())
    assert len(result.areas) == 1 and result.refused == []
    (area,) = result.areas
    assert area.cancelled and area.event_en == "STRONG MONSOON SIGNAL"
    assert area.identity == "cap:meteo@smg.gov.mo:SMG-Weather_MS_2025_006_03:0:0"
    assert result.supersedes == ()  # it references only itself
    # Degrees to km² at the new latitude: 111.2 km per degree, longitude shrunk by cos(lat).
    lonlat = Polygon([(float(p.split(",")[1]), float(p.split(",")[0])) for p in moved.split()])
    expected = lonlat.area * 111.2**2 * math.cos(math.radians(lonlat.centroid.y))
    assert km2(area.geometry) == pytest.approx(expected, rel=0.03)


# --- CAP 1.2: a Swedish alert, its Update and its Cancel -------------------------------------


def alert(
    identifier: str,
    *,
    msg_type: str = "Alert",
    references: str = "",
    sent: str = "2026-12-01T06:00:00+01:00",
    level: str = "4; red; Extreme",
    areas: str = "<area><areaDesc>Västerbottens inland</areaDesc>"
    "<geocode><valueName>EMMA_ID</valueName><value>SE032</value></geocode></area>",
    infos: bool = True,
    namespace: str = "urn:oasis:names:tc:emergency:cap:1.2",
) -> str:
    """SMHI-style CAP: an English block first, then the Swedish one (which is preferred)."""

    def info(language: str, event: str) -> str:
        return f"""<info><language>{language}</language><category>Met</category>
          <event>{event}</event><urgency>Immediate</urgency><severity>Extreme</severity>
          <certainty>Likely</certainty><onset>2026-12-01T08:00:00+01:00</onset>
          <expires>2026-12-02T20:00:00+01:00</expires>
          <parameter><valueName>awareness_level</valueName><value>{level}</value></parameter>
          <parameter><valueName>awareness_type</valueName><value>1; Wind</value></parameter>
          {areas.replace("inland", "inland (en)") if language.startswith("en") else areas}</info>"""

    body = info("en-GB", "Very strong wind") + info("sv-SE", "Mycket hård vind") if infos else ""
    refs = f"<references>{references}</references>" if references else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="{namespace}"><identifier>{identifier}</identifier><sender>{SMHI_SENDER}</sender>
<sent>{sent}</sent><status>Actual</status><msgType>{msg_type}</msgType><scope>Public</scope>
{refs}{body}</alert>"""


ORIGINAL = f"{SMHI_SENDER},SE-2026-001,2026-12-01T06:00:00+01:00"
UPDATE = f"{SMHI_SENDER},SE-2026-002,2026-12-01T12:00:00+01:00"


def test_swedish_red_wind_alert_by_emma_id(
    catalog: AreaCatalog, vasterbotten: MultiPolygon
) -> None:
    result = parse_cap(alert("SE-2026-001").encode(), catalog)
    assert result.refused == [] and result.supersedes == ()
    (area,) = result.areas
    assert area.identity == f"cap:{SMHI_SENDER}:SE-2026-001:0:0"
    assert (area.level, area.event_code, area.involves_wind) == ("red", "WIND", True)
    assert (area.event_sv, area.event_en) == ("Mycket hård vind", "Very strong wind")
    assert (area.area_name_sv, area.area_name_en) == (
        "Västerbottens inland",
        "Västerbottens inland (en)",
    )
    assert area.starts == datetime(2026, 12, 1, 7, tzinfo=UTC)
    assert area.ends == datetime(2026, 12, 2, 19, tzinfo=UTC)
    assert area.geometry.equals(catalog.emma["SE032"].geometry) and area.polygonal
    assert intersects_county(area, vasterbotten) and not area.cancelled
    assert area.raw["xml"].startswith("<?xml")


def test_update_and_cancel_land_on_the_alerts_identity(catalog: AreaCatalog) -> None:
    first = parse_cap(alert("SE-2026-001"), catalog).areas[0]
    update = parse_cap(
        alert(
            "SE-2026-002",
            msg_type="Update",
            references=ORIGINAL,
            sent="2026-12-01T12:00:00+01:00",
            level="3; orange; Severe",
            areas="<area><areaDesc>Västerbotten</areaDesc>"
            "<geocode><valueName>EMMA_ID</valueName><value>SE032</value></geocode>"
            "<geocode><valueName>emma_id</valueName><value>SE019</value></geocode></area>",
        ),
        catalog,
    )
    cancel = parse_cap(
        # The chain listed in full, newest first on purpose: the earliest sent is the root.
        alert(
            "SE-2026-003",
            msg_type="Cancel",
            references=f"{UPDATE} {ORIGINAL}",
            sent="2026-12-01T18:00:00+01:00",
        ),
        catalog,
    )
    (changed,) = update.areas
    (ended,) = cancel.areas
    assert first.identity == changed.identity == ended.identity
    assert first.version < changed.version < ended.version
    assert changed.level == "orange" and not changed.cancelled
    union = km2(catalog.emma["SE032"].geometry) + km2(catalog.emma["SE019"].geometry)
    assert km2(changed.geometry) == pytest.approx(union, rel=0.01)
    assert ended.cancelled and first.identity in ended.replaces
    assert update.supersedes == (f"cap:{SMHI_SENDER}:SE-2026-001",)
    assert set(cancel.supersedes) == {first.message, changed.message}


def test_cancel_without_info_still_says_what_it_ends(catalog: AreaCatalog) -> None:
    result = parse_cap(
        alert("SE-2026-003", msg_type="Cancel", references=ORIGINAL, infos=False), catalog
    )
    assert result.areas == [] and result.refused == []
    assert result.supersedes == (f"cap:{SMHI_SENDER}:SE-2026-001",)


def test_update_of_an_update_keeps_the_trail_in_references(catalog: AreaCatalog) -> None:
    """A publisher that references only the previous message: the identity roots there, so
    the lead must also end rows whose `message` is in `references`."""
    (area,) = parse_cap(alert("SE-2026-003", msg_type="Update", references=UPDATE), catalog).areas
    assert area.identity == f"cap:{SMHI_SENDER}:SE-2026-002:0:0"
    assert area.references == (f"cap:{SMHI_SENDER}:SE-2026-002",)


def test_test_status_is_not_an_actual_warning(catalog: AreaCatalog) -> None:
    result = parse_cap(alert("SE-T").replace("Actual", "Exercise"), catalog)
    assert result.areas == [] and "status Exercise is not an actual warning" in result.refused[0]


def polygon_alert(polygon: str) -> str:
    return alert(
        "SE-P", areas=f"<area><areaDesc>Lycksele</areaDesc><polygon>{polygon}</polygon></area>"
    )


def test_polygon_lat_lon_is_reversed_and_closed(catalog: AreaCatalog) -> None:
    # Unclosed, tab- and newline-separated, with a space after one comma.
    (area,) = parse_cap(
        polygon_alert("64.4,16.0\n\t64.4,18.5\t65.3, 18.5\n 65.3,16.0"), catalog
    ).areas
    assert km2(area.geometry) == pytest.approx(11_800, rel=0.03)  # as INLAND above


def test_circle_is_buffered_in_sweref(catalog: AreaCatalog) -> None:
    xml = alert(
        "SE-C", areas="<area><areaDesc>Umeå</areaDesc><circle>63.83,20.26 10</circle></area>"
    )
    (area,) = parse_cap(xml, catalog).areas
    assert km2(area.geometry) == pytest.approx(math.pi * 10**2, rel=0.02) and area.polygonal


def test_swapped_lat_lon_is_refused_with_a_hint(catalog: AreaCatalog) -> None:
    result = parse_cap(polygon_alert("16.0,64.4 18.5,64.4 18.5,65.3 16.0,65.3 16.0,64.4"), catalog)
    assert result.areas == [] and "latitude and longitude look swapped" in result.refused[0]


@pytest.mark.parametrize(
    ("polygon", "message"),
    [
        ("123,16.0 64.4,18.5 65.3,18.5 123,16.0", "point 1 '123,16' is outside WGS 84"),
        ("64.4,16.0 64.4,east 65.3,18.5 64.4,16.0", "point 2 '64.4,east' is not a 'lat,lon' pair"),
        ("64.4,16.0 65.3,18.5", "a polygon needs at least 4 'lat,lon' points"),
        ("64.4;16.0 64.4;18.5 65.3;18.5 64.4;16.0", "point 1 '64.4;16.0' is not a 'lat,lon' pair"),
    ],
)
def test_odd_polygon_coordinates_are_errors(
    catalog: AreaCatalog, polygon: str, message: str
) -> None:
    with pytest.raises(WarningFormatError) as caught:
        parse_cap(polygon_alert(polygon), catalog)
    assert message in str(caught.value) and "area 0 ('Lycksele')" in str(caught.value)


def test_degenerate_polygon_is_refused(catalog: AreaCatalog) -> None:
    result = parse_cap(polygon_alert("64.4,16.0 64.5,16.0 64.6,16.0 64.4,16.0"), catalog)
    assert result.areas == [] and "no surface" in result.refused[0]


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol9;</identifier></alert>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&secret;</identifier></alert>"""


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (BILLION_LAUGHS, "XML with entities/DTD refused"),
        (EXTERNAL_ENTITY, "XML with entities/DTD refused"),
        (
            alert("X", namespace="urn:oasis:names:tc:emergency:cap:1.1"),
            "expected a CAP 1.2 <alert>",
        ),
        ("<feed xmlns='http://www.w3.org/2005/Atom'/>", "got <{http://www.w3.org/2005/Atom}feed>"),
        ("<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><info>", "malformed XML at line 1"),
        (
            alert("X").replace("<sent>2026-12-01T06:00:00+01:00</sent>", ""),
            "field 'sent': <sent> is",
        ),
        (alert("X").replace("+01:00</sent>", "</sent>"), "has no UTC offset"),
        (alert("X", msg_type="Update", references="just-an-id"), "is not 'sender,identifier,sent'"),
    ],
)
def test_unsafe_or_wrong_xml_is_refused(catalog: AreaCatalog, document: str, message: str) -> None:
    with pytest.raises(WarningFormatError) as caught:
        parse_cap(document, catalog)
    assert message in str(caught.value)


def test_cap_over_the_size_limit_is_refused_before_parsing(catalog: AreaCatalog) -> None:
    huge = alert("X").replace("<scope>", "<!--" + "x" * 6_000_000 + "--><scope>")
    with pytest.raises(WarningFormatError, match="at most 5000000 are accepted"):
        parse_cap(huge.encode(), catalog)
    assert parse_cap(huge.encode(), catalog, max_bytes=7_000_000).areas


def test_severity_decides_without_awareness_level(catalog: AreaCatalog) -> None:
    level = "<value>4; red; Extreme</value>"
    xml = alert("X").replace(level, "<value>none</value>")
    assert parse_cap(xml, catalog).areas[0].level == "red"  # severity Extreme
    severe = xml.replace("Extreme", "Severe")
    assert parse_cap(severe, catalog).areas[0].level == "orange"


def test_zero_radius_circle_and_points_are_not_polygonal() -> None:
    umea = shapely.Point(20.26, 63.83)
    geometry, polygonal = to_sweref_area([umea], "test", "circle", radii_m=[0.0])
    assert not polygonal and km2(geometry) == pytest.approx(math.pi, rel=0.02)
    box = Polygon([(16, 64.4), (18.5, 64.4), (18.5, 65.3), (16, 65.3)])
    geometry, polygonal = to_sweref_area([box], "test", "polygon")
    assert polygonal and isinstance(geometry, MultiPolygon)


def test_latin1_cap_is_read_in_its_declared_encoding(catalog: AreaCatalog) -> None:
    xml = alert("SE-Å").replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
    (area,) = parse_cap(xml.encode("latin-1"), catalog).areas
    assert area.event_sv == "Mycket hård vind" and "SE-Å" in area.raw["xml"]


@settings(max_examples=25, deadline=None)
@given(
    lon=st.floats(14.0, 20.0),
    lat=st.floats(63.6, 65.8),
    width=st.floats(0.01, 1.5),
    height=st.floats(0.01, 0.8),
)
def test_cap_lat_lon_and_ibww_lon_lat_give_the_same_area(
    lon: float, lat: float, width: float, height: float
) -> None:
    ring = [(lon, lat), (lon + width, lat), (lon + width, lat + height), (lon, lat + height)]
    ring.append(ring[0])
    cap_text = " ".join(f"{y!r},{x!r}" for x, y in ring)
    (from_cap,) = parse_cap(polygon_alert(cap_text), AreaCatalog()).areas
    feature = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}}
    (from_ibww,) = parse_ibww([snow_storm(area=feature)], AreaCatalog()).areas
    assert from_cap.geometry.equals_exact(from_ibww.geometry, 1e-6)
