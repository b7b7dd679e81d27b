"""GET /api/v1/runs and a run's status, result document, timeline, gap sites and cells and
scenario areas (services/runs.py, run_results.py, run_layers.py, scenario_layers.py). Runs
are started on their scenario: POST /api/v1/scenarios/<id>/runs (scenarios.py)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import current_app, request, url_for
from flask.typing import ResponseReturnValue

from resilience.db import db
from resilience.models import Run
from resilience.services import (
    closed_roads,
    query_args,
    run_clock,
    run_layers,
    run_reports,
    run_results,
    runs,
    scenario_layers,
)
from resilience.web import formatting
from resilience.web.api import bp
from resilience.web.causes import cause_line
from workers.queue import run_job_states

MAX_RUNS = 1000  # per /api/v1/runs answer


def runs_json(listed: list[Run]) -> list[dict[str, Any]]:
    """Runs as the API shows them, with RQ's job states read in one round trip."""
    states = run_job_states(current_app.config["SETTINGS"], listed)
    return [_run_json(run, states.get(run.id)) for run in listed]


def _run_json(run: Run, job_state: str | None) -> dict[str, Any]:
    status, error = runs.shown_status(run, job_state)
    return {
        "id": run.id,
        "scenario_id": run.scenario_id,
        "scenario_name": run.scenario_snapshot.get("name"),
        "status": status,
        "progress": run.progress,
        "step": run.step,
        "error": error,
        "attempts": run.attempts,
        "model_version": run.model_version,
        "parameters": run.parameters,
        "data_version": run.data_version,
        "created_by": run.created_by,
        "created_at": run.created_at.isoformat() if run.created_at else None,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "county": (run.summary or {}).get("county"),
        "links": {
            "self": url_for("api.run_status", run_id=run.id),
            "result": url_for("api.run_result", run_id=run.id),
            "gap_sites": url_for("api.run_sites", run_id=run.id),
            "gap_cells": url_for("api.run_cells", run_id=run.id),
            "timeline": url_for("api.run_timeline", run_id=run.id),
            "report": url_for("scenario_pages.report_page", run_id=run.id),
            "report_pdf": url_for("scenario_pages.report_pdf", run_id=run.id),
        },
    }


@bp.get("/runs")
def list_runs() -> ResponseReturnValue:
    return {
        "runs": runs_json(
            runs.latest_runs(
                db.session,
                query_args.whole(request.args, "limit", 50, maximum=MAX_RUNS, clamp=True),
            )
        )
    }


@bp.get("/runs/<int:run_id>")
def run_status(run_id: int) -> ResponseReturnValue:
    return runs_json([runs.get_run(db.session, run_id)])[0]


@bp.get("/runs/<int:run_id>/result")
def run_result(run_id: int) -> ResponseReturnValue:
    """The result document of coverage-model.md, with `hour_zero`: the clock time of the
    run's hour 0 (ISO 8601, Swedish time with its offset), so that every hour in it is a
    clock time (services/run_clock.py)."""
    document = run_results.result_document(db.session, run_id)
    zero = run_clock.run_hour_zero(db.session, runs.get_run(db.session, run_id))
    return {"hour_zero": formatting.iso_clock(zero), **document}


@bp.get("/runs/<int:run_id>/timeline")
def run_timeline(run_id: int):  # type: ignore[no-untyped-def]
    """The "timeline" of the result document alone (the run page's slider)."""
    run_results.finished_run(db.session, run_id)
    return run_results.timeline_document(db.session, run_id)


@bp.get("/runs/<int:run_id>/sites")
def run_sites(run_id: int) -> ResponseReturnValue:
    """The gap sites; each affected site (care, and the others the map draws) with `cause`
    (why, one line in the request's language, names not ids; the run map's popup shows it)
    and `causes` (the facts, analysis/causes.py)."""
    run = runs.get_run(db.session, run_id)
    collection = run_layers.gap_sites(
        db.session,
        run_id,
        crs=query_args.epsg(request.args),
        only_gaps=request.args.get("all") != "1",
    )
    if run.status == "finished":
        zero = run_clock.run_hour_zero(db.session, run)
        causes = run_reports.gap_site_causes(db.session, run)
        for feature in collection["features"]:
            found = causes.get(feature["properties"]["id"])
            if found is not None:
                feature["properties"]["cause"] = cause_line(found, zero)
                feature["properties"]["causes"] = [
                    {k: v for k, v in asdict(c).items() if v is not None} for c in found
                ]
    return collection


@bp.get("/runs/<int:run_id>/cells")
def run_cells(run_id: int) -> ResponseReturnValue:
    runs.get_run(db.session, run_id)
    return run_layers.gap_cells(
        db.session,
        run_id,
        crs=query_args.epsg(request.args),
        only_gaps=request.args.get("all") != "1",
    )


@bp.get("/runs/<int:run_id>/closed-roads")
def run_closed_roads(run_id: int) -> ResponseReturnValue:
    """The road segments the run's scenario closed (its closures and snow zones at or above
    closure_level), from the table roads as it is now."""
    run = runs.get_run(db.session, run_id)
    return closed_roads.closed_roads(
        db.session, run.scenario_snapshot, crs=query_args.epsg(request.args)
    )


@bp.get("/runs/<int:run_id>/areas")
def run_areas(run_id: int) -> ResponseReturnValue:
    """The areas of the scenario as the run computed it (its snapshot)."""
    return scenario_layers.run_areas_geojson(db.session, run_id, crs=query_args.epsg(request.args))
