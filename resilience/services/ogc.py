"""OGC API - Features, Part 1 (core, GeoJSON, OpenAPI 3.0) and Part 2 (CRS by reference),
over the views of migration 0005. Response bodies are built here without Flask, like
pygeoapi's `api/`; resilience/web/ogc.py only parses the request and sets headers.

Every view has an `id` and a `geom` in EPSG:3006. Coordinates are served in CRS84 (lon, lat)
by default, or in EPSG:3006 in the axis order of its definition, northing before easting,
as Part 2 requires (`Content-Crs` names the CRS); a `bbox` in `bbox-crs` EPSG:3006 is given
in that order too. PostgreSQL filters, transforms and serialises the features: a page is a
count and one query, and no GeoJSON is parsed in Python.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy import text
from sqlalchemy.orm import Session

from resilience.crs import SWEREF_DOMAIN
from resilience.errors import BadInput, NotFound
from resilience.vocabulary import SWEREF99TM, WGS84

CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
)
DEFAULT_LIMIT = 100
MAX_BIGINT = 2**63 - 1
MAX_LIMIT = 10_000
GEOJSON = "application/geo+json"
JSON = "application/json"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA_JSON = "application/schema+json"
# Part 5's link relation from a collection to the schema of its features.
REL_SCHEMA = "http://www.opengis.net/def/rel/ogc/1.0/schema"


@dataclass(frozen=True)
class Crs:
    """A CRS we serve: its OGC URI, the SRID in PostGIS, decimals to keep (about 1 cm) and
    whether its first axis is northing (then coordinates are swapped from PostGIS's x, y)."""

    uri: str
    srid: int
    digits: int
    northing_first: bool
    aliases: tuple[str, ...] = ()  # short forms accepted in crs and bbox-crs


CRS84 = Crs(
    "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    WGS84,  # PostGIS's 4326 is lon, lat: the axis order of CRS84
    7,
    northing_first=False,
    aliases=("CRS84", "OGC:CRS84", "[OGC:CRS84]", "urn:ogc:def:crs:OGC:1.3:CRS84"),
)
SWEREF = Crs(
    "http://www.opengis.net/def/crs/EPSG/0/3006",
    SWEREF99TM,
    2,
    northing_first=True,
    aliases=("EPSG:3006", "[EPSG:3006]", "urn:ogc:def:crs:EPSG::3006"),
)
CRSES = (CRS84, SWEREF)


def parse_crs(value: str | None, name: str = "crs") -> Crs:
    """A supported CRS from its URI (http or https) or a common short form; else 400."""
    if value is None or value == "":
        return CRS84
    plain = value.strip().replace("https://", "http://", 1)
    for crs in CRSES:
        if plain == crs.uri or plain in crs.aliases:
            return crs
    supported = ", ".join(c.uri for c in CRSES)
    raise BadInput(f"{name} {value!r} is not supported; use one of {supported}")


@dataclass(frozen=True)
class Collection:
    id: str
    view: str  # a view of migration 0005 (sites: 0008): `id`, properties, `geom` (EPSG:3006)
    title: str
    description: str
    geometry: str  # the GeoJSON type of every feature's geometry
    integer_ids: bool = True
    # Collections whose geometries include all of this one's: its extent is theirs (joining
    # a run's 250,000 cells to their geometry only for a bbox would take half a second).
    within: tuple[str, ...] = ()


_SITES = (
    "Site properties are those of the site register (numbers in kW, hours, m², kWh/year);"
    " `attributes` holds the source's other fields."
)
COLLECTIONS: dict[str, Collection] = {
    c.id: c
    for c in (
        Collection(
            "municipalities",
            "ogc_municipalities",
            "Kommuner",
            "Municipality boundaries; the feature id is the four-digit municipality code.",
            "MultiPolygon",
            integer_ids=False,
        ),
        Collection(
            "population",
            "ogc_population",
            "Befolkning (rutnät)",
            "Population grid cells (SCB style): lower-left corner x_ll, y_ll and cell_size in"
            " EPSG:3006 metres, population in inhabitants.",
            "Polygon",
        ),
        Collection(
            "sites-care",
            "ogc_sites_care",
            "Vård och omsorg",
            f"Care sites (elderly homes, health centres, hospitals). {_SITES}",
            "Point",
        ),
        Collection(
            "sites-power",
            "ogc_sites_power",
            "Reservkraft",
            f"Backup power: generators and their capacity and mobilisation time. {_SITES}",
            "Point",
        ),
        Collection(
            "sites-food",
            "ogc_sites_food",
            "Livsmedel",
            f"Food stores. {_SITES}",
            "Point",
        ),
        Collection(
            "sites-energy",
            "ogc_sites_energy",
            "Energikrävande byggnader",
            f"Energy-intensive public buildings and shelters. {_SITES}",
            "Point",
        ),
        Collection(
            "sites-utility",
            "ogc_sites_utility",
            "Fjärrvärmeverk",
            "District heating plants: the care, food and energy sites whose heat_plant is a"
            f" plant's source_id depend on its power for their heat. {_SITES}",
            "Point",
        ),
        Collection(
            "latest-run-sites",
            "ogc_latest_run_sites",
            "Senaste körningen: platser",
            "Care, food and energy sites in the newest finished run: status (grid, backup,"
            " partial, none), hours without power before and after generator dispatch, the"
            " assigned generator and its arrival in hours.",
            "Point",
            within=("sites-care", "sites-power", "sites-food", "sites-energy", "sites-utility"),
        ),
        Collection(
            "latest-run-cells",
            "ogc_latest_run_cells",
            "Senaste körningen: rutor",
            "Populated grid cells in the newest finished run: travel minutes to food, care and"
            " a warm shelter (null: none reachable), baseline and scenario, coverage flags and"
            " new_*_gap where the baseline was covered.",
            "Polygon",
            within=("population",),
        ),
    )
}


def collection_of(collection_id: str) -> Collection:
    try:
        return COLLECTIONS[collection_id]
    except KeyError:
        raise NotFound(f"no collection {collection_id!r}") from None


# --- Query parameters -------------------------------------------------------------------


@dataclass(frozen=True)
class BBox:
    """A bbox as given (in `crs`'s axis order), x/y only."""

    minx: float
    miny: float
    maxx: float
    maxy: float
    crs: Crs


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


def _whole(
    args: Mapping[str, str], name: str, default: int, minimum: int, maximum: int | None = None
) -> int:
    value = args.get(name)
    if value is None:  # given but empty ("limit=") is refused below, like any non-number
        return default
    try:
        number = int(value)
    except ValueError:
        raise BadInput(f"{name} must be a whole number") from None
    if number < minimum:
        raise BadInput(f"{name} must be at least {minimum}")
    if maximum is not None and number > maximum:
        raise BadInput(f"{name} must be at most {maximum}")
    return number


def parse_bbox(value: str, crs: Crs) -> BBox:
    try:
        numbers = [float(p) for p in value.split(",")]
    except ValueError:
        raise BadInput("bbox must be 4 (or 6) numbers separated by commas") from None
    if len(numbers) == 6:  # with heights: lower corner x, y, z, upper corner x, y, z
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise BadInput("bbox must be 4 (or 6) numbers separated by commas")
    minx, miny, maxx, maxy = numbers
    if miny > maxy or (crs is not CRS84 and minx > maxx):
        raise BadInput("bbox: the lower corner must come first (minimum values, then maximum)")
    if crs is CRS84 and not (
        -180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= maxy <= 90
    ):
        raise BadInput("bbox is outside lon/lat range; is it in EPSG:3006 (bbox-crs)?")
    return BBox(minx, miny, maxx, maxy, crs)


def parse_items_query(args: Mapping[str, str]) -> ItemsQuery:
    """The items parameters; BadInput (400) for anything unknown or invalid. A limit above
    MAX_LIMIT is lowered to it, as Part 1 asks."""
    check_parameters(args, ITEMS_PARAMETERS)
    if args.get("datetime"):
        _check_datetime(args["datetime"])
    bbox_crs = parse_crs(args.get("bbox-crs"), "bbox-crs")
    bbox = parse_bbox(args["bbox"], bbox_crs) if args.get("bbox") else None
    echo = tuple(
        (name, args[name]) for name in ("bbox", "bbox-crs", "crs", "datetime") if args.get(name)
    )
    return ItemsQuery(
        limit=min(_whole(args, "limit", DEFAULT_LIMIT, 1), MAX_LIMIT),
        offset=_whole(args, "offset", 0, 0, MAX_BIGINT),  # PostgreSQL's OFFSET is a bigint
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
# View and column names come from COLLECTIONS and the catalogue, never from the request;
# every value from the request is a bound parameter.


@dataclass(frozen=True)
class Column:
    """A property of a collection: its name and its type in JSON, one type for every
    feature (GDAL and QGIS type a field from the first page they read)."""

    name: str
    json_type: str  # "integer", "number", "boolean", "string" or "object"
    format: str | None = None  # "date-time" for timestamps


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
    "jsonb": ("object", None),
    "json": ("object", None),
}

_columns: dict[str, tuple[Column, ...]] = {}


def property_columns(session: Session, view: str) -> tuple[Column, ...]:
    """The view's columns but id and geom, read once per process (views change only with a
    migration, which restarts the service)."""
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
            Column(name, *_JSON_TYPES.get(type_, ("string", None)))
            for name, type_ in rows
            if name not in ("id", "geom")
        )
    return _columns[view]


