"""The reason for every gap as a person reads it, in a real headless Chromium on the live
app: on the built-in Dåva heat-plant scenario, the run map's popup of an elderly home that
keeps its power but goes cold (its heating plant has none) says why, and its "Details" page
names the plant with a link and the same reason; on a backup-power plan's page, a step says
which generator it frees for which other site.

SCREENSHOT_DIR, when set, keeps the screenshots at 1440×900 and 390×844."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.orm import Session

from resilience.services import plans
from tests import factories
from tests.factories import plan_county
from tests.helpers.browser import WAIT_S, WebDriverWait, log_in, needs_chromium
from tests.helpers.demo import builtin_scenario, computed_run, load_demo

pytestmark = [pytest.mark.browser, needs_chromium]
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in requirements-dev.txt")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402

USER = "orsak-olle"
SIZES = ((1440, 900), (390, 844))


def _dataset(driver: WebDriver) -> dict[str, str]:
    return driver.execute_script("return Object.assign({}, document.body.dataset)")


def _screenshots(driver: WebDriver, name: str, element: str | None = None) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if not folder:
        return
    for width, height in SIZES:
        driver.set_window_size(width, height)
        if element:
            driver.execute_script(
                "document.querySelector(arguments[0]).scrollIntoView({block: 'center'})", element
            )
        driver.save_screenshot(str(Path(folder) / f"{name}_{width}x{height}.png"))
    driver.set_window_size(1440, 900)


@pytest.fixture
def dava_run(app: Flask, committed: Session) -> int:
    """The built-in data and the Dåva scenario's run, committed for the live server."""
    load_demo(app)
    run_id = computed_run(committed, builtin_scenario(committed, "Dåva"))
    factories.user(committed, USER, "viewer")
    committed.commit()
    return run_id


def test_a_cold_elderly_homes_popup_and_page_say_why(
    browser: WebDriver, live_server: str, committed: Session, dava_run: int
) -> None:
    # An elderly home with power throughout that goes cold: its plant is without power.
    home = committed.execute(
        text(
            "SELECT s.id, s.name, h.id AS plant_id, h.name AS plant FROM run_sites r"
            " JOIN sites s ON s.id = r.site_id JOIN sites h ON h.id = r.heat_plant_id"
            " WHERE r.run_id = :run AND s.kind = 'elderly_home' AND r.hours_unpowered = 0"
            " AND r.hours_cold > 0 ORDER BY r.first_cold_hour, s.id LIMIT 1"
        ),
        {"run": dava_run},
    ).one()
    log_in(browser, live_server, f"/runs/{dava_run}", user=USER)
    WebDriverWait(browser, WAIT_S).until(lambda d: _dataset(d).get("runLayers") == "ready")
    # No popup says "0 h without power" without the reason: every site the map draws has one.
    sites = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.Api.json(arguments[0]).then(done, (e) => done(String(e)));",
        f"/api/v1/runs/{dava_run}/sites",
    )
    assert sites["features"], sites
    assert [
        f["properties"]["name"] for f in sites["features"] if not f["properties"].get("cause")
    ] == []
    row = WebDriverWait(browser, WAIT_S).until(
        lambda d: d.find_element(By.CSS_SELECTOR, f'tr.care-row[data-site-id="{home.id}"]')
    )

    def open_popup() -> str:
        """A click on the home's row of the care table opens its marker's popup."""
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", row)
        row.click()
        # The marker's own popup (the map draws the home): it has the line of why.
        return str(
            WebDriverWait(browser, WAIT_S).until(
                lambda d: (
                    d.find_element(By.CSS_SELECTOR, ".leaflet-popup-content .popup-cause").text
                )
            )
        )

    why = open_popup()
    popup = browser.find_element(By.CSS_SELECTOR, ".leaflet-popup-content").text
    assert home.name in popup
    # It keeps its power ("0" hours after the generators) and the popup says why it has a gap.
    assert why.startswith(f"Varför: värmeverket {home.plant} utan ström från ")
    assert " · kallt från " in why
    assert "timme" not in why  # clock times, the run's hour 0 known
    folder = os.environ.get("SCREENSHOT_DIR")
    for width, height in SIZES if folder else ():
        browser.set_window_size(width, height)
        browser.execute_script("document.querySelector('.leaflet-popup-close-button').click()")
        assert open_popup() == why  # opened again at this size, so that it pans into view
        browser.execute_script("document.getElementById('map-wrap').scrollIntoView()")
        WebDriverWait(browser, WAIT_S).until(  # Leaflet fades a popup in
            lambda d: (
                d.execute_script(
                    "return getComputedStyle(document.querySelector('.leaflet-popup')).opacity"
                )
                == "1"
            )
        )
        browser.save_screenshot(str(Path(str(folder)) / f"run_popup_cause_{width}x{height}.png"))
    browser.set_window_size(1440, 900)

    browser.find_element(By.CSS_SELECTOR, ".leaflet-popup-content .popup-link a").click()
    WebDriverWait(browser, WAIT_S).until(lambda d: d.find_elements(By.ID, "site-gap"))
    plant = browser.find_element(By.CSS_SELECTOR, "#site-heating a")
    assert plant.text == home.plant
    assert plant.get_attribute("href").endswith(f"/sites/{home.plant_id}")
    gap = browser.find_element(By.ID, "site-gap")
    assert (
        gap.find_element(By.CSS_SELECTOR, "a").get_attribute("href").endswith(f"/runs/{dava_run}")
    )
    assert gap.find_element(By.CSS_SELECTOR, "p.cause").text == why.removeprefix("Varför: ")
    _screenshots(browser, "site_page_cause", "#site-gap")
    browser.get(f"{browser.current_url.split('?')[0]}?lang=en")
    headers = [
        th.text
        for th in browser.find_elements(By.CSS_SELECTOR, "#site-heating caption, #site-heating th")
    ]
    assert headers[:3] == ["Heating", "heating", "heating plant"]
    assert "without power from" in browser.find_element(By.ID, "site-gap").text


