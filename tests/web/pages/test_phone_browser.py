"""Every page on a phone (issue 12, item 8) and printing (item 9), in a real headless
Chromium against the live app and PostGIS, on the built-in data with two finished runs, a
backup-power plan, a checked upload and an orange warning in force over the county.

At 390×844 (Chrome's device emulation, as a phone of that size) no page is wider than the
viewport, and the top bar's menu button opens the menu. Printed to PDF (Chrome DevTools'
Page.printToPDF, as a user's "Save as PDF" does), the run page fills several A4 pages
without the top bar or the warnings banner, and the energy report has no banner either.

SCREENSHOT_DIR, when set, keeps a 390×844 screenshot of every page and the PDFs there."""

from __future__ import annotations

import base64
import io
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from resilience.config import Settings
from resilience.models import Scenario, Site
from resilience.services import (
    plans,
    runs,
    uploads,
    warning_banner,
    warning_ingest,
)
from tests import factories
from tests.factories import ibww, ibww_area
from tests.helpers.browser import WAIT_S, WebDriverWait, log_in, needs_chromium
from tests.helpers.demo import load_demo

# One module_browser and one data set for all of its tests, in one process.
pytestmark = [pytest.mark.browser, needs_chromium, pytest.mark.xdist_group("phone_browser")]
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in requirements-dev.txt")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402

USER = "telefon-tilda"
PHONE = (390, 844)
# The whole county's outline (lon/lat), so the warning lies over Västerbotten.
COUNTY_LONLAT = [[14.0, 63.4], [21.8, 63.4], [21.8, 66.0], [14.0, 66.0], [14.0, 63.4]]
UPLOAD_CSV = (
    "source_id;name;category;kind;x;y;residents\n"
    "p-1;Telefongården;care;elderly_home;759000;7087000;30\n"
    "p-2;Utan plats;care;elderly_home;;;12\n"
).encode()


@dataclass(frozen=True)
class Ids:
    run: int
    other_run: int
    scenario: int
    site: int
    building: int
    plan: int
    upload: str
    municipality: str


@pytest.fixture(scope="module")
def county(app: Flask, module_committed: Session, settings: Settings) -> Ids:
    """The built-in data, the Dåva and one more built-in scenario computed, a plan, an upload
    and an orange warning over the county; committed once for the module's live server (its
    tests only read them)."""
    load_demo(app)
    builtin = module_committed.scalars(
        select(Scenario).where(Scenario.kind == "builtin").order_by(Scenario.id)
    ).all()
    dava = next(s for s in builtin if s.name.startswith("Dåva"))
    other = next(s for s in builtin if s.id != dava.id)
    computed = []
    for scenario in (dava, other):
        run = runs.start_run(module_committed, scenario)
        runs.compute_run(module_committed, run.id)
        computed.append(run.id)
    user = factories.user(module_committed, USER, "admin")
    module_committed.commit()
    request = plans.parse_request(module_committed, {"scenarios": [dava.id], "sites": 5})
    plan = plans.start_plan(module_committed, request, user=USER)
    plans.compute_plan(module_committed, plan.id)
    module_committed.commit()
    uploader = uploads.Uploader(user.id, user.name, user.role, None)
    upload = uploads.check_upload(
        module_committed, uploader, UPLOAD_CSV, "register.csv", max_bytes=10_000_000
    )
    document = json.dumps(ibww(ibww_area(coords=COUNTY_LONLAT))).encode()
    warning_ingest.ingest(module_committed, settings, document, "application/json")
    now = datetime.now(UTC)  # SMHI failing since the last poll: the feed notice on every page
    warning_banner.record_poll(module_committed, None, now - timedelta(minutes=40))
    warning_banner.record_poll(module_committed, "HTTPError: HTTP Error 502: Bad Gateway", now)
    module_committed.commit()
    care = module_committed.scalar(select(Site).where(Site.category == "care").order_by(Site.id))
    building = module_committed.scalar(
        select(Site).where(Site.category == "energy").order_by(Site.id)
    )
    assert care is not None and building is not None
    return Ids(
        run=computed[0],
        other_run=computed[1],
        scenario=dava.id,
        site=care.id,
        building=building.id,
        plan=plan.id,
        upload=upload["id"],
        municipality=care.municipality_code or "2480",
    )


