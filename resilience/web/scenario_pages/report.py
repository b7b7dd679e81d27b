"""The situation report (lägesbild) of a finished run, as a page and as a PDF, in Swedish
whatever the reader's language, and the newest live run's. On the blueprint of
web/scenario_pages/."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _

from resilience.db import db
from resilience.errors import NotFound
from resilience.services import run_reports, runs
from resilience.web import pdf
from resilience.web.i18n import LOCALES
from resilience.web.scenario_pages import bp, finished_summary


def _report_html(run_id: int, for_pdf: bool) -> str:
    run = runs.get_run(db.session, run_id)
    finished_summary(run)
    report = run_reports.situation_report(db.session, run)
    # One page in Swedish, whatever the reader's language: it goes into WIS and the briefing.
    with force_locale(LOCALES["sv"]):
        return render_template(
            "scenarios/report.html",
            report=report,
            for_pdf=for_pdf,
            now=datetime.now(UTC),
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


@bp.get("/live/report")
def live_report() -> ResponseReturnValue:
    """The situation report of the newest live run of the warnings."""
    return redirect(url_for("scenario_pages.report_page", run_id=_live_run_id()))


@bp.get("/live/report.pdf")
def live_report_pdf() -> ResponseReturnValue:
    return redirect(url_for("scenario_pages.report_pdf", run_id=_live_run_id()))