def _json_value(column: Column) -> str:
    """The column as a JSON value. A float that happens to be whole is written 0.0, not 0, so
    it reads as a number with a fraction on every page; others keep PostgreSQL's shortest
    exact form (15.999999999999996). Strings and the rest as json_build_object writes them."""
    ref = f'v."{column.name}"'
    if column.json_type == "number":
        return (
            f"CASE WHEN {ref} = trunc({ref}) AND abs({ref}) < 1e15"
            f" THEN (trunc({ref})::bigint::text || '.0')::json ELSE to_json({ref}) END"
        )
    return ref


def _feature_sql(session: Session, collection: Collection, crs: Crs) -> str:
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


def _bbox_filter(bbox: BBox) -> tuple[str, dict[str, Any]]:
    """A filter on v.geom (EPSG:3006) that uses the GiST index. A CRS84 box is densified
    before it is transformed, so its edges follow the meridians and parallels; one that
    crosses the antimeridian (minx > maxx) is two boxes."""
    if bbox.crs is SWEREF:  # northing first: swap to PostGIS's x = easting
        return "ST_Intersects(v.geom, ST_MakeEnvelope(:x0, :y0, :x1, :y1, :stored))", {
            "stored": SWEREF99TM,
            "x0": bbox.miny,
            "y0": bbox.minx,
            "x1": bbox.maxy,
            "y1": bbox.maxx,
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


def _extents(session: Session, collections: list[Collection]) -> dict[str, list[float]]:
    """Each collection's bbox in CRS84 (the 3006 extent densified, then transformed); a
    collection with `within` gets the union of theirs, and empty collections none."""
    views = list(dict.fromkeys(c.view for c in collections if not c.within))
    views += [COLLECTIONS[w].view for c in collections for w in c.within]
    wanted = []
    for c in collections:
        if c.within:
            inside = ", ".join(f"'{COLLECTIONS[w].view}'" for w in c.within)
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


# --- Documents ---------------------------------------------------------------------------


def _link(href: str, rel: str, type_: str, title: str) -> dict[str, str]:
    return {"href": href, "rel": rel, "type": type_, "title": title}


def landing_page(base: str) -> dict[str, Any]:
    """`base` is the absolute URL of the landing page without its trailing slash."""
    return {
        "title": "Resilienskarta Västerbotten: OGC API - Features",
        "description": (
            "Care, backup power, food and energy sites, municipalities, the population grid"
            " and the newest finished run's results of Länsstyrelsen Västerbotten's"
            " resilience map. Bearer token required."
        ),
        "links": [
            _link(f"{base}/", "self", JSON, "This document"),
            _link(f"{base}/openapi", "service-desc", OPENAPI_JSON, "The OpenAPI definition"),
            _link(f"{base}/conformance", "conformance", JSON, "Conformance classes"),
            _link(f"{base}/collections", "data", JSON, "The feature collections"),
        ],
    }


def conformance() -> dict[str, Any]:
    return {"conformsTo": list(CONFORMANCE)}


def _collection_document(
    base: str, collection: Collection, extent: list[float] | None
) -> dict[str, Any]:
    url = f"{base}/collections/{collection.id}"
    document: dict[str, Any] = {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "itemType": "feature",
        "links": [
            _link(url, "self", JSON, "This collection"),
            _link(f"{url}/items", "items", GEOJSON, "The features"),
            _link(f"{url}/schema", REL_SCHEMA, SCHEMA_JSON, "The schema of the features"),
            _link(f"{url}/schema", "describedby", SCHEMA_JSON, "The schema of the features"),
            # GDAL 3.6's OAPIF driver types the fields from a JSON Schema of one GeoJSON
            # feature, found by this exact spelling of the relation (it compares case).
            _link(f"{url}/schema/geojson", "describedBy", SCHEMA_JSON, "One feature as GeoJSON"),
        ],
        "crs": [c.uri for c in CRSES],
        "storageCrs": SWEREF.uri,
    }
    if extent is not None:
        document["extent"] = {"spatial": {"bbox": [extent], "crs": CRS84.uri}}
    return document


def collections(session: Session, base: str) -> dict[str, Any]:
    all_ = list(COLLECTIONS.values())
    extents = _extents(session, all_)
    return {
        "links": [_link(f"{base}/collections", "self", JSON, "The feature collections")],
        "collections": [_collection_document(base, c, extents.get(c.id)) for c in all_],
        "crs": [c.uri for c in CRSES],
    }


def collection(session: Session, base: str, collection_id: str) -> dict[str, Any]:
    found = collection_of(collection_id)
    return _collection_document(base, found, _extents(session, [found]).get(found.id))


_GEOMETRY_FORMATS = {
    "Point": "geometry-point",
    "Polygon": "geometry-polygon",
    "MultiPolygon": "geometry-multipolygon",
}


def _property_schema(column: Column) -> dict[str, Any]:
    schema: dict[str, Any] = {"title": column.name, "type": column.json_type}
    if column.format:
        schema["format"] = column.format
    return schema


def schema(session: Session, base: str, collection_id: str) -> dict[str, Any]:
    """OGC API - Features Part 5 (Schemas), the returnables of a collection: a JSON Schema of
    the logical feature, the id and the geometry marked by x-ogc-role. Every property has
    one type; null means no value (an outage without a generator has no generator_id)."""
    found = collection_of(collection_id)
    properties: dict[str, Any] = {
        "id": {
            "title": "id",
            "type": "integer" if found.integer_ids else "string",
            "x-ogc-role": "id",
            "readOnly": True,
        },
        "geometry": {
            "title": "geometry",
            "format": _GEOMETRY_FORMATS[found.geometry],
            "x-ogc-role": "primary-geometry",
        },
    }
    for column in property_columns(session, found.view):
        properties[column.name] = _property_schema(column)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base}/collections/{found.id}/schema",
        "title": found.title,
        "description": found.description,
        "type": "object",
        "properties": properties,
    }


