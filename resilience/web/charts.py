"""Drawing for the pages: map colours and sizes, round axis ticks and class breaks, and inline
SVG charts (bars and lines). The figures come from resilience.energy; this only draws them,
and escapes every text it puts into the SVG."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

# --- map styling ---------------------------------------------------------------------------

# Green to red like the energy label; G darkest.
CLASS_COLORS: dict[str | None, str] = {
    "A": "#1a9850",
    "B": "#66bd63",
    "C": "#a6d96a",
    "D": "#fee08b",
    "E": "#fdae61",
    "F": "#f46d43",
    "G": "#a50026",
    None: "#9e9e9e",
}
USE_COLORS = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
SAVINGS_COLORS = ("#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c")
NO_DATA_COLOR = "#f0f0f0"


def nice_step(span: float, count: int) -> float:
    """A step of 1, 2 or 5 × 10^k giving about `count` intervals over `span` (> 0)."""
    raw = span / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * power:
            return m * power
    return 10 * power  # pragma: no cover - the loop always returns


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high], about `count` intervals: (0, 87) → 0, 20, …,
    100."""
    if high < low:
        low, high = high, low
    if high == low:
        high = low + 1.0
    step = nice_step(high - low, count)
    start = math.floor(low / step) * step
    ticks, value = [], start
    while value < high - 1e-9 * step:
        ticks.append(round(value, 10))
        value += step
    ticks.append(round(value, 10))
    return ticks


def breaks(values: Iterable[float], classes: int = 5) -> list[float]:
    """Equal-interval class limits from 0 to a round maximum: classes + 1 numbers. All zero
    (or nothing): [0, 1, …]."""
    top = max((v for v in values if v is not None and v > 0), default=0.0)
    step = nice_step(top, classes) if top > 0 else 1.0
    while step * classes < top:  # nice_step may round down
        step = nice_step(step * 1.5, 1)
    return [round(step * i, 10) for i in range(classes + 1)]


def bin_color(value: float | None, limits: Sequence[float], colors: Sequence[str]) -> str:
    """The colour of the first class whose upper limit is >= value; NO_DATA_COLOR for None."""
    if value is None:
        return NO_DATA_COLOR
    for upper, color in zip(limits[1:], colors, strict=False):
        if value <= upper:
            return color
    return colors[-1]


def marker_radius(
    use_kwh_year: float | None, largest_kwh_year: float, r_min: float = 4.0, r_max: float = 18.0
) -> float:
    """Pixels; the circle's area grows with the use: r_min + (r_max − r_min) × √(use/largest)."""
    if not use_kwh_year or use_kwh_year <= 0 or largest_kwh_year <= 0:
        return r_min
    return r_min + (r_max - r_min) * math.sqrt(min(use_kwh_year / largest_kwh_year, 1.0))


# --- SVG charts (inline, server-side) ------------------------------------------------------

Formatter = Callable[[float], str]