def pages(ids: Ids) -> list[str]:
    """Every page of app.url_map that a person opens (not the API, downloads or fragments)."""
    return [
        "/",
        "/situation",
        f"/sites/{ids.site}",
        "/warnings",
        "/scenarios",
        "/scenarios/new",
        f"/scenarios/{ids.scenario}/edit",
        "/runs",
        f"/runs/{ids.run}",
        f"/runs/{ids.run}/report",
        f"/runs/compare?a={ids.run}&b={ids.other_run}",
        "/exports",
        "/exports/audit",
        "/uploads",
        f"/uploads/{ids.upload}",
        "/plans",
        f"/plans/{ids.plan}",
        f"/plans/{ids.plan}/print",
        "/energy",
        "/energy/map",
        "/energy/buildings",
        f"/energy/buildings/{ids.building}",
        "/energy/progress",
        "/energy/load-shedding",
        "/energy/load-shedding?municipality=all",
        f"/energy/report/{ids.municipality}",
        "/energy/import",
        "/energy/settings",
        "/energy/audit",
    ]


def as_phone(driver: WebDriver) -> None:
    width, height = PHONE
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True},
    )


def widest(driver: WebDriver) -> list[str]:
    """The elements reaching past the viewport's right edge (for the failure message)."""
    return list(
        driver.execute_script(
            "const w = document.documentElement.clientWidth; const out = [];"
            "for (const e of document.querySelectorAll('body *')) {"
            "  const r = e.getBoundingClientRect();"
            "  const inside = e.closest('.table-scroll, .leaflet-container');"
            "  if (r.right > w + 1 && r.width > 0 && !inside)"
            "    out.push(e.tagName.toLowerCase() + '.' + e.className + ' ' + Math.round(r.right));"
            "} return out.slice(0, 5);"
        )
    )


def screenshot(driver: WebDriver, name: str) -> None:
    if folder := os.environ.get("SCREENSHOT_DIR"):
        driver.save_screenshot(str(Path(folder) / f"phone_{name}.png"))


def slug(path: str) -> str:
    return path.strip("/").replace("/", "_").replace("?", "_").replace("&", "_") or "map"


def test_every_page_fits_a_phone_and_its_menu_opens(
    module_browser: WebDriver,
    module_live_server: str,
    county: Ids,
) -> None:
    as_phone(module_browser)
    module_browser.get(module_live_server + "/login")
    width = module_browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= PHONE[0], ("/login", width, widest(module_browser))
    screenshot(module_browser, "login")
    log_in(module_browser, module_live_server, user=USER)
    too_wide = {}
    for path in pages(county):
        module_browser.get(module_live_server + path)
        assert urlsplit(module_browser.current_url).path == urlsplit(path).path, path
        # A phone zooms out to show a page wider than its screen: innerWidth grows then too.
        width = module_browser.execute_script(
            "return Math.max(document.documentElement.scrollWidth, window.innerWidth)"
        )
        if width > PHONE[0]:
            too_wide[path] = (width, widest(module_browser))
        screenshot(module_browser, slug(path))
        if path.endswith("/report") or width > PHONE[0]:  # the report has no menu
            continue
        # The menu is folded behind its button; the button opens it, and then it fits too.
        button = module_browser.find_element(By.CSS_SELECTOR, ".topbar .menu-button")
        menu = module_browser.find_element(By.ID, "topbar-menu")
        assert button.is_displayed() and button.get_attribute("aria-expanded") == "false", path
        assert not menu.is_displayed(), path
        button.click()
        assert button.get_attribute("aria-expanded") == "true", path
        logout = menu.find_element(By.CSS_SELECTOR, "button[type=submit]")
        assert menu.is_displayed() and logout.is_displayed(), path
        right = module_browser.execute_script(
            "const items = document.querySelectorAll('#topbar-menu a, #topbar-menu button');"
            "return Math.max(...[...items].map(e => e.getBoundingClientRect().right))"
        )
        assert right <= PHONE[0], (path, right)
        if path == "/":
            screenshot(module_browser, "menu_open")
    assert not too_wide, too_wide

    # The map's legend is folded to its heading, so that it leaves the map free; a tap opens it.
    for path in ("/", f"/runs/{county.run}", "/energy/map"):
        module_browser.get(module_live_server + path)
        legend = WebDriverWait(module_browser, WAIT_S).until(
            lambda d: d.find_element(By.CSS_SELECTOR, "details.legend")
        )
        # The energy map writes its legend again once the municipalities' breaks are in.
        headings = 3 if path == "/energy/map" else 1
        WebDriverWait(module_browser, WAIT_S).until(
            lambda d, n=headings: len(d.find_elements(By.CSS_SELECTOR, "details.legend h4")) >= n
        )
        assert legend.get_attribute("open") is None, path
        legend.find_element(By.TAG_NAME, "summary").click()
        assert legend.get_attribute("open") == "true", path
        assert legend.find_element(By.TAG_NAME, "h5" if path == "/" else "div").is_displayed()
    screenshot(module_browser, "energy_map_legend_open")


