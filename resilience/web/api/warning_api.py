"""/api/v1/warnings (SMHI IBWW documents and CAP alerts pushed in; the warnings in force as
GeoJSON) and /api/v1/live (the live situation), from services/warnings.py,
warning_ingest.py and warning_banner.py. The pages are web/warning_pages.py."""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from geodata.loaders.warnings import WarningFormatError
from resilience.db import db
from resilience.errors import BadInput, Unavailable
from resilience.models import WeatherWarning
from resilience.services import warning_banner, warning_ingest, warnings
from resilience.web.api import bp
from resilience.web.auth import require_role
from workers.queue import enqueue_live


def _warning_json(w: WeatherWarning) -> dict[str, Any]:
    return {
        "id": w.id,
        "source": w.source,
        "identity": w.identity,
        "version": w.version,
        "level": w.level,
        "event_code": w.event_code,
        "event_sv": w.event_sv,
        "event_en": w.event_en,
        "area_name_sv": w.area_name_sv,
        "area_name_en": w.area_name_en,
        "starts": w.starts.isoformat() if w.starts else None,
        "ends": w.ends.isoformat() if w.ends else None,
        "published": w.published.isoformat(),
        "in_county": w.in_county,
        "involves_wind": w.involves_wind,
        "current": w.current,
        "cancelled": w.cancelled,
    }


@bp.post("/warnings")
@require_role("editor")
def post_warning() -> ResponseReturnValue:
    """An IBWW document (application/json) or a CAP alert (application/xml), for push feeds
    and tests. Nothing is stored unless all of it parses."""
    settings = current_app.config["SETTINGS"]
    try:
        result = warning_ingest.receive(
            db.session,
            settings,
            request.get_data(cache=False),
            request.content_type or "",
            posted_by=current_user.name,
        )
    except WarningFormatError as exc:
        raise BadInput(f"warning refused: {exc}") from exc
    body = result.to_dict()
    if not result.recalculation:
        return {**body, "recalculation_queued": False}, 200
    try:
        enqueue_live(settings, result.recalculation)
    except Unavailable:  # stored; the scheduler's minute check enqueues it later
        current_app.logger.warning("live recalculation not enqueued: Redis is down")
        # Stored, not recalculated: 200, not the 202 of a recalculation under way.
        return {
            **body,
            "recalculation_queued": False,
            "message": "the warning is stored, but the live recalculation could not be "
            "queued (the job queue, Redis, cannot be reached); it starts once Redis is back",
        }, 200
    return {**body, "recalculation_queued": True}, 202


@bp.get("/warnings")
def list_warnings() -> ResponseReturnValue:
    """GeoJSON of the warnings in force (?history=1: every stored version, newest first)."""
    return warnings.warnings_geojson(db.session, history=request.args.get("history") == "1")


@bp.get("/live")
def live() -> ResponseReturnValue:
    """The live situation: warnings over the county, the latest live run, what changed."""
    state, run = warnings.latest_live(db.session)
    return {
        "fingerprint": state.fingerprint if state else None,
        "warnings": [_warning_json(w) for w in warnings.active_in_county(db.session)],
        "run": None
        if run is None
        else {
            "id": run.id,
            "status": run.status,
            "progress": run.progress,
            "url": url_for("api.run_status", run_id=run.id),
        },
        "changes": warning_banner.live_changes(db.session),
    }
