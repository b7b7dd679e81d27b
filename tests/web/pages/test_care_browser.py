"""The director's minute (issue 12, item 1) in a real headless Chromium on the built-in data:
a red "vind i kombination med snöfall" warning over the whole county, posted by an editor,
and its live run (some 200 care and nursing units affected: the printed table runs over
pages). From the banner's "N nya äldreboenden utan ström eller värme" to the live run's
table filtered to exactly those N, sorted by a click, and a row (clicked, then Enter on
another) shown on the map with its popup.

SCREENSHOT_DIR, when set, keeps screenshots of the run page at 1440×900 and 390×844."""

from __future__ import annotations

import base64
import io
import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy.orm import Session

from resilience.services import runs, warning_ingest, warnings
from tests import factories
from tests.factories import ibww, ibww_area
from tests.helpers.browser import WAIT_S, WebDriverWait, log_in, needs_chromium
from tests.helpers.demo import load_demo

pytestmark = [pytest.mark.browser, needs_chromium]
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in requirements-dev.txt")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.common.print_page_options import PrintOptions  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402

USER = "direktor-dora"
# Västerbotten and a margin, lon/lat.
COUNTY_LONLAT = [[14.0, 63.3], [21.8, 63.3], [21.8, 66.5], [14.0, 66.5], [14.0, 63.3]]
EDITOR = "redaktor-rut"


@pytest.fixture
def live_run(app: Flask, committed: Session) -> int:
    """The built-in data, a red wind warning over the county posted by EDITOR, and the live
    run it starts, computed in process and committed for the live server."""
    load_demo(app)
    factories.user(committed, USER, "viewer")
    document = ibww(ibww_area(level="RED", coords=COUNTY_LONLAT))
    ingested = warning_ingest.ingest(
        committed,
        app.config["SETTINGS"],
        json.dumps(document).encode(),
        "application/json",
        posted_by=EDITOR,
    )
    assert ingested.recalculation is not None
    run = warnings.start_live_run(committed, ingested.recalculation)
    assert run is not None
    runs.compute_run(committed, run.id)
    committed.commit()
    return run.id


def _dataset(driver: WebDriver) -> dict[str, str]:
    return driver.execute_script("return Object.assign({}, document.body.dataset)")


# The table's rows that are drawn, in their order, found in one script: a WebDriver call per
# row and attribute costs seconds on a table of some 200 units.
_SHOWN = (
    "return [...document.querySelectorAll('#care-sites-table tbody tr.care-row')]"
    ".filter((r) => r.checkVisibility({opacityProperty: true, visibilityProperty: true}))"
)


def _shown_rows(driver: WebDriver) -> list[WebElement]:
    return driver.execute_script(_SHOWN)


def _shown(driver: WebDriver) -> list[dict[str, Any]]:
    """What the shown rows say: their data attributes, and each metric cell's data-value."""
    return driver.execute_script(
        _SHOWN.replace("return ", "const rows = ", 1)
        + "; return rows.map((r) => ({...r.dataset, metrics: Object.fromEntries("
        "[...r.querySelectorAll('td[data-metric]')].map((td) =>"
        " [td.dataset.metric, td.getAttribute('data-value')]))}))"
    )


def _popup_title(driver: WebDriver) -> str:
    # Read in one script: the popup may be redrawn between a find and a second call.
    return driver.execute_script(
        "const h = document.querySelector('.leaflet-popup-content h3');"
        " return h && h.offsetParent !== null ? h.textContent.trim() : '';"
    )


def _screenshots(driver: WebDriver, folder: Path) -> None:
    for width, height in ((1440, 900), (390, 844)):
        driver.set_window_size(width, height)
        driver.execute_script("document.getElementById('care-sites').scrollIntoView()")
        driver.save_screenshot(str(folder / f"care_sites_{width}x{height}.png"))
    driver.set_window_size(1400, 1000)


