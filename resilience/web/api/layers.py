"""GET /api/v1/sites, /sites/<id>, /municipalities and /population: the map's layers as
GeoJSON (services/layers.py), WGS 84 unless ?crs=."""

from __future__ import annotations

from flask import request
from flask.typing import ResponseReturnValue

from resilience.db import db
from resilience.services import layers, query_args
from resilience.web.api import bp

MAX_SIMPLIFY_M = 10_000  # simplify= tolerance, metres


@bp.get("/sites")
def sites() -> ResponseReturnValue:
    crs = query_args.epsg(request.args)
    bbox = query_args.bbox(request.args)
    return layers.sites(
        db.session,
        category=request.args.get("category"),
        kind=request.args.get("kind"),
        municipality=request.args.get("municipality"),
        bbox=bbox,
        crs=crs,
        limit=query_args.whole(
            request.args, "limit", layers.MAX_FEATURES, maximum=layers.MAX_FEATURES, clamp=True
        ),
    )


@bp.get("/sites/<int:site_id>")
def site(site_id: int) -> ResponseReturnValue:
    return layers.site(db.session, site_id, crs=query_args.epsg(request.args))


@bp.get("/municipalities")
def municipalities() -> ResponseReturnValue:
    return layers.municipalities(
        db.session,
        crs=query_args.epsg(request.args),
        simplify_m=float(
            query_args.whole(request.args, "simplify", 0, maximum=MAX_SIMPLIFY_M, clamp=True)
        ),
    )


@bp.get("/population")
def population() -> ResponseReturnValue:
    bbox = query_args.bbox(request.args)
    return layers.population(
        db.session,
        bbox=bbox,
        crs=query_args.epsg(request.args),
        limit=query_args.whole(
            request.args, "limit", layers.MAX_FEATURES, maximum=layers.MAX_FEATURES, clamp=True
        ),
    )
