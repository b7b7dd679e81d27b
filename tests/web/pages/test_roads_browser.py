"""Roads on our own base map in a real headless Chromium: without internet the vector
tiles draw the stored roads, styled by class (static/js/basemap.js ROAD_STYLES)."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely
from sqlalchemy.orm import Session

from geodata.loaders.roads import RoadRecord
from resilience.services import roads
from tests.helpers.basemap import (  # noqa: F401  (the fixtures browser, county, offline_server)
    USER,
    Y0,
    Y1,
    browser,
    count_colour,
    county,
    offline_server,
    wait_for,
    wait_map_ready,
    wait_still,
)
from tests.helpers.browser import log_in, needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in requirements-dev.txt")
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402

LAND = (0xF3, 0xF1, 0xE9)  # basemap.js LAND, under the roads


def over_land(colour: tuple[int, int, int], opacity: float = 0.9) -> tuple[int, int, int]:
    """A road's colour as drawn: at its opacity over the land."""
    r, g, b = (
        round(opacity * c + (1 - opacity) * land) for c, land in zip(colour, LAND, strict=True)
    )
    return r, g, b


MOTORWAY = over_land((0xC2, 0x18, 0x5B))  # ROAD_STYLES.motorway
TRUNK = over_land((0xD8, 0x43, 0x15))  # ROAD_STYLES.trunk


@pytest.fixture
def road_network(committed: Session, county: None) -> None:  # noqa: F811
    middle = (Y0 + Y1) / 2
    records = [
        RoadRecord(shapely.LineString([(750_000, middle), (800_000, middle)]), "motorway", None),
        RoadRecord(shapely.LineString([(775_000, Y0), (775_000, Y1)]), "trunk", 90.0),
    ]
    roads.replace_network(committed, [records], "test-roads")
    committed.commit()


def test_the_offline_base_map_draws_the_roads_by_class(
    browser: WebDriver,  # noqa: F811
    offline_server: str,  # noqa: F811
    road_network: None,
    tmp_path: Path,
) -> None:
    log_in(browser, offline_server, user=USER)
    wait_map_ready(browser)
    wait_for(browser, "return document.body.dataset.basemapOffline === '1'")
    wait_for(browser, "return Number(document.body.dataset.basemapTiles || 0) > 0")
    wait_still(browser)
    png = browser.get_screenshot_as_png()
    (tmp_path / "map-roads.png").write_bytes(png)
    motorway = count_colour(browser, png, MOTORWAY, tolerance=20)
    trunk = count_colour(browser, png, TRUNK, tolerance=20)
    assert motorway > 150, motorway  # a line across the map, a few pixels wide
    assert trunk > 100, trunk
