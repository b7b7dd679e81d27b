"""Weather warnings pages: the history (/warnings) and the banner on every page (blueprint
"warnings"). The API (/api/v1/warnings, /api/v1/live) is web/api/warning_api.py; the
warnings are stored and read by services/warnings.py, parsed by geodata/loaders/warnings/."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Any, NamedTuple

from flask import Blueprint, Flask, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from resilience.db import db
from resilience.services import (
    run_clock,
    run_reports,
    runs,
    situation_report,
    warning_banner,
    warnings,
)
from resilience.web.causes import cause_line
from workers.queue import run_job_states

bp = Blueprint("warnings", __name__)


class LiveRun(NamedTuple):
    """A live run as the history lists it."""

    id: int
    status: str


@bp.get("/warnings")
def history_page() -> ResponseReturnValue:
    history = warnings.history(db.session)
    # The status as users see it (failed when the job died), RQ asked once for the page.
    jobs = run_job_states(current_app.config["SETTINGS"], history.runs)
    live_runs = {r.id: LiveRun(r.id, runs.shown_status(r, jobs.get(r.id))[0]) for r in history.runs}
    return render_template(
        "warnings/history.html",
        warnings=history.warnings,
        sources=situation_report.warning_sources(db.session, history.warnings),
        states=history.states,
        live_runs=live_runs,
        now=datetime.now(UTC),
        state=warnings.state,
        feed=warning_banner.feed_health(
            db.session, current_app.config["SETTINGS"].smhi_poll_seconds
        ),
        open_max_hours=current_app.config["SETTINGS"].open_warning_max_hours,
    )


@bp.get("/situation")
def situation_page() -> ResponseReturnValue:
    """The director's first screen after login: is anything happening (the warnings in
    force, or none, and the SMHI feed), and from the newest live run: the residential care
    units that lose power or go cold and when, why, generators sent and free, and people
    without food, care or a warm shelter now and at the peak; each figure links to its
    table on the run page."""
    settings = current_app.config["SETTINGS"]
    run_id = run_reports.live_run_id(db.session)
    active = warnings.active_in_county(db.session)
    report = None
    if run_id is not None and active:
        run = runs.get_run(db.session, run_id)
        report = situation_report.situation_report(db.session, run, settings.smhi_poll_seconds)
    return render_template(
        "warnings/situation.html",
        active=active,
        feed=warning_banner.feed_health(db.session, settings.smhi_poll_seconds),
        report=report,
        cause_line=(partial(cause_line, zero=report.zero) if report else None),
        at_hour=(partial(run_clock.clock, report.zero) if report else None),
    )


@bp.get("/live/version.json")
def live_version() -> ResponseReturnValue:
    """What the open pages poll to keep up (static/js/live_refresh.js): a version that
    changes with the banner, the runs list or the newest live run, and that run's id and
    page."""
    version = warning_banner.live_version(
        db.session, current_app.config["SETTINGS"].smhi_poll_seconds
    )
    run_id = version["live_run_id"]
    return (
        {
            **version,
            "live_run_url": (
                url_for("scenario_pages.run_page", run_id=run_id) if run_id is not None else None
            ),
        },
        200,
        {"Cache-Control": "no-store"},
    )


def banner() -> dict[str, Any]:
    """Active county warnings and the live run, for the banner on every page, and the SMHI
    feed's state when it is down (`feed_down`)."""
    try:
        if not current_user.is_authenticated or request.endpoint in (None, "static"):
            return {}
        state = warning_banner.banner(db.session, current_app.config["SETTINGS"].smhi_poll_seconds)
    except Exception:  # the banner must never take a page down with it
        current_app.logger.exception("warning banner")
        return {}
    shown: dict[str, Any] = {"feed_down": state.feed} if state.feed.degraded else {}
    if not state.active:
        return shown
    # Most severe first; the banner takes the most severe level's colour.
    ordered = sorted(state.active, key=lambda w: (-SEVERITY.get(w.level, 0), w.id))
    return {
        **shown,
        "banner": {"warnings": ordered, "level": ordered[0].level, "changes": state.changes},
    }


SEVERITY = {"message": 0, "yellow": 1, "orange": 2, "red": 3}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.context_processor(banner)