# Words of the top bar, the skip link and the banners: none of them belongs on paper.
NOT_PRINTED = (
    "Hoppa till innehållet",
    "Resilienskarta Västerbotten",
    "Logga ut",
    "Uppladdning",
    "English",
    "Orange varning",
    "Live-körningen",
    "Senaste lyckade hämtning",
)


def print_pdf(driver: WebDriver, name: str) -> PdfReader:
    """The page as the browser prints it (its @page rules decide the paper), read back."""
    data = base64.b64decode(
        driver.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True})["data"]
    )
    if folder := os.environ.get("SCREENSHOT_DIR"):
        (Path(folder) / f"print_{name}.pdf").write_bytes(data)
    return PdfReader(io.BytesIO(data))


def page_texts(reader: PdfReader) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def is_a4(reader: PdfReader) -> bool:
    box = reader.pages[0].mediabox
    mm = (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4))
    return tuple(sorted(mm)) == (210, 297)  # portrait, or landscape (the run page)


def test_the_run_page_and_the_energy_report_print_on_a4_without_the_bars(
    module_browser: WebDriver,
    module_live_server: str,
    county: Ids,
) -> None:
    log_in(module_browser, module_live_server, user=USER)
    module_browser.get(f"{module_live_server}/runs/{county.run}")
    WebDriverWait(module_browser, WAIT_S).until(
        lambda d: d.execute_script("return document.body.dataset.runLayers") == "ready"
    )
    assert module_browser.find_element(By.CSS_SELECTOR, ".warning-banner").is_displayed()
    assert module_browser.find_element(By.CSS_SELECTOR, ".feed-down").is_displayed()
    reader = print_pdf(module_browser, "run")
    texts = page_texts(reader)
    assert is_a4(reader)
    assert len(texts) > 2, "the run's tables go on over several pages"
    whole = " ".join(texts)
    assert f"Körning {county.run}: Dåva kraftvärmeverk" in texts[0]
    for words in NOT_PRINTED:
        assert words not in whole, words
    # The care-site table goes on over pages, its header repeated on each of them.
    care = [i for i, t in enumerate(texts) if "Lägsta inomhus" in t]
    assert len(care) >= 2, care
    assert all("Kallt från" in texts[i] for i in care)

    module_browser.get(f"{module_live_server}/energy/report/{county.municipality}")
    assert module_browser.find_element(By.CSS_SELECTOR, ".warning-banner").is_displayed()
    reader = print_pdf(module_browser, "energy_report")
    whole = " ".join(page_texts(reader))
    assert is_a4(reader) and "Energirapport" in whole and "Nyckeltal" in whole
    for words in (*NOT_PRINTED, "Skriv ut", "Översikt Energikarta"):
        assert words not in whole, words

    module_browser.get(f"{module_live_server}/plans/{county.plan}/print")
    reader = print_pdf(module_browser, "plan")
    whole = " ".join(page_texts(reader))
    assert is_a4(reader) and f"Reservkraftsplan {county.plan}" in whole
    for words in (*NOT_PRINTED, "Skriv ut", "Tillbaka till planen"):
        assert words not in whole, words
