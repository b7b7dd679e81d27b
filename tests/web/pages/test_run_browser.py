"""The run page in a real headless Chromium against the live app and PostGIS, on the
built-in data: the Dåva heat-plant scenario, computed in process, scrubbed with the time
slider to hour 20, where the elderly homes on Umeå's district heating are cold; the play
button; the timeline charts; the care-site table sorted by a click.

SCREENSHOT_DIR, when set, keeps a screenshot of the page there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from resilience.models import Scenario
from resilience.services import runs
from tests import factories
from tests.helpers.browser import WAIT_S, log_in, needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in requirements-dev.txt")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

USER = "tid-tove"
HOUR = 20


@pytest.fixture
def dava_run(app: Flask, committed: Session) -> int:
    """The built-in data and the Dåva scenario's run, committed for the live server."""
    result = app.test_cli_runner().invoke(args=["geodata", "load-demo"])
    assert result.exit_code == 0, result.output
    scenario = committed.scalar(
        select(Scenario).where(Scenario.kind == "builtin", Scenario.name.like("Dåva%"))
    )
    assert scenario is not None
    run = runs.start_run(committed, scenario)
    runs.compute_run(committed, run.id)
    factories.user(committed, USER, "viewer")
    committed.commit()
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
    browser: WebDriver,
    live_server: str,
    committed: Session,
    dava_run: int,
) -> None:
    expected = _cold_elderly_homes_at(committed, dava_run, HOUR)
    assert expected, "the Dåva scenario must chill elderly homes by hour 20"
    log_in(browser, live_server, f"/runs/{dava_run}", user=USER)
    WebDriverWait(browser, WAIT_S).until(lambda d: _dataset(d).get("runLayers") == "ready")
    assert _dataset(browser)["timeHour"] == "all"
    slider = browser.find_element(By.ID, "time-hour")
    assert slider.is_displayed() and slider.get_attribute("max") == "47"  # 48 h, hourly

    # Scrub as a person would: focus the slider and step it with the arrow key.
    slider.click()
    slider.send_keys(Keys.HOME)
    for _ in range(HOUR):
        slider.send_keys(Keys.ARROW_RIGHT)
    WebDriverWait(browser, WAIT_S).until(lambda d: _dataset(d)["timeHour"] == str(HOUR))
    data = _dataset(browser)
    shown = set(data["coldSites"].split("|"))
    assert expected <= shown
    label = browser.find_element(By.ID, "time-label").text
    assert label.startswith(f"Timme {HOUR}")
    counts = browser.find_element(By.ID, "time-counts").text
    assert f"Kalla platser: {data['sitesColdAt']}" in counts
    assert int(data["sitesColdAt"]) >= len(expected)
    # The charts' hour line moved to hour 20 of 48.
    line = browser.find_element(By.CSS_SELECTOR, "#timeline-people line.now")
    assert line.get_attribute("visibility") == "visible"
    svg = browser.find_element(By.ID, "timeline-people")
    left, width = float(svg.get_attribute("data-left")), float(svg.get_attribute("data-width"))
    assert float(line.get_attribute("x1")) == pytest.approx(left + width * HOUR / 48)
    if os.environ.get("SCREENSHOT_DIR"):
        height = browser.execute_script(  # the page scrolls inside .scroll-page
            "const s = document.querySelector('.scroll-page');"
            "return Math.max(document.documentElement.scrollHeight, s ? s.scrollHeight : 0)"
        )
        browser.set_window_size(1400, min(int(height) + 100, 6000))
        browser.save_screenshot(str(Path(os.environ["SCREENSHOT_DIR"]) / "run_page_hour20.png"))

    # Play moves on by itself; a second click pauses.
    play = browser.find_element(By.ID, "time-play")
    play.click()
    WebDriverWait(browser, WAIT_S).until(lambda d: float(_dataset(d)["timeHour"]) >= HOUR + 2)
    play.click()
    paused = _dataset(browser)["timeHour"]
    assert play.text == "Spela upp"
    browser.implicitly_wait(0)
    assert _dataset(browser)["timeHour"] == paused

    # The care-site table sorts by a click; worst first by default.
    first_cold = browser.find_elements(
        By.CSS_SELECTOR, "#care-sites-table tbody td[data-metric=first_cold_hour]"
    )
    values = [c.get_attribute("data-value") for c in first_cold]
    kinds = [
        r.get_attribute("data-kind")
        for r in browser.find_elements(By.CSS_SELECTOR, "#care-sites-table tbody tr.care-row")
    ]
    # Residential care first, then other care, home-care bases last; cold ones first
    # within each, earliest first.
    group = {"elderly_home": 0, "group_home": 0, "hospital": 0, "home_care_base": 2}
    ranks = [group.get(k, 1) for k in kinds]
    assert ranks == sorted(ranks), "residential care first"
    residential = [float(v) for v, r in zip(values, ranks, strict=True) if v and r == 0]
    assert residential == sorted(residential) and residential, "cold first, earliest first"
    header = browser.find_element(
        By.XPATH, "//table[@id='care-sites-table']//th[.//button[text()='Kallt från']]"
    )
    header.find_element(By.TAG_NAME, "button").click()  # ascending
    assert header.get_attribute("aria-sort") == "ascending"
    header.find_element(By.TAG_NAME, "button").click()  # now descending
    values = [
        c.get_attribute("data-value")
        for c in browser.find_elements(
            By.CSS_SELECTOR, "#care-sites-table tbody td[data-metric=first_cold_hour]"
        )
    ]
    known = [float(v) for v in values if v]
    assert known == sorted(known, reverse=True)
    assert header.get_attribute("aria-sort") == "descending"
