"""The situation report (lägesbild) of a finished run, as a page and as a PDF, in Swedish
whatever the reader's language, and the newest live run's. On the blueprint of
web/scenario_pages/. A report says what it is: a live run's names its warnings and their
sources and the SMHI feed's health; a planning scenario's is marked as a scenario. Every
report carries its author, time of issue, classification line and, when given (`next`), the
next update."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from functools import partial
from typing import Any

from flask import Response, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from resilience.config import LOCAL_TZ
from resilience.db import db
from resilience.errors import BadInput, NotFound
from resilience.services import closed_roads, run_clock, run_reports, runs, situation_report
from resilience.web import pdf
from resilience.web.causes import cause_line
from resilience.web.i18n import LOCALES
from resilience.web.scenario_pages import bp, finished_summary


def parse_next_update(value: str | None, now: datetime) -> datetime | None:
    """`next`: the next update, a time of day ("14:00", the next such time in Sweden) or a
    date and time ("2026-12-08T08:00", Swedish time unless it names its offset)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        if len(value) <= 5:
            hour, minute = (int(p) for p in value.replace(".", ":").split(":"))
            local_now = now.astimezone(LOCAL_TZ)
            at = datetime.combine(local_now.date(), time(hour, minute), LOCAL_TZ)
            return at if at > local_now else at + timedelta(days=1)
        at = datetime.fromisoformat(value)
    except ValueError:
        raise BadInput(
            _("Next update: give a time such as 14:00 or 2026-12-08T08:00, not “{value}”.").format(
                value=value
            )
        ) from None
    return at if at.tzinfo is not None else at.replace(tzinfo=LOCAL_TZ)


def _report_html(run_id: int, for_pdf: bool) -> str:
    run = runs.get_run(db.session, run_id)
    finished_summary(run)
    now = datetime.now(UTC)
    settings = current_app.config["SETTINGS"]
    next_update = parse_next_update(request.args.get("next"), now)
    report = situation_report.situation_report(db.session, run, settings.smhi_poll_seconds, now)
    # One page in Swedish, whatever the reader's language: it goes into WIS and the briefing.
    with force_locale(LOCALES["sv"]):
        return render_template(
            "scenarios/report.html",
            report=report,
            for_pdf=for_pdf,
            now=now,
            author=getattr(current_user, "name", None),
            classification=settings.report_classification,
            next_update=next_update,
            next_arg=request.args.get("next") or "",
            at_hour=partial(run_clock.clock, report.zero),
            cause_line=partial(cause_line, zero=report.zero),
            cut_off=closed_roads.cut_off(db.session, run.id),
        )


def _pdf_response(run_id: int) -> Response:
    body = pdf.html_to_pdf(_report_html(run_id, for_pdf=True))
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="lagesbild_run-{run_id}.pdf"'},
    )


@bp.get("/runs/<int:run_id>/report")
def report_page(run_id: int) -> ResponseReturnValue:
    return _report_html(run_id, for_pdf=False)


@bp.get("/runs/<int:run_id>/report.pdf")
def report_pdf(run_id: int) -> Response:
    return _pdf_response(run_id)


def _live_run_id() -> int:
    run_id = run_reports.live_run_id(db.session)
    if run_id is None:
        raise NotFound(_("There is no finished live run of the warnings yet."))
    return run_id


def _next_args() -> dict[str, Any]:
    return {"next": request.args["next"]} if request.args.get("next") else {}


@bp.get("/live/report")
def live_report() -> ResponseReturnValue:
    """The situation report of the newest live run of the warnings."""
    return redirect(url_for("scenario_pages.report_page", run_id=_live_run_id(), **_next_args()))


@bp.get("/live/report.pdf")
def live_report_pdf() -> ResponseReturnValue:
    return redirect(url_for("scenario_pages.report_pdf", run_id=_live_run_id(), **_next_args()))
