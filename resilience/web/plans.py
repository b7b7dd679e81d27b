"""Backup-power plans ("Reservkraftsplan"): the pages (choose and start, progress and
result, print, export). Views parse, call services/plans.py and render; the JSON API is
web/api/plans.py, whose `start` the form uses too."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import folium
from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import escape

from geodata.exporters import MEDIA_TYPES
from resilience.analysis import OBJECTIVES, PlanParameters
from resilience.analysis.plan import MAX_SITES
from resilience.db import db
from resilience.errors import BadInput
from resilience.models import BackupPlan
from resilience.services import lookup, plans, run_reports
from resilience.web import charts, maps
from resilience.web.api.plans import start, states
from resilience.web.auth import require_role
from resilience.web.formatting import format_number
from resilience.web.forms import Form, FormInvalid

bp = Blueprint("plans", __name__)


# --- pages -------------------------------------------------------------------------------


def objective_label(objective: str) -> str:
    return {
        "resident_hours_unpowered": _("Resident-hours without power"),
        "resident_hours_cold": _("Resident-hours in cold buildings"),
    }.get(objective, objective)


@bp.context_processor
def _page_words() -> dict[str, Any]:
    return {"objective_label": objective_label}


@bp.get("/plans")
def plans_page(form: Form | None = None):  # type: ignore[no-untyped-def]
    listed = run_reports.scenarios_with_latest_run(db.session)
    rows = plans.latest_plans(db.session)
    own = getattr(current_user, "municipality_code", None)
    return render_template(
        "plans/list.html",
        scenarios=[s for s, _run in listed],
        preselected={s.id for s, _run in listed if s.kind == "builtin"},
        rows=list(zip(rows, states(rows), strict=True)),
        defaults=PlanParameters(),
        objectives=OBJECTIVES,
        municipalities=lookup.municipality_choices(db.session),
        own_municipality=own,
        can_plan=current_user.has_role("planner"),
        form=form,
    )


def _labels() -> dict[str, str]:
    """The plan form's fields by their visible labels (templates/plans/list.html)."""
    return {
        "scenarios": _("Scenarios"),
        "sites": _("Number of sites"),
        "plan_fuel_hours": _("Fuel hours of the new backup power"),
        "objective": _("Objective"),
        "municipality": _("Candidates"),
    }


def _form_body(form: Form) -> dict[str, Any]:
    """The page's form as a plan request (the API's JSON), numbers read as the page prints
    them; FormInvalid with every field's problem."""
    labels = _labels()
    ids = form.lists.get("scenario", [])
    if not all(i.isascii() and i.isdigit() and len(i) <= 18 for i in ids):
        form.error("scenarios", labels["scenarios"], _("choose scenarios from the list"))
    elif not ids:
        form.error("scenarios", labels["scenarios"], _("choose at least one"))
    sites = form.number("sites", labels["sites"], whole=True, low=1, high=MAX_SITES)
    fuel = form.number("plan_fuel_hours", labels["plan_fuel_hours"], low=0)
    form.check()
    return {
        "scenarios": [int(i) for i in ids],
        "sites": sites,
        "plan_fuel_hours": fuel,
        "objective": form.text("objective") or OBJECTIVES[0],
        "municipality": form.text("municipality") or None,
    }


@bp.post("/plans")
@require_role("planner")
def start_page():  # type: ignore[no-untyped-def]
    form = Form(request.form, "plan")
    try:
        row = start(_form_body(form))
    except FormInvalid:
        return plans_page(form), 400
    except BadInput as err:
        if not form.service_error(err, _labels()):
            form.general(err.message)
        return plans_page(form), err.status
    return redirect(url_for("plans.plan_page", plan_id=row.id), 303)


def _chart(row: BackupPlan) -> str:
    points = plans.cumulative_curve(row)
    series = charts.Series(
        label=objective_label(str(row.parameters.get("objective"))),
        css="line",
        points=points,
    )
    return charts.line_chart_svg(
        [series],
        title=_("Cumulative reduction by number of sites"),
        unit=_("person-hours"),
        fmt=lambda v: format_number(v, 0),
        from_zero=True,
    )


def _map(ranked: list[dict[str, Any]]) -> dict[str, str]:
    """The plan's sites numbered by rank (a few hundred at most: inline markers)."""
    fmap = maps.base_map(current_app.config["SETTINGS"], canvas=False)
    located = [r for r in ranked if r["lat"] is not None]
    for r in located:
        # Leaflet shows a tooltip as HTML: a site's name is data, escape it.
        label = str(escape(f"{r['rank']}. {r.get('name') or r['source_id']}"))
        folium.Marker(
            (r["lat"], r["lon"]),
            tooltip=label,
            icon=folium.DivIcon(
                html=f'<span class="plan-rank">{int(r["rank"])}</span>',
                class_name="plan-rank-icon",
                icon_size=(24, 24),
                icon_anchor=(12, 12),
            ),
        ).add_to(fmap)
    if located:
        lats = [r["lat"] for r in located]
        lons = [r["lon"] for r in located]
        fmap.fit_bounds([(min(lats), min(lons)), (max(lats), max(lons))], padding=(30, 30))
    maps.JsInit("PlanMap.init", {"basemap": maps.basemap_config()}).add_to(fmap)
    return maps.map_parts(fmap)


def _result(plan_id: int, template: str, **extra: Any) -> str:
    row = plans.get_plan(db.session, plan_id)
    status, error = states([row])[0]
    finished = status == "finished" and row.document is not None
    ranked = plans.ranked_sites(db.session, row) if finished else []
    snapshots = row.scenario_snapshots or {}
    return render_template(
        template,
        plan=row,
        status=status,
        error=error,
        finished=finished,
        ranked=ranked,
        scenario_names={k: v.get("name") for k, v in snapshots.items()},
        chart=_chart(row) if finished else None,
        food=(row.food_stock or {}) if finished else {},
        export_formats=[("gpkg", "GeoPackage"), ("csv", "CSV")],
        **extra,
    )


@bp.get("/plans/<int:plan_id>")
def plan_page(plan_id: int):  # type: ignore[no-untyped-def]
    row = plans.get_plan(db.session, plan_id)
    ranked = plans.ranked_sites(db.session, row) if row.document else []
    return _result(plan_id, "plans/plan.html", map=_map(ranked))


@bp.get("/plans/<int:plan_id>/print")
def print_page(plan_id: int):  # type: ignore[no-untyped-def]
    return _result(plan_id, "plans/print.html")


@bp.get("/plans/<int:plan_id>/export.<fmt>")
def export(plan_id: int, fmt: str):  # type: ignore[no-untyped-def]
    row = plans.get_plan(db.session, plan_id)
    with tempfile.TemporaryDirectory(prefix="plan-") as scratch:
        path = plans.export_file(db.session, row, fmt, Path(scratch))
        data = path.read_bytes()
        name = path.name
    return Response(
        data,
        mimetype=MEDIA_TYPES[name.rsplit(".", 1)[1]],  # CSV comes zipped with its side files
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
