"""The maps in a real headless Chromium at 1440×900 (issue 12, items 6 and 7):

- care sites are drawn above food and energy at every zoom, clustered at low zoom, and
  reachable by keyboard; backup power stays above energy buildings on the canvas;
- with no internet (the tile URL points at a closed local port, so every tile fails) a notice
  says so, the internet base map is unticked and our own vector tiles draw instead, with
  place names; the scenario editor has the same layers.

Screenshots are written to the test's tmp_path (map-*.png)."""

from __future__ import annotations

# ruff: noqa: F811  (the tests take the fixtures imported from tests.helpers.basemap)
from pathlib import Path

import pytest

from tests.helpers.basemap import (  # noqa: F401  (the fixtures browser, county, offline_server)
    CLUSTERED,
    MUNICIPALITIES,
    USER,
    WAIT_S,
    browser,
    count_colour,
    county,
    dataset,
    near,
    offline_server,
    wait_for,
    wait_map_ready,
    wait_still,
)
from tests.helpers.browser import WebDriverWait, decode_png, log_in, needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in requirements-dev.txt")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402

# (r, g, b) classes of the screenshot's pixels.
CARE_RED = (0xD6, 0x28, 0x28)
FOOD_TEAL = (0x2A, 0x9D, 0x8F)
POWER_ORANGE = (0xF7, 0x7F, 0x00)
ENERGY_PURPLE = (0x6A, 0x4C, 0x93)
# Our base map's land (#f3f1e9) under the municipalities' 3 % tint of #1d3557.
LAND = (237, 235, 229)


def pixel(png: bytes, x: float, y: float) -> tuple[int, int, int]:
    _w, _h, channels, rows = decode_png(png)
    row = rows[round(y)]
    r, g, b = row[round(x) * channels : round(x) * channels + 3]
    return r, g, b


def site_point(driver: WebDriver, category: str, source_id: str) -> tuple[float, float]:
    """Page coordinates (CSS px) of a site's marker."""
    x, y = driver.execute_script(
        """const [category, sourceId] = arguments;
        const st = ResilienceMap.state;
        let point = null;
        st.layers[category].group.eachLayer((m) => {
          if (m.feature.properties.source_id === sourceId) {
            point = st.map.latLngToContainerPoint(m.getLatLng());
          }
        });
        const box = st.map.getContainer().getBoundingClientRect();
        return [box.left + point.x, box.top + point.y];""",
        category,
        source_id,
    )
    return x, y


def toggle_overlay(driver: WebDriver, label: str) -> None:
    """Click a layer's box in the layer control, as a person would."""
    control = driver.find_element(By.CSS_SELECTOR, ".leaflet-control-layers")
    for item in control.find_elements(By.CSS_SELECTOR, "label"):
        if item.text.strip() == label:
            item.find_element(By.CSS_SELECTOR, "input").click()
            return
    raise AssertionError(f"no layer {label!r} in the control: {control.text}")


def overlay_checked(driver: WebDriver, label: str) -> bool:
    control = driver.find_element(By.CSS_SELECTOR, ".leaflet-control-layers")
    for item in control.find_elements(By.CSS_SELECTOR, "label"):
        if item.text.strip() == label:
            return bool(item.find_element(By.CSS_SELECTOR, "input").is_selected())
    raise AssertionError(f"no layer {label!r} in the control: {control.text}")


def test_care_is_drawn_above_food_and_clustered_at_low_zoom(
    browser: WebDriver, live_server: str, county: None, tmp_path: Path
) -> None:
    log_in(browser, live_server, user=USER)
    wait_map_ready(browser)
    assert dataset(browser)["layerCare"] == str(1 + CLUSTERED)
    wait_still(browser)

    # The care site lies above the food store at the same point: the DOM marker is what the
    # pointer hits there, and its red is what the eye sees.
    x, y = site_point(browser, "care", "t-1")
    hit = browser.execute_script(
        "const e = document.elementFromPoint(arguments[0], arguments[1]);"
        " const marker = e && e.closest('.care-marker');"
        " return marker ? marker.getAttribute('aria-label') : null;",
        x,
        y,
    )
    assert hit == "Ängsjö sjukhus"
    png = browser.get_screenshot_as_png()
    (tmp_path / "map-care-on-top.png").write_bytes(png)
    assert near(pixel(png, x, y), CARE_RED), pixel(png, x, y)

    # Backup power above the energy building at the same point, also after the energy
    # layer is switched off and on again (which draws it last on the shared canvas).
    px, py = site_point(browser, "power", "p-1")
    assert near(pixel(png, px, py), POWER_ORANGE), pixel(png, px, py)
    toggle_overlay(browser, "Energikrävande byggnader")
    toggle_overlay(browser, "Energikrävande byggnader")
    wait_map_ready(browser)
    wait_still(browser)
    png = browser.get_screenshot_as_png()
    assert near(pixel(png, px, py), POWER_ORANGE), pixel(png, px, py)
    assert not near(pixel(png, px, py), ENERGY_PURPLE)

    # Care markers are buttons in the tab order; Enter opens the popup.
    marker = browser.execute_script(
        """let el = null;
        ResilienceMap.state.layers.care.group.eachLayer((m) => {
          if (m.feature.properties.source_id === 't-1') el = m.getElement();
        });
        return el;"""
    )
    assert marker.get_attribute("tabindex") == "0" and marker.get_attribute("role") == "button"
    marker.send_keys(Keys.ENTER)
    WebDriverWait(browser, WAIT_S).until(
        lambda d: any(
            e.text.startswith("Ängsjö sjukhus")
            for e in d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content")
        )
    )
    browser.execute_script("ResilienceMap.state.map.closePopup()")

    # At this zoom (10 or more) every care site is its own marker.
    zoom = browser.execute_script("return ResilienceMap.state.map.getZoom()")
    assert zoom >= 10, zoom
    assert not browser.find_elements(By.CSS_SELECTOR, ".care-cluster")

    # Zoomed out to county scale the twelve close together become one cluster saying 12,
    # which is a keyboard button too: Enter zooms in to them.
    browser.execute_script(
        "const m = ResilienceMap.state.map; m.setView(m.getCenter(), 8, { animate: false });"
    )
    wait_for(browser, "return document.querySelectorAll('.care-cluster').length > 0")
    wait_still(browser)
    clusters = browser.find_elements(By.CSS_SELECTOR, ".care-cluster")
    assert [c.find_element(By.CSS_SELECTOR, "span").text for c in clusters] == [str(CLUSTERED)]
    assert "Vård" in clusters[0].get_attribute("textContent")  # its name for screen readers
    (tmp_path / "map-care-clustered.png").write_bytes(browser.get_screenshot_as_png())
    assert clusters[0].get_attribute("tabindex") == "0"
    clusters[0].send_keys(Keys.ENTER)
    wait_for(browser, "return ResilienceMap.state.map.getZoom() >= 10")


