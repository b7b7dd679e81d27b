"""GET /api/v1/sites, /sites/<id>, /municipalities and /population: the map's layers as
GeoJSON (services/layers.py), WGS 84 unless ?crs=."""

from __future__ import annotations

from flask import request
from flask.typing import ResponseReturnValue

from resilience.db import db
from resilience.services import layers
from resilience.web.api import bp
from resilience.web.api.params import crs_arg, int_arg

MAX_SIMPLIFY_M = 10_000  # simplify= tolerance, metres


@bp.get("/sites")
def sites() -> ResponseReturnValue:
    crs = crs_arg()
    bbox = layers.BBox.parse(request.args.get("bbox"), srid=crs_arg("bbox-crs"))
    return layers.sites(
        db.session,
        category=request.args.get("category"),
        kind=request.args.get("kind"),
        municipality=request.args.get("municipality"),
        bbox=bbox,
        crs=crs,
        limit=int_arg("limit", layers.MAX_FEATURES, layers.MAX_FEATURES),
    )


@bp.get("/sites/<int:site_id>")
def site(site_id: int) -> ResponseReturnValue:
    return layers.site(db.session, site_id, crs=crs_arg())


@bp.get("/municipalities")
def municipalities() -> ResponseReturnValue:
    return layers.municipalities(
        db.session, crs=crs_arg(), simplify_m=float(int_arg("simplify", 0, MAX_SIMPLIFY_M))
    )


@bp.get("/population")
def population() -> ResponseReturnValue:
    bbox = layers.BBox.parse(request.args.get("bbox"), srid=crs_arg("bbox-crs"))
    return layers.population(
        db.session,
        bbox=bbox,
        crs=crs_arg(),
        limit=int_arg("limit", layers.MAX_FEATURES, layers.MAX_FEATURES),
    )
