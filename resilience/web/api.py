"""JSON API v1. Views parse the request, call a service and serialise; nothing else."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Blueprint, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_login import current_user
from redis import Redis
from sqlalchemy import select, text

from geodata.messages import msg, reason_of
from resilience.crs import parse_epsg
from resilience.db import db
from resilience.errors import BadInput, Forbidden
from resilience.models import Run, Scenario
from resilience.scenarios import ScenarioError, ScenarioSpec, parse_scenario_json
from resilience.services import layers, run_layers, runs, scenario_layers, warnings
from resilience.vocabulary import WGS84
from resilience.web.auth import require_role
from resilience.web.messages import api_language, message_text
from workers.queue import check_queue, enqueue_committed, enqueue_run, run_job_states

bp = Blueprint("api", __name__)
MAX_RUNS = 1000  # per /api/v1/runs answer
MAX_SIMPLIFY_M = 10_000  # simplify= tolerance, metres


def _crs_arg(name: str = "crs") -> int:
    try:
        return parse_epsg(request.args.get(name), default=WGS84)
    except ValueError as exc:
        raise BadInput(str(exc)) from exc


def _int_arg(name: str, default: int, maximum: int) -> int:
    """A whole number of at most `maximum` (a larger one is lowered to it)."""
    value = request.args.get(name)
    if value is None:
        return default
    if not (value.isascii() and value.isdigit()):
        raise BadInput(f"{name} must be a whole number")
    return min(int(value), maximum)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Public: is PostGIS reachable (with the extension) and is Redis?"""
    status = {"database": "ok", "redis": "ok"}
    try:
        db.session.execute(text("SELECT postgis_version()"))
    except Exception as exc:  # any failure means unhealthy; say which
        status["database"] = f"error: {type(exc).__name__}"
    try:
        Redis.from_url(current_app.config["SETTINGS"].redis_url, socket_timeout=2).ping()
    except Exception as exc:
        status["redis"] = f"error: {type(exc).__name__}"
    healthy = all(v == "ok" for v in status.values())
    # SMHI down degrades the service but does not make it unhealthy: still 200, so that load
    # balancers keep it (the stored warnings stand, and the pages say the feed is down).
    feed = "unknown"
    if status["database"] == "ok":
        try:
            health = warnings.feed_health(
                db.session, current_app.config["SETTINGS"].smhi_poll_seconds
            )
            feed = "degraded" if health.degraded else "ok" if health.known else "unknown"
        except Exception as exc:
            feed = f"error: {type(exc).__name__}"
    overall = "unhealthy" if not healthy else "degraded" if feed == "degraded" else "ok"
    return jsonify(status=overall, smhi=feed, **status), 200 if healthy else 503


@bp.get("/api/v1/sites")
def sites() -> ResponseReturnValue:
    crs = _crs_arg()
    bbox = layers.BBox.parse(request.args.get("bbox"), srid=_crs_arg("bbox-crs"))
    return layers.sites(
        db.session,
        category=request.args.get("category"),
        kind=request.args.get("kind"),
        municipality=request.args.get("municipality"),
        bbox=bbox,
        crs=crs,
        limit=_int_arg("limit", layers.MAX_FEATURES, layers.MAX_FEATURES),
    )


@bp.get("/api/v1/sites/<int:site_id>")
def site(site_id: int) -> ResponseReturnValue:
    return layers.site(db.session, site_id, crs=_crs_arg())


@bp.get("/api/v1/municipalities")
def municipalities() -> ResponseReturnValue:
    return layers.municipalities(
        db.session, crs=_crs_arg(), simplify_m=float(_int_arg("simplify", 0, MAX_SIMPLIFY_M))
    )


@bp.get("/api/v1/population")
def population() -> ResponseReturnValue:
    bbox = layers.BBox.parse(request.args.get("bbox"), srid=_crs_arg("bbox-crs"))
    return layers.population(
        db.session,
        bbox=bbox,
        crs=_crs_arg(),
        limit=_int_arg("limit", layers.MAX_FEATURES, layers.MAX_FEATURES),
    )


# --- Scenarios and runs (coverage-model.md) ---------------------------------------------


def _scenario_json(scenario: Scenario) -> dict[str, Any]:
    return {
        "id": scenario.id,
        "name": scenario.name,
        "kind": scenario.kind,
        "definition": scenario.definition,
        "created_by": scenario.created_by,
        "created_at": scenario.created_at.isoformat() if scenario.created_at else None,
        "runs_url": url_for("api.start_run", scenario_id=scenario.id),
    }


def _runs_json(listed: list[Run]) -> list[dict[str, Any]]:
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


def _scenario_body() -> ScenarioSpec:
    raw = request.get_data(cache=False)
    if not raw:
        raise BadInput("send the scenario file (JSON) as the request body")
    try:
        return parse_scenario_json(raw)
    except ScenarioError as exc:
        # English unless the client asks for Swedish (the editor's script sends its page's
        # language as Accept-Language): resilience/web/messages.py.
        reason = reason_of(exc)
        if api_language() == "sv":
            with force_locale("sv_SE"):
                text = message_text(msg("invalid_scenario", reason=message_text(reason)))
        else:
            text = f"invalid scenario: {exc}"
        raise BadInput(text) from exc