def geojson_schema(session: Session, base: str, collection_id: str) -> dict[str, Any]:
    """The same properties as a JSON Schema of one GeoJSON feature of the items, the form
    GDAL (3.6 and later) reads to type its fields instead of guessing from the first page."""
    found = collection_of(collection_id)
    columns = property_columns(session, found.view)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base}/collections/{found.id}/schema/geojson",
        "title": f"{found.title}: one feature (GeoJSON)",
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "integer" if found.integer_ids else "string"},
            "geometry": {"type": "object", "properties": {"type": {"enum": [found.geometry]}}},
            "properties": {
                "type": "object",
                "properties": {c.name: _property_schema(c) for c in columns},
            },
        },
    }


@dataclass(frozen=True)
class Page:
    """A response body already serialised by PostgreSQL, and the CRS of its coordinates."""

    body: str
    crs: Crs


def items(session: Session, base: str, collection_id: str, query: ItemsQuery) -> Page:
    found = collection_of(collection_id)
    where, params = ("TRUE", {}) if query.bbox is None else _bbox_filter(query.bbox)
    matched = session.execute(
        text(f"SELECT count(*) FROM {found.view} v WHERE {where}"), params
    ).scalar_one()
    # Page on the ids alone, then read those features: PostgreSQL computes the select list
    # of every row OFFSET skips, and a run view's (the scenario's name out of its snapshot)
    # made a deep page of latest-run-cells 18 times slower than the first.
    features = session.execute(
        text(
            f"SELECT {_feature_sql(session, found, query.crs)} FROM (SELECT v.id FROM"
            f" {found.view} v WHERE {where} ORDER BY v.id LIMIT :limit OFFSET :offset) page"
            f" JOIN {found.view} v ON v.id = page.id ORDER BY v.id"
        ),
        {**params, "limit": query.limit, "offset": query.offset},
    ).scalars()
    rows = list(features)

    url = f"{base}/collections/{found.id}"

    def page_url(offset: int) -> str:
        pairs = [*query.echo, ("limit", str(query.limit)), ("offset", str(offset))]
        return f"{url}/items?{urlencode(pairs)}"

    links = [
        _link(page_url(query.offset), "self", GEOJSON, "This page"),
        _link(url, "collection", JSON, found.title),
    ]
    if query.offset + len(rows) < matched:
        links.append(_link(page_url(query.offset + len(rows)), "next", GEOJSON, "Next page"))
    if query.offset > 0:
        links.append(
            _link(page_url(max(0, query.offset - query.limit)), "prev", GEOJSON, "Previous page")
        )
    meta = {
        "numberMatched": matched,
        "numberReturned": len(rows),
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "links": links,
    }
    # The features are JSON text from PostgreSQL: splice them in rather than parse them.
    body = f'{{"type":"FeatureCollection","features":[{",".join(rows)}],{json.dumps(meta)[1:]}'
    return Page(body, query.crs)


def item(session: Session, base: str, collection_id: str, feature_id: str, crs: Crs) -> Page:
    found = collection_of(collection_id)
    if found.integer_ids and not (
        feature_id.isascii() and feature_id.isdigit() and len(feature_id) < 19  # a bigint
    ):
        raise NotFound(f"no feature {feature_id!r} in {found.id}")
    key: int | str = int(feature_id) if found.integer_ids else feature_id
    feature = session.execute(
        text(f"SELECT {_feature_sql(session, found, crs)} FROM {found.view} v WHERE v.id = :id"),
        {"id": key},
    ).scalar_one_or_none()
    if feature is None:
        raise NotFound(f"no feature {feature_id!r} in {found.id}")
    url = f"{base}/collections/{found.id}"
    links = [
        _link(f"{url}/items/{quote(feature_id)}", "self", GEOJSON, "This feature"),
        _link(url, "collection", JSON, found.title),
    ]
    return Page(f'{feature[:-1]},"links":{json.dumps(links)}}}', crs)
