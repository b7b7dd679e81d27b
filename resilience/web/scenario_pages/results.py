"""HTML pages for runs: the list, a run's progress and result (map, tables per municipality,
the timeline charts, its care sites as a table and a CSV file), and two runs compared; on
the blueprint of web/scenario_pages/."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Response, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from markupsafe import Markup

from resilience.analysis import STATUSES
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
from resilience.vocabulary import CARE_PRIORITY
from resilience.web import charts, formatting, maps, names, scenario_maps
from resilience.web.causes import cause_line
from resilience.web.formatting import format_day_time
from resilience.web.i18n import current_language
from resilience.web.names import N_
from resilience.web.scenario_pages import (
    bp,
    finished_summary,
    id_prefix,
    live_description,
    run_state,
    run_states,
    scenario_facts,
)


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


# --- the care sites of a run: a table on the page and a CSV file -------------------------

_CODE = re.compile(r"\d{4}")


def care_filter() -> run_reports.CareFilter:
    """The care-site filter of the request's query: municipality (a code), kind, status
    (a power status) and care=new; the run page, its table and its CSV read the same."""
    municipality = request.args.get("municipality") or None
    kind = request.args.get("kind") or None
    status = request.args.get("status") or None
    care = request.args.get("care") or None
    if municipality is not None and not _CODE.fullmatch(municipality):
        raise BadInput(_("municipality must be a four-digit code"))
    if kind is not None and kind not in CARE_PRIORITY:
        raise BadInput(_("unknown kind of care site: {kind}").format(kind=kind))
    if status is not None and status not in STATUSES:
        raise BadInput(_("unknown power status: {status}").format(status=status))
    if care not in (None, "new"):
        raise BadInput(_("care must be new"))
    return run_reports.CareFilter(municipality, kind, status, care == "new")


@dataclass(frozen=True)
class CareColumn:
    """A column of the care-site table, and of its CSV: the row key, its heading, number
    (and with how many decimals) or text, and whether only model v2 has it."""

    key: str
    heading: str
    decimals: int | None = None  # None: text
    v2: bool = False


CARE_COLUMNS = (
    CareColumn("name", N_("Unit")),
    CareColumn("kind", N_("Kind")),
    CareColumn("municipality", N_("Municipality")),
    CareColumn("residents", N_("Residents"), 0),
    CareColumn("clients", N_("Home-care clients"), 0),
    CareColumn("status", N_("Status")),
    CareColumn("hours_unpowered_before", N_("Hours without power, before generators"), 1),
    CareColumn("hours_unpowered", N_("Hours without power, after generators"), 1),
    CareColumn("generator_name", N_("Generator")),
    CareColumn("generator_municipality", N_("Generator from")),
    CareColumn("generator_distance_km", N_("Distance (km, straight line)"), 1),
    CareColumn("arrival_hours", N_("Arrival (hours)"), 1),
    CareColumn("first_cold_hour", N_("First cold hour"), 1, v2=True),
    CareColumn("hours_cold", N_("Hours cold"), 1, v2=True),
    CareColumn("min_indoor_c", N_("Lowest indoor °C"), 1, v2=True),
    CareColumn("cause", N_("Why")),
)


def care_columns(run: Run) -> list[CareColumn]:
    """The columns a run's CSV has: the cold ones with model v2 only."""
    v2 = (run.model_version or 1) >= 2
    return [c for c in CARE_COLUMNS if v2 or not c.v2]


@dataclass(frozen=True)
class CareTableColumn:
    """A column of the care-site table on the page (issue 20, item 9): fewer than the CSV's,
    so that the cold and power columns are in view at 1440 px; the generator's name, origin,
    distance and arrival in one cell, the hours before the generators under the hours
    after. `sort` is how the heading's button sorts (number or text), `card` whether a
    phone's card shows it."""

    key: str
    heading: str
    sort: str = "text"
    card: bool = True
    v2: bool = False


CARE_TABLE_COLUMNS = (
    CareTableColumn("name", N_("Unit")),
    CareTableColumn("kind", N_("Kind")),
    CareTableColumn("municipality", N_("Municipality")),
    CareTableColumn("status", N_("Status")),
    CareTableColumn("first_cold_hour", N_("Cold from"), "number", v2=True),
    CareTableColumn("hours_cold", N_("Hours cold"), "number", card=False, v2=True),
    CareTableColumn("min_indoor_c", N_("Lowest indoor °C"), "number", card=False, v2=True),
    CareTableColumn("hours_unpowered", N_("Without power"), "number"),
    CareTableColumn("generator", N_("Generator"), "number"),
    CareTableColumn("residents", N_("Residents"), "number", card=False),
    CareTableColumn("clients", N_("Home-care clients"), "number", card=False),
    CareTableColumn("cause", N_("Why")),
)


