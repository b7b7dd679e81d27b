"""Pages that keep up (issue 20, item 7) in a real headless Chromium: the runs list shows a
run started after it was opened, and the banner a warning that came in, within 30 s and
without a reload (static/js/live_refresh.js polling /live/version.json)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from resilience.models import WeatherWarning
from resilience.scenarios import parse_scenario
from resilience.services import runs, scenarios, users
from tests.conftest import PASSWORD
from tests.factories import small_county
from tests.services.test_runs import OUTAGE_ABACKA
from tests.web.test_map_browser import CHROMEDRIVER, CHROMIUM, browser, log_in  # noqa: F401

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs Debian's chromium and chromium-driver; `make test` installs them",
)
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in requirements-dev.txt")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

USER = "lina-live"
WITHIN_S = 30


def test_the_version_changes_with_a_new_run(client: FlaskClient, db_session: Session) -> None:
    small_county(db_session)
    before = client.get("/live/version.json").json
    assert set(before) == {"version", "live_run_id", "live_run_url"}
    assert before["live_run_id"] is None
    scenario = scenarios.create_scenario(db_session, parse_scenario(OUTAGE_ABACKA))
    runs.start_run(db_session, scenario)
    db_session.commit()
    assert client.get("/live/version.json").json["version"] != before["version"]


def test_the_runs_list_and_the_banner_keep_up(
    browser: WebDriver,  # noqa: F811
    live_server: str,
    committed: Session,
) -> None:
    small_county(committed)
    users.create_user(committed, USER, PASSWORD, "viewer")
    scenario = scenarios.create_scenario(committed, parse_scenario(OUTAGE_ABACKA))
    first = runs.start_run(committed, scenario)
    committed.commit()
    log_in(browser, live_server, "/runs", user=USER)
    marker = browser.execute_script("return window.liveMarker = 1;")
    assert marker == 1
    rows = browser.find_elements(By.CSS_SELECTOR, "#run-table-list tbody tr")
    assert len(rows) == 1
    assert not browser.find_elements(By.CSS_SELECTOR, ".warning-banner")
    # Someone starts a run and a red wind warning comes in.
    second = runs.start_run(committed, scenario)
    starts = datetime.now(UTC) - timedelta(hours=1)
    committed.add(
        WeatherWarning(
            source="smhi-ibww",
            identity="live-refresh-1",
            version="1",
            message="m",
            level="red",
            event_code="wind",
            event_sv="Mycket hårt väder",
            event_en="Very strong wind",
            area_name_sv="Västerbottens län",
            starts=starts,
            ends=starts + timedelta(hours=24),
            published=starts,
            geom="SRID=3006;POLYGON((750000 7080000,760000 7080000,760000 7090000,750000 7080000))",
            polygonal=True,
            involves_wind=True,
            in_county=True,
            raw={},
        )
    )
    committed.commit()
    WebDriverWait(browser, WITHIN_S).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#run-table-list tbody tr")) == 2
    )
    ids = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#run-table-list tbody tr td a")]
    assert str(second.id) in ids and str(first.id) in ids
    WebDriverWait(browser, WITHIN_S).until(
        lambda d: "Mycket hårt väder" in d.find_element(By.ID, "live-banner").text
    )
    assert browser.execute_script("return window.liveMarker") == 1  # no reload
