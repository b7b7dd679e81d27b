"""services/exports/source.py: the SQL fragments every exported layer's query is made of,
run in PostGIS."""

from __future__ import annotations

import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from resilience.services.exports.source import MUNICIPALITY_CODE, sql_where, wkb
from resilience.vocabulary import SWEREF99TM, WGS84

POINT = "ST_SetSRID(ST_MakePoint(759000, 7087000), 3006)"  # in Umeå


def _read(session: Session, crs: int) -> shapely.Geometry:
    raw = session.scalar(text(f"SELECT {wkb(POINT)}"), {"crs": crs})
    return shapely.from_wkb(bytes(raw))


def test_the_geometry_as_wkb_in_the_crs_asked_for(db_session: Session) -> None:
    assert _read(db_session, SWEREF99TM).equals(shapely.Point(759_000, 7_087_000))
    lonlat = _read(db_session, WGS84)
    assert 20.2 < lonlat.x < 20.3 and 63.8 < lonlat.y < 63.9
    assert shapely.get_srid(lonlat) == 0  # plain WKB: the file's writer sets the CRS


def test_where_clauses() -> None:
    assert sql_where() == ""
    assert sql_where(None, "") == ""
    assert sql_where("a = 1") == " WHERE a = 1"
    assert sql_where("a = 1", None, "b = :b", "") == " WHERE a = 1 AND b = :b"


def test_a_where_clause_runs(db_session: Session) -> None:
    sql = "SELECT count(*) FROM (VALUES (1), (2), (3)) t(n)" + sql_where("n > 1", None, "n < :top")
    assert db_session.scalar(text(sql), {"top": 3}) == 1


def test_the_municipality_field_fits_a_shapefile() -> None:
    shown = MUNICIPALITY_CODE.dbf or MUNICIPALITY_CODE.name
    assert len(shown) <= 10 and shown.isascii()  # a dBase field name
