"""A form's problem next to its field in a real headless Chromium (issue 20, item 10): the
plan form sent with a word for a number and a badly grouped one comes back with each
problem under its field, tied to it (aria-describedby, aria-invalid), in Swedish, with the
values as typed; at 1440×900 and on a phone (390×844). The scripts read numbers as the
server does (the same table), and the scenario editor says a bad parameter or area duration
next to its field and saves nothing until they are right."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from sqlalchemy.orm import Session

from resilience.models import Scenario
from resilience.scenarios import parse_scenario
from resilience.services import scenarios
from tests import factories
from tests.factories import OUTAGE_ABACKA, TWO_DURATIONS, small_county
from tests.helpers.browser import WAIT_S, WebDriverWait, chromium, log_in, needs_chromium
from tests.helpers.numbers import ACCEPTED, REFUSED

pytestmark = [pytest.mark.browser, needs_chromium]

# Where the screenshots go (pytest's temporary directory unless RESILIENCE_SHOTS names one).
SHOTS = Path(os.environ.get("RESILIENCE_SHOTS") or tempfile.gettempdir())
PLANNER = "plan-pia"


@pytest.fixture
def planner_county(committed: Session, map_county: dict[str, int]) -> None:
    scenarios.create_scenario(committed, parse_scenario(OUTAGE_ABACKA))
    factories.user(committed, PLANNER, "planner")
    committed.commit()


def _check_errors_beside_their_fields(driver: WebDriver) -> None:
    for name, said in (
        ("sites", "Antal platser: ”fyra” är inget tal"),
        ("plan_fuel_hours", "”12 34” är inget tal: siffrorna grupperas tre och tre"),
    ):
        field = driver.find_element(By.NAME, name)
        error = driver.find_element(By.ID, f"plan-{name}-error")
        assert field.get_attribute("aria-invalid") == "true"
        assert field.get_attribute("aria-describedby") == f"plan-{name}-error"
        assert said in error.text and error.is_displayed()
        # Beside its field: within the field's label, just below or after the input.
        box, below = field.rect, error.rect
        assert 0 <= below["y"] - box["y"] <= box["height"] + 40, (box, below)
    assert driver.find_element(By.NAME, "sites").get_attribute("value") == "fyra"
    assert driver.find_element(By.NAME, "plan_fuel_hours").get_attribute("value") == "12 34"


@pytest.mark.parametrize("viewport", [(1440, 900), (390, 844)])
def test_a_plan_form_error_is_shown_next_to_its_field(
    live_server: str, planner_county: None, tmp_path: Path, viewport: tuple[int, int]
) -> None:
    with chromium(tmp_path, viewport) as driver:
        log_in(driver, live_server, "/plans", user=PLANNER)
        for name, typed in (("sites", "fyra"), ("plan_fuel_hours", "12 34")):
            field = driver.find_element(By.NAME, name)
            field.clear()
            field.send_keys(typed)
        driver.find_element(By.CSS_SELECTOR, "#plan-form button[type=submit]").click()
        WebDriverWait(driver, WAIT_S).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#plan-form .field-error")
        )
        _check_errors_beside_their_fields(driver)
        driver.execute_script("document.getElementById('plan-form').scrollIntoView()")
        width, height = viewport
        (SHOTS / f"plan-form-error-{width}x{height}.png").write_bytes(
            driver.get_screenshot_as_png()
        )


def test_the_scripts_read_numbers_as_the_server_does(
    browser: WebDriver, live_server: str, map_county: dict[str, int]
) -> None:
    """static/js/format.js parseNumber on the unit tests' table of resilience/numbers.py."""
    log_in(browser, live_server, "/warnings")
    for text, decimal_comma, value in ACCEPTED:
        got = browser.execute_script(
            "return Format.parseNumber(arguments[0], arguments[1])", text, decimal_comma
        )
        assert got == {"value": pytest.approx(value)}, (text, decimal_comma, got)
    for text, decimal_comma, reason in REFUSED:
        got = browser.execute_script(
            "return Format.parseNumber(arguments[0], arguments[1])", text, decimal_comma
        )
        assert got == {"reason": reason}, (text, decimal_comma, got)


