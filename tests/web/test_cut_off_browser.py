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
from sqlalchemy.orm import Session

from resilience.services import closed_roads, runs
from tests import factories
from tests.helpers.browser import USER, WAIT_S, WebDriverWait, log_in
from tests.helpers.demo import builtin_scenario, computed_run, load_demo

pytestmark = pytest.mark.browser  # it drives Chromium (the fixture `browser`)

E12 = "E12 stängd Storuman–Tärnaby"


@pytest.fixture
def e12_run(app: Flask, committed: Session) -> int:
    """The built-in data (roads included) and the E12 scenario's run, committed."""
    load_demo(app)
    run_id = computed_run(committed, builtin_scenario(committed, E12))
    factories.user(committed, USER, "viewer")
    committed.commit()
    return run_id


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


def test_a_care_site_cut_off_from_every_free_generator_says_no_open_road(
    db_session: Session,
) -> None:
    """Åbacka's elderly home, without backup, in the outage; the only generator in Östervik
    reaches it by one road, which the scenario closes: its cause line says no open road."""
    import copy

    from sqlalchemy import text

    from resilience.scenarios import parse_scenario
    from resilience.services import run_reports, scenarios

    factories.small_county(db_session)
    db_session.execute(
        text(
            "INSERT INTO roads (name, road_class, geom) VALUES ('Länsväg', 'primary',"
            " ST_GeomFromText('LINESTRING(765000 7085000, 758000 7083000, 751500 7081500)',"
            " 3006))"
        )
    )
    document = copy.deepcopy(factories.OUTAGE_ABACKA)
    document["parameters"] = {"offroad_max_km": 2}
    open_run = runs.start_run(
        db_session, scenarios.create_scenario(db_session, parse_scenario(document))
    )
    runs.compute_run(db_session, open_run.id)
    document["name"] = "Avbrott i Åbacka, länsvägen stängd"
    document["road_closures"] = factories.box_polygon(757_000, 7_082_000, 759_000, 7_084_000)
    closed_run = runs.start_run(
        db_session, scenarios.create_scenario(db_session, parse_scenario(document))
    )
    runs.compute_run(db_session, closed_run.id)

    def kinds(run_id: int) -> list[str]:
        run = runs.get_run(db_session, run_id)
        sites = run_reports.with_causes(
            db_session, run, run_reports.affected_care_sites(db_session, run_id)
        )
        home = next(s for s in sites if s["name"] == "Björkgårdens äldreboende")
        return [c.kind for c in home["causes"]]

    assert "generator" in kinds(open_run.id)  # the road is open: the generator comes
    closed = kinds(closed_run.id)
    assert "no_open_road" in closed and "generator" not in closed
    assert "no_generator" not in closed
