"""JSON API v1. Views parse the request, call a service and serialise; nothing else."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from redis import Redis
from sqlalchemy import text

from resilience.crs import WGS84, parse_epsg
from resilience.db import db
from resilience.errors import BadInput
from resilience.services import layers

bp = Blueprint("api", __name__)


def _crs_arg(name: str = "crs") -> int:
    try:
        return parse_epsg(request.args.get(name), default=WGS84)
    except ValueError as exc:
        raise BadInput(str(exc)) from exc


def _int_arg(name: str, default: int) -> int:
    value = request.args.get(name)
    if value is None:
        return default
    if not value.isdigit():
        raise BadInput(f"{name} must be a whole number")
    return int(value)


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    """Public: is PostGIS reachable (with the extension) and is Redis?"""
    status = {"database": "ok", "redis": "ok"}
    try:
        db.session.execute(text("SELECT postgis_version()"))
    except Exception as exc:  # any failure means unhealthy; say which
        status["database"] = f"error: {type(exc).__name__}"
    try:
        Redis.from_url(current_app.config["SETTINGS"].redis_url, socket_timeout=2).ping()
    except Exception as exc:
        status["redis"] = f"error: {type(exc).__name__}"
    healthy = all(v == "ok" for v in status.values())
    return jsonify(status=("ok" if healthy else "unhealthy"), **status), 200 if healthy else 503


@bp.get("/api/v1/sites")
def sites():  # type: ignore[no-untyped-def]
    crs = _crs_arg()
    bbox = layers.BBox.parse(request.args.get("bbox"), srid=_crs_arg("bbox-crs"))
    return layers.sites(
        db.session,
        category=request.args.get("category"),
        kind=request.args.get("kind"),
        municipality=request.args.get("municipality"),
        bbox=bbox,
        crs=crs,
        limit=_int_arg("limit", layers.MAX_FEATURES),
    )


@bp.get("/api/v1/sites/<int:site_id>")
def site(site_id: int):  # type: ignore[no-untyped-def]
    return layers.site(db.session, site_id, crs=_crs_arg())


@bp.get("/api/v1/municipalities")
def municipalities():  # type: ignore[no-untyped-def]
    return layers.municipalities(
        db.session, crs=_crs_arg(), simplify_m=float(_int_arg("simplify", 0))
    )


@bp.get("/api/v1/population")
def population():  # type: ignore[no-untyped-def]
    bbox = layers.BBox.parse(request.args.get("bbox"), srid=_crs_arg("bbox-crs"))
    return layers.population(
        db.session, bbox=bbox, crs=_crs_arg(), limit=_int_arg("limit", layers.MAX_FEATURES)
    )
