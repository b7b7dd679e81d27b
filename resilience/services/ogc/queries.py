"""OGC API - Features: the query parameters (unknown ones refused, limit, offset, bbox,
bbox-crs, crs, datetime) and the SQL (view and column names come from the catalogue, never
from the request; every value from the request is a bound parameter)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from resilience.crs import SWEREF_DOMAIN
from resilience.errors import BadInput
from resilience.services.ogc.catalog import (
    CRS84,
    DEFAULT_LIMIT,
    MAX_BIGINT,
    MAX_LIMIT,
    Collection,
    Crs,
    catalog,
    parse_crs,
)
from resilience.services.query_args import BBox, parse_bbox, whole
from resilience.vocabulary import CATEGORY, SITE_NUMBERS, SWEREF99TM, WGS84

# --- Query parameters -------------------------------------------------------------------


@dataclass(frozen=True)
class ItemsQuery:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    bbox: BBox | None = None
    crs: Crs = CRS84
    # The parameters that select features, repeated in the next/prev links.
    echo: tuple[tuple[str, str], ...] = ()


ITEMS_PARAMETERS = frozenset({"limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "f"})
ITEM_PARAMETERS = frozenset({"crs", "f"})
DOCUMENT_PARAMETERS = frozenset({"f"})


def check_parameters(args: Mapping[str, str], allowed: frozenset[str]) -> None:
    """Part 1 (/req/core/query-param-unknown): an unknown parameter is a 400, and only JSON
    is offered (f=json, the default)."""
    unknown = sorted(set(args) - allowed)
    if unknown:
        raise BadInput(
            f"unknown query parameter {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        )
    f = args.get("f")
    if f not in (None, "json"):
        raise BadInput(f"f={f} is not offered; this service speaks JSON only (f=json)")


def parse_items_query(args: Mapping[str, str]) -> ItemsQuery:
    """The items parameters; BadInput (400) for anything unknown or invalid. A limit above
    MAX_LIMIT is lowered to it, as Part 1 asks."""
    check_parameters(args, ITEMS_PARAMETERS)
    if args.get("datetime"):
        _check_datetime(args["datetime"])
    bbox_crs = parse_crs(args.get("bbox-crs"), "bbox-crs")
    bbox = (
        parse_bbox(
            args["bbox"],
            bbox_crs.srid,
            northing_first=bbox_crs.northing_first,
            heights=True,
            antimeridian=True,
        )
        if args.get("bbox")
        else None
    )
    echo = tuple(
        (name, args[name]) for name in ("bbox", "bbox-crs", "crs", "datetime") if args.get(name)
    )
    return ItemsQuery(
        limit=whole(args, "limit", DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT, clamp=True),
        offset=whole(args, "offset", 0, maximum=MAX_BIGINT),  # PostgreSQL's OFFSET is a bigint
        bbox=bbox,
        crs=parse_crs(args.get("crs")),
        echo=echo,
    )


def _check_datetime(value: str) -> None:
    """An RFC 3339 instant or interval ('..' for open ends). No collection has a temporal
    property, so a valid datetime selects every feature (there is no time to exclude by)."""
    parts = value.split("/")
    if len(parts) > 2 or all(p in ("", "..") for p in parts):
        raise BadInput("datetime must be an RFC 3339 date-time or an interval start/end")
    for part in parts:
        if part in ("", ".."):
            continue
        try:
            datetime.fromisoformat(part.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise BadInput(f"datetime {part!r} is not an RFC 3339 date or date-time") from None


# --- SQL ---------------------------------------------------------------------------------
# View and column names come from catalog() and PostgreSQL's catalogue, never from the request;
# every value from the request is a bound parameter.


@dataclass(frozen=True)
class Column:
    """A property of a collection: its name and its type in JSON, one type for every
    feature (GDAL and QGIS type a field from the first page they read)."""

    name: str
    json_type: str  # "integer", "number", "boolean" or "string"
    format: str | None = None  # "date-time" for timestamps
    # A JSON document (jsonb) served as its text: QGIS 3.22 makes a nested object a map
    # field, which no "Save Features As" format can write (issue 23, item 2).
    json_text: bool = False


# PostgreSQL's type names (format_type) → JSON Schema type and format.
_JSON_TYPES: dict[str, tuple[str, str | None]] = {
    "integer": ("integer", None),
    "bigint": ("integer", None),
    "smallint": ("integer", None),
    "double precision": ("number", None),
    "real": ("number", None),
    "numeric": ("number", None),
    "boolean": ("boolean", None),
    "timestamp with time zone": ("string", "date-time"),
    "date": ("string", "date"),
}
_JSON_DOCUMENTS = frozenset({"jsonb", "json"})  # served as JSON text, as the exports do

_columns: dict[str, tuple[Column, ...]] = {}
# The site columns only some categories use. A site collection serves those of its category
# (vocabulary.CATEGORY[...].fields), as the exports do: a column null for every feature
# reaches QGIS 3.22 as text (it types fields from values), so sites-care has no capacity_kw.
_CATEGORY_COLUMNS = frozenset({*SITE_NUMBERS, "owner", "heating", "heat_plant"})


def _served(view: str, column: str) -> bool:
    category = next((c for c in CATEGORY.values() if c.view == view), None)
    return category is None or column not in _CATEGORY_COLUMNS or column in category.fields


def property_columns(session: Session, view: str) -> tuple[Column, ...]:
    """The view's columns but id and geom (and a site collection's columns of other
    categories), read once per process (views change only with a migration, which restarts
    the service)."""
    if view not in _columns:
        rows = session.execute(
            text(
                "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute"
                " WHERE attrelid = CAST(:view AS regclass) AND attnum > 0 AND NOT attisdropped"
                " ORDER BY attnum"
            ),
            {"view": view},
        )
        _columns[view] = tuple(
            Column(name, *_JSON_TYPES.get(type_, ("string", None)), type_ in _JSON_DOCUMENTS)
            for name, type_ in rows
            if name not in ("id", "geom") and _served(view, name)
        )
    return _columns[view]


def _json_value(column: Column) -> str:
    """The column as a JSON value. A float that happens to be whole is written 0.0, not 0, so
    it reads as a number with a fraction on every page; others keep PostgreSQL's shortest
    exact form (15.999999999999996). A JSON document as a string of its text; strings and
    the rest as json_build_object writes them."""
    ref = f'v."{column.name}"'
    if column.json_text:
        return f"to_json({ref}::text)"
    if column.json_type == "number":
        return (
            f"CASE WHEN {ref} = trunc({ref}) AND abs({ref}) < 1e15"
            f" THEN (trunc({ref})::bigint::text || '.0')::json ELSE to_json({ref}) END"
        )
    return ref


def feature_sql(session: Session, collection: Collection, crs: Crs) -> str:
    geom = "v.geom" if crs.srid == SWEREF99TM else f"ST_Transform(v.geom, {crs.srid})"
    if crs.northing_first:
        geom = f"ST_FlipCoordinates({geom})"
    # ST_AsGeoJSON option 0: no "crs" member in the geometry; Content-Crs says it.
    pairs = ", ".join(
        f"'{c.name}', {_json_value(c)}" for c in property_columns(session, collection.view)
    )
    return (
        "json_build_object('type', 'Feature', 'id', v.id,"
        f" 'geometry', ST_AsGeoJSON({geom}, {crs.digits}, 0)::json,"
        f" 'properties', json_build_object({pairs}))::text"
    )


# QGIS 3.22 reads no schema: it types every field from the first page it asks for,
# `items?limit=10`, as OGR's GeoJSON reader does (a field null in all of them is text, so
# 27 numbers arrived as '89'). So the first page holds, for every property that has a value
# anywhere in the selection, a feature that has one: these "leaders" come first, then the
# rest by id, on every page alike.
FIRST_PAGE = 10


def leaders_sql(columns: tuple[Column, ...]) -> str:
    """The select list that finds, for each property, the first feature (by id) with a
    value: added to a page's count, which reads every selected feature anyway."""
    return "".join(f', min(v.id) FILTER (WHERE v."{c.name}" IS NOT NULL)' for c in columns)


