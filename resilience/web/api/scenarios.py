"""/api/v1/scenarios: list, create, change (owner, editor or admin), copy, start a run, and
the saved areas as GeoJSON (services/scenarios.py, runs.py, scenario_layers.py)."""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_login import current_user

from geodata.messages import msg, reason_of
from resilience.db import db
from resilience.errors import BadInput
from resilience.models import Scenario
from resilience.scenarios import ScenarioError, ScenarioSpec, parse_scenario_json
from resilience.services import query_args, runs, scenario_layers, scenarios
from resilience.web.api import bp
from resilience.web.api.runs import runs_json
from resilience.web.auth import require_role
from resilience.web.messages import api_language, message_text


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


@bp.get("/scenarios")
def list_scenarios() -> ResponseReturnValue:
    return {"scenarios": [_scenario_json(s) for s in scenarios.list_scenarios(db.session)]}


@bp.post("/scenarios")
@require_role("planner")
def create_scenario() -> ResponseReturnValue:
    spec = _scenario_body()
    scenario = scenarios.save_new_scenario(db.session, spec, user=current_user.name)
    return (
        _scenario_json(scenario),
        201,
        {"Location": url_for("api.get_scenario", scenario_id=scenario.id)},
    )


@bp.get("/scenarios/<int:scenario_id>")
def get_scenario(scenario_id: int) -> ResponseReturnValue:
    return _scenario_json(scenarios.get_scenario(db.session, scenario_id))


@bp.put("/scenarios/<int:scenario_id>")
@require_role("planner")
def update_scenario(scenario_id: int) -> ResponseReturnValue:
    scenario = scenarios.editable_scenario(
        db.session, scenario_id, current_user.name, current_user.has_role("editor")
    )
    scenarios.save_scenario_changes(db.session, scenario, _scenario_body(), user=current_user.name)
    return _scenario_json(scenario)


@bp.post("/scenarios/<int:scenario_id>/copy")
@require_role("planner")
def copy_scenario(scenario_id: int) -> ResponseReturnValue:
    return _scenario_json(scenarios.copy_scenario(db.session, scenario_id, current_user.name)), 201


@bp.post("/scenarios/<int:scenario_id>/runs")
@require_role("planner")
def start_run(scenario_id: int) -> ResponseReturnValue:
    settings = current_app.config["SETTINGS"]
    run = runs.start_and_enqueue_run(db.session, settings, scenario_id, current_user.name)
    return runs_json([run])[0], 202, {"Location": url_for("api.run_status", run_id=run.id)}


@bp.get("/scenarios/<int:scenario_id>/geojson")
def scenario_geojson(scenario_id: int) -> ResponseReturnValue:
    """The saved outage and snow-zone areas, WGS 84 unless ?crs=."""
    return scenario_layers.scenario_geojson(
        db.session, scenario_id, crs=query_args.epsg(request.args)
    )