@bp.get("/api/v1/scenarios")
def list_scenarios() -> ResponseReturnValue:
    rows = db.session.scalars(select(Scenario).order_by(Scenario.kind, Scenario.id))
    return {"scenarios": [_scenario_json(s) for s in rows]}


@bp.post("/api/v1/scenarios")
@require_role("planner")
def create_scenario() -> ResponseReturnValue:
    spec = _scenario_body()
    scenario = runs.create_scenario(db.session, spec, user=current_user.name)
    db.session.commit()
    return (
        _scenario_json(scenario),
        201,
        {"Location": url_for("api.get_scenario", scenario_id=scenario.id)},
    )


@bp.get("/api/v1/scenarios/<int:scenario_id>")
def get_scenario(scenario_id: int) -> ResponseReturnValue:
    return _scenario_json(runs.get_scenario(db.session, scenario_id))


@bp.put("/api/v1/scenarios/<int:scenario_id>")
@require_role("planner")
def update_scenario(scenario_id: int) -> ResponseReturnValue:
    scenario = runs.get_scenario(db.session, scenario_id)
    if scenario.kind != "user":
        raise BadInput("built-in and live scenarios cannot be edited; copy them first")
    if not runs.may_edit(scenario, current_user.name, current_user.has_role("editor")):
        raise Forbidden("only the scenario's owner, an editor or an admin may change it; copy it")
    runs.update_scenario(db.session, scenario, _scenario_body(), user=current_user.name)
    db.session.commit()
    return _scenario_json(scenario)


@bp.post("/api/v1/scenarios/<int:scenario_id>/copy")
@require_role("planner")
def copy_scenario(scenario_id: int) -> ResponseReturnValue:
    original = runs.get_scenario(db.session, scenario_id)
    spec = runs.spec_of(original.definition)
    copy = runs.create_scenario(
        db.session, replace(spec, name=f"{spec.name} (kopia)"), user=current_user.name
    )
    db.session.commit()
    return _scenario_json(copy), 201


@bp.post("/api/v1/scenarios/<int:scenario_id>/runs")
@require_role("planner")
def start_run(scenario_id: int) -> ResponseReturnValue:
    settings = current_app.config["SETTINGS"]
    scenario = runs.get_scenario(db.session, scenario_id)
    check_queue(settings)  # Redis down: 503, and no run that nothing would compute
    limits = runs.WorkLimits.of(settings)
    run = runs.start_run(db.session, scenario, user=current_user.name, limits=limits)
    enqueue_committed(db.session, run, lambda: enqueue_run(settings, run.id))
    return _runs_json([run])[0], 202, {"Location": url_for("api.run_status", run_id=run.id)}


@bp.get("/api/v1/runs")
def list_runs() -> ResponseReturnValue:
    return {"runs": _runs_json(runs.latest_runs(db.session, _int_arg("limit", 50, MAX_RUNS)))}


@bp.get("/api/v1/runs/<int:run_id>")
def run_status(run_id: int) -> ResponseReturnValue:
    return _runs_json([runs.get_run(db.session, run_id)])[0]


@bp.get("/api/v1/runs/<int:run_id>/result")
def run_result(run_id: int) -> ResponseReturnValue:
    return runs.result_document(db.session, run_id)


@bp.get("/api/v1/runs/<int:run_id>/timeline")
def run_timeline(run_id: int):  # type: ignore[no-untyped-def]
    """The "timeline" of the result document alone (the run page's slider)."""
    runs.finished_run(db.session, run_id)
    return runs.timeline_document(db.session, run_id)


@bp.get("/api/v1/runs/<int:run_id>/sites")
def run_sites(run_id: int) -> ResponseReturnValue:
    runs.get_run(db.session, run_id)
    return run_layers.gap_sites(
        db.session, run_id, crs=_crs_arg(), only_gaps=request.args.get("all") != "1"
    )


@bp.get("/api/v1/runs/<int:run_id>/cells")
def run_cells(run_id: int) -> ResponseReturnValue:
    runs.get_run(db.session, run_id)
    return run_layers.gap_cells(
        db.session, run_id, crs=_crs_arg(), only_gaps=request.args.get("all") != "1"
    )


# --- Scenario areas for the map and the editor (services/scenario_layers.py) -------------


@bp.get("/api/v1/scenarios/<int:scenario_id>/geojson")
def scenario_geojson(scenario_id: int) -> ResponseReturnValue:
    """The saved outage and snow-zone areas, WGS 84 unless ?crs=."""
    return scenario_layers.scenario_geojson(db.session, scenario_id, crs=_crs_arg())


@bp.get("/api/v1/runs/<int:run_id>/areas")
def run_areas(run_id: int) -> ResponseReturnValue:
    """The areas of the scenario as the run computed it (its snapshot)."""
    return scenario_layers.run_areas_geojson(db.session, run_id, crs=_crs_arg())
