"""/healthz: public, for load balancers and monitoring (services/health.py)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from resilience.db import db
from resilience.services import health

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Public: is PostGIS reachable (with the extension) and is Redis?"""
    body, healthy = health.status(db.session, current_app.config["SETTINGS"])
    return jsonify(**body), 200 if healthy else 503