def _plain(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    marker: float | None = None  # e.g. the target, drawn as a tick
    href: str | None = None


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def bar_chart_svg(
    bars: Sequence[Bar],
    *,
    title: str,
    unit: str,
    fmt: Formatter = _plain,
    marker_label: str = "",
    width: int = 720,
    row_height: int = 22,
    label_width: int = 130,
) -> str:
    """Horizontal bars (negative values to the left of zero), one row per bar, with an
    optional marker tick per row. Returns an <svg> element."""
    values = [b.value for b in bars] + [b.marker for b in bars if b.marker is not None]
    ticks = nice_ticks(min(0.0, *values) if values else 0.0, max(0.0, *values) if values else 1.0)
    low, high = ticks[0], ticks[-1]
    top, bottom, right = 28, 26, 56
    plot_w = width - label_width - right
    height = top + row_height * len(bars) + bottom

    def x(v: float) -> float:
        return label_width + (v - low) / (high - low) * plot_w

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart bar-chart" role="img"'
        f' viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
        f' aria-label="{_attr(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text class="chart-title" x="0" y="16">{escape(title)} ({escape(unit)})</text>',
    ]
    for t in ticks:
        parts.append(
            f'<line class="grid" x1="{x(t):.1f}" y1="{top - 4}" x2="{x(t):.1f}"'
            f' y2="{height - bottom}"/>'
            f'<text class="tick" x="{x(t):.1f}" y="{height - bottom + 14}"'
            f' text-anchor="middle">{escape(fmt(t))}</text>'
        )
    zero = x(0.0)
    for i, b in enumerate(bars):
        y = top + i * row_height
        x0, x1 = sorted((zero, x(b.value)))
        label = escape(b.label)
        if b.href:
            label = f'<a href="{_attr(b.href)}">{label}</a>'
        cls = "bar negative" if b.value < 0 else "bar"
        parts.append(
            f'<text class="label" x="{label_width - 6}" y="{y + row_height * 0.68:.1f}"'
            f' text-anchor="end">{label}</text>'
            f'<rect class="{cls}" x="{x0:.1f}" y="{y + 3}" width="{max(x1 - x0, 0.5):.1f}"'
            f' height="{row_height - 6}"><title>{escape(b.label)}: {escape(fmt(b.value))}'
            f" {escape(unit)}</title></rect>"
            f'<text class="value" x="{max(x1, zero) + 4:.1f}" y="{y + row_height * 0.68:.1f}">'
            f"{escape(fmt(b.value))}</text>"
        )
        if b.marker is not None:
            mx = x(b.marker)
            parts.append(
                f'<line class="marker" x1="{mx:.1f}" y1="{y + 1}" x2="{mx:.1f}"'
                f' y2="{y + row_height - 1}"><title>{escape(marker_label)}:'
                f" {escape(fmt(b.marker))} {escape(unit)}</title></line>"
            )
    parts.append(
        f'<line class="axis" x1="{zero:.1f}" y1="{top - 4}" x2="{zero:.1f}"'
        f' y2="{height - bottom}"/></svg>'
    )
    return "".join(parts)


# A legend's text, 12 px: at most this wide per character (capitals and å, ä, ö included).
_LEGEND_CHAR_PX = 7.5
_LEGEND_GAP_PX = 40  # the swatch before a label and the space after it


def _legend_rows(labels: Sequence[str], width: float) -> list[list[tuple[int, float]]]:
    """A legend below a chart, laid out in rows no wider than `width`: per row, each
    label's index and x (from the plot's left), so that no label is cut at the right."""
    rows: list[list[tuple[int, float]]] = []
    x = width
    for i, label in enumerate(labels):
        need = _LEGEND_GAP_PX + len(label) * _LEGEND_CHAR_PX
        if not rows or x + need > width:
            rows.append([])
            x = 0.0
        rows[-1].append((i, x))
        x += need
    return rows


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[int, float]]  # (year, value)
    css: str = "line"  # the class of the path: line, target, base


def line_chart_svg(
    series: Sequence[Series],
    *,
    title: str,
    unit: str,
    fmt: Formatter = _plain,
    from_zero: bool = False,
    width: int = 720,
    height: int = 260,
) -> str:
    """Lines over whole years (x), with a legend. The y axis spans round numbers around the
    values (a 10 % change must be visible), or starts at zero with `from_zero`. Returns an
    <svg> element."""
    years = sorted({y for s in series for y, _v in s.points})
    values = [v for s in series for _y, v in s.points]
    left, right, top, bottom = 70, 24, 28, 30
    legend = _legend_rows([s.label for s in series], width - left)
    plot_w, plot_h = width - left - right, height - top - bottom
    total = height + 18 * len(legend) + 6
    low = 0.0 if from_zero or not values else min(values)
    ticks = nice_ticks(low, max(values, default=1.0) or 1.0)
    first, last = (years[0], years[-1]) if years else (0, 1)
    span = (last - first) or 1

    def x(year: float) -> float:
        if last == first:  # one year: in the middle
            return left + plot_w / 2
        return left + (year - first) / span * plot_w

    def y(value: float) -> float:
        return top + plot_h - (value - ticks[0]) / (ticks[-1] - ticks[0]) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart line-chart" role="img"'
        f' viewBox="0 0 {width} {total}" width="{width}" height="{total}"'
        f' aria-label="{_attr(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text class="chart-title" x="0" y="16">{escape(title)} ({escape(unit)})</text>',
    ]
    for t in ticks:
        parts.append(
            f'<line class="grid" x1="{left}" y1="{y(t):.1f}" x2="{left + plot_w}"'
            f' y2="{y(t):.1f}"/><text class="tick" x="{left - 6}" y="{y(t) + 4:.1f}"'
            f' text-anchor="end">{escape(fmt(t))}</text>'
        )
    for year in years:
        parts.append(
            f'<text class="tick" x="{x(year):.1f}" y="{height - bottom + 16}"'
            f' text-anchor="middle">{year}</text>'
        )
    legend_at = {i: (r, left + x0) for r, row in enumerate(legend) for i, x0 in row}
    for i, s in enumerate(series):
        if not s.points:
            continue
        path = " ".join(
            f"{'M' if j == 0 else 'L'}{x(yr):.1f},{y(v):.1f}" for j, (yr, v) in enumerate(s.points)
        )
        parts.append(f'<path class="{_attr(s.css)}" d="{path}" fill="none"/>')
        for yr, v in s.points:
            parts.append(
                f'<circle class="{_attr(s.css)} point" cx="{x(yr):.1f}" cy="{y(v):.1f}" r="3">'
                f"<title>{escape(s.label)} {yr}: {escape(fmt(v))} {escape(unit)}</title></circle>"
            )
        row, lx = legend_at[i]
        ly = top + plot_h + bottom + 12 + row * 18
        parts.append(
            f'<line class="{_attr(s.css)}" x1="{lx:.1f}" y1="{ly}" x2="{lx + 20:.1f}" y2="{ly}"/>'
            f'<text class="legend-text" x="{lx + 26:.1f}" y="{ly + 4}">{escape(s.label)}</text>'
        )
    parts.append(
        f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}"'
        f' y2="{top + plot_h}"/></svg>'
    )
    return "".join(parts)


