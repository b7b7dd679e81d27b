"""A run's timeline as the run page's two charts (care sites and people), inline SVG drawn by
web/charts.py, every hour also a time on the clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup

from resilience.services import run_clock, run_reports
from resilience.web import charts, formatting

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
