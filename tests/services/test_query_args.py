"""services/query_args.py: whole numbers, EPSG codes and the one bounding box, parsed from a
request's arguments; the box's filter run in PostGIS on stored EPSG:3006 points."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from resilience.errors import BadInput
from resilience.services.query_args import BBox, bbox, epsg, parse_bbox, whole
from resilience.vocabulary import SWEREF99TM, WGS84


def test_whole_numbers_default_bounds_and_clamp() -> None:
    assert whole({}, "limit", 10) == 10
    assert whole({"limit": " 25 "}, "limit", 10) == 25
    assert whole({"limit": "+3"}, "limit", 10) == 3
    assert whole({"limit": "500"}, "limit", 10, maximum=100, clamp=True) == 100
    assert whole({"offset": "0"}, "offset", 5) == 0
    assert whole({"n": "-2"}, "n", 0, minimum=-5) == -2


@pytest.mark.parametrize(
    ("value", "options", "message"),
    [
        ("", {}, "limit must be a whole number"),  # given but empty
        ("1.5", {}, "limit must be a whole number"),
        ("1e3", {}, "limit must be a whole number"),
        ("ten", {}, "limit must be a whole number"),
        ("9" * 5000, {}, "limit must be a whole number"),  # more digits than int() takes
        ("-1", {}, "limit must be at least 0"),
        ("3", {"minimum": 5}, "limit must be at least 5"),
        ("101", {"maximum": 100}, "limit must be at most 100"),
    ],
)
def test_whole_refuses(value: str, options: dict[str, int], message: str) -> None:
    with pytest.raises(BadInput) as refused:
        whole({"limit": value}, "limit", 10, **options)
    assert str(refused.value) == message
    assert refused.value.status == 400


def test_epsg_in_its_spellings() -> None:
    assert epsg({}) == WGS84
    assert epsg({}, default=SWEREF99TM) == SWEREF99TM
    for spelling in ("3006", " EPSG:3006 ", "urn:ogc:def:crs:EPSG::3006"):
        assert epsg({"crs": spelling}) == SWEREF99TM
    assert epsg({"crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}) == WGS84
    assert epsg({"bbox-crs": "EPSG:4326"}, "bbox-crs") == WGS84
    with pytest.raises(BadInput, match="unknown CRS"):
        epsg({"crs": "EPSG:banana"})
    with pytest.raises(BadInput, match="unknown CRS EPSG:999999"):
        epsg({"crs": "EPSG:999999"})


def test_parse_bbox() -> None:
    assert parse_bbox("20,63.5,21,64") == BBox(20, 63.5, 21, 64, WGS84)
    assert parse_bbox(" 750000, 7080000 ,770000,7090000", SWEREF99TM) == BBox(
        750_000, 7_080_000, 770_000, 7_090_000, SWEREF99TM
    )
    # OGC's variants: EPSG:3006 in its own axis order, heights dropped, the antimeridian.
    assert parse_bbox("7080000,750000,7090000,770000", SWEREF99TM, northing_first=True) == BBox(
        750_000, 7_080_000, 770_000, 7_090_000, SWEREF99TM
    )
    assert parse_bbox("20,63,0,21,64,100", heights=True) == BBox(20, 63, 21, 64)
    assert parse_bbox("170,-10,-170,10", antimeridian=True) == BBox(170, -10, -170, 10)


@pytest.mark.parametrize(
    ("value", "options", "message"),
    [
        ("1,2,3", {}, "4 numbers"),
        ("1,2,3,4,5,6", {}, "4 numbers"),  # six only with heights
        ("a,b,c,d", {}, "4 numbers"),
        ("1,2,nan,4", {}, "4 numbers"),
        ("1,2,inf,4", {}, "4 numbers"),
        ("1,2,3,4,5", {"heights": True}, "4 (or 6) numbers"),
        ("21,63,20,64", {}, "lower corner must come first"),  # no antimeridian without OGC
        ("20,64,21,63", {"antimeridian": True}, "lower corner must come first"),
        ("750000,7080000,770000,7090000", {}, "outside lon/lat range"),  # metres as lon/lat
    ],
)
def test_parse_bbox_refuses(value: str, options: dict[str, bool], message: str) -> None:
    with pytest.raises(BadInput) as refused:
        parse_bbox(value, **options)
    assert message in str(refused.value)


def test_the_bbox_argument_and_its_crs() -> None:
    assert bbox({}) is None
    assert bbox({"bbox": ""}) is None
    assert bbox({"bbox": "1,2,3,4"}) == BBox(1, 2, 3, 4, WGS84)
    assert bbox({"bbox": "1,2,3,4", "bbox-crs": "EPSG:3006"}) == BBox(1, 2, 3, 4, SWEREF99TM)
    with pytest.raises(BadInput, match="bbox-crs must be"):
        bbox({"bbox": "1,2,3,4", "bbox-crs": "EPSG:3857"})
    with pytest.raises(BadInput):  # a bad bbox-crs is refused even without a bbox
        bbox({"bbox-crs": "nonsense"})


def _inside(session: Session, box: BBox) -> list[str]:
    """The names of the points below that the box's filter keeps, in PostGIS."""
    clause, params = box.sql()
    rows = session.execute(
        text(
            "WITH points(name, geom) AS (VALUES"
            " ('umea', ST_SetSRID(ST_MakePoint(759000, 7087000), 3006)),"
            " ('lycksele', ST_SetSRID(ST_MakePoint(666000, 7166000), 3006)),"
            " ('kiruna', ST_SetSRID(ST_MakePoint(760000, 7535000), 3006)))"
            f" SELECT name FROM points WHERE {clause} ORDER BY name"
        ),
        params,
    )
    return list(rows.scalars())


def test_the_bbox_filter_in_postgis(db_session: Session) -> None:
    # Umeå is at about 20.26 E, 63.83 N; Lycksele 18.67 E, 64.60 N; Kiruna 20.2 E, 67.9 N.
    assert _inside(db_session, BBox(20.0, 63.5, 20.5, 64.0)) == ["umea"]
    assert _inside(db_session, BBox(18.0, 63.5, 21.0, 65.0)) == ["lycksele", "umea"]
    assert _inside(db_session, BBox(10, 55, 25, 70)) == ["kiruna", "lycksele", "umea"]
    metres = BBox(650_000, 7_080_000, 770_000, 7_200_000, SWEREF99TM)
    assert _inside(db_session, metres) == ["lycksele", "umea"]
    # A box over the whole world is clipped to where SWEREF 99 TM is defined: all found.
    assert _inside(db_session, BBox(-180, -90, 180, 90)) == ["kiruna", "lycksele", "umea"]


def test_a_bbox_outside_sweref_matches_nothing() -> None:
    clause, params = BBox(-120, 30, -100, 40).sql()  # North America
    assert (clause, params) == ("FALSE", {})
    clause, _params = BBox(3_000_000, 0, 4_000_000, 100, SWEREF99TM).sql()
    assert clause == "FALSE"