def test_from_the_banner_to_the_new_elderly_homes_on_the_map(
    browser: WebDriver,
    live_server: str,
    live_run: int,
) -> None:
    log_in(browser, live_server, "/scenarios", user=USER)
    link = WebDriverWait(browser, WAIT_S).until(lambda d: d.find_element(By.ID, "banner-care"))
    match = re.match(r"(\d+) nya? äldreboenden? utan ström eller värme", link.text)
    assert match, link.text
    count = int(match.group(1))
    assert count > 0, "a red wind warning over the county must cut elderly homes off"
    banner = browser.find_element(By.CSS_SELECTOR, ".warning-banner").text
    assert f"startad av {EDITOR}" in banner and "jämfört med normalläget" in banner

    link.click()
    WebDriverWait(browser, WAIT_S).until(lambda d: _dataset(d).get("runLayers") == "ready")
    address = urlsplit(browser.current_url)
    assert address.path == f"/runs/{live_run}" and address.fragment == "care-sites"
    assert parse_qs(address.query) == {"care": ["new"], "kind": ["elderly_home"]}
    rows = _shown(browser)
    assert len(rows) == count == int(_dataset(browser)["careShown"])
    assert {(r.get("kind"), r.get("new")) for r in rows} == {("elderly_home", "1")}
    assert browser.find_element(By.CSS_SELECTOR, "#care-filter input[name=care]").is_selected()
    if os.environ.get("SCREENSHOT_DIR"):  # what the director sees, at 1440 and 390 px
        _screenshots(browser, Path(os.environ["SCREENSHOT_DIR"]))

    def value(row: dict[str, Any], metric: str) -> float:
        return float(row["metrics"][metric] or 0)

    # New compared with normal: without power after the generators, or cold.
    assert all(value(r, "hours_unpowered") > 0 or value(r, "hours_cold") > 0 for r in rows)

    # Sort by residents with a click on the heading's button: ascending, then descending.
    header = browser.find_element(By.CSS_SELECTOR, "#care-sites-table th[data-key=residents]")
    header.find_element(By.TAG_NAME, "button").click()
    assert header.get_attribute("aria-sort") == "ascending"

    def residents() -> list[float]:
        return [float(r["metrics"]["residents"] or "nan") for r in _shown(browser)]

    ascending = residents()
    assert ascending == sorted(ascending)
    header.find_element(By.TAG_NAME, "button").click()
    assert header.get_attribute("aria-sort") == "descending"
    descending = residents()
    assert descending == sorted(descending, reverse=True)

    # A click on a row shows its site on the map, with its popup.
    first = _shown_rows(browser)[0]
    name, site_id = first.get_attribute("data-name"), first.get_attribute("data-site-id")
    first.find_elements(By.TAG_NAME, "td")[1].click()
    WebDriverWait(browser, WAIT_S).until(lambda d: _popup_title(d) == name)
    assert _dataset(browser)["siteShown"] == site_id
    if os.environ.get("SCREENSHOT_DIR"):
        browser.save_screenshot(str(Path(os.environ["SCREENSHOT_DIR"]) / "care_popup.png"))
    assert "selected" in first.get_attribute("class")

    # Enter on another row, reached from the keyboard, does the same.
    second = _shown_rows(browser)[-1]
    second_name = second.get_attribute("data-name")
    browser.execute_script("arguments[0].focus()", second)
    second.send_keys(Keys.ENTER)
    WebDriverWait(browser, WAIT_S).until(lambda d: _popup_title(d) == second_name)

    # Without "only new" the table shows more units, and the address and CSV follow.
    browser.find_element(By.CSS_SELECTOR, "#care-filter input[name=care]").click()
    WebDriverWait(browser, WAIT_S).until(lambda d: int(_dataset(d)["careShown"]) >= count)
    assert "care=new" not in browser.current_url and "kind=elderly_home" in browser.current_url
    csv = browser.find_element(By.ID, "care-csv").get_attribute("href")
    assert csv.endswith(f"/runs/{live_run}/care-sites.csv?kind=elderly_home")
    kind = browser.find_element(By.CSS_SELECTOR, "#care-filter select[name=kind]")
    kind.find_element(By.CSS_SELECTOR, "option[value='']").click()
    everything = int(_dataset(browser)["careShown"])
    shown = _shown(browser)
    assert everything == len(shown) > count

    # Printed (A4 landscape, as Chromium prints it), the table is whole, its heading on every
    # page, no column cut off.
    names = [r["name"] for r in shown]
    browser.find_element(By.CSS_SELECTOR, ".leaflet-popup-close-button").click()
    a4 = PrintOptions()  # landscape, as the page's @page asks
    a4.page_width, a4.page_height = 29.7, 21.0
    raw = base64.b64decode(browser.print_page(a4))
    if os.environ.get("SCREENSHOT_DIR"):
        (Path(os.environ["SCREENSHOT_DIR"]) / "run_page.pdf").write_bytes(raw)
    pdf = PdfReader(io.BytesIO(raw))
    pages = [" ".join((p.extract_text() or "").split()) for p in pdf.pages]
    printed = " ".join(pages)
    assert all(" ".join(n.split()) in printed for n in names), "every unit is printed"
    with_rows = [p for p in pages if any(n.split(",")[0] in p for n in names)]
    assert len(with_rows) >= 2, "the table runs over more than one page"
    assert all("Kallt från" in p for p in with_rows), "the heading on every page"
    assert all("Lägsta inomhus °C" in p and "Varför" in p for p in with_rows), "none cut off"
