"""The OpenAPI 3.0 definition of the OGC API - Features service (conformance class oas30):
every path, parameter, status code and response schema that resilience/web/ogc.py serves.
Paths are generic, with the collection ids as an enum (Part 1, 7.11.3)."""

from __future__ import annotations

from typing import Any

from resilience.services.ogc.catalog import (
    CRSES,
    DEFAULT_LIMIT,
    GEOJSON,
    JSON,
    MAX_LIMIT,
    OPENAPI_JSON,
    SCHEMA_JSON,
    catalog,
)

_REF = "#/components/schemas/"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"{_REF}{name}"}


def _response(description: str, media: str, schema: str, crs: bool = False) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {media: {"schema": _ref(schema)}},
    }
    if crs:
        response["headers"] = {
            "Content-Crs": {
                "description": "The CRS of the coordinates, as a URI in angle brackets",
                "schema": {"type": "string"},
            }
        }
    return response


_ERRORS = {
    "400": {"$ref": "#/components/responses/BadRequest"},
    "401": {"$ref": "#/components/responses/Unauthorized"},
}
_NOT_FOUND = {"404": {"$ref": "#/components/responses/NotFound"}}


def _get(
    summary: str,
    operation_id: str,
    ok: dict[str, Any],
    parameters: list[str],
    not_found: bool = False,
) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "operationId": operation_id,
            "parameters": [{"$ref": f"#/components/parameters/{p}"} for p in parameters],
            "responses": {"200": ok, **_ERRORS, **(_NOT_FOUND if not_found else {})},
        }
    }


_LINK = {
    "type": "object",
    "required": ["href"],
    "properties": {
        "href": {"type": "string"},
        "rel": {"type": "string"},
        "type": {"type": "string"},
        "title": {"type": "string"},
    },
}
_GEOMETRY = {
    "type": "object",
    "nullable": True,
    "required": ["type"],
    "properties": {
        "type": {
            "type": "string",
            "enum": [
                "Point",
                "LineString",
                "Polygon",
                "MultiPoint",
                "MultiLineString",
                "MultiPolygon",
                "GeometryCollection",
            ],
        },
        "coordinates": {"type": "array"},
    },
}
_FEATURE = {
    "type": "object",
    "required": ["type", "geometry", "properties"],
    "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        "geometry": _ref("geometry"),
        "properties": {"type": "object", "nullable": True},
        "links": {"type": "array", "items": _ref("link")},
    },
}
_FEATURE_COLLECTION = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": _ref("feature")},
        "links": {"type": "array", "items": _ref("link")},
        "timeStamp": {"type": "string", "format": "date-time"},
        "numberMatched": {"type": "integer", "minimum": 0},
        "numberReturned": {"type": "integer", "minimum": 0},
    },
}
_COLLECTION = {
    "type": "object",
    "required": ["id", "links"],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "itemType": {"type": "string"},
        "links": {"type": "array", "items": _ref("link")},
        "crs": {"type": "array", "items": {"type": "string"}},
        "storageCrs": {"type": "string"},
        "extent": {
            "type": "object",
            "properties": {
                "spatial": {
                    "type": "object",
                    "properties": {
                        "bbox": {
                            "type": "array",
                            "items": {
                                "type": "array",
                                "minItems": 4,
                                "maxItems": 4,
                                "items": {"type": "number"},
                            },
                        },
                        "crs": {"type": "string"},
                    },
                }
            },
        },
    },
}


