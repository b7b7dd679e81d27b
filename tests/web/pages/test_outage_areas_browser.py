"""The scenario editor's v3 parts in a real headless Chromium (static/js/outage_areas.js):
each drawn outage area has its own duration field, road closures are their own kind of
area, closure_level is a select, and what is saved is what was typed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from resilience.models import Scenario
from resilience.scenarios import parse_scenario
from resilience.services import scenarios, users
from tests.factories import PASSWORD, TWO_DURATIONS, small_county
from tests.helpers.browser import WAIT_S, WebDriverWait, log_in, needs_chromium

pytestmark = [needs_chromium, pytest.mark.browser]
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in requirements-dev.txt")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402

USER = "rita-planner"


def test_each_outage_area_keeps_its_own_duration(
    browser: WebDriver, live_server: str, committed: Session, tmp_path: Path
) -> None:
    small_county(committed)
    users.create_user(committed, USER, PASSWORD, "planner")
    scenario = scenarios.create_scenario(committed, parse_scenario(TWO_DURATIONS), user=USER)
    committed.commit()
    path = f"/scenarios/{scenario.id}/edit"
    log_in(browser, live_server, path, user=USER)
    WebDriverWait(browser, WAIT_S).until(
        lambda d: d.execute_script("return document.body.dataset.editorReady === '1'")
    )
    data = browser.execute_script("return Object.assign({}, document.body.dataset)")
    assert (data["drawnOutage"], data["drawnSnow"], data["drawnClosures"]) == ("2", "0", "1")
    fields = browser.find_elements(By.CSS_SELECTOR, "#drawn-list .area-duration-hours")
    assert [f.get_attribute("value") for f in fields] == ["12", "48"]
    assert "Vägavstängning" in browser.find_element(By.ID, "drawn-list").text
    level = browser.find_element(By.NAME, "closure_level")
    assert level.get_attribute("value") == "red"
    (tmp_path / "editor-durations.png").write_bytes(browser.get_screenshot_as_png())

    fields[0].clear()
    fields[0].send_keys("6")
    browser.find_element(By.CSS_SELECTOR, 'button[value="save"]').click()
    WebDriverWait(browser, WAIT_S).until(
        lambda d: d.find_element(By.ID, "editor-status").text == "Sparat."
    )
    committed.expire_all()
    saved = committed.get(Scenario, scenario.id)
    assert saved is not None
    features = saved.definition["outage"]["areas"]["features"]
    assert [f["properties"]["duration_hours"] for f in features] == [6, 48]
    assert saved.definition["road_closures"]["type"] == "MultiPolygon"
    assert saved.definition["parameters"] == {"closure_level": "red"}