# --- the energy map's styles on the API's GeoJSON ------------------------------------------


def style_buildings(collection: dict[str, Any]) -> dict[str, Any]:
    """Each building's colour (its energy class) and radius (its annual use), in place."""
    features = collection["features"]
    largest = max((f["properties"]["use_kwh_year"] or 0.0 for f in features), default=0.0)
    for feature in features:
        props = feature["properties"]
        props["color"] = CLASS_COLORS[props["energy_class"]]
        props["radius"] = marker_radius(props["use_kwh_year"], largest)
    return collection


def style_municipalities(collection: dict[str, Any]) -> dict[str, Any]:
    """Choropleth colours of the total use and the savings achieved, and their class
    limits (`breaks`), in place; a municipality without buildings has no data."""
    props = [f["properties"] for f in collection["features"]]
    with_data = [p for p in props if p["buildings"]]
    use_breaks = breaks(p["use_mwh_year"] for p in with_data)
    saved_breaks = breaks(p["savings_done_mwh_year"] for p in with_data)
    for p in props:
        has = bool(p["buildings"])
        p["use_color"] = bin_color(p["use_mwh_year"] if has else None, use_breaks, USE_COLORS)
        p["savings_color"] = bin_color(
            p["savings_done_mwh_year"] if has else None, saved_breaks, SAVINGS_COLORS
        )
    collection["breaks"] = {"use_mwh_year": use_breaks, "savings_done_mwh_year": saved_breaks}
    return collection


# --- the run's timeline (coverage-model.md, "Time") ---------------------------------------


@dataclass(frozen=True)
class TimeSeries:
    """One line of a timeline chart: a value per instant, and its colour."""

    label: str
    values: Sequence[float]
    color: str
    dashed: bool = False


# Steps of the hour axis: whole hours that read as clock times (every 6 h: 06:00, 12:00…).
_HOUR_STEPS = (1.0, 2.0, 3.0, 6.0, 12.0, 24.0, 48.0, 96.0, 168.0)


def hour_ticks(span: float, most: int = 8) -> list[float]:
    """The hour axis's ticks over [0, span]: the smallest step of _HOUR_STEPS giving at most
    `most` intervals (48 h: every 6 h), 0 first and none past span."""
    step = next((s for s in _HOUR_STEPS if span / s <= most), None)
    if step is None:
        step = nice_step(span, most)
    count = math.floor(span / step + 1e-9)
    return [round(i * step, 10) for i in range(count + 1)]


