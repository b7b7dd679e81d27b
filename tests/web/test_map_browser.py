"""The map page in a real headless Chromium against the live app and PostGIS: logging in
through the form, the layers loaded from the API (counts in data-layer-*), Swedish and
English labels, pixels actually drawn on the canvases, and a site popup whose "Detaljer"
link leads to the site page. `make test` installs chromium and chromium-driver."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.helpers.browser import (
    CELLS,
    MUNICIPALITIES,
    SITES,
    WAIT_S,
    By,
    WebDriver,
    WebDriverWait,
    decode_png,
    log_in,
    needs_chromium,
    wait_until_ready,
)

pytestmark = [pytest.mark.browser, needs_chromium]
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402

SWEDISH_LAYERS = [
    "Kommuner",
    "Befolkning (1 km-rutor)",
    "Vård och omsorg",
    "Reservkraft",
    "Livsmedel",
    "Energikrävande byggnader",
    "Fjärrvärmeverk",
]
ENGLISH_LAYERS = [
    "Municipalities",
    "Population grid",
    "Care",
    "Backup power",
    "Food",
    "Energy buildings",
    "District heating plants",
]


def legend_title(driver: WebDriver) -> str:
    # textContent: CSS shows the heading in capitals, which WebElement.text would report.
    return driver.find_element(By.CSS_SELECTOR, ".legend h4").get_attribute("textContent")


def count_pixels(
    png: bytes, rect: dict[str, float], exclude: list[dict[str, float]]
) -> dict[str, int]:
    """Pixels inside `rect` and outside every `exclude` rect (CSS px; the headless window has
    a device scale of 1) that are strongly coloured, care-marker red or population-grid blue."""
    width, height, channels, rows = decode_png(png)
    counts = {"coloured": 0, "red": 0, "blue": 0}
    x0, x1 = max(0, int(rect["x"])), min(width, int(rect["x"] + rect["width"]))
    y0, y1 = max(0, int(rect["y"])), min(height, int(rect["y"] + rect["height"]))
    for y in range(y0, y1):
        row, skip = rows[y], bytearray(width)
        for e in exclude:
            if e["y"] <= y < e["y"] + e["height"]:
                a, b = max(0, int(e["x"])), min(width, int(e["x"] + e["width"]) + 1)
                skip[a:b] = b"\x01" * (b - a)
        for x in range(x0, x1):
            if skip[x]:
                continue
            r, g, b = row[x * channels : x * channels + 3]
            counts["coloured"] += max(r, g, b) - min(r, g, b) > 80
            counts["red"] += r > 180 and g < 90 and b < 90  # #d62828
            counts["blue"] += b > r + 60 and b > g + 20  # the grid's blues
    return counts


def open_popup_by_click(driver: WebDriver, category: str, source_id: str, name: str) -> str:
    """Click the marker's pixel: the canvas, not a DOM element, must hit-test it. Returns
    the popup's text."""
    # An open popup may have auto-panned the map: close it and click only once all is still.
    driver.execute_script("ResilienceMap.state.map.closePopup()")
    WebDriverWait(driver, WAIT_S).until(
        lambda d: (
            not d.find_elements(By.CSS_SELECTOR, ".leaflet-popup")
            and d.execute_script("return !ResilienceMap.state.moving")
        )
    )
    x, y, w, h = driver.execute_script(
        """const [category, sourceId] = arguments;
        const st = ResilienceMap.state;
        let point = null;
        st.layers[category].group.eachLayer((m) => {
          if (m.feature.properties.source_id === sourceId) {
            point = st.map.latLngToContainerPoint(m.getLatLng());
          }
        });
        const box = st.map.getContainer().getBoundingClientRect();
        return [point.x, point.y, box.width, box.height];""",
        category,
        source_id,
    )
    map_element = driver.find_element(By.CSS_SELECTOR, ".folium-map")
    # Selenium 4 offsets are from the element's centre.
    ActionChains(driver).move_to_element_with_offset(
        map_element, round(x - w / 2), round(y - h / 2)
    ).click().perform()

    def popup_text(d: WebDriver) -> str | bool:
        texts = [e.text for e in d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content")]
        return next((t for t in texts if t.startswith(name)), False)

    return WebDriverWait(driver, WAIT_S).until(popup_text)


def test_map_shows_the_layers_in_swedish_and_links_to_the_site_page(
    browser: WebDriver, live_server: str, map_county: dict[str, int], tmp_path: Path
) -> None:
    log_in(browser, live_server)
    dataset = wait_until_ready(browser)

    assert dataset["layerMunicipalities"] == str(len(MUNICIPALITIES))
    assert dataset["layerPopulation"] == str(len(CELLS))
    for category in ("care", "power", "food", "energy", "utility"):
        expected = sum(s.category == category for s in SITES)
        assert dataset["layer" + category.capitalize()] == str(expected), category

    control = browser.find_element(By.CSS_SELECTOR, ".leaflet-control-layers").text
    legend = browser.find_element(By.CSS_SELECTOR, ".legend").text
    for label in SWEDISH_LAYERS:
        assert label in control
    assert "Bakgrundskarta" not in control  # no tile URL in tests, so no base map
    for label in [*SWEDISH_LAYERS[2:], "invånare per km²", "≥ 2 000"]:
        assert label in legend
    assert legend_title(browser) == "Teckenförklaring"
    labels = {e.text for e in browser.find_elements(By.CSS_SELECTOR, ".municipality-label")}
    assert labels == {name for name, _x in MUNICIPALITIES.values()}
    assert not browser.find_element(By.CSS_SELECTOR, ".status-line").is_displayed()

    # The grid and the other sites are on canvas: check the pixels, not the DOM. Care sites
    # alone are DOM markers (above the canvas, reachable by keyboard), one per site here.
    assert browser.find_elements(By.CSS_SELECTOR, ".folium-map canvas")
    care = browser.find_elements(By.CSS_SELECTOR, ".leaflet-marker-icon.care-marker")
    assert len(care) == 2
    assert not browser.find_elements(
        By.CSS_SELECTOR, ".leaflet-marker-icon:not(.care-marker):not(.place-label)"
    )
    png = browser.get_screenshot_as_png()
    (tmp_path / "map.png").write_bytes(png)
    pixels = count_pixels(
        png,
        browser.find_element(By.CSS_SELECTOR, ".folium-map").rect,
        # Leave out the legend and layer control: their swatches are DOM, not canvas.
        [e.rect for e in browser.find_elements(By.CSS_SELECTOR, ".leaflet-control")],
    )
    assert pixels["coloured"] > 1_500, pixels
    assert pixels["red"] > 50, pixels  # the two care markers
    assert pixels["blue"] > 1_000, pixels  # the grid cells

    popup = open_popup_by_click(browser, "care", "t-1", "Ängsjö sjukhus")
    for text in ("sjukhus", "Ängsjö", "reservkraft (kW)", "1 000", "Detaljer"):
        assert text in popup
    (tmp_path / "popup.png").write_bytes(browser.get_screenshot_as_png())

    # A synthetic site says so in its popup (built here without opening, so nothing pans).
    synthetic = browser.execute_script(
        """let html = '';
        ResilienceMap.state.layers.power.group.eachLayer((m) => {
          html = m.getPopup().getContent()(m);
        });
        return html;"""
    )
    assert "Reservkraft Östra Åby" in synthetic and "syntetisk" in synthetic

    # The heat plant has its own layer and marker; a heated site's popup names its plant.
    plant = browser.execute_script(
        """const found = [];
        ResilienceMap.state.layers.utility.group.eachLayer((m) => {
          found.push([m.options.color, m.options.weight, m.getPopup().getContent()(m)]);
        });
        return found;"""
    )
    [(ring, weight, html)] = plant
    assert ring == "#3d2b1f" and weight > 2
    assert "Björköns värmeverk" in html and "fjärrvärmeverk" in html and "800" in html
    heated = browser.execute_script(
        """let html = '';
        ResilienceMap.state.layers.care.group.eachLayer((m) => {
          if (m.feature.properties.source_id === 't-2') html = m.getPopup().getContent()(m);
        });
        return html;"""
    )
    for text in ("uppvärmning", "fjärrvärme", "värmeverk", "t-6", "avsvalningens tidskonstant"):
        assert text in heated, text
    assert browser.find_elements(By.CSS_SELECTOR, ".legend i.dot.plant")

    open_popup_by_click(browser, "care", "t-1", "Ängsjö sjukhus")
    link = browser.find_element(By.LINK_TEXT, "Detaljer →")
    assert urlsplit(link.get_attribute("href")).path == f"/sites/{map_county['t-1']}"
    status = browser.execute_async_script(
        "const done = arguments[1]; fetch(arguments[0]).then((r) => done(r.status));",
        link.get_attribute("href"),
    )
    assert status == 200
    link.click()
    WebDriverWait(browser, WAIT_S).until(lambda d: urlsplit(d.current_url).path.startswith("/s"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Ängsjö sjukhus"


def test_map_needs_a_login_and_sends_an_expired_session_back_to_it(
    browser: WebDriver, live_server: str, map_county: dict[str, int]
) -> None:
    browser.get(live_server + "/")
    assert urlsplit(browser.current_url).path == "/login"
    assert browser.find_elements(By.CSS_SELECTOR, "input[type=password]")

    log_in(browser, live_server)
    wait_until_ready(browser)
    browser.delete_all_cookies()  # the session is gone: the next API call gets 401
    browser.execute_script("ResilienceMap.state.map.panBy([1000, 0], {animate: false})")
    WebDriverWait(browser, WAIT_S).until(lambda d: urlsplit(d.current_url).path == "/login")


def test_map_in_english(browser: WebDriver, live_server: str, map_county: dict[str, int]) -> None:
    log_in(browser, live_server)
    browser.get(live_server + "/?lang=en")
    dataset = wait_until_ready(browser)
    assert dataset["layerCare"] == "2"

    control = browser.find_element(By.CSS_SELECTOR, ".leaflet-control-layers").text
    legend = browser.find_element(By.CSS_SELECTOR, ".legend").text
    for label in ENGLISH_LAYERS:
        assert label in control
    assert "Vård och omsorg" not in control
    assert "inhabitants per km²" in legend and "≥ 2,000" in legend
    assert legend_title(browser) == "Legend"

    popup = open_popup_by_click(browser, "care", "t-1", "Ängsjö sjukhus")
    assert "hospital" in popup and "Details" in popup and "backup power (kW)" in popup
