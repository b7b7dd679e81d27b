"""The run page in a real headless Chromium against the live app and PostGIS, on the
built-in data: the Dåva heat-plant scenario, computed in process, scrubbed with the time
slider to hour 20, where the elderly homes on Umeå's district heating are cold; the play
button; the timeline charts; the care-site table sorted by a click.

The run's clock (issue 20): hour 0 is the scenario's start, Monday 06:00; the slider and the
charts' hour ticks read clock times, at 1440×900 and 390×844, in Swedish and English, the
charts' legends whole.

SCREENSHOT_DIR, when set, keeps screenshots of the page there."""

from __future__ import annotations

import os
from itertools import pairwise
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from resilience.models import Scenario
from resilience.services import runs
from tests import factories
from tests.helpers.browser import WAIT_S, WebDriverWait, log_in, needs_chromium, use_viewport
from tests.helpers.demo import load_demo

# One module_browser and one Dåva run for all of its tests, in one process.
pytestmark = [pytest.mark.browser, needs_chromium, pytest.mark.xdist_group("run_browser")]
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in requirements-dev.txt")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402

USER = "tid-tove"
HOUR = 20
START = "2026-12-07T06:00"  # a Monday; hour 20 is Tuesday 02:00


@pytest.fixture(scope="module")
def dava_run(app: Flask, module_committed: Session) -> int:
    """The built-in data and the Dåva scenario's run, committed once for the module's live
    server (its tests only read them)."""
    load_demo(app)
    scenario = module_committed.scalar(
        select(Scenario).where(Scenario.kind == "builtin", Scenario.name.like("Dåva%"))
    )
    assert scenario is not None
    run = runs.start_run(module_committed, scenario)
    # Hour 0 on the clock: Monday 7 December 06:00 in Sweden (a scenario's start).
    run.scenario_snapshot = {**run.scenario_snapshot, "start": START}
    module_committed.flush()
    runs.compute_run(module_committed, run.id)
    factories.user(module_committed, USER, "viewer")
    module_committed.commit()
    return run.id


def _cold_elderly_homes_at(session: Session, run_id: int, hour: float) -> set[str]:
    """From the stored intervals: elderly homes cold at the instant (a + t* < hour < b)."""
    rows = session.execute(
        text(
            "SELECT s.name, r.cold_intervals FROM run_sites r JOIN sites s ON s.id = r.site_id"
            " WHERE r.run_id = :run AND s.kind = 'elderly_home'"
        ),
        {"run": run_id},
    ).all()
    return {
        name
        for name, cold in rows
        if any(cold[i] < hour < cold[i + 1] for i in range(0, len(cold or []), 2))
    }


def _dataset(driver: WebDriver) -> dict[str, str]:
    return driver.execute_script("return Object.assign({}, document.body.dataset)")