def timeline_chart_svg(
    hours: Sequence[float],
    duration: float,
    series: Sequence[TimeSeries],
    *,
    title: str,
    unit: str,
    hour_label: str,
    fmt: Formatter = _plain,
    hour_fmt: Formatter = _plain,
    clock: Formatter | None = None,
    width: int = 720,
    height: int = 250,
    chart_id: str = "",
) -> str:
    """Step lines over hours 0..duration: each value holds from its instant to the next
    (the grid returns at `duration`). Each hour tick reads as a clock time (`clock`, hour →
    text) over its hour (`hour_fmt`); values as `fmt` (the page's number format). The legend
    is not in the SVG (timeline_legend_html, so it wraps on a phone and is never cut). A
    vertical line (class "now") marks an hour that a script may move: the svg carries
    data-left, data-width and data-duration for that."""
    values = [v for s in series for v in s.values]
    left, right, top = 84, 56, 28
    bottom = 60 if clock else 34
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = nice_ticks(0.0, max(values, default=1.0) or 1.0, 4)
    span = duration or 1.0

    def x(hour: float) -> float:
        return left + min(hour, span) / span * plot_w

    def y(value: float) -> float:
        return top + plot_h - (value - ticks[0]) / (ticks[-1] - ticks[0]) * plot_h

    ident = f' id="{_attr(chart_id)}"' if chart_id else ""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart timeline-chart" role="img"{ident}'
        f' viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
        f' data-left="{left}" data-width="{plot_w}" data-duration="{span:g}"'
        f' aria-label="{_attr(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text class="chart-title" x="0" y="16" font-weight="bold">{escape(title)}'
        f" ({escape(unit)})</text>",
    ]
    for t in ticks:
        parts.append(
            f'<line class="grid" x1="{left}" y1="{y(t):.1f}" x2="{left + plot_w}"'
            f' y2="{y(t):.1f}" stroke="#ddd"/><text class="tick" x="{left - 6}"'
            f' y="{y(t) + 4:.1f}" text-anchor="end" font-size="12">{escape(fmt(t))}</text>'
        )
    # Every other hour tick is "odd": a phone's style hides those and enlarges the rest.
    for i, h in enumerate(hour_ticks(span)):
        label = (
            f'<tspan class="clock" x="{x(h):.1f}">{escape(clock(h))}</tspan>'
            f'<tspan class="hour" x="{x(h):.1f}" dy="1.15em">{escape(hour_fmt(h))} h</tspan>'
            if clock
            else escape(hour_fmt(h))
        )
        odd = " odd" if i % 2 else ""
        parts.append(
            f'<line class="grid" x1="{x(h):.1f}" y1="{top}" x2="{x(h):.1f}"'
            f' y2="{top + plot_h}" stroke="#eee"/><text class="tick hour-tick{odd}"'
            f' x="{x(h):.1f}" y="{top + plot_h + 16}" text-anchor="middle" font-size="12"'
            f' data-hour="{h:g}">{label}</text>'
        )
    parts.append(
        f'<text class="axis-label" x="{left + plot_w / 2:.1f}" y="{height - 4}"'
        f' text-anchor="middle" font-size="11">{escape(hour_label)}</text>'
    )
    for s in series:
        if not s.values:
            continue
        points = []
        for k, value in enumerate(s.values):
            end = hours[k + 1] if k + 1 < len(hours) else span
            points += [f"{x(hours[k]):.1f},{y(value):.1f}", f"{x(end):.1f},{y(value):.1f}"]
        dash = ' stroke-dasharray="6 3"' if s.dashed else ""
        parts.append(
            f'<polyline class="series" points="{" ".join(points)}" fill="none"'
            f' stroke="{_attr(s.color)}" stroke-width="2"{dash}>'
            f"<title>{escape(s.label)}</title></polyline>"
        )
    parts.append(
        f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}"'
        f' y2="{top + plot_h}" stroke="#333"/>'
        f'<line class="now" x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}"'
        f' stroke="#1d3557" stroke-width="1.5" stroke-dasharray="3 3" visibility="hidden"/>'
        "</svg>"
    )
    return "".join(parts)


def timeline_legend_html(series: Sequence[TimeSeries], chart_id: str = "") -> str:
    """A timeline chart's legend as an HTML list (it wraps, so no label is ever cut): a
    swatch of each line, solid or dashed, and its label."""
    ident = f' data-chart="{_attr(chart_id)}"' if chart_id else ""
    items = []
    for s in series:
        dash = ' stroke-dasharray="6 3"' if s.dashed else ""
        items.append(
            '<li><svg class="swatch" width="28" height="10" aria-hidden="true">'
            f'<line x1="0" y1="5" x2="28" y2="5" stroke="{_attr(s.color)}" stroke-width="2"'
            f"{dash}/></svg>{escape(s.label)}</li>"
        )
    return f'<ul class="chart-legend"{ident}>{"".join(items)}</ul>'