def openapi_document(base: str) -> dict[str, Any]:
    """`base` is the absolute URL of the landing page without its trailing slash."""
    crs_uris = [c.uri for c in CRSES]
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Resilienskarta Västerbotten: OGC API - Features",
            "version": "1.0.0",
            "description": (
                "The resilience map's layers and the newest finished run's results."
                " Coordinates in CRS84 by default; with crs (and bbox-crs) EPSG:3006 in its"
                " axis order, northing first."
            ),
        },
        "servers": [{"url": base}],
        "security": [{"bearerToken": []}, {"basicToken": []}, {"session": []}],
        "paths": {
            "/": _get(
                "Landing page", "getLandingPage", _response("Links", JSON, "landingPage"), ["f"]
            ),
            "/conformance": _get(
                "Conformance classes",
                "getConformance",
                _response("The conformance classes", JSON, "confClasses"),
                ["f"],
            ),
            "/openapi": _get(
                "This OpenAPI definition",
                "getOpenAPI",
                {"description": "OpenAPI 3.0", "content": {OPENAPI_JSON: {"schema": {}}}},
                ["f"],
            ),
            "/collections": _get(
                "The feature collections",
                "getCollections",
                _response("The collections", JSON, "collections"),
                ["f"],
            ),
            "/collections/{collectionId}": _get(
                "One feature collection",
                "describeCollection",
                _response("The collection", JSON, "collection"),
                ["collectionId", "f"],
                not_found=True,
            ),
            "/collections/{collectionId}/schema": _get(
                "The schema of the collection's features (Part 5)",
                "getSchema",
                {"description": "JSON Schema", "content": {SCHEMA_JSON: {"schema": {}}}},
                ["collectionId", "f"],
                not_found=True,
            ),
            "/collections/{collectionId}/schema/geojson": _get(
                "The schema of one feature as GeoJSON (read by GDAL)",
                "getGeoJSONSchema",
                {"description": "JSON Schema", "content": {SCHEMA_JSON: {"schema": {}}}},
                ["collectionId", "f"],
                not_found=True,
            ),
            "/collections/{collectionId}/items": _get(
                "Features of a collection, by page",
                "getFeatures",
                _response("A page of features", GEOJSON, "featureCollection", crs=True),
                ["collectionId", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "f"],
                not_found=True,
            ),
            "/collections/{collectionId}/items/{featureId}": _get(
                "One feature",
                "getFeature",
                _response("The feature", GEOJSON, "feature", crs=True),
                ["collectionId", "featureId", "crs", "f"],
                not_found=True,
            ),
        },
        "components": {
            "securitySchemes": {
                "bearerToken": {"type": "http", "scheme": "bearer"},
                "basicToken": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "The user name and an API token as the password",
                },
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
            "parameters": {
                "collectionId": {
                    "name": "collectionId",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "enum": list(catalog())},
                },
                "featureId": {
                    "name": "featureId",
                    "in": "path",
                    "required": True,
                    "description": "municipalities: the municipality code; others: an integer",
                    "schema": {"type": "string"},
                },
                "limit": {
                    "name": "limit",
                    "in": "query",
                    "description": f"Features per page; above {MAX_LIMIT} counts as {MAX_LIMIT}",
                    "required": False,
                    "style": "form",
                    "explode": False,
                    "schema": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": MAX_LIMIT,
                        "default": DEFAULT_LIMIT,
                    },
                },
                "offset": {
                    "name": "offset",
                    "in": "query",
                    "description": "Features to skip (the next link sets it)",
                    "schema": {"type": "integer", "minimum": 0, "default": 0},
                },
                "bbox": {
                    "name": "bbox",
                    "in": "query",
                    "description": "Lower corner, then upper corner, in bbox-crs's axis order",
                    "style": "form",
                    "explode": False,
                    "schema": {
                        "type": "array",
                        "minItems": 4,
                        "maxItems": 6,
                        "items": {"type": "number"},
                    },
                },
                "bbox-crs": {
                    "name": "bbox-crs",
                    "in": "query",
                    "schema": {"type": "string", "format": "uri", "enum": crs_uris},
                },
                "crs": {
                    "name": "crs",
                    "in": "query",
                    "schema": {"type": "string", "format": "uri", "enum": crs_uris},
                },
                "datetime": {
                    "name": "datetime",
                    "in": "query",
                    "description": "Accepted; no collection has a temporal property",
                    "required": False,
                    "style": "form",
                    "explode": False,
                    "schema": {"type": "string"},
                },
                "f": {
                    "name": "f",
                    "in": "query",
                    "schema": {"type": "string", "enum": ["json"], "default": "json"},
                },
            },
            "responses": {
                "BadRequest": _response("A parameter is unknown or invalid", JSON, "error"),
                "Unauthorized": _response("No session and no valid API token", JSON, "error"),
                "NotFound": _response("No such collection or feature", JSON, "error"),
            },
            "schemas": {
                "link": _LINK,
                "landingPage": {
                    "type": "object",
                    "required": ["links"],
                    "properties": {
                        "title": {"type": "string"},
                        "description": {"type": "string"},
                        "links": {"type": "array", "items": _ref("link")},
                    },
                },
                "confClasses": {
                    "type": "object",
                    "required": ["conformsTo"],
                    "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}},
                },
                "collections": {
                    "type": "object",
                    "required": ["links", "collections"],
                    "properties": {
                        "links": {"type": "array", "items": _ref("link")},
                        "collections": {"type": "array", "items": _ref("collection")},
                        "crs": {"type": "array", "items": {"type": "string"}},
                    },
                },
                "collection": _COLLECTION,
                "geometry": _GEOMETRY,
                "feature": _FEATURE,
                "featureCollection": _FEATURE_COLLECTION,
                "error": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
                },
            },
        },
    }
