"""Stored XSS, in a real headless Chromium: names that are HTML (an uploaded site called
`<img src=x onerror=…>`, a municipality, a generator, a scenario, an SMHI warning's area and
event) are planted in every layer, and every page that shows them is opened with every
tooltip and popup of its map open. The payloads would set window.xss and the title; both
stay unset, no <img src=x> node exists, and the names still read as text."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import shapely
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from geodata.records import BoundaryRecord, CellRecord
from resilience.models import Site
from resilience.scenarios import parse_scenario
from resilience.services import imports, runs, scenarios, warning_ingest
from tests import factories
from tests.factories import OUTAGE_ABACKA_WITH_SNOW, SMALL_COUNTY_LONLAT, ibww, ibww_area, site
from tests.helpers.browser import USER, WAIT_S, WebDriver, WebDriverWait, log_in, wait_until_ready

pytestmark = pytest.mark.browser


def payload(tag: str) -> str:
    """A name that runs script wherever it is parsed as HTML, in text or in an attribute."""
    return (
        f"{tag}\"'><img src=x onerror=\"window.xss=(window.xss||[]).concat('{tag}');"
        f"document.title='XSS'\"></script><svg onload=\"window.xss=['{tag}']\">"
    )


NAMES = {
    tag: payload(tag)
    for tag in ("muni-a", "muni-b", "care", "power", "food", "energy", "scenario", "warning")
}


@pytest.fixture
def planted(committed: Session, app: Flask) -> Iterator[dict[str, int]]:
    boundaries = [
        BoundaryRecord(
            "2401",
            NAMES["muni-a"],
            shapely.MultiPolygon([shapely.box(750_000, 7_080_000, 760_000, 7_090_000)]),
        ),
        BoundaryRecord(
            "2403",
            NAMES["muni-b"],
            shapely.MultiPolygon([shapely.box(760_000, 7_080_000, 770_000, 7_090_000)]),
        ),
    ]
    imports.import_boundaries(committed, boundaries, "test")
    imports.import_population(
        committed,
        [CellRecord(751_000, 7_081_000, 120), CellRecord(765_000, 7_085_000, 55)],
        "test",
    )
    sites = [
        site(
            "care-1", "care", "elderly_home", 751_500, 7_081_500, residents=40, name=NAMES["care"]
        ),
        site(
            "gen-1",
            "power",
            "mobile_generator",
            765_000,
            7_085_000,
            capacity_kw=100,
            name=NAMES["power"],
        ),
        site("food-1", "food", "grocery", 766_000, 7_085_500, name=NAMES["food"]),
        site(
            "energy-1",
            "energy",
            "school",
            752_500,
            7_081_500,
            shelter_capacity=200,
            owner="municipality",
            heated_area_m2=1000.0,
            energy_kwh_year=90_000.0,
            name=NAMES["energy"],
        ),
    ]
    imports.import_sites(committed, sites, "test")
    document = dict(OUTAGE_ABACKA_WITH_SNOW, name=NAMES["scenario"], description=NAMES["scenario"])
    scenario = scenarios.create_scenario(committed, parse_scenario(document))
    run_ids = []
    for _ in range(2):
        run = runs.start_run(committed, scenario)
        runs.compute_run(committed, run.id)
        run_ids.append(run.id)
    area = ibww_area(level="RED", coords=SMALL_COUNTY_LONLAT)
    area["areaName"] = {"sv": NAMES["warning"], "en": NAMES["warning"]}
    area["eventDescription"] = dict(area["eventDescription"], sv=NAMES["warning"])
    warning_doc = ibww(area)
    warning_doc[0]["event"] = {"sv": NAMES["warning"], "en": NAMES["warning"], "code": "WIND"}
    warning_ingest.ingest(
        committed, app.config["SETTINGS"], json.dumps(warning_doc).encode(), "application/json"
    )
    factories.user(committed, USER, "viewer")
    committed.commit()
    ids = {s.source_id: s.id for s in committed.scalars(select(Site))}
    yield {"care": ids["care-1"], "energy": ids["energy-1"], "a": run_ids[0], "b": run_ids[1]}


# Opens every tooltip and popup of the page's Leaflet map (folium names the map's variable
# after its element), one after the other, as hovering and clicking each feature would.
OPEN_EVERYTHING = """
const element = document.querySelector('.folium-map');
const map = element && window[element.id];
let opened = 0;
if (map) {
  map.eachLayer((layer) => {
    if (layer.getTooltip && layer.getTooltip()) { layer.openTooltip(); opened += 1; }
    if (layer.getPopup && layer.getPopup()) { layer.openPopup(); opened += 1; }
  });
}
return opened;
"""

STATE = """
const imgs = Array.from(document.querySelectorAll('img, svg')).filter(
  (e) => e.getAttribute('src') === 'x' || e.hasAttribute('onload'));
