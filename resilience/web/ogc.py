"""OGC API - Features under /ogc, for QGIS, ArcGIS, GDAL and OWSLib. Thin: each view checks
the parameters, calls resilience.services.ogc and sets the media type and Content-Crs.
Authentication is the app's guard (bearer token or session; 401 JSON otherwise)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, request, url_for

from resilience.db import db
from resilience.services import ogc
from resilience.services.ogc.openapi import openapi_document

bp = Blueprint("ogc", __name__, url_prefix="/ogc")


def _base() -> str:
    """The landing page's absolute URL (the request's scheme and host), no trailing slash."""
    return url_for("ogc.landing_page", _external=True).rstrip("/")


def _json(body: dict[str, Any], mimetype: str = ogc.JSON) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), mimetype=mimetype)


def _page(page: ogc.Page) -> Response:
    response = Response(page.body, mimetype=ogc.GEOJSON)
    response.headers["Content-Crs"] = f"<{page.crs.uri}>"
    return response


@bp.get("")
@bp.get("/")
def landing_page() -> Response:
    ogc.check_parameters(request.args, ogc.DOCUMENT_PARAMETERS)
    return _json(ogc.landing_page(_base()))


@bp.get("/conformance")
def conformance() -> Response:
    ogc.check_parameters(request.args, ogc.DOCUMENT_PARAMETERS)
    return _json(ogc.conformance())


@bp.get("/openapi")
def openapi() -> Response:
    ogc.check_parameters(request.args, ogc.DOCUMENT_PARAMETERS)
    return _json(openapi_document(_base()), ogc.OPENAPI_JSON)


@bp.get("/collections")
def collections() -> Response:
    ogc.check_parameters(request.args, ogc.DOCUMENT_PARAMETERS)
    return _json(ogc.collections(db.session, _base()))


@bp.get("/collections/<collection_id>")
def collection(collection_id: str) -> Response:
    ogc.check_parameters(request.args, ogc.DOCUMENT_PARAMETERS)
    return _json(ogc.collection(db.session, _base(), collection_id))


@bp.get("/collections/<collection_id>/schema")
def schema(collection_id: str) -> Response:
    ogc.check_parameters(request.args, ogc.DOCUMENT_PARAMETERS)
    return _json(ogc.schema(db.session, _base(), collection_id), ogc.SCHEMA_JSON)


@bp.get("/collections/<collection_id>/schema/geojson")
def geojson_schema(collection_id: str) -> Response:
    ogc.check_parameters(request.args, ogc.DOCUMENT_PARAMETERS)
    return _json(ogc.geojson_schema(db.session, _base(), collection_id), ogc.SCHEMA_JSON)


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str) -> Response:
    ogc.collection_of(collection_id)  # 404 before 400: the path is checked first
    query = ogc.parse_items_query(request.args)
    return _page(ogc.items(db.session, _base(), collection_id, query))


@bp.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id: str, feature_id: str) -> Response:
    ogc.collection_of(collection_id)
    ogc.check_parameters(request.args, ogc.ITEM_PARAMETERS)
    crs = ogc.parse_crs(request.args.get("crs"))
    return _page(ogc.item(db.session, _base(), collection_id, feature_id, crs))
