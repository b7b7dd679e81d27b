"""/warnings in a real headless Chromium (issue 12, items 4, 5 and the skip link): SMHI
failing since a poll, the 2021 test warnings shown as ended with their year, and the skip
link as the first keyboard stop."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from sqlalchemy.orm import Session

from resilience.config import Settings
from resilience.services import warning_banner, warning_ingest
from tests.conftest import shared_file
from tests.helpers.browser import USER, log_in, needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]


def test_warnings_page_tells_the_truth(
    browser: WebDriver,
    live_server: str,
    committed: Session,
    map_county: dict[str, int],
    settings: Settings,
) -> None:
    document = shared_file("warnings/smhi_ibww_test_warnings.json").read_bytes()
    warning_ingest.ingest(committed, settings, document, "application/json")
    now = datetime.now(UTC)
    warning_banner.record_poll(committed, None, now - timedelta(minutes=40))
    warning_banner.record_poll(committed, "HTTPError: HTTP Error 502: Bad Gateway", now)
    committed.commit()

    log_in(browser, live_server, "/warnings", user=USER)

    feed = browser.find_element(By.CSS_SELECTOR, ".feed-down").text
    assert feed.startswith("Senaste lyckade hämtning från SMHI:") and "misslyckas sedan" in feed
    states = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "td[class^=state-]")]
    assert len(states) == 11 and "gäller" not in states
    assert states.count("upphörd (sluttiden har passerats)") == 9
    valid = browser.find_elements(By.CSS_SELECTOR, "#received-warnings tr > td:nth-child(5)")
    assert len(valid) == 11 and all("2021-09" in td.text for td in valid), [td.text for td in valid]
    health = json.loads(
        browser.execute_script("return fetch('/healthz').then(r => r.text())") or "{}"
    )
    assert health["smhi"] == "degraded"

    # The keyboard's first stop is the skip link; it leads to the content.
    ActionChains(browser).send_keys(Keys.TAB).perform()
    first = browser.switch_to.active_element
    assert first.text == "Hoppa till innehållet" and first.get_attribute("href").endswith(
        "#content"
    )
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    assert browser.switch_to.active_element.get_attribute("id") == "content"


# Where the screenshots go (pytest's temporary directory unless RESILIENCE_SHOTS names one).
SHOTS = Path(os.environ.get("RESILIENCE_SHOTS") or tempfile.gettempdir())


def _feed_notices(browser: WebDriver) -> list[str]:
    return [p.text for p in browser.find_elements(By.CSS_SELECTOR, ".feed-down")]


def test_smhi_down_or_late_shows_in_the_banner_and_ended_warnings_stay_out_of_it(
    browser: WebDriver,
    live_server: str,
    committed: Session,
    map_county: dict[str, int],
    settings: Settings,
) -> None:
    """Item 4 on every page: the last successful poll is 30 minutes old (more than twice the
    5-minute interval) → the notice "no fetch since then" above the banner of the map and
    the scenario list; a failed poll → "failing since"; a fresh successful poll → no
    notice. Item 5: the banner lists the red warning in force now, not the 2021 test
    warnings, which /warnings shows as ended with their year; the current one shows as in
    force with its dates without the year."""
    from tests.factories import ibww, ibww_area

    test_warnings = shared_file("warnings/smhi_ibww_test_warnings.json").read_bytes()
    warning_ingest.ingest(committed, settings, test_warnings, "application/json")
    current = ibww(ibww_area(area_id=977, level="RED", hours=(-2, 20)), warning_id=977)
    warning_ingest.ingest(committed, settings, json.dumps(current).encode(), "application/json")
    now = datetime.now(UTC)
    warning_banner.record_poll(committed, None, now - timedelta(minutes=30))
    committed.commit()

    log_in(browser, live_server, "/scenarios", user=USER)
    for path in ("/scenarios", "/"):
        browser.get(live_server + path)
        [notice] = _feed_notices(browser)
        assert notice.startswith("Senaste lyckade hämtning från SMHI:"), notice
        assert "ingen hämtning sedan dess" in notice
        banner = browser.find_element(By.CSS_SELECTOR, ".warning-banner")
        items = banner.find_elements(By.CSS_SELECTOR, "li")
        assert len(items) == 1 and "Röd" in items[0].text, banner.text
        assert "Vind i kombination med snöfall" in items[0].text
        assert "2021" not in banner.text and str(now.year) not in items[0].text
    browser.save_screenshot(str(SHOTS / "feed-late.png"))

    browser.get(live_server + "/warnings")
    rows = browser.find_elements(By.CSS_SELECTOR, "#received-warnings tr:has(td)")
    by_state = [
        (r.find_element(By.XPATH, "td[6]").text, r.find_element(By.XPATH, "td[5]").text)
        for r in rows
    ]
    in_force = [valid for state, valid in by_state if state == "gäller"]
    assert len(in_force) == 1 and str(now.year) not in in_force[0], by_state
    ended = [valid for state, valid in by_state if state.startswith("upphörd")]
    assert len(ended) == 11 and all("2021-" in valid for valid in ended), by_state

    warning_banner.record_poll(
        committed, "URLError: <urlopen error [Errno 101] Network is unreachable>", now
    )
    committed.commit()
    browser.get(live_server + "/")
    [notice] = _feed_notices(browser)
    assert "misslyckas sedan" in notice and "inaktuella" in notice, notice
    browser.save_screenshot(str(SHOTS / "feed-down.png"))

    warning_banner.record_poll(committed, None, datetime.now(UTC))
    committed.commit()
    browser.get(live_server + "/")
    assert _feed_notices(browser) == []
    assert browser.find_elements(By.CSS_SELECTOR, ".warning-banner li")  # the warning stays