return {xss: window.xss || null, title: document.title, injected: imgs.length,
        text: document.body.innerText};
"""


def assert_inert(driver: WebDriver, path: str, expect_text: list[str]) -> int:
    opened = driver.execute_script(OPEN_EVERYTHING)
    time.sleep(0.5)  # an <img src=x> fails to load, and its onerror runs, asynchronously
    state = driver.execute_script(STATE)
    assert state["xss"] is None, (path, state["xss"])
    assert state["title"] != "XSS", path
    assert state["injected"] == 0, (path, state["injected"])
    for tag in expect_text:  # shown, as text
        assert NAMES[tag] in state["text"], (path, tag)
    return opened


def wait_for(driver: WebDriver, script: str) -> None:
    WebDriverWait(driver, WAIT_S).until(lambda d: d.execute_script(script))


def test_html_in_names_never_runs_on_any_page(
    browser: WebDriver,
    live_server: str,
    planted: dict[str, int],
) -> None:
    log_in(browser, live_server)

    # The overview map: municipality labels, a site of every category, the warning.
    wait_until_ready(browser)
    wait_for(browser, "return document.body.dataset.layerWarnings === '1'")
    opened = assert_inert(browser, "/", ["muni-a", "muni-b", "warning"])
    assert opened >= 2 + 4 + 1  # labels, sites (tooltip and popup), the warning's popup
    # The popups did show the names (as text): the last one opened is still open.
    popups = browser.execute_script(
        "return Array.from(document.querySelectorAll('.leaflet-popup-content, .leaflet-tooltip'))"
        ".map((e) => e.textContent).join(' ')"
    )
    assert NAMES["muni-a"] in popups

    # A run's page: sites without power and the generator sent to them, the table.
    run_id = planted["a"]
    browser.get(f"{live_server}/runs/{run_id}")
    wait_for(browser, "return document.body.dataset.runLayers === 'ready'")
    assert browser.execute_script("return document.body.dataset.layerSites") != "0"
    opened = assert_inert(browser, f"/runs/{run_id}", ["scenario", "muni-a", "warning"])
    assert opened >= 3  # the care site (tooltip, popup) and the generator's tooltip
    tooltips = browser.execute_script(
        "return Array.from(document.querySelectorAll('.leaflet-tooltip'))"
        ".map((e) => e.textContent).join(' ')"
    )
    assert NAMES["care"] in tooltips and NAMES["power"] in tooltips

    pages = {
        "/runs": ["scenario"],
        f"/runs/compare?a={planted['a']}&b={planted['b']}": ["scenario", "muni-a"],
        f"/sites/{planted['care']}": ["care"],
        "/warnings": ["warning"],
        "/scenarios": ["scenario"],
        "/exports": [],
        f"/energy/buildings/{planted['energy']}": ["energy"],
    }
    for path, texts in pages.items():
        browser.get(live_server + path)
        assert_inert(browser, path, texts)

    # The scenario editor (its name in the form) and the energy map (buildings' tooltips).
    scenario_id = browser.execute_async_script(
        "const done = arguments[0]; fetch('/api/v1/scenarios').then((r) => r.json())"
        ".then((d) => done(d.scenarios.find((s) => s.kind === 'user').id));"
    )
    browser.get(f"{live_server}/scenarios/{scenario_id}/edit")
    wait_for(browser, "return document.body.dataset.editorReady === '1'")
    assert_inert(browser, "edit", [])
    browser.get(f"{live_server}/energy/map")
    wait_for(browser, "return document.getElementById('energy-status').hidden")
    opened = assert_inert(browser, "/energy/map", [])
    assert opened >= 2
