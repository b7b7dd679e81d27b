"""OGC API - Features: the response bodies (landing page, conformance, collections,
schemas, pages of features and one feature), built without Flask."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy import text
from sqlalchemy.orm import Session

from resilience.errors import NotFound
from resilience.services.ogc.catalog import (
    CONFORMANCE,
    CRS84,
    CRSES,
    GEOJSON,
    JSON,
    OPENAPI_JSON,
    REL_SCHEMA,
    SCHEMA_JSON,
    SWEREF,
    Collection,
    Crs,
    catalog,
    collection_of,
)
from resilience.services.ogc.queries import (
    Column,
    ItemsQuery,
    bbox_filter,
    choose_leaders,
    extents,
    feature_sql,
    leaders_sql,
    page_order,
    property_columns,
)

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
    all_ = list(catalog().values())
    boxes = extents(session, all_)
    return {
        "links": [_link(f"{base}/collections", "self", JSON, "The feature collections")],
        "collections": [_collection_document(base, c, boxes.get(c.id)) for c in all_],
        "crs": [c.uri for c in CRSES],
    }


def collection(session: Session, base: str, collection_id: str) -> dict[str, Any]:
    found = collection_of(collection_id)
    return _collection_document(base, found, extents(session, [found]).get(found.id))


_GEOMETRY_FORMATS = {
    "Point": "geometry-point",
    "LineString": "geometry-linestring",
    "MultiLineString": "geometry-multilinestring",
    "Polygon": "geometry-polygon",
    "MultiPolygon": "geometry-multipolygon",
}


def _property_schema(column: Column) -> dict[str, Any]:
    schema: dict[str, Any] = {"title": column.name, "type": column.json_type}
    if column.format:
        schema["format"] = column.format
    if column.json_text:
        schema["contentMediaType"] = "application/json"  # a JSON document as text
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
    where, params = ("TRUE", {}) if query.bbox is None else bbox_filter(query.bbox)
    columns = property_columns(session, found.view)
    counted = session.execute(
        text(f"SELECT count(*){leaders_sql(columns)} FROM {found.view} v WHERE {where}"), params
    ).one()
    matched = counted[0]
    # The first page holds a value of every property that has one (QGIS 3.22 types its
    # fields from it), on every page in the same order (queries.choose_leaders).
    leaders = choose_leaders(session, found.view, where, params, columns, list(counted[1:]))
    order = page_order(leaders)
    # Page on the ids alone, then read those features: PostgreSQL computes the select list
    # of every row OFFSET skips, and a run view's (the scenario's name out of its snapshot)
    # made a deep page of latest-run-cells 18 times slower than the first.
    features = session.execute(
        text(
            f"SELECT {feature_sql(session, found, query.crs)} FROM (SELECT v.id FROM"
            f" {found.view} v WHERE {where} ORDER BY {order} LIMIT :limit OFFSET :offset) page"
            f" JOIN {found.view} v ON v.id = page.id ORDER BY {order}"
        ),
        {**params, "limit": query.limit, "offset": query.offset, "leaders": leaders},
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
        text(f"SELECT {feature_sql(session, found, crs)} FROM {found.view} v WHERE v.id = :id"),
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
