"""A form's problem next to its field in a real headless Chromium (issue 20, item 10): the
plan form sent with a word for a number and a badly grouped one comes back with each
problem under its field, tied to it (aria-describedby, aria-invalid), in Swedish, with the
values as typed; at 1440×900 and on a phone (390×844)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy.orm import Session

from resilience.scenarios import parse_scenario
from resilience.services import scenarios
from tests import factories
from tests.factories import OUTAGE_ABACKA
from tests.helpers.browser import WAIT_S, chromium, log_in, needs_chromium

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
