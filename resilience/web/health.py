"""/healthz: public, for load balancers and monitoring (services/health.py)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from flask_login import current_user

from resilience.db import db
from resilience.services import health

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Public: is PostGIS reachable (with the extension) and is Redis? Publicly a failing
    service says only "error"; a logged-in user sees which error."""
    body, healthy = health.status(db.session, current_app.config["SETTINGS"])
    if not _logged_in():
        body = {k: "error" if str(v).startswith("error") else v for k, v in body.items()}
    return jsonify(**body), 200 if healthy else 503


def _logged_in() -> bool:
    try:
        return bool(current_user.is_authenticated)
    except Exception:  # the database is down: the user cannot be loaded, so public
        db.rollback_quietly()
        return False
