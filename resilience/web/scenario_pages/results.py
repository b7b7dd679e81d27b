"""HTML pages for runs: the list, a run's progress and result (map, tables per municipality,
the timeline charts, its care sites as a table and a CSV file), and two runs compared; on
the blueprint of web/scenario_pages/. The care-site table is care_table.py's, the charts
timeline_charts.py's."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from resilience.db import db
from resilience.errors import BadInput
from resilience.models import Run
from resilience.services import (
    closed_roads,
    home_care,
    run_clock,
    run_reports,
    run_results,
    runs,
    warnings,
)
from resilience.web import formatting, maps, scenario_maps
from resilience.web.scenario_pages import (
    bp,
    finished_summary,
    id_prefix,
    live_description,
    run_state,
    run_states,
    scenario_facts,
)
from resilience.web.scenario_pages.care_table import (
    care_choices,
    care_filter,
    care_sites_csv,
    care_table_columns,
    care_value,
    with_cause_lines,
)
from resilience.web.scenario_pages.timeline_charts import timeline_charts


@bp.get("/runs")
def run_list() -> ResponseReturnValue:
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


@bp.get("/runs/<int:run_id>")
def run_page(run_id: int) -> ResponseReturnValue:
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
        "timelineUrl": url_for("api.run_timeline", run_id=run.id),
        "closedRoadsUrl": url_for("api.run_closed_roads", run_id=run.id),
        "roads": bool((run.summary or {}).get("roads")),
        "municipalitiesUrl": url_for("api.municipalities", simplify=100),
        "sitePage": id_prefix(url_for("pages.site_page", site_id=0)),
    }
    zero, basis = run_clock.hour_zero(run, run_clock.report_warnings(db.session, run))
    config["hourZero"] = formatting.iso_clock(zero)
    fmap = scenario_maps.run_map(current_app.config["SETTINGS"], config)
    state = warnings.live_state_of(db.session, run.id)
    return render_template(
        "scenarios/run.html",
        run=run,
        status=status,
        error=error,
        finished=finished,
        result=_result(run, care_filter()) if finished else None,
        description=(
            live_description(state.warning_ids)
            if state
            else run.scenario_snapshot.get("description")
        ),
        facts=scenario_facts(run.scenario_snapshot),
        live=state is not None,
        hour_zero=zero,
        zero_basis=basis,
        map=maps.map_parts(fmap),
        gap_colors=scenario_maps.GAP_COLORS,
        styles=scenario_maps.styles(),
        levels=scenario_maps.LEVEL_STYLE,
    )


@bp.get("/runs/<int:run_id>/table")
def run_table(run_id: int) -> ResponseReturnValue:
    """The result's tables and charts alone, for the run page to insert when the run
    finishes."""
    run = runs.get_run(db.session, run_id)
    finished_summary(run)
    return render_template(
        "scenarios/_run_result.html", run=run, result=_result(run, care_filter())
    )


@bp.get("/runs/<int:run_id>/care-sites.csv")
def care_sites_export(run_id: int) -> Response:
    """The run's affected care sites, filtered as the query says, worst first."""
    run = runs.get_run(db.session, run_id)
    finished_summary(run)
    chosen = care_filter()
    sites = with_cause_lines(run, run_reports.affected_care_sites(db.session, run.id, chosen))
    stamp = (run.finished_at or run.created_at).date().isoformat()
    return Response(
        care_sites_csv(run, sites),
        mimetype="text/csv",
        headers={
            "Content-Disposition": (
                f'attachment; filename="vard_och_omsorg_run-{run.id}_{stamp}.csv"'
            )
        },
    )


def _result(run: Run, chosen: run_reports.CareFilter) -> dict[str, Any]:
    """What the run page shows of a finished run besides the map. Residents are counted
    apart from home-care clients (model v3's stored figures); the care-site table lists
    every affected site, those the filter leaves out hidden (the page's script filters
    the same way)."""
    summary = home_care.shown_summary(run.summary or {})
    timeline = home_care.shown_timeline(run_results.timeline_document(db.session, run.id))
    duration = float((run.parameters or {}).get("duration_hours", 0.0))
    zero = run_clock.run_hour_zero(db.session, run)
    sites = with_cause_lines(run, run_reports.affected_care_sites(db.session, run.id), zero)
    now, peak = run_clock.now_and_peak(timeline, duration, zero)
    return {
        "rows": run_reports.area_rows(summary),
        "county": summary.get("county", {}),
        "generators_free": summary.get("county", {}).get("generators_free"),
        "care_sites": sites,
        "care_shown": {s["id"] for s in sites if chosen.keeps(s)},
        "care_filter": chosen,
        "care_choices": care_choices(sites),
        "care_columns": care_table_columns(run),
        "hour_zero": run_clock.run_hour_zero(db.session, run),
        "care_value": care_value,
        "food": run_reports.food_rows(summary),
        "target_days": (run.parameters or {}).get("food_stock_target_days"),
        "charts": timeline_charts(timeline, duration, zero),
        # A live run's "now" is this instant; every run's peak is the peak, with its time.
        "now": now if warnings.live_state_of(db.session, run.id) is not None else None,
        "peak": peak,
        "back": run_clock.clock(zero, duration),
        "duration": duration,
        "clients_apart": home_care.counts_clients_apart(run),
        "cut_off": closed_roads.cut_off(db.session, run.id),
    }


def _run_arg(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    # ASCII digits of a bigint at most ("²" is a digit to isdigit, 5,000 digits to int()).
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise BadInput(_("{name} must be a run number").format(name=name))
    return int(value)


@bp.get("/runs/compare")
def compare_runs() -> ResponseReturnValue:
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
    rows = run_reports.compare(
        home_care.shown_summary(finished_summary(run_a)),
        home_care.shown_summary(finished_summary(run_b)),
    )
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