def test_without_internet_the_notice_shows_and_our_own_base_map_draws(
    browser: WebDriver, offline_server: str, county: None, tmp_path: Path
) -> None:
    log_in(browser, offline_server, user=USER)
    wait_map_ready(browser)
    wait_for(browser, "return document.body.dataset.basemapOffline === '1'")
    notice = browser.find_element(By.CSS_SELECTOR, ".basemap-notice")
    assert notice.is_displayed()
    assert "Bakgrundskartan kunde inte laddas" in notice.text
    assert notice.get_attribute("role") == "status"
    assert not overlay_checked(browser, "Bakgrundskarta")  # unticked: its tiles failed
    assert overlay_checked(browser, "Egen baskarta")
    assert overlay_checked(browser, "Ortnamn")
    assert not browser.execute_script(
        "let on = false; ResilienceMap.state.map.eachLayer((l) => {"
        " if (l instanceof L.TileLayer) on = true; }); return on;"
    )

    # Our vector tiles came from /tiles and are drawn: canvases in the base pane, and the
    # land colour covers the municipalities in the screenshot.
    wait_for(browser, "return Number(document.body.dataset.basemapTiles || 0) > 0")
    wait_still(browser)
    canvases = browser.find_elements(By.CSS_SELECTOR, ".leaflet-resilienceBase-pane canvas")
    assert canvases
    labels = {e.text for e in browser.find_elements(By.CSS_SELECTOR, ".place-label.is-locality")}
    assert {"Ängsjö by", "Björkö tätort"} <= labels
    png = browser.get_screenshot_as_png()
    (tmp_path / "map-offline.png").write_bytes(png)
    land = count_colour(browser, png, LAND)
    assert land > 20_000, land  # sampled every other pixel: ~80,000 px of land or more

    # Closing the notice hides it; the map stays.
    notice.find_element(By.CSS_SELECTOR, "button").click()
    assert not notice.is_displayed()


def test_scenario_editor_has_the_main_maps_layers_offline(
    browser: WebDriver, offline_server: str, county: None, tmp_path: Path
) -> None:
    log_in(browser, offline_server, "/scenarios/new", user=USER)
    wait_for(browser, "return document.body.dataset.editorReady === '1'")
    wait_for(browser, "return document.body.dataset.basemapOffline === '1'")
    wait_for(browser, "return Number(document.body.dataset.basemapTiles || 0) >= 3")
    control = browser.find_element(By.CSS_SELECTOR, ".leaflet-control-layers").text
    for label in ("Kommuner", "Egen baskarta", "Ortnamn", "Befolkning (1 km-rutor)", "Platser"):
        assert label in control, control
        assert overlay_checked(browser, label), label
    assert not overlay_checked(browser, "Bakgrundskarta")
    assert (
        "Bakgrundskartan kunde inte laddas"
        in browser.find_element(By.CSS_SELECTOR, ".basemap-notice").text
    )
    municipality_labels = {
        e.text for e in browser.find_elements(By.CSS_SELECTOR, ".place-label.is-municipality")
    }
    assert municipality_labels == {name for name, _x in MUNICIPALITIES.values()}

    # Sites and the population grid are drawn from the tiles (their own panes' canvases):
    # care red and the grid's blues show on the screenshot; switched off, the red is gone.
    browser.execute_async_script(
        "const done = arguments[0]; setTimeout(() => requestAnimationFrame(done), 300);"
    )
    assert browser.find_elements(By.CSS_SELECTOR, ".leaflet-resilienceSiteTiles-pane canvas")
    assert browser.find_elements(By.CSS_SELECTOR, ".leaflet-resilienceBaseTop-pane canvas")
    png = browser.get_screenshot_as_png()
    (tmp_path / "map-editor-offline.png").write_bytes(png)
    red = count_colour(browser, png, CARE_RED)
    assert red > 10, red
    assert count_colour(browser, png, LAND) > 10_000
    toggle_overlay(browser, "Platser")
    browser.execute_async_script(
        "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(done));"
    )
    assert not browser.find_elements(By.CSS_SELECTOR, ".leaflet-resilienceSiteTiles-pane canvas")
    png = browser.get_screenshot_as_png()
    (tmp_path / "map-editor-no-sites.png").write_bytes(png)
    assert count_colour(browser, png, CARE_RED) == 0
