"""The web layer's drawing: map colours and sizes, round ticks and breaks, SVG charts."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from flask import Flask
from flask_babel import force_locale

from resilience.web import charts


def test_nice_ticks_and_breaks() -> None:
    assert charts.nice_ticks(0, 87) == [0, 20, 40, 60, 80, 100]
    assert charts.nice_ticks(-3, 12) == [-5, 0, 5, 10, 15]
    assert charts.nice_ticks(0, 0) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert charts.breaks([0, 87_000, 12]) == [0, 20_000, 40_000, 60_000, 80_000, 100_000]
    assert charts.breaks([]) == [0, 1, 2, 3, 4, 5]
    top = charts.breaks([41])
    assert top[-1] >= 41 and len(top) == 6


def test_bin_color() -> None:
    limits = [0, 20, 40, 60, 80, 100]
    colors = charts.USE_COLORS
    assert charts.bin_color(0, limits, colors) == colors[0]
    assert charts.bin_color(20, limits, colors) == colors[0]
    assert charts.bin_color(20.1, limits, colors) == colors[1]
    assert charts.bin_color(100, limits, colors) == colors[4]
    assert charts.bin_color(1000, limits, colors) == colors[4]
    assert charts.bin_color(None, limits, colors) == charts.NO_DATA_COLOR


def test_marker_radius_grows_with_the_square_root() -> None:
    """Largest: 18 px; a quarter of it: 4 + 14 × √0.25 = 11 px; none: 4 px."""
    assert charts.marker_radius(400, 400) == 18
    assert charts.marker_radius(100, 400) == 11
    assert charts.marker_radius(None, 400) == 4
    assert charts.marker_radius(0, 0) == 4


def test_bar_chart_svg_is_well_formed_and_escaped() -> None:
    bars = [
        charts.Bar('Åsele <&> "co"', 12.5, marker=10, href="/energy/report/2463?a=1&b=2"),
        charts.Bar("Umeå", -3.0),
    ]
    svg = charts.bar_chart_svg(bars, title="Förändring & mål", unit="%", marker_label="mål")
    root = ET.fromstring(svg)  # well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    rects = root.findall(f".//{ns}rect")
    assert len(rects) == 2
    assert rects[1].get("class") == "bar negative"
    assert 'Åsele <&> "co"' in "".join(root.itertext())
    assert root.find(f".//{ns}a").get("href") == "/energy/report/2463?a=1&b=2"
    assert len(root.findall(f".//{ns}line[@class='marker']")) == 1
    # The zero line lies between the negative and the positive bar.
    zero = float(root.findall(f".//{ns}line[@class='axis']")[0].get("x1"))
    assert float(rects[1].get("x")) < zero <= float(rects[0].get("x")) + 0.01


def test_line_chart_svg() -> None:
    series = [
        charts.Series("Användning", [(2022, 100.0), (2023, 95.0), (2024, 90.0)]),
        charts.Series("Mål", [(2022, 90.0), (2023, 90.0), (2024, 90.0)], "target"),
    ]
    svg = charts.line_chart_svg(series, title="Län <x>", unit="MWh/år")
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    paths = root.findall(f".//{ns}path")
    assert [p.get("class") for p in paths] == ["line", "target"]
    assert len(root.findall(f".//{ns}circle")) == 6
    assert "Län <x>" in root.find(f"{ns}title").text
    # The y axis spans 90-100 in steps of 2, so a 10 % change fills the plot.
    ticks = [t.text for t in root.findall(f".//{ns}text[@class='tick'][@text-anchor='end']")]
    assert ticks == ["90", "92", "94", "96", "98", "100"]
    zero_based = ET.fromstring(charts.line_chart_svg(series, title="t", unit="u", from_zero=True))
    assert zero_based.findall(f".//{ns}text[@text-anchor='end']")[0].text == "0"
    # One year only: drawn in the middle, no division by zero.
    ET.fromstring(charts.line_chart_svg([charts.Series("x", [(2024, 1.0)])], title="t", unit="u"))
    ET.fromstring(charts.line_chart_svg([], title="tom", unit="u"))


def test_hour_ticks_are_whole_clock_steps() -> None:
    assert charts.hour_ticks(48) == [0, 6, 12, 18, 24, 30, 36, 42, 48]
    assert charts.hour_ticks(24) == [0, 3, 6, 9, 12, 15, 18, 21, 24]
    assert charts.hour_ticks(12) == [0, 2, 4, 6, 8, 10, 12]
    assert charts.hour_ticks(7.5) == [0, 1, 2, 3, 4, 5, 6, 7]  # none past the end
    assert charts.hour_ticks(500)[:2] == [0, 96]


def _timeline(clock: charts.Formatter | None = None) -> ET.Element:
    svg = charts.timeline_chart_svg(
        [0.0, 1.0, 2.0],
        12.0,
        [charts.TimeSeries("Boende <utan> ström", [12_345, 20_000, 0], "#e63946")],
        title="Människor",
        unit="personer",
        hour_label="klockslag",
        fmt=lambda v: f"{v:,.0f}".replace(",", "\u00a0"),
        hour_fmt=lambda h: f"{h:g}".replace(".", ","),
        clock=clock,
    )
    return ET.fromstring(svg)


def _hour_ticks(root: ET.Element) -> list[ET.Element]:
    ns = "{http://www.w3.org/2000/svg}"
    return [t for t in root.iter(f"{ns}text") if "hour-tick" in (t.get("class") or "")]


def test_timeline_chart_hours_as_clock_times_and_values_in_the_page_format() -> None:
    """Each hour tick reads as a clock time over its hour; the values as `fmt` says (the
    page's format: a Swedish page gives 20 000, not 20,000); the legend is not in the SVG."""
    ns = "{http://www.w3.org/2000/svg}"
    root = _timeline(clock=lambda h: f"mån {6 + int(h):02d}:00")
    ticks = _hour_ticks(root)
    assert [t.get("data-hour") for t in ticks] == ["0", "2", "4", "6", "8", "10", "12"]
    # Every other one is "odd": a phone shows the others only, larger (static/css/app.css).
    assert [t.get("class") for t in ticks[:2]] == ["tick hour-tick", "tick hour-tick odd"]
    first = [s.text for s in ticks[1].findall(f"{ns}tspan")]
    assert first == ["mån 08:00", "2 h"]
    values = [t.text for t in root.findall(f".//{ns}text[@text-anchor='end']")]
    assert "20\u00a0000" in values and not any("," in (v or "") for v in values)
    assert root.findall(f".//{ns}text[@class='legend-text']") == []
    assert root.get("data-duration") == "12"
    # Without a clock the ticks are the hours alone.
    plain = _hour_ticks(_timeline())
    assert [t.text for t in plain][:2] == ["0", "2"]


def test_timeline_legend_is_html_that_wraps() -> None:
    html = charts.timeline_legend_html(
        [
            charts.TimeSeries("Hemtjänstens brukare <vars bas> saknar ström", [1], "#b5651d", True),
            charts.TimeSeries("Utan mat", [1], "#f4a261"),
        ],
        "timeline-people",
    )
    root = ET.fromstring(html)
    assert root.tag == "ul" and root.get("class") == "chart-legend"
    items = root.findall("li")
    assert ["".join(li.itertext()) for li in items] == [
        "Hemtjänstens brukare <vars bas> saknar ström",
        "Utan mat",
    ]
    assert items[0].find("svg/line").get("stroke-dasharray") == "6 3"
    assert items[1].find("svg/line").get("stroke-dasharray") is None


def test_line_chart_legend_is_never_cut() -> None:
    """Long labels (a plan's objective in Swedish) go below the plot, in rows that fit the
    chart's width: no label reaches past the right edge."""
    labels = ["Boendetimmar i kalla byggnader", "Boendetimmar utan ström", "Basår", "Mål"] * 2
    series = [
        charts.Series(label, [(2022, 1.0 + i), (2023, 2.0)]) for i, label in enumerate(labels)
    ]
    root = ET.fromstring(charts.line_chart_svg(series, title="t", unit="u"))
    ns = "{http://www.w3.org/2000/svg}"
    width, height = (float(v) for v in root.get("viewBox").split()[2:])
    legend = root.findall(f".//{ns}text[@class='legend-text']")
    assert [t.text for t in legend] == labels
    for text in legend:
        x, y = float(text.get("x")), float(text.get("y"))
        assert x + len(text.text) * 7.5 <= width and y <= height
    axis_y = float(root.findall(f".//{ns}line[@class='axis']")[0].get("y1"))
    assert all(float(t.get("y")) > axis_y + 16 for t in legend)  # below the years
    assert len({t.get("y") for t in legend}) >= 2  # wrapped into rows


def test_the_run_pages_charts_in_the_pages_number_format(app: Flask) -> None:
    """The run page's timeline charts (scenario_pages/results.py): values in Swedish with a
    space as the thousands separator, in English with a comma; each hour tick is a clock
    time from hour 0 (Monday 7 December 06:00 in Sweden) over its hour; legends below."""
    from resilience.web.scenario_pages.timeline_charts import timeline_charts

    zero = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)
    series = {"care_sites_unpowered": [3, 1], "care_sites_cold": [0, 2]}
    people = {"residents_unpowered": [12_000, 500], "residents_cold": [0, 7_500]}
    timeline = {
        "hours": [0.0, 6.0],
        "county": {
            **series,
            **people,
            "home_care_clients_unpowered": [0, 0],
            "uncovered": {"food": [0, 0], "care": [0, 0], "shelter": [0, 0]},
        },
    }
    ns = "{http://www.w3.org/2000/svg}"
    for lang, thousands, clock in (
        ("sv", "10\u00a0000", "mån 12:00"),
        ("en", "10,000", "Mon 12:00"),
    ):
        with (
            app.test_request_context(f"/?lang={lang}"),
            force_locale("sv_SE" if lang == "sv" else "en_GB"),
        ):
            html = str(timeline_charts(timeline, 12.0, zero))
        root = ET.fromstring(f"<div>{html}</div>")
        svg = root.find(f".//{ns}svg[@id='timeline-people']")
        values = [t.text for t in svg.findall(f".//{ns}text[@text-anchor='end']")]
        assert thousands in values, (lang, values)
        ticks = _hour_ticks(svg)
        six = next(t for t in ticks if t.get("data-hour") == "6")
        assert [s.text for s in six.findall(f"{ns}tspan")] == [clock, "6 h"]
        assert len(root.findall(".//ul[@class='chart-legend']")) == 2