def care_table_columns(run: Run) -> list[CareTableColumn]:
    """The columns of a run's table on the page: the cold ones with model v2 only."""
    v2 = (run.model_version or 1) >= 2
    return [c for c in CARE_TABLE_COLUMNS if v2 or not c.v2]


def clock_hour(zero: datetime, hours: float) -> str:
    """Hour `hours` of a run as a time of day with the hours after hour 0: "7/12 09:18 (7,3 h)"."""
    at = format_day_time(run_clock.clock(zero, hours))
    return f"{at} ({formatting.format_number(hours, 1)} h)"


def _power_text(site: dict[str, Any], zero: datetime) -> str:
    """When a site is without power after the generators: from and to on the clock, and how
    long; "–" when it keeps power."""
    hours = site["hours_unpowered"] or 0.0
    intervals = site.get("unpowered_intervals") or []
    if hours <= 0 or len(intervals) < 2:
        return f"{formatting.format_number(hours, 1)} h" if hours > 0 else "–"
    start = format_day_time(run_clock.clock(zero, float(intervals[0])))
    end = format_day_time(run_clock.clock(zero, float(intervals[-1])))
    spells = len(intervals) // 2
    if spells > 1:  # power back in between: how long in all, and in how many spells
        total = _("{hours} h in {count} spells").format(
            hours=formatting.format_number(hours, 1), count=spells
        )
        return f"{start}–{end} ({total})"
    return f"{start}–{end} ({formatting.format_number(hours, 1)} h)"


def _generator_text(site: dict[str, Any], zero: datetime) -> str:
    """The generator sent to a site: its name, where it comes from, how far (straight line)
    and when it arrives on the clock; "–" when none is."""
    if not site["generator_name"]:
        return "–"
    parts = [str(site["generator_name"])]
    if site["generator_municipality"]:
        parts.append(_("from {municipality}").format(municipality=site["generator_municipality"]))
    if site["generator_distance_km"] is not None:
        parts.append(f"{formatting.format_number(site['generator_distance_km'], 1)} km")
    text = ", ".join(parts)
    if site["arrival_hours"] is None:
        return text
    arrives = _("arrives {at}").format(at=clock_hour(zero, float(site["arrival_hours"])))
    return f"{text}; {arrives}"


def with_clock_texts(sites: list[dict[str, Any]], zero: datetime) -> list[dict[str, Any]]:
    """The care sites each with the table's texts of its hours on the clock: `cold_from`,
    `power_text` (without power, after the generators) and `generator_text`."""
    return [
        s
        | {
            "cold_from": clock_hour(zero, float(s["first_cold_hour"]))
            if s.get("first_cold_hour") is not None
            else "–",
            "power_text": _power_text(s, zero),
            "generator_text": _generator_text(s, zero),
        }
        for s in sites
    ]


def care_value(site: dict[str, Any], key: str) -> Any:
    """A care site's value in a column: residents are a home-care base's clients, and a
    care home's residents, each in its own column."""
    if key == "residents":
        return None if site["clients"] else site["residents"]
    if key == "clients":
        return site["residents"] if site["clients"] else None
    return site.get(key)


def care_choices(sites: Sequence[dict[str, Any]]) -> dict[str, list[tuple[str, str]]]:
    """The filter's choices: the municipalities, kinds and statuses of the affected sites."""
    municipalities = {s["municipality_code"]: s["municipality"] for s in sites}
    return {
        "municipality": sorted(
            ((code, name or code) for code, name in municipalities.items() if code),
            key=lambda c: c[1],
        ),
        "kind": [
            (k, names.label("kind", k)) for k in CARE_PRIORITY if any(s["kind"] == k for s in sites)
        ],
        "status": [
            (st, names.label("power_status", st))
            for st in STATUSES
            if any(s["status"] == st for s in sites)
        ],
    }


