"""Backup-power plans ("Reservkraftsplan"): the pages (choose and start, progress and
result, print, export). Views parse, call services/plans.py and render; the JSON API is
web/api/plans.py, whose `start` the form uses too."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

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


def _move_text(move: dict[str, Any], equipped: int) -> str:
    """One generator whose site a step changes, by names (the source id only where the
    site has no name)."""
    generator = move.get("generator_name") or move.get("generator_source_id") or "–"
    to = move.get("to_name") or move.get("to_source_id")
    came = move.get("from_name") or move.get("from_source_id")
    if move.get("from_id") == equipped:
        if to:
            return _("frees {generator} for {site}").format(generator=generator, site=to)
        return _("frees {generator}, which no other site can use").format(generator=generator)
    if came and to:
        return _("{generator} moves from {before} to {after}").format(
            generator=generator, before=came, after=to
        )
    if came:
        return _("{generator} leaves {before} and stays free").format(
            generator=generator, before=came
        )
    return _("{generator} goes to {after}").format(generator=generator, after=to or "–")


def step_effects(step: dict[str, Any], scenario_names: dict[str, str | None]) -> list[str] | None:
    """What a plan's step changes, a line per scenario where it changes anything: the
    person-hours it saves there and the generators it frees for other sites. None for a
    plan computed before steps recorded it."""
    effects = step.get("effects")
    if effects is None:
        return None
    lines = []
    for key, effect in effects.items():
        parts = [
            _("saves {hours} resident-hours").format(hours=format_number(effect["reduction"], 1))
        ]
        parts += [_move_text(m, int(step["site_id"])) for m in effect.get("generators", [])]
        name = scenario_names.get(key) or key
        lines.append(f"{name}: {'; '.join(parts)}")
    return lines


def effects_line(step: dict[str, Any], scenario_names: dict[str, str | None]) -> str:
    """step_effects on one line (the CSV and GeoPackage field); empty when not recorded."""
    lines = step_effects(step, scenario_names)
    if lines is None:
        return ""
    return " | ".join(lines) if lines else _("no change in any scenario")


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


# The plan map's rank bands: (last rank of the band or None for every later one, marker
# colour, number colour); the first few darkest, as they come first.
RANK_BANDS: tuple[tuple[int | None, str, str], ...] = (
    (3, "#9b1c24", "#fff"),
    (10, "#e63946", "#fff"),
    (None, "#f4a261", "#1d1d1d"),
)


def _band_label(first: int, last: int | None) -> str:
    if last is None:
        return _("Rank {first} and later").format(first=first)
    if last == first:
        return _("Rank {first}").format(first=first)
    return _("Rank {first}–{last}").format(first=first, last=last)


def rank_bands() -> list[dict[str, Any]]:
    """The bands as the map script draws them and its legend names them."""
    bands, first = [], 1
    for last, color, text in RANK_BANDS:
        bands.append(
            {"upTo": last, "color": color, "text": text, "label": _band_label(first, last)}
        )
        first = (last or first) + 1
    return bands


def _map(ranked: list[dict[str, Any]]) -> dict[str, str]:
    """The plan's sites numbered by rank (a few hundred at most, handed to static/js/planmap.js,
    which draws rank 1 on top and the legend)."""
    fmap = maps.base_map(current_app.config["SETTINGS"], canvas=False)
    located = [r for r in ranked if r["lat"] is not None]
    sites = [
        {
            "rank": int(r["rank"]),
            "name": str(r.get("name") or r["source_id"]),
            "kind": r.get("kind"),
            "lat": r["lat"],
            "lon": r["lon"],
        }
        for r in located
    ]
    if located:
        lats = [r["lat"] for r in located]
        lons = [r["lon"] for r in located]
        fmap.fit_bounds([(min(lats), min(lons)), (max(lats), max(lons))], padding=(30, 30))
    config = {"basemap": maps.basemap_config(), "sites": sites, "bands": rank_bands()}
    maps.JsInit("PlanMap.init", config).add_to(fmap)
    return maps.map_parts(fmap)


def _scenario_names(row: BackupPlan) -> dict[str, str | None]:
    """Each scenario's name as the plan's snapshot of it says, by id as text."""
    return {k: v.get("name") for k, v in (row.scenario_snapshots or {}).items()}


def _result(plan_id: int, template: str, **extra: Any) -> str:
    row = plans.get_plan(db.session, plan_id)
    status, error = states([row])[0]
    finished = status == "finished" and row.document is not None
    names = _scenario_names(row)
    ranked = [
        r | {"effect_lines": step_effects(r, names)}
        for r in (plans.ranked_sites(db.session, row) if finished else [])
    ]
    return render_template(
        template,
        plan=row,
        status=status,
        error=error,
        finished=finished,
        ranked=ranked,
        scenario_names=names,
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
        names = _scenario_names(row)
        path = plans.export_file(
            db.session, row, fmt, Path(scratch), effects=lambda r: effects_line(r, names)
        )
        data = path.read_bytes()
        name = path.name
    return Response(
        data,
        mimetype=MEDIA_TYPES[name.rsplit(".", 1)[1]],  # CSV comes zipped with its side files
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