def test_the_scenario_editor_says_a_bad_number_next_to_its_field(
    browser: WebDriver, live_server: str, committed: Session, tmp_path: Path
) -> None:
    small_county(committed)
    factories.user(committed, PLANNER, "planner")
    scenario = scenarios.create_scenario(committed, parse_scenario(TWO_DURATIONS), user=PLANNER)
    committed.commit()
    before = json.loads(json.dumps(scenario.definition))  # as stored: lists, not tuples
    log_in(browser, live_server, f"/scenarios/{scenario.id}/edit", user=PLANNER)
    WebDriverWait(browser, WAIT_S).until(
        lambda d: d.execute_script("return document.body.dataset.editorReady === '1'")
    )
    parameter = browser.find_element(By.CSS_SELECTOR, ".parameters input[data-default]")
    label = browser.execute_script(
        "return arguments[0].closest('label').firstChild.textContent.trim()", parameter
    )
    parameter.clear()
    parameter.send_keys("fyra")
    area = browser.find_elements(By.CSS_SELECTOR, "#drawn-list .area-duration-hours")[0]
    area.clear()
    area.send_keys("12 34")
    browser.find_element(By.CSS_SELECTOR, 'button[value="save"]').click()
    WebDriverWait(browser, WAIT_S).until(
        lambda d: "Några fält behöver rättas" in d.find_element(By.ID, "editor-status").text
    )
    for field, said in (
        (parameter, f"{label}: ”fyra” är inget tal"),
        (area, "Timmar 1: ”12 34” är inget tal: siffrorna grupperas tre och tre"),
    ):
        error = browser.find_element(By.ID, field.get_attribute("aria-describedby"))
        assert field.get_attribute("aria-invalid") == "true"
        assert error.get_attribute("class") == "field-error" and said in error.text
        assert 0 <= error.rect["y"] - field.rect["y"] <= field.rect["height"] + 40
    assert parameter.get_attribute("value") == "fyra" and area.get_attribute("value") == "12 34"
    assert browser.switch_to.active_element == area  # the first field to correct
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", area)
    (SHOTS / "editor-number-errors.png").write_bytes(browser.get_screenshot_as_png())
    committed.expire_all()
    assert committed.get(Scenario, scenario.id).definition == before  # type: ignore[union-attr]

    default = parameter.get_attribute("data-default")
    printed = browser.execute_script("return Format.number(Number(arguments[0]), 10)", default)
    parameter.clear()
    parameter.send_keys(printed)
    area.clear()
    area.send_keys("10 000,5")  # more than a year (8 760 h): said so
    browser.find_element(By.CSS_SELECTOR, 'button[value="save"]').click()
    WebDriverWait(browser, WAIT_S).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#drawn-list .field-error")
    )
    shown = browser.find_element(By.CSS_SELECTOR, "#drawn-list .field-error").text
    # Chromium's Intl groups with a no-break space (U+00A0 or the narrow U+202F)
    assert re.sub("[\u00a0\u202f]", " ", shown) == "Timmar 1: från 0,1 till 8 760", shown
    assert parameter.get_attribute("aria-invalid") is None
    area = browser.find_elements(By.CSS_SELECTOR, "#drawn-list .area-duration-hours")[0]
    area.clear()
    area.send_keys("12,5")
    browser.find_element(By.CSS_SELECTOR, 'button[value="save"]').click()
    WebDriverWait(browser, WAIT_S).until(
        lambda d: d.find_element(By.ID, "editor-status").text == "Sparat."
    )
    committed.expire_all()
    saved = committed.get(Scenario, scenario.id)
    assert saved is not None
    features = saved.definition["outage"]["areas"]["features"]
    assert [f["properties"]["duration_hours"] for f in features] == [12.5, 48]
    assert saved.definition["parameters"] == {"closure_level": "red"}  # the default: no override