def test_scrub_the_dava_scenario_to_hour_20(
    module_browser: WebDriver,
    module_live_server: str,
    module_committed: Session,
    dava_run: int,
) -> None:
    expected = _cold_elderly_homes_at(module_committed, dava_run, HOUR)
    assert expected, "the Dåva scenario must chill elderly homes by hour 20"
    log_in(module_browser, module_live_server, f"/runs/{dava_run}", user=USER)
    WebDriverWait(module_browser, WAIT_S).until(lambda d: _dataset(d).get("runLayers") == "ready")
    assert _dataset(module_browser)["timeHour"] == "all"
    slider = module_browser.find_element(By.ID, "time-hour")
    assert slider.is_displayed() and slider.get_attribute("max") == "47"  # 48 h, hourly

    # Scrub as a person would: focus the slider and step it with the arrow key.
    slider.click()
    slider.send_keys(Keys.HOME)
    for _ in range(HOUR):
        slider.send_keys(Keys.ARROW_RIGHT)
    WebDriverWait(module_browser, WAIT_S).until(lambda d: _dataset(d)["timeHour"] == str(HOUR))
    data = _dataset(module_browser)
    shown = set(data["coldSites"].split("|"))
    assert expected <= shown
    label = module_browser.find_element(By.ID, "time-label").text
    assert label == f"Timme {HOUR} av 48 · tis 02:00"  # the hour and its clock time
    counts = module_browser.find_element(By.ID, "time-counts").text
    assert f"Kalla platser: {data['sitesColdAt']}" in counts
    assert int(data["sitesColdAt"]) >= len(expected)
    # The charts' hour line moved to hour 20 of 48.
    line = module_browser.find_element(By.CSS_SELECTOR, "#timeline-people line.now")
    assert line.get_attribute("visibility") == "visible"
    svg = module_browser.find_element(By.ID, "timeline-people")
    left, width = float(svg.get_attribute("data-left")), float(svg.get_attribute("data-width"))
    assert float(line.get_attribute("x1")) == pytest.approx(left + width * HOUR / 48)
    if os.environ.get("SCREENSHOT_DIR"):
        height = module_browser.execute_script(  # the page scrolls inside .scroll-page
            "const s = document.querySelector('.scroll-page');"
            "return Math.max(document.documentElement.scrollHeight, s ? s.scrollHeight : 0)"
        )
        module_browser.set_window_size(1400, min(int(height) + 100, 6000))
        module_browser.save_screenshot(
            str(Path(os.environ["SCREENSHOT_DIR"]) / "run_page_hour20.png")
        )

    # Play moves on by itself; a second click pauses.
    play = module_browser.find_element(By.ID, "time-play")
    play.click()
    WebDriverWait(module_browser, WAIT_S).until(
        lambda d: float(_dataset(d)["timeHour"]) >= HOUR + 2
    )
    play.click()
    paused = _dataset(module_browser)["timeHour"]
    assert play.text == "Spela upp"
    module_browser.implicitly_wait(0)
    assert _dataset(module_browser)["timeHour"] == paused

    # The care-site table sorts by a click; worst first by default.
    first_cold = module_browser.find_elements(
        By.CSS_SELECTOR, "#care-sites-table tbody td[data-metric=first_cold_hour]"
    )
    values = [c.get_attribute("data-value") for c in first_cold]
    kinds = [
        r.get_attribute("data-kind")
        for r in module_browser.find_elements(
            By.CSS_SELECTOR, "#care-sites-table tbody tr.care-row"
        )
    ]
    # Residential care first, then other care, home-care bases last; cold ones first
    # within each, earliest first.
    group = {"elderly_home": 0, "group_home": 0, "hospital": 0, "home_care_base": 2}
    ranks = [group.get(k, 1) for k in kinds]
    assert ranks == sorted(ranks), "residential care first"
    residential = [float(v) for v, r in zip(values, ranks, strict=True) if v and r == 0]
    assert residential == sorted(residential) and residential, "cold first, earliest first"
    header = module_browser.find_element(
        By.XPATH, "//table[@id='care-sites-table']//th[.//button[text()='Kallt från']]"
    )
    header.find_element(By.TAG_NAME, "button").click()  # ascending
    assert header.get_attribute("aria-sort") == "ascending"
    header.find_element(By.TAG_NAME, "button").click()  # now descending
    values = [
        c.get_attribute("data-value")
        for c in module_browser.find_elements(
            By.CSS_SELECTOR, "#care-sites-table tbody td[data-metric=first_cold_hour]"
        )
    ]
    known = [float(v) for v in values if v]
    assert known == sorted(known, reverse=True)
    assert header.get_attribute("aria-sort") == "descending"


def _legend_fits(driver: WebDriver) -> list[str]:
    """The charts' legend entries that are cut: reaching past the page's width or their
    list's right edge (empty when every label shows whole)."""
    return driver.execute_script(
        "const width = document.documentElement.clientWidth; const cut = [];"
        "document.querySelectorAll('.chart-legend li').forEach((li) => {"
        "  const r = li.getBoundingClientRect(), box = li.parentElement.getBoundingClientRect();"
        "  const over = r.right > width + 0.5 || r.right > box.right + 0.5;"
        "  if (over || li.scrollWidth > li.clientWidth + 1) cut.push(li.textContent); });"
        "return cut;"
    )


