"""Weather warnings: the push/test API, the warnings layer, the banner and the history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

from flask import Blueprint, Flask, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select, text

from geodata.loaders.warnings import WarningFormatError
from resilience.db import db
from resilience.errors import BadInput, Unavailable
from resilience.models import LiveState, Run, WeatherWarning
from resilience.services import runs, warnings
from resilience.services.layers import feature_collection, geometry_sql
from resilience.vocabulary import WGS84
from resilience.web.auth import require_role
from workers.queue import enqueue_live, run_job_states

bp = Blueprint("warnings", __name__)


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


@bp.post("/api/v1/warnings")
@require_role("editor")
def post_warning() -> ResponseReturnValue:
    """An IBWW document (application/json) or a CAP alert (application/xml), for push feeds
    and tests. Nothing is stored unless all of it parses."""
    settings = current_app.config["SETTINGS"]
    try:
        result = warnings.ingest(
            db.session,
            settings,
            request.get_data(cache=False),
            request.content_type or "",
            posted_by=current_user.name,
        )
    except WarningFormatError as exc:
        db.session.rollback()
        raise BadInput(f"warning refused: {exc}") from exc
    db.session.commit()
    if result.recalculation:
        try:
            enqueue_live(settings, result.recalculation)
        except Unavailable:  # stored; the scheduler's minute check enqueues it later
            current_app.logger.warning("live recalculation not enqueued: Redis is down")
    return result.to_dict(), 202 if result.recalculation else 200


@bp.get("/api/v1/warnings")
def list_warnings() -> ResponseReturnValue:
    """GeoJSON of the warnings in force (?history=1: every stored version, newest first)."""
    history = request.args.get("history") == "1"
    where = "TRUE" if history else "id = ANY(:ids)"
    ids = [w.id for w in warnings.active_warnings(db.session)]
    sql = (
        "SELECT id, source, identity, version, level, event_code, event_sv, event_en,"
        " area_name_sv, area_name_en, starts, ends, published, in_county, involves_wind,"
        f" current, cancelled, {geometry_sql('ST_SimplifyPreserveTopology(geom, 200)', WGS84)}"
        f" FROM weather_warnings WHERE {where} ORDER BY published DESC, id DESC LIMIT 500"
    )
    rows = []
    for mapping in db.session.execute(text(sql), {"ids": ids}).mappings():
        row = dict(mapping)
        for key in ("starts", "ends", "published"):
            row[key] = row[key].isoformat() if row[key] else None
        rows.append(row)
    return feature_collection(rows, WGS84)


@bp.get("/api/v1/live")
def live() -> ResponseReturnValue:
    """The live situation: warnings over the county, the latest live run, what changed."""
    state = db.session.scalar(select(LiveState).order_by(LiveState.id.desc()).limit(1))
    run = db.session.get(Run, state.run_id) if state and state.run_id else None
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
        "changes": warnings.live_changes(db.session),
    }


class LiveRun(NamedTuple):
    """A live run as the history lists it."""

    id: int
    status: str


@bp.get("/warnings")
def history_page() -> ResponseReturnValue:
    rows = db.session.scalars(
        select(WeatherWarning)
        .order_by(WeatherWarning.received_at.desc(), WeatherWarning.id.desc())
        .limit(200)
    ).all()
    states = db.session.scalars(select(LiveState).order_by(LiveState.id.desc()).limit(50)).all()
    listed = db.session.scalars(
        select(Run).where(Run.id.in_([s.run_id for s in states if s.run_id]))
    ).all()
    # The status as users see it (failed when the job died), RQ asked once for the page.
    jobs = run_job_states(current_app.config["SETTINGS"], listed)
    live_runs = {r.id: LiveRun(r.id, runs.shown_status(r, jobs.get(r.id))[0]) for r in listed}
    return render_template(
        "warnings/history.html",
        warnings=rows,
        states=states,
        live_runs=live_runs,
        now=datetime.now(UTC),
        state=warnings.state,
        feed=_feed_health(),
        open_max_hours=current_app.config["SETTINGS"].open_warning_max_hours,
    )


def _feed_health() -> warnings.FeedHealth:
    return warnings.feed_health(db.session, current_app.config["SETTINGS"].smhi_poll_seconds)


def banner() -> dict[str, Any]:
    """Active county warnings and the live run, for the banner on every page, and the SMHI
    feed's state when it is down (`feed_down`)."""
    try:
        if not current_user.is_authenticated or request.endpoint in (None, "static"):
            return {}
        feed = _feed_health()
        active = warnings.active_in_county(db.session)
    except Exception:  # the banner must never take a page down with it
        current_app.logger.exception("warning banner")
        return {}
    shown: dict[str, Any] = {"feed_down": feed} if feed.degraded else {}
    if not active:
        return shown
    changes = warnings.live_changes(db.session)
    return {**shown, "banner": {"warnings": active, "changes": changes}}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.context_processor(banner)
