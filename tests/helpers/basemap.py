"""The base map's browser tests' small county near Umeå and their Chromium at 1440×900
(tests/web/pages/test_basemap_browser.py and test_roads_browser.py): the data set, the
fixtures `county`, `offline_server` and `browser` (import them into the test module), and
waits and pixel counts on the map."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
import shapely
from flask import Flask
from sqlalchemy.orm import Session

from geodata.loaders.basemap import LocalityRecord
from geodata.records import BoundaryRecord, CellRecord, SiteRecord
from resilience.app import create_app
from resilience.config import Settings
from resilience.services import basemap, imports
from tests import factories
from tests.conftest import serve
from tests.helpers.browser import WebDriverWait, chromium, decode_png

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in requirements-dev.txt")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402

WAIT_S = 30
WIDTH, HEIGHT = 1440, 900
USER = "karta-kari"
# A closed port: the browser's tile requests fail at once, as they do without internet.
UNREACHABLE_TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"
MUNICIPALITIES = {
    "2901": ("Ängsjö", (750_000, 766_000)),
    "2902": ("Östra Åby", (766_000, 783_000)),
    "2903": ("Björkön", (783_000, 800_000)),
}
Y0, Y1 = 7_080_000, 7_120_000
CLUSTERED = 12  # care sites within a kilometre of each other in Björkön
SITES = [
    # A care site and a food store at the same point: care must be on top.
    SiteRecord("t-1", "Ängsjö sjukhus", "care", "hospital", 758_000, 7_090_000),
    SiteRecord("f-1", "Livs Ängsjö", "food", "supermarket", 758_000, 7_090_000),
    # Backup power and an energy building at the same point: backup power on top.
    SiteRecord(
        "p-1",
        "Reservkraft Åby",
        "power",
        "fixed_generator",
        775_000,
        7_085_000,
        {"capacity_kw": 200.0},
    ),
    SiteRecord("e-1", "Åby sporthall", "energy", "sports_hall", 775_000, 7_085_000),
    *(
        SiteRecord(
            f"c-{i}",
            f"Björkgården {i}",
            "care",
            "elderly_home",
            790_000 + 60 * i,
            7_112_000 + 40 * i,
            {"residents": 20},
        )
        for i in range(CLUSTERED)
    ),
]
LOCALITIES = [
    LocalityRecord("T1", "Ängsjö by", 760_000, 7_100_000, 1200, "2901"),
    LocalityRecord("T2", "Björkö tätort", 792_000, 7_105_000, 30_000, "2903"),
]


@pytest.fixture
def county(committed: Session) -> None:
    imports.import_boundaries(
        committed,
        [
            BoundaryRecord(code, name, shapely.MultiPolygon([shapely.box(x0, Y0, x1, Y1)]))
            for code, (name, (x0, x1)) in MUNICIPALITIES.items()
        ],
        "test-boundaries",
    )
    imports.import_population(
        committed,
        [CellRecord(752_000 + 2_000 * i, 7_100_000, 50 * (i + 1)) for i in range(10)],
        "test-grid",
    )
    imports.import_sites(committed, SITES, "test-register")
    basemap.import_localities(committed, LOCALITIES, "test-places")
    factories.user(committed, USER, "planner")
    committed.commit()


@pytest.fixture
def offline_server(settings: Settings, app: Flask, committed: Session) -> Iterator[str]:
    """The app with an internet base map configured that cannot be reached."""
    offline = create_app(dataclasses.replace(settings, tile_url=UNREACHABLE_TILES))
    yield from serve(offline)


@pytest.fixture
def browser(committed: Session, tmp_path: Path) -> Iterator[WebDriver]:
    """Chromium at WIDTH × HEIGHT. It asks for `committed` so that it quits before the
    tables are emptied: a page still fetching tiles from the server then held locks that
    the TRUNCATE of the clean-up waited for (a deadlock; it is a DELETE now, but a page
    should not read tables being emptied either)."""
    with chromium(tmp_path, (WIDTH, HEIGHT)) as driver:
        yield driver


def dataset(driver: WebDriver) -> dict[str, str]:
    return driver.execute_script("return Object.assign({}, document.body.dataset)")


def wait_for(driver: WebDriver, script: str) -> None:
    WebDriverWait(driver, WAIT_S).until(lambda d: d.execute_script(script))


def wait_map_ready(driver: WebDriver) -> None:
    wait_for(
        driver, "return document.body.dataset.mapReady === '1' || !!document.body.dataset.mapError"
    )
    assert "mapError" not in dataset(driver), dataset(driver)["mapError"]


def wait_still(driver: WebDriver) -> None:
    """No pan or zoom animation under way, and the canvases redrawn after it."""
    wait_for(
        driver,
        "const st = ResilienceMap.state; return !st.moving && !st.map._animatingZoom",
    )
    driver.execute_async_script(
        "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(done));"
    )


def near(color: tuple[int, int, int], target: tuple[int, int, int], tolerance: int = 30) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(color, target, strict=True))


def count_colour(
    driver: WebDriver, png: bytes, target: tuple[int, int, int], tolerance: int = 12
) -> int:
    """Pixels of about `target`'s colour in the map, outside its controls (whose swatches are
    DOM), counted on every other row and column."""
    rect = driver.find_element(By.CSS_SELECTOR, ".folium-map").rect
    controls = [e.rect for e in driver.find_elements(By.CSS_SELECTOR, ".leaflet-control")]
    width, height, channels, rows = decode_png(png)
    x0, x1 = max(0, int(rect["x"])), min(width, int(rect["x"] + rect["width"]))
    y0, y1 = max(0, int(rect["y"])), min(height, int(rect["y"] + rect["height"]))
    found = 0
    for y in range(y0, y1, 2):
        row = rows[y]
        for x in range(x0, x1, 2):
            if any(
                c["x"] <= x < c["x"] + c["width"] and c["y"] <= y < c["y"] + c["height"]
                for c in controls
            ):
                continue
            if near(tuple(row[x * channels : x * channels + 3]), target, tolerance):  # type: ignore[arg-type]
                found += 1
    return found