def test_a_plan_step_says_which_generator_it_frees(
    browser: WebDriver, live_server: str, committed: Session
) -> None:
    ids = plan_county(committed)
    request = plans.parse_request(committed, {"scenarios": ids, "sites": 10})
    row = plans.start_plan(committed, request, user="pia")
    plans.compute_plan(committed, row.id)
    factories.user(committed, USER, "viewer")
    committed.commit()
    log_in(browser, live_server, f"/plans/{row.id}", user=USER)
    first = WebDriverWait(browser, WAIT_S).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "#plan-table tbody tr td.plan-effects")
    )
    lines = [li.text for li in first.find_elements(By.TAG_NAME, "li")]
    assert len(lines) == 2  # both scenarios
    assert lines[0].startswith("Avbrott i Åbacka: sparar ")
    assert lines[0].endswith("boendetimmar; frigör mobile_generator gen-1 för Gruppboendet Åsen")
    assert lines[1].startswith("Långt avbrott i Åbacka: sparar ")
    assert first.is_displayed()
    assert not browser.find_element(By.ID, "plan-effects-list").is_displayed()
    _screenshots(browser, "plan_effects", "#plan-table")
    # On a phone the table's column is off to the right: the same lines as a list instead.
    browser.set_window_size(390, 844)
    listed = browser.find_element(By.ID, "plan-effects-list")
    assert listed.is_displayed() and not first.is_displayed()
    assert [
        li.text
        for li in listed.find_elements(By.CSS_SELECTOR, "ol > li")[0].find_elements(
            By.TAG_NAME, "li"
        )
    ] == lines
    if os.environ.get("SCREENSHOT_DIR"):
        browser.execute_script("arguments[0].scrollIntoView()", listed)
        browser.save_screenshot(
            str(Path(os.environ["SCREENSHOT_DIR"]) / "plan_effects_list_390x844.png")
        )
