"""The energy pages' inline SVG charts (drawn by charts.py): progress and savings per
municipality as bars, energy use over the years as lines."""

from __future__ import annotations

from collections.abc import Callable

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup

from resilience import energy_figures as energy
from resilience.web import charts
from resilience.web.formatting import format_number


def _fmt(decimals: int = 0) -> Callable[[float | None], str]:
    return lambda value: format_number(value, decimals)


def progress_bars(rows: list[tuple[str, str, energy.Progress]], title: str) -> Markup:
    """Bars per municipality: the change from the base year (%), the target as a tick."""
    bars = [
        charts.Bar(
            label=name,
            value=p.change_percent or 0.0,
            marker=p.target_percent,
            href=url_for("energy.report", code=code),
        )
        for code, name, p in rows
        if p.buildings
    ]
    svg = charts.bar_chart_svg(bars, title=title, unit="%", fmt=_fmt(1), marker_label=_("target"))
    return Markup(svg)


def savings_bars(rows: list[tuple[str, str, energy.Totals]], title: str) -> Markup:
    bars = [
        charts.Bar(
            label=name,
            value=energy.to_mwh(t.savings_done_kwh_year) or 0.0,
            href=url_for("energy.report", code=code),
        )
        for code, name, t in rows
    ]
    return Markup(
        charts.bar_chart_svg(
            bars,
            title=title,
            unit=_("MWh/year"),
            fmt=_fmt(1),
        )
    )


def progress_line(series: list[energy.Progress], title: str) -> Markup:
    lines = [
        charts.Series(
            _("Use"), [(p.year, energy.to_mwh(p.use_kwh) or 0.0) for p in series], "line"
        ),
        charts.Series(
            _("Target"), [(p.year, energy.to_mwh(p.target_kwh) or 0.0) for p in series], "target"
        ),
        charts.Series(
            _("Base year"), [(p.year, energy.to_mwh(p.base_kwh) or 0.0) for p in series], "base"
        ),
    ]
    # Markup: the chart functions escape every text they put in the SVG.
    return Markup(charts.line_chart_svg(lines, title=title, unit=_("MWh/year"), fmt=_fmt(0)))
