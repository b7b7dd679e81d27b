"""A site's popup on the run page reads the clock (issue 20), in a real headless Chromium
against the live app and PostGIS, on the small county: its outage area's hours and its
generator's arrival, each with its clock time. (On the small county, not the built-in data
that tests/web/pages/test_run_browser.py's tests share.)"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from resilience.config import LOCAL_TZ
from tests import factories
from tests.helpers.browser import WAIT_S, WebDriverWait, log_in, needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in requirements-dev.txt")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402

USER = "tid-tove"
START = "2026-12-07T06:00"  # a Monday


def _dataset(driver: WebDriver) -> dict[str, str]:
    return driver.execute_script("return Object.assign({}, document.body.dataset)")


def test_a_sites_popup_gives_its_hours_on_the_clock(
    browser: WebDriver, live_server: str, committed: Session
) -> None:
    """The small county's outage over Åbacka for 24 h from Monday 06:00: the elderly home's
    popup (a click on its row) gives its outage area's hours and its generator's arrival,
    each with its clock time."""
    factories.small_county(committed)
    run_id = factories.finished_run(committed, {**factories.OUTAGE_ABACKA, "start": START})
    factories.user(committed, USER, "viewer")
    committed.commit()
    site_id, arrival = committed.execute(
        text(
            "SELECT r.site_id, r.arrival_hours FROM run_sites r JOIN sites s ON s.id = r.site_id"
            " WHERE r.run_id = :run AND s.kind = 'elderly_home' AND r.outage_hours = 24"
            " AND r.arrival_hours IS NOT NULL"
        ),
        {"run": run_id},
    ).one()
    log_in(browser, live_server, f"/runs/{run_id}", user=USER)
    WebDriverWait(browser, WAIT_S).until(lambda d: _dataset(d).get("runLayers") == "ready")
    row = browser.find_element(By.CSS_SELECTOR, f"tr.care-row[data-site-id='{site_id}']")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", row)
    browser.execute_script("arguments[0].click()", row)
    popup = WebDriverWait(browser, WAIT_S).until(
        lambda d: d.find_element(By.CSS_SELECTOR, ".leaflet-popup-content").text
    )
    assert "24 (tis 06:00)" in popup, popup  # the grid back: Tuesday 06:00
    at = datetime(2026, 12, 7, 6, 0, tzinfo=LOCAL_TZ) + timedelta(minutes=round(arrival * 60))
    assert arrival < 1 and f"(mån {at:%H:%M})" in popup, (arrival, popup)
