"""Issue 21: where people see the roads of a run. The built-in data's E12 closed between
Storuman and Tärnaby: the run map draws the closed segment and outlines the cells cut off,
the run page and the lägesbild list the people per municipality and the places cut off,
and the closed segments come from PostGIS at /api/v1/runs/<id>/closed-roads."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select
from sqlalchemy.orm import Session

from resilience.models import Scenario
from resilience.services import closed_roads, runs
from tests import factories
from tests.helpers.browser import USER, WAIT_S, log_in

E12 = "E12 stängd Storuman–Tärnaby"


@pytest.fixture
def e12_run(app: Flask, committed: Session) -> int:
    """The built-in data (roads included) and the E12 scenario's run, committed."""
    result = app.test_cli_runner().invoke(args=["geodata", "load-demo"])
    assert result.exit_code == 0, result.output
    scenario = committed.scalar(select(Scenario).where(Scenario.name == E12))
    assert scenario is not None
    run = runs.start_run(committed, scenario)
    runs.compute_run(committed, run.id)
    factories.user(committed, USER, "viewer")
    committed.commit()
    return run.id


def _dataset(driver: WebDriver) -> dict[str, Any]:
    return driver.execute_script("return Object.assign({}, document.body.dataset)")  # type: ignore[no-any-return]


def test_the_run_shows_closed_roads_and_who_is_cut_off(
    browser: WebDriver, live_server: str, committed: Session, e12_run: int
) -> None:
    cut = {s["service"]: s for s in closed_roads.cut_off(committed, e12_run)}
    assert cut["care"]["people"] > 100
    storuman = [m for m in cut["care"]["municipalities"] if m["code"] == "2421"]
    assert storuman and storuman[0]["people"] > 100
    places = [p["name"] for p in cut["care"]["localities"]]
    assert places, "the places nearest to the cells cut off"
    roads = closed_roads.closed_roads(committed, runs.get_run(committed, e12_run).scenario_snapshot)
    assert len(roads["features"]) == 1  # the E12's one closed segment (test_roads.py)
    assert roads["features"][0]["geometry"]["type"] == "LineString"

    log_in(browser, live_server, f"/runs/{e12_run}", user=USER)
    WebDriverWait(browser, WAIT_S).until(lambda d: _dataset(d).get("runLayers") == "ready")
    data = _dataset(browser)
    assert data["layerClosedRoads"] == "1"
    assert int(data["layerCutOff"]) > 0
    # Both are layers a person can switch in the map's layer control.
    labels = browser.execute_script(
        "return Array.from(document.querySelectorAll('.leaflet-control-layers-overlays span'))"
        ".map(s => s.textContent.trim())"
    )
    assert {"Stängda vägar", "Avskurna rutor"} <= set(labels)
    legend = browser.find_element(By.CSS_SELECTOR, ".run-legend").get_attribute("textContent")
    assert "Stängd väg" in legend and "Avskurna rutor" in legend
    section = browser.find_element(By.ID, "cut-off")
    assert "Avskurna: ingen öppen väg" in section.text
    care = section.find_element(By.CSS_SELECTOR, "li[data-service='care']")
    assert care.get_attribute("data-people") == str(cut["care"]["people"])
    assert "Storuman" in care.text and places[0] in care.text

    # The lägesbild lists them too.
    browser.get(f"{live_server}/runs/{e12_run}/report")
    report = browser.find_element(By.ID, "cut-off")
    assert "Avskurna: ingen öppen väg" in report.text and places[0] in report.text


def test_the_cause_line_says_no_open_road(app: Flask) -> None:
    from flask_babel import force_locale

    from resilience.analysis.causes import Cause
    from resilience.web.causes import cause_line

    causes = [Cause("outage", hours=48.0), Cause("no_backup"), Cause("no_open_road", needed_kw=60)]
    with app.test_request_context(), force_locale("sv"):
        assert cause_line(causes, None).endswith(
            "ingen egen reservkraft · ingen öppen väg: ingen ledig mobil reservkraft når fram"
        )