def choose_leaders(
    session: Session,
    view: str,
    where: str,
    params: dict[str, Any],
    columns: tuple[Column, ...],
    firsts: list[Any],
) -> list[Any]:
    """Few features that together have a value for every property that has one (`firsts`:
    each property's first feature with a value, None for none), greedily the one with the
    most properties not yet covered; at most FIRST_PAGE. None when the first FIRST_PAGE
    features by id cover every property already: then the order is simply by id."""
    candidates = sorted({f for f in firsts if f is not None})
    if not candidates:
        return []
    last = session.execute(
        text(
            f"SELECT v.id FROM {view} v WHERE {where} ORDER BY v.id LIMIT 1 OFFSET {FIRST_PAGE - 1}"
        ),
        params,
    ).scalar()
    if last is None or candidates[-1] <= last:
        return []
    values = ", ".join(f'v."{c.name}" IS NOT NULL' for c in columns)
    rows = session.execute(
        text(f"SELECT v.id, ARRAY[{values}] FROM {view} v WHERE v.id = ANY(:ids)"),
        {"ids": candidates},
    ).all()
    has = {row[0]: {i for i, value in enumerate(row[1]) if value} for row in rows}
    wanted = {i for i, first in enumerate(firsts) if first is not None}
    chosen: list[Any] = []
    while wanted and has and len(chosen) < FIRST_PAGE:
        best = max(sorted(has), key=lambda key: len(has[key] & wanted))
        chosen.append(best)
        wanted -= has.pop(best)
    return sorted(chosen)


