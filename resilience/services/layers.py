"""Read the map layers as GeoJSON, built in PostGIS (transform + serialisation in one query)."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from resilience.errors import BadInput, NotFound
from resilience.services.query_args import BBox
from resilience.vocabulary import KINDS, SITE_NUMBERS, SITE_TEXTS, SWEREF99TM, WGS84, category_names

MAX_FEATURES = 50_000
MUNICIPALITY_CODE = re.compile(r"[0-9]{4}")  # kommunkod, as stored (String(4))
_SITE_COLUMNS = ", ".join(
    (
        "s.id",
        "s.category",
        "s.kind",
        "s.name",
        "s.source",
        "s.source_id",
        "s.municipality_code",
        "m.name AS municipality_name",
        *(f"s.{n}" for n in SITE_TEXTS),
        "s.attributes",
        *(f"s.{n}" for n in SITE_NUMBERS),
    )
)


def municipality_code(value: str | None) -> str | None:
    """A municipality filter as given: None when empty, else four digits or a 400."""
    value = (value or "").strip()
    if not value:
        return None
    if not MUNICIPALITY_CODE.fullmatch(value):
        raise BadInput("municipality must be a municipality code of four digits, e.g. 2480")
    return value


def feature_collection(rows: list[dict[str, Any]], crs: int) -> dict[str, Any]:
    features = []
    for row in rows:
        geometry = json.loads(row.pop("geometry"))
        features.append(
            {
                "type": "Feature",
                "id": row.get("id", row.get("code")),
                "geometry": geometry,
                "properties": row,
            }
        )
    collection: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if crs != WGS84:
        # Legacy GeoJSON crs member: QGIS and GDAL honour it for non-WGS 84 output.
        collection["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{crs}"}}
    return collection


def geometry_sql(column: str, crs: int) -> str:
    digits = 6 if crs == WGS84 else 2  # ~0.1 m in degrees, cm in metres
    if crs == SWEREF99TM:
        return f"ST_AsGeoJSON({column}, {digits}) AS geometry"
    return f"ST_AsGeoJSON(ST_Transform({column}, {int(crs)}), {digits}) AS geometry"


def sites(
    session: Session,
    *,
    category: str | None = None,
    kind: str | None = None,
    municipality: str | None = None,
    bbox: BBox | None = None,
    crs: int = WGS84,
    limit: int = MAX_FEATURES,
) -> dict[str, Any]:
    params: dict[str, Any]
    where, params = ["TRUE"], {"limit": min(limit, MAX_FEATURES)}
    if category:
        if category not in category_names():
            names = ", ".join(category_names())
            raise BadInput(f"unknown category {category!r}; use one of {names}")
        where.append("s.category = :category")
        params["category"] = category
    if kind:
        known = {k for ks in KINDS.values() for k in ks}
        if kind not in known:
            raise BadInput(f"unknown kind {kind!r}")
        where.append("s.kind = :kind")
        params["kind"] = kind
    if municipality := municipality_code(municipality):
        where.append("s.municipality_code = :municipality")
        params["municipality"] = municipality
    if bbox:
        clause, bparams = bbox.sql()
        where.append(clause.replace("geom", "s.geom", 1))
        params.update(bparams)
    sql = (
        f"SELECT {_SITE_COLUMNS}, {geometry_sql('s.geom', crs)} FROM sites s"
        " LEFT JOIN municipalities m ON m.code = s.municipality_code"
        f" WHERE {' AND '.join(where)} ORDER BY s.id LIMIT :limit"
    )
    rows = [dict(r) for r in session.execute(text(sql), params).mappings()]
    return feature_collection(rows, crs)


def site(session: Session, site_id: int, crs: int = WGS84) -> dict[str, Any]:
    sql = (
        f"SELECT {_SITE_COLUMNS}, {geometry_sql('s.geom', crs)},"
        " ST_X(s.geom) AS x_3006, ST_Y(s.geom) AS y_3006 FROM sites s"
        " LEFT JOIN municipalities m ON m.code = s.municipality_code WHERE s.id = :id"
    )
    row = session.execute(text(sql), {"id": site_id}).mappings().first()
    if row is None:
        raise NotFound(f"no site with id {site_id}")
    return feature_collection([dict(row)], crs)["features"][0]


def municipalities(session: Session, crs: int = WGS84, simplify_m: float = 0) -> dict[str, Any]:
    geom = f"ST_SimplifyPreserveTopology(m.geom, {float(simplify_m)})" if simplify_m else "m.geom"
    sql = (
        f"SELECT m.code, m.name, {geometry_sql(geom, crs)},"
        " COALESCE(p.population, 0) AS population, COALESCE(s.sites, 0) AS sites"
        " FROM municipalities m"
        " LEFT JOIN (SELECT municipality_code, SUM(population)::bigint AS population"
        "   FROM population_cells GROUP BY 1) p ON p.municipality_code = m.code"
        " LEFT JOIN (SELECT municipality_code, COUNT(*) AS sites FROM sites GROUP BY 1) s"
        "   ON s.municipality_code = m.code ORDER BY m.code"
    )
    return feature_collection([dict(r) for r in session.execute(text(sql)).mappings()], crs)


def population(
    session: Session, *, bbox: BBox | None = None, crs: int = WGS84, limit: int = MAX_FEATURES
) -> dict[str, Any]:
    where, params = ["population > 0"], {"limit": min(limit, MAX_FEATURES)}
    if bbox:
        clause, bparams = bbox.sql()
        where.append(clause)
        params.update(bparams)
    sql = (
        f"SELECT id, x_ll, y_ll, cell_size, population, municipality_code,"
        f" {geometry_sql('geom', crs)} FROM population_cells"
        f" WHERE {' AND '.join(where)} ORDER BY id LIMIT :limit"
    )
    return feature_collection([dict(r) for r in session.execute(text(sql), params).mappings()], crs)
