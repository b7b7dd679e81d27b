"""Pages that keep up (issue 20, item 7) in a real headless Chromium: the runs list shows a
run started after it was opened, and the banner a warning that came in, within 30 s and
without a reload (static/js/live_refresh.js polling /live/version.json)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from sqlalchemy.orm import Session

from resilience.scenarios import parse_scenario
from resilience.services import runs, scenarios
from tests import factories
from tests.factories import OUTAGE_ABACKA, small_county, stored_warning
from tests.helpers.browser import WebDriverWait, log_in, needs_chromium

USER = "lina-live"
WITHIN_S = 30
# live_refresh.js polls every 15 s; the test's pages poll at this pace instead (the same
# timer and code, sooner), so the test does not wait out the page's period.
POLL_MS = 300
FAST_POLL = f"""
const setInterval_ = window.setInterval;
window.setInterval = (f, ms, ...args) => setInterval_(f, ms === 15000 ? {POLL_MS} : ms, ...args);
"""


def test_the_version_changes_with_a_new_run(client: FlaskClient, db_session: Session) -> None:
    small_county(db_session)
    before = client.get("/live/version.json").json
    assert set(before) == {"version", "live_run_id", "live_run_url"}
    assert before["live_run_id"] is None
    scenario = scenarios.create_scenario(db_session, parse_scenario(OUTAGE_ABACKA))
    runs.start_run(db_session, scenario)
    db_session.commit()
    assert client.get("/live/version.json").json["version"] != before["version"]


@pytest.mark.browser
@needs_chromium
def test_the_runs_list_and_the_banner_keep_up(
    browser: WebDriver,
    live_server: str,
    committed: Session,
) -> None:
    small_county(committed)
    factories.user(committed, USER, "viewer")
    scenario = scenarios.create_scenario(committed, parse_scenario(OUTAGE_ABACKA))
    first = runs.start_run(committed, scenario)
    committed.commit()
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": FAST_POLL})
    log_in(browser, live_server, "/runs", user=USER)
    marker = browser.execute_script("return window.liveMarker = 1;")
    assert marker == 1
    rows = browser.find_elements(By.CSS_SELECTOR, "#run-table-list tbody tr")
    assert len(rows) == 1
    assert not browser.find_elements(By.CSS_SELECTOR, ".warning-banner")
    # Someone starts a run and a red wind warning comes in.
    second = runs.start_run(committed, scenario)
    starts = datetime.now(UTC) - timedelta(hours=1)
    stored_warning(
        committed,
        "live-refresh-1",
        starts,
        message="m",
        level="red",
        event_sv="Mycket hårt väder",
        event_en="Very strong wind",
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