@pytest.mark.parametrize(
    ("viewport", "lang", "expected"),
    [
        ((1440, 900), "sv", ("Timme 6 av 48 · mån 12:00", "6", "mån 12:00", "6 h")),
        # A phone shows every other tick (12 h apart), larger.
        ((390, 844), "sv", ("Timme 6 av 48 · mån 12:00", "12", "mån 18:00", "12 h")),
        ((1440, 900), "en", ("Hour 6 of 48 · Mon 12:00", "6", "Mon 12:00", "6 h")),
    ],
)
def test_the_run_page_reads_clock_times(
    module_live_server: str,
    module_browser: WebDriver,
    dava_run: int,
    viewport: tuple[int, int],
    lang: str,
    expected: tuple[str, str, str, str],
) -> None:
    slider_text, tick_at, tick_clock, tick_hour = expected
    driver = module_browser
    use_viewport(driver, viewport)
    path = f"/runs/{dava_run}" + ("?lang=en" if lang == "en" else "")
    log_in(driver, module_live_server, f"/runs/{dava_run}", user=USER)
    if lang == "en":
        driver.get(module_live_server + path)
    WebDriverWait(driver, WAIT_S).until(lambda d: _dataset(d).get("runLayers") == "ready")
    zero = driver.find_element(By.ID, "hour-zero").text
    assert zero == (
        "Timme 0 är 2026-12-07 06:00 (scenariots starttid)."
        if lang == "sv"
        else "Hour 0 is 07/12/2026 06:00 (the scenario's start)."
    ), zero
    # The charts: each hour tick a clock time over its hour (every 6 h of 48).
    tick = driver.find_element(
        By.CSS_SELECTOR, f"#timeline-people text.hour-tick[data-hour='{tick_at}']"
    )
    spans = tick.find_elements(By.TAG_NAME, "tspan")
    assert [s.text for s in spans] == [tick_clock, tick_hour]
    hours = [
        t.get_attribute("data-hour")
        for t in driver.find_elements(By.CSS_SELECTOR, "#timeline-people text.hour-tick")
        if t.is_displayed()
    ]
    every = ["0", "6", "12", "18", "24", "30", "36", "42", "48"]
    assert hours == (every if viewport[0] > 800 else every[::2])
    # No tick label reaches past the chart, nor overlaps the next one.
    boxes = driver.execute_script(
        "const svg = document.getElementById('timeline-people').getBoundingClientRect();"
        "return [svg.left, svg.right, [...document.querySelectorAll("
        "'#timeline-people text.tick')].filter((t) => t.getBBox().width &&"
        " getComputedStyle(t).display !== 'none').map((t) => {"
        " const r = t.getBoundingClientRect(); return [r.left, r.right, r.top]; })];"
    )
    left, right, ticks = boxes
    outside = [t for t in ticks if t[0] < left - 0.5 or t[1] > right + 0.5]
    assert outside == [], (left, right, outside)
    rows: dict[float, list[tuple[float, float]]] = {}
    for a, b, top in ticks:
        rows.setdefault(round(top), []).append((a, b))
    for row in rows.values():
        row.sort()
        assert all(b1 <= a2 for (_a1, b1), (a2, _b2) in pairwise(row))
    # The legends show every label whole, at this size too.
    legend = driver.find_elements(By.CSS_SELECTOR, "#timeline-charts .chart-legend li")
    assert len(legend) == 2 + 6 and all(li.is_displayed() for li in legend)
    assert _legend_fits(driver) == []
    # The slider: hour 6 reads with its clock time.
    slider = driver.find_element(By.ID, "time-hour")
    driver.execute_script(
        "arguments[0].value = '6'; arguments[0].dispatchEvent(new Event('input'))", slider
    )
    WebDriverWait(driver, WAIT_S).until(lambda d: _dataset(d)["timeHour"] == "6")
    assert driver.find_element(By.ID, "time-label").text == slider_text
    # The peak, with its clock time; power back at hour 48, Wednesday 06:00.
    back = driver.find_element(By.ID, "clock-back").text
    assert ("9/12 06:00" if lang == "sv" else "09/12 06:00") in back, back
    if os.environ.get("SCREENSHOT_DIR"):
        name = f"run_clock_{viewport[0]}x{viewport[1]}_{lang}"
        folder = Path(os.environ["SCREENSHOT_DIR"])
        driver.save_screenshot(str(folder / f"{name}_top.png"))
        clock = driver.find_element(By.ID, "run-clock")  # just above the charts
        driver.execute_script("arguments[0].scrollIntoView()", clock)
        driver.save_screenshot(str(folder / f"{name}_charts.png"))
