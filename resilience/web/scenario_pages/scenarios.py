"""The scenario list and the editor (draw outage areas and snow zones), on the blueprint of
web/scenario_pages/."""

from __future__ import annotations

from flask import current_app, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from resilience.analysis import Parameters
from resilience.analysis.model import RANGES
from resilience.db import db
from resilience.errors import Forbidden
from resilience.models import Scenario
from resilience.scenarios import DEFAULT_DURATION_HOURS
from resilience.services import run_reports, warnings
from resilience.services import scenarios as scenario_service
from resilience.web import maps, scenario_maps
from resilience.web.names import N_
from resilience.web.scenario_pages import (
    bp,
    id_prefix,
    live_description,
    run_states,
    scenario_facts,
)

# The parameters the editor shows, with a label and unit; others in a definition (circuity,
# speed_factors) are kept as they are.
EDITABLE_PARAMETERS = (
    ("speed_kmh", N_("Road speed without snow"), "km/h"),
    ("food_minutes", N_("Food within"), "min"),
    ("care_minutes", N_("Hospital or health centre within"), "min"),
    ("shelter_minutes", N_("Warm shelter within"), "min"),
    ("mobile_max_hours", N_("Latest useful arrival of a mobile generator"), "h"),
)


def _edit_prefix() -> str:
    """/scenarios/, which the JS completes with "<id>/edit"."""
    return url_for("scenario_pages.edit_scenario", scenario_id=0).removesuffix("0/edit")


def _can_plan() -> bool:
    return bool(current_user.has_role("planner"))


@bp.get("/scenarios")
def scenarios() -> ResponseReturnValue:
    listed = run_reports.scenarios_with_latest_run(db.session)
    latest = [run for _scenario, run in listed if run]
    status = {run.id: state[0] for run, state in zip(latest, run_states(latest), strict=True)}
    rows = [
        (scenario, scenario_facts(scenario.definition), run, status[run.id] if run else None)
        for scenario, run in listed
    ]
    config = {
        "createUrl": url_for("api.create_scenario"),
        "scenarioApi": id_prefix(url_for("api.get_scenario", scenario_id=0)),
        "editPage": _edit_prefix(),
        "runPage": id_prefix(url_for("scenario_pages.run_page", run_id=0)),
    }
    state, _live_run = warnings.latest_live(db.session)
    return render_template(
        "scenarios/list.html",
        rows=rows,
        can_plan=_can_plan(),
        config=config,
        live_description=live_description(state.warning_ids if state else None),
    )


def _editor(scenario: Scenario | None) -> ResponseReturnValue:
    defaults = Parameters()
    definition = scenario.definition if scenario else {}
    overrides = dict(definition.get("parameters") or {})
    shown = {name for name, _label, _unit in EDITABLE_PARAMETERS}
    parameters = [
        {
            "name": name,
            "label": label,
            "unit": unit,
            "default": getattr(defaults, name),
            "value": overrides.get(name, getattr(defaults, name)),
            "range": RANGES[name],
        }
        for name, label, unit in EDITABLE_PARAMETERS
    ]
    # Built-in and live scenarios, and other planners' own, cannot be changed here: saving
    # one makes a new scenario (scenario_service.may_edit).
    as_new = scenario is None or not scenario_service.may_edit(
        scenario, current_user.name, current_user.has_role("editor")
    )
    read_only = not _can_plan()
    config = {
        "scenarioId": scenario.id if scenario else None,
        "geojsonUrl": (
            url_for("api.scenario_geojson", scenario_id=scenario.id) if scenario else None
        ),
        "saveUrl": (
            url_for("api.create_scenario")
            if as_new
            else url_for("api.update_scenario", scenario_id=scenario.id)  # type: ignore[union-attr]  # not new: one
        ),
        "saveMethod": "POST" if as_new else "PUT",
        "updateUrl": id_prefix(url_for("api.update_scenario", scenario_id=0)),
        "editPage": _edit_prefix(),
        "runPage": id_prefix(url_for("scenario_pages.run_page", run_id=0)),
        "defaults": {name: getattr(defaults, name) for name in shown},
        "otherParameters": {
            k: v for k, v in overrides.items() if k not in shown and k != "closure_level"
        },
        "municipalitiesUrl": url_for("api.municipalities", simplify=200),
        "readOnly": read_only,
        "levels": list(scenario_maps.LEVEL_STYLE),
        "durationRange": {
            "low": RANGES["duration_hours"].low,
            "high": RANGES["duration_hours"].high,
        },
    }
    fmap = scenario_maps.editor_map(current_app.config["SETTINGS"], config)
    return render_template(
        "scenarios/edit.html",
        scenario=scenario,
        definition=definition,
        duration=(definition.get("outage") or {}).get("duration_hours", DEFAULT_DURATION_HOURS),
        parameters=parameters,
        duration_range=RANGES["duration_hours"],
        levels=scenario_maps.LEVEL_STYLE,
        outage_color=scenario_maps.OUTAGE_COLOR,
        closure_color=scenario_maps.ROAD_CLOSURE_COLOR,
        closure_level=overrides.get("closure_level"),
        as_new=as_new,
        read_only=read_only,
        map=maps.map_parts(fmap),
    )


@bp.get("/scenarios/new")
def new_scenario() -> ResponseReturnValue:
    if not _can_plan():
        raise Forbidden(_("Making scenarios needs the role planner or above."))
    return _editor(None)


@bp.get("/scenarios/<int:scenario_id>/edit")
def edit_scenario(scenario_id: int) -> ResponseReturnValue:
    return _editor(scenario_service.get_scenario(db.session, scenario_id))
