"""HTML pages for scenarios and runs: one blueprint ("scenario_pages") and what its pages
share; a module per kind of page registers its views on `bp` when imported.

  scenarios.py        the scenario list and the editor (draw outage areas and snow zones)
  results.py          the run list, a run's progress and result, its care sites (CSV), two
                      compared
  care_table.py       a run's care sites as a table and a CSV (no views: results.py's use it)
  timeline_charts.py  a run's timeline as the run page's two charts
  report.py           the situation report (lägesbild), as a page and a PDF, and the live one's

Saving and starting runs go through the JSON API from static/js (scenario_list.js,
scenario_editor.js, run_page.js), so the pages and the API share one set of rules and
permissions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, current_app
from flask_babel import gettext as _

from resilience.db import db
from resilience.errors import Conflict
from resilience.models import Run
from resilience.scenarios import DEFAULT_DURATION_HOURS
from resilience.services import runs, warnings
from resilience.services.warnings import LIVE_SCENARIO_NAME
from resilience.web import names, scenario_maps
from resilience.web.i18n import current_language
from workers.queue import run_job_states

bp = Blueprint("scenario_pages", __name__)


def id_prefix(url: str) -> str:
    """A URL built with id 0, as the prefix the JS completes with an id."""
    return url.removesuffix("0")


@bp.context_processor
def _page_words() -> dict[str, Any]:
    return {"step_label": step_label}


@bp.app_template_filter("scenario_name")
def scenario_name(name: str | None) -> str:
    """A scenario's name as shown: the live scenario's in the page's language (it is
    stored in Swedish, the name the built-in data and the situation report use)."""
    if name == LIVE_SCENARIO_NAME:
        return _("Live: active weather warnings")
    return name or ""


def live_description(warning_ids: Sequence[int] | None) -> str:
    """What the live scenario is made of, in the page's language: each warning's level and
    event ("Red: Wind in combination with snowfall"), as the stored Swedish description."""
    if not warning_ids:
        return ""
    shown = warnings.warnings_by_id(db.session, warning_ids)
    english = current_language() == "en"
    labels = {
        f"{names.label('warning', w.level)}: "
        + ((w.event_en if english else w.event_sv) or w.event_sv or w.event_code)
        for w in shown
    }
    return "; ".join(sorted(labels))


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


def finished_summary(run: Run) -> dict[str, Any]:
    """A finished run's summary, or a 409: the run pages' result, CSV and comparison and the
    situation report need one."""
    status, _error = run_state(run)
    if status != "finished" or run.summary is None:
        raise Conflict(
            _("Run {id} has no result yet ({status}).").format(
                id=run.id, status=names.label("status", status)
            )
        )
    return run.summary


def scenario_facts(definition: dict[str, Any]) -> dict[str, Any]:
    """What the list says about a scenario: outage areas and their durations (v3: each area
    may have its own; durations lists the distinct ones, shortest first), snow zones by
    level, road closures."""
    outage = definition.get("outage") or {}
    areas = outage.get("areas") or {}
    levels = [z.get("level") for z in definition.get("snow_zones") or []]
    default = outage.get("duration_hours", DEFAULT_DURATION_HOURS)
    if areas.get("type") == "FeatureCollection":  # v3: areas with their own durations
        features = [f for f in areas.get("features") or [] if isinstance(f, dict)]
        count = sum(_polygon_count(f.get("geometry") or {}) for f in features)
        durations = sorted(
            {(f.get("properties") or {}).get("duration_hours") or default for f in features}
        )
    else:
        count = _polygon_count(areas)
        durations = [default] if count else []
    return {
        "duration_hours": default,
        "durations": durations,
        "road_closures": _polygon_count(definition.get("road_closures") or {}),
        "outage_areas": count,
        "snow_zones": {level: levels.count(level) for level in scenario_maps.LEVEL_STYLE},
        "parameters": definition.get("parameters") or {},
    }


def _polygon_count(geometry: dict[str, Any]) -> int:
    """The polygons of a stored (Multi)Polygon."""
    if geometry.get("type") == "Polygon":
        return 1
    return len(geometry.get("coordinates") or [])


# The pages register their views on `bp` when imported.
from resilience.web.scenario_pages import report, results, scenarios  # noqa: E402

__all__ = ["bp", "report", "results", "scenarios"]
