"""OGC API - Features, Part 1 (core, GeoJSON, OpenAPI 3.0) and Part 2 (CRS by reference),
over the views of migration 0005. Response bodies are built here without Flask, like
pygeoapi's `api/`; resilience/web/ogc.py only parses the request and sets headers.

Every view has an `id` and a `geom` in EPSG:3006. Coordinates are served in CRS84 (lon, lat)
by default, or in EPSG:3006 in the axis order of its definition, northing before easting,
as Part 2 requires (`Content-Crs` names the CRS); a `bbox` in `bbox-crs` EPSG:3006 is given
in that order too. PostgreSQL filters, transforms and serialises the features: a page is a
count and one query, and no GeoJSON is parsed in Python.

The package: `catalog` (media types, CRSs, collections), `queries` (query parameters and
SQL), `documents` (the response bodies) and `openapi` (the OpenAPI 3.0 definition).
"""

from __future__ import annotations

from resilience.services.ogc.catalog import (
    CONFORMANCE,
    CRS84,
    CRSES,
    DEFAULT_LIMIT,
    GEOJSON,
    JSON,
    MAX_BIGINT,
    MAX_LIMIT,
    OPENAPI_JSON,
    REL_SCHEMA,
    SCHEMA_JSON,
    SWEREF,
    Collection,
    Crs,
    catalog,
    collection_of,
    parse_crs,
)
from resilience.services.ogc.documents import (
    Page,
    collection,
    collections,
    conformance,
    geojson_schema,
    item,
    items,
    landing_page,
    schema,
)
from resilience.services.ogc.queries import (
    DOCUMENT_PARAMETERS,
    ITEM_PARAMETERS,
    ITEMS_PARAMETERS,
    BBox,
    Column,
    ItemsQuery,
    check_parameters,
    parse_bbox,
    parse_items_query,
    property_columns,
)

__all__ = [
    "CONFORMANCE",
    "CRS84",
    "CRSES",
    "DEFAULT_LIMIT",
    "DOCUMENT_PARAMETERS",
    "GEOJSON",
    "ITEMS_PARAMETERS",
    "ITEM_PARAMETERS",
    "JSON",
    "MAX_BIGINT",
    "MAX_LIMIT",
    "OPENAPI_JSON",
    "REL_SCHEMA",
    "SCHEMA_JSON",
    "SWEREF",
    "BBox",
    "Collection",
    "Column",
    "Crs",
    "ItemsQuery",
    "Page",
    "catalog",
    "check_parameters",
    "collection",
    "collection_of",
    "collections",
    "conformance",
    "geojson_schema",
    "item",
    "items",
    "landing_page",
    "parse_bbox",
    "parse_crs",
    "parse_items_query",
    "property_columns",
    "schema",
]