def page_order(leaders: list[Any]) -> str:
    """ORDER BY of a page: the leaders first (bound as :leaders), then by id."""
    return "v.id = ANY(:leaders) DESC, v.id" if leaders else "v.id"


def bbox_filter(bbox: BBox) -> tuple[str, dict[str, Any]]:
    """A filter on v.geom (EPSG:3006) that uses the GiST index. A CRS84 box is densified
    before it is transformed, so its edges follow the meridians and parallels; one that
    crosses the antimeridian (minx > maxx) is two boxes."""
    if bbox.srid == SWEREF99TM:  # given northing first, already swapped to x = easting
        return "ST_Intersects(v.geom, ST_MakeEnvelope(:x0, :y0, :x1, :y1, :stored))", {
            "stored": SWEREF99TM,
            "x0": bbox.minx,
            "y0": bbox.miny,
            "x1": bbox.maxx,
            "y1": bbox.maxy,
        }
    boxes = (
        [(bbox.minx, bbox.maxx)]
        if bbox.minx <= bbox.maxx
        else [(bbox.minx, 180), (-180, bbox.maxx)]
    )
    d_minx, d_miny, d_maxx, d_maxy = SWEREF_DOMAIN
    clauses, params = [], {}
    for i, (x0, x1) in enumerate(boxes):
        x0, x1 = max(x0, d_minx), min(x1, d_maxx)
        y0, y1 = max(bbox.miny, d_miny), min(bbox.maxy, d_maxy)
        if x0 > x1 or y0 > y1:
            continue  # wholly outside where anything is stored
        clauses.append(
            f"ST_Intersects(v.geom, ST_Transform(ST_Segmentize("
            f"ST_MakeEnvelope(:x0_{i}, :y0_{i}, :x1_{i}, :y1_{i}, :lonlat), 0.05), :stored))"
        )
        params.update({f"x0_{i}": x0, f"y0_{i}": y0, f"x1_{i}": x1, f"y1_{i}": y1})
    if not clauses:
        return "FALSE", {}
    params.update({"lonlat": WGS84, "stored": SWEREF99TM})
    return f"({' OR '.join(clauses)})", params


def extents(session: Session, collections: list[Collection]) -> dict[str, list[float]]:
    """Each collection's bbox in CRS84 (the 3006 extent densified, then transformed); a
    collection with `within` gets the union of theirs, and empty collections none."""
    views = list(dict.fromkeys(c.view for c in collections if not c.within))
    by_id = catalog()
    views += [by_id[w].view for c in collections for w in c.within]
    wanted = []
    for c in collections:
        if c.within:
            inside = ", ".join(f"'{by_id[w].view}'" for w in c.within)
            box = (
                f"SELECT ST_Extent(box) FROM boxes WHERE view IN ({inside})"
                f" AND EXISTS (SELECT 1 FROM {c.view})"
            )
        else:
            box = f"SELECT box FROM boxes WHERE view = '{c.view}'"
        wanted.append(f"SELECT '{c.id}' AS id, ({box}) AS box")
    boxes = (
        f"SELECT '{view}' AS view, ST_Extent(geom) AS box FROM {view}"
        for view in dict.fromkeys(views)
    )
    sql = (
        f"WITH boxes AS ({' UNION ALL '.join(boxes)}),"
        f" wanted AS ({' UNION ALL '.join(wanted)}),"
        " lonlat AS (SELECT id, ST_Transform(ST_Segmentize(ST_SetSRID(box::geometry, :stored),"
        " 5000), :lonlat) AS g FROM wanted WHERE box IS NOT NULL)"
        " SELECT id, ST_XMin(g), ST_YMin(g), ST_XMax(g), ST_YMax(g) FROM lonlat"
    )
    return {
        cid: _outward(minx, miny, maxx, maxy)
        for cid, minx, miny, maxx, maxy in session.execute(
            text(sql), {"stored": SWEREF99TM, "lonlat": WGS84}
        )
    }


def _outward(minx: float, miny: float, maxx: float, maxy: float) -> list[float]:
    """Six decimals, rounded outwards with about a metre to spare, so the box still holds
    every coordinate (served with seven decimals)."""
    margin, scale = 1e-5, 1e6
    return [
        math.floor((minx - margin) * scale) / scale,
        math.floor((miny - margin) * scale) / scale,
        math.ceil((maxx + margin) * scale) / scale,
        math.ceil((maxy + margin) * scale) / scale,
    ]