def _csv_text(site: dict[str, Any], column: CareColumn, english: bool) -> str:
    value = care_value(site, column.key)
    if value is None:
        return ""
    if column.key == "kind":
        return names.label("kind", value)
    if column.key == "status":
        return names.label("power_status", value)
    if column.decimals is not None:
        return formatting.csv_number(value, column.decimals, english)
    return str(value)


def with_cause_lines(
    run: Run, sites: list[dict[str, Any]], zero: datetime | None = None
) -> list[dict[str, Any]]:
    """The care sites each with `cause`: the reason for its gap, one line in the reader's
    language (web/causes.py), its hours also as clock times, and the table's clock texts
    (with_clock_texts); hour 0 `zero`, else the run's."""
    zero = zero or run_clock.run_hour_zero(db.session, run)
    return with_clock_texts(
        [
            s | {"cause": cause_line(s["causes"], zero)}
            for s in run_reports.with_causes(db.session, run, sites)
        ],
        zero,
    )


def care_sites_csv(run: Run, sites: Sequence[dict[str, Any]]) -> bytes:
    """The table as a CSV file for Excel: UTF-8 with a byte order mark (so å, ä and ö
    open right), headings in the page's language; in Swedish ';' between the fields and a
    decimal comma, as Swedish Excel reads them, in English ',' and a point."""
    from geodata.exporters import csv_safe

    english = current_language() == "en"
    out = io.StringIO()
    writer = csv.writer(out, delimiter="," if english else ";", lineterminator="\r\n")
    columns = care_columns(run)
    writer.writerow([_(c.heading) for c in columns])
    for site in sites:
        # Formulas are neutralised in text only: a number (−1,8 included) stays a number.
        writer.writerow(
            [
                _csv_text(site, c, english)
                if c.decimals is not None
                else csv_safe(_csv_text(site, c, english))
                for c in columns
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


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


# The timeline charts' lines: (series, colour, dashed); people and care sites apart, since
# their scales differ by orders of magnitude.
_CARE_LINES = (
    ("care_sites_unpowered", "#e63946", False),
    ("care_sites_cold", "#457b9d", False),
)
_PEOPLE_LINES = (
    ("residents_unpowered", "#e63946", False),
    ("home_care_clients_unpowered", "#b5651d", True),
    ("residents_cold", "#457b9d", False),
    ("food", "#f4a261", True),
    ("care", "#2a9d8f", True),
    ("shelter", "#6d597a", True),
)


def _series(timeline: dict[str, Any], name: str) -> list[int]:
    county = timeline["county"] or {}
    if name in run_reports.SERVICES:
        return list((county.get("uncovered") or {}).get(name, []))
    return list(county.get(name, []))


def timeline_charts(timeline: dict[str, Any], duration: float, zero: datetime) -> Markup:
    """The county's timeline as two inline SVG charts, care sites and people, each with
    its legend below it: values in the page's number format, every hour tick also a clock
    time (hour 0 is `zero`)."""
    labels = {
        "care_sites_unpowered": _("Care sites without power"),
        "care_sites_cold": _("Care sites cold"),
        "residents_unpowered": _("Residents without power"),
        "home_care_clients_unpowered": _("Home-care clients whose base lacks power"),
        "residents_cold": _("Residents in cold buildings"),
        "food": _("Without food"),
        "care": _("Without care"),
        "shelter": _("Without warm shelter"),
    }
    hours = timeline["hours"]
    parts = []
    for chart_id, title, unit, lines in (
        ("timeline-care", _("Care sites"), _("sites"), _CARE_LINES),
        ("timeline-people", _("People"), _("people"), _PEOPLE_LINES),
    ):
        series = [
            charts.TimeSeries(labels[name], _series(timeline, name), color, dashed)
            for name, color, dashed in lines
        ]
        svg = charts.timeline_chart_svg(
            hours,
            duration,
            series,
            title=title,
            unit=unit,
            hour_label=_("clock time, and hours since hour 0"),
            fmt=lambda v: formatting.format_number(v, 0),
            hour_fmt=lambda h: formatting.format_number(h, 1),
            clock=lambda h: formatting.format_clock(run_clock.clock(zero, h)),
            chart_id=chart_id,
        )
        legend = charts.timeline_legend_html(series, chart_id)
        parts.append(f'<figure class="timeline-figure">{svg}{legend}</figure>')
    return Markup("".join(parts))  # timeline_chart_svg and the legend escape every text


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
