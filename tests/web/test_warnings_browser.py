"""/warnings in a real headless Chromium (issue 12, items 4, 5 and the skip link): SMHI
failing since a poll, the 2021 test warnings shown as ended with their year, and the skip
link as the first keyboard stop."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy.orm import Session

from resilience.config import Settings
from resilience.services import warnings
from tests.conftest import shared_file
from tests.web.test_map_browser import PASSWORD, USER, WAIT_S, browser, county, pytestmark

__all__ = ["browser", "county", "pytestmark"]  # the fixtures and the skip of the map tests


def test_warnings_page_tells_the_truth(
    browser: WebDriver,
    live_server: str,
    committed: Session,
    county: dict[str, int],
    settings: Settings,
) -> None:
    document = shared_file("warnings/smhi_ibww_test_warnings.json").read_bytes()
    warnings.ingest(committed, settings, document, "application/json")
    now = datetime.now(UTC)
    warnings.record_poll(committed, None, now - timedelta(minutes=40))
    warnings.record_poll(committed, "HTTPError: HTTP Error 502: Bad Gateway", now)
    committed.commit()

    browser.get(live_server + "/warnings")
    assert urlsplit(browser.current_url).path == "/login"
    browser.find_element(By.NAME, "name").send_keys(USER)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(browser, WAIT_S).until(lambda d: urlsplit(d.current_url).path == "/warnings")

    feed = browser.find_element(By.CSS_SELECTOR, ".feed-down").text
    assert feed.startswith("Senaste lyckade hämtning från SMHI:") and "misslyckas sedan" in feed
    states = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "td[class^=state-]")]
    assert len(states) == 11 and "gäller" not in states
    assert states.count("upphörd (sluttiden har passerats)") == 9
    valid = browser.find_elements(By.XPATH, "(//table)[2]//tr/td[5]")
    assert all("2021-09" in td.text for td in valid), [td.text for td in valid]
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
