"""HTML pages for scenarios and runs: the list, the editor (draw outage areas and snow zones),
a run's progress and result (map and table per municipality), and two runs compared.

Saving and starting runs go through the JSON API from static/js/scenarios.js, so the pages
and the API share one set of rules and permissions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from resilience.analysis import Parameters
from resilience.analysis.model import RANGES
from resilience.db import db
from resilience.errors import BadInput, Conflict, Forbidden
from resilience.models import Run, Scenario
from resilience.scenarios import DEFAULT_DURATION_HOURS
from resilience.services import run_reports, runs
from resilience.web import maps, names, scenario_maps
from resilience.web.names import N_
from workers.queue import run_job_states

bp = Blueprint("scenario_pages", __name__)

# The parameters the editor shows, with a label and unit; others in a definition (circuity,
# speed_factors) are kept as they are.
EDITABLE_PARAMETERS = (
    ("speed_kmh", N_("Road speed without snow"), "km/h"),
    ("food_minutes", N_("Food within"), "min"),
    ("care_minutes", N_("Hospital or health centre within"), "min"),
    ("shelter_minutes", N_("Warm shelter within"), "min"),
    ("mobile_max_hours", N_("Latest useful arrival of a mobile generator"), "h"),
)


def _prefix(url: str) -> str:
    """A URL built with id 0, as the prefix the JS completes with an id."""
    return url.removesuffix("0")


def _edit_prefix() -> str:
    """/scenarios/, which the JS completes with "<id>/edit"."""
    return url_for("scenario_pages.edit_scenario", scenario_id=0).removesuffix("0/edit")


def _can_plan() -> bool:
    return bool(current_user.has_role("planner"))


@bp.context_processor
def _page_words() -> dict[str, Any]:
    return {"step_label": step_label}


def step_label(step: str | None) -> str:
    """A worker's step ("travel times: care") in the page's language."""
    if not step:
        return ""
    head, _sep, service = step.partition(": ")
    if service:
        return f"{names.label('step', head)}: {names.label('service', service)}"
    return names.label("step", step)


def run_states(shown: Sequence[Run]) -> list[tuple[str, str | None]]:
    """Each run's status and error, failed when RQ says the job died (as the API does);
    RQ is asked once for the whole list."""
    states = run_job_states(current_app.config["SETTINGS"], shown)
    return [runs.shown_status(run, states.get(run.id)) for run in shown]


def run_state(run: Run) -> tuple[str, str | None]:
    return run_states([run])[0]


def scenario_facts(definition: dict[str, Any]) -> dict[str, Any]:
    """What the list says about a scenario: outage hours and areas, snow zones by level."""
    outage = definition.get("outage") or {}
    areas = outage.get("areas") or {}
    levels = [z.get("level") for z in definition.get("snow_zones") or []]
    return {
        "duration_hours": outage.get("duration_hours", DEFAULT_DURATION_HOURS),
        "outage_areas": len(areas.get("coordinates") or []),
        "snow_zones": {level: levels.count(level) for level in scenario_maps.LEVEL_STYLE},
        "parameters": definition.get("parameters") or {},
    }


@bp.get("/scenarios")
def scenarios():  # type: ignore[no-untyped-def]
    listed = run_reports.scenarios_with_latest_run(db.session)
    latest = [run for _scenario, run in listed if run]
    status = {run.id: state[0] for run, state in zip(latest, run_states(latest), strict=True)}
    rows = [
        (scenario, scenario_facts(scenario.definition), run, status[run.id] if run else None)
        for scenario, run in listed
    ]
    config = {
        "createUrl": url_for("api.create_scenario"),
        "scenarioApi": _prefix(url_for("api.get_scenario", scenario_id=0)),
        "editPage": _edit_prefix(),
        "runPage": _prefix(url_for("scenario_pages.run_page", run_id=0)),
    }
    return render_template("scenarios/list.html", rows=rows, can_plan=_can_plan(), config=config)


def _editor(scenario: Scenario | None):  # type: ignore[no-untyped-def]
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
    # one makes a new scenario (runs.may_edit).
    as_new = scenario is None or not runs.may_edit(
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
            else url_for("api.update_scenario", scenario_id=scenario.id)  # type: ignore[union-attr]
        ),
        "saveMethod": "POST" if as_new else "PUT",
        "updateUrl": _prefix(url_for("api.update_scenario", scenario_id=0)),
        "editPage": _edit_prefix(),
        "runPage": _prefix(url_for("scenario_pages.run_page", run_id=0)),
        "defaults": {name: getattr(defaults, name) for name in shown},
        "otherParameters": {k: v for k, v in overrides.items() if k not in shown},
        "municipalitiesUrl": url_for("api.municipalities", simplify=200),
        "readOnly": read_only,
        "levels": list(scenario_maps.LEVEL_STYLE),
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
        as_new=as_new,
        read_only=read_only,
        map=maps.map_parts(fmap),
    )


@bp.get("/scenarios/new")
def new_scenario():  # type: ignore[no-untyped-def]
    if not _can_plan():
        raise Forbidden(_("Making scenarios needs the role planner or above."))
    return _editor(None)


@bp.get("/scenarios/<int:scenario_id>/edit")
def edit_scenario(scenario_id: int):  # type: ignore[no-untyped-def]
    return _editor(runs.get_scenario(db.session, scenario_id))


@bp.get("/runs")
def run_list():  # type: ignore[no-untyped-def]
    latest = runs.latest_runs(db.session, 200)
    rows = [(run, *state) for run, state in zip(latest, run_states(latest), strict=True)]
    # Preselected for comparing: the latest finished run against the one before it.
    finished = [run.id for run, status, _error in rows if status == "finished"]
    return render_template(
        "scenarios/runs.html",
        rows=rows,
        default_b=finished[0] if finished else None,
        default_a=finished[1] if len(finished) > 1 else None,
    )


def _finished_summary(run: Run) -> dict[str, Any]:
    status, _error = run_state(run)
    if status != "finished" or run.summary is None:
        raise Conflict(
            _("Run {id} has no result yet ({status}).").format(
                id=run.id, status=names.label("status", status)
            )
        )
    return run.summary


@bp.get("/runs/<int:run_id>")
def run_page(run_id: int):  # type: ignore[no-untyped-def]
    run = runs.get_run(db.session, run_id)
    status, error = run_state(run)
    finished = status == "finished" and run.summary is not None
    config = {
        "runId": run.id,
        "status": status,
        "statusUrl": url_for("api.run_status", run_id=run.id),
        "tableUrl": url_for("scenario_pages.run_table", run_id=run.id),
        "sitesUrl": url_for("api.run_sites", run_id=run.id),
        "cellsUrl": url_for("api.run_cells", run_id=run.id),
        "areasUrl": url_for("api.run_areas", run_id=run.id),
        "municipalitiesUrl": url_for("api.municipalities", simplify=100),
        "sitePage": _prefix(url_for("pages.site_page", site_id=0)),
    }
    fmap = scenario_maps.run_map(current_app.config["SETTINGS"], config)
    return render_template(
        "scenarios/run.html",
        run=run,
        status=status,
        error=error,
        finished=finished,
        rows=run_reports.area_rows(run.summary) if finished else None,  # type: ignore[arg-type]
        facts=scenario_facts(run.scenario_snapshot),
        map=maps.map_parts(fmap),
        gap_colors=scenario_maps.GAP_COLORS,
        styles=scenario_maps.styles(),
        levels=scenario_maps.LEVEL_STYLE,
    )


@bp.get("/runs/<int:run_id>/table")
def run_table(run_id: int):  # type: ignore[no-untyped-def]
    """The municipality table alone, for the run page to insert when the run finishes."""
    summary = _finished_summary(runs.get_run(db.session, run_id))
    return render_template(
        "scenarios/_run_table.html",
        rows=run_reports.area_rows(summary),
        generators_free=summary["county"].get("generators_free"),
    )


def _run_arg(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise BadInput(_("{name} must be a run number").format(name=name))
    return int(value)


@bp.get("/runs/compare")
def compare_runs():  # type: ignore[no-untyped-def]
    a_id, b_id = _run_arg("a"), _run_arg("b")
    finished = [r for r in runs.latest_runs(db.session, 200) if r.status == "finished"]
    if a_id is None or b_id is None:
        return render_template(
            "scenarios/compare.html",
            choices=finished,
            a=None,
            b=None,
            rows=None,
            a_id=a_id,
            b_id=b_id,
        )
    run_a, run_b = runs.get_run(db.session, a_id), runs.get_run(db.session, b_id)
    rows = run_reports.compare(_finished_summary(run_a), _finished_summary(run_b))
    return render_template(
        "scenarios/compare.html",
        choices=finished,
        a=run_a,
        b=run_b,
        a_id=a_id,
        b_id=b_id,
        rows=rows,
        compared=run_reports.COMPARED,
    )
