"""The web layer's drawing: map colours and sizes, round ticks and breaks, SVG charts."""

from __future__ import annotations

import xml.etree.ElementTree as ET

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
