"""Weather warnings pages: the history (/warnings) and the banner on every page (blueprint
"warnings"). The API (/api/v1/warnings, /api/v1/live) is web/api/warning_api.py; the
warnings are stored and read by services/warnings.py, parsed by geodata/loaders/warnings/."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

from flask import Blueprint, Flask, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from resilience.db import db
from resilience.services import runs, warning_banner, warnings
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
        states=history.states,
        live_runs=live_runs,
        now=datetime.now(UTC),
        state=warnings.state,
        feed=warning_banner.feed_health(
            db.session, current_app.config["SETTINGS"].smhi_poll_seconds
        ),
        open_max_hours=current_app.config["SETTINGS"].open_warning_max_hours,
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
    return {**shown, "banner": {"warnings": state.active, "changes": state.changes}}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.context_processor(banner)
