"""The run page's care table answers first (issue 20, item 9), in a real headless Chromium
on the built-in data with the Dåva and the inland snowstorm scenarios computed.

At 1440×900 the cold and power columns (cold from, without power, the generator) are in
view without scrolling sideways, and the name stays in view when the table is scrolled; the
hours read as times of day. At 390×844 the table is a list of cards, one per unit (name,
kind, municipality, status, cold from, without power, generator, why), residential care
first, sorted by the filter's "Order" and filtered as the table is, a card reachable by the
keyboard. Printed on A4 landscape, no column runs off the page.

SCREENSHOT_DIR, when set, keeps screenshots of the table and the cards."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from resilience.vocabulary import HOME_CARE_BASE, RESIDENTIAL_CARE
from tests import factories
from tests.helpers.browser import WAIT_S, WebDriverWait, log_in, needs_chromium
from tests.helpers.demo import builtin_scenario, computed_run, load_demo

# One module_browser and one data set for all of its tests, in one process.
pytestmark = [pytest.mark.browser, needs_chromium, pytest.mark.xdist_group("care_cards_browser")]
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in requirements-dev.txt")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

USER = "kort-karin"
CLOCK = re.compile(r"\d{1,2}/\d{1,2} \d\d:\d\d \(\d+(,\d)? h\)")


@pytest.fixture(scope="module")
def run_ids(app: Flask, module_committed: Session) -> dict[str, int]:
    """The built-in data with its Dåva and snowstorm scenarios computed, committed once for
    the module (its tests only read them)."""
    load_demo(app)
    ids = {
        key: computed_run(module_committed, builtin_scenario(module_committed, key))
        for key in ("Dåva", "Snöstorm")
    }
    factories.user(module_committed, USER, "viewer")
    module_committed.commit()
    return ids


def viewport(driver: WebDriver, width: int, height: int, mobile: bool) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
    )


def open_run(driver: WebDriver, base: str, run_id: int) -> None:
    driver.get(f"{base}/runs/{run_id}#care-sites")
    WebDriverWait(driver, WAIT_S).until(
        lambda d: d.execute_script("return document.body.dataset.runLayers") == "ready"
    )
    driver.execute_script("document.getElementById('care-sites').scrollIntoView()")


def shot(driver: WebDriver, name: str) -> None:
    if folder := os.environ.get("SCREENSHOT_DIR"):
        driver.save_screenshot(str(Path(folder) / f"{name}.png"))


# The right edge of each heading against the scrolling box's, and the name's left edge
# once the box is scrolled to its far right.
EDGES_JS = """
const box = document.querySelector('.care-scroll');
const right = box.getBoundingClientRect().right;
const edges = {};
for (const th of document.querySelectorAll('#care-sites-table thead th')) {
  edges[th.dataset.key] = th.getBoundingClientRect().right - right;
}
box.scrollLeft = box.scrollWidth;
const row = document.querySelector('#care-sites-table tbody tr.care-row:not([hidden]) th');
const stuck = row.getBoundingClientRect().left - box.getBoundingClientRect().left;
const scrolled = box.scrollLeft;
box.scrollLeft = 0;
return {edges, stuck, scrolled};
"""


def test_the_cold_and_power_columns_are_in_view_at_1440_px(
    module_browser: WebDriver, module_live_server: str, run_ids: dict[str, int]
) -> None:
    viewport(module_browser, 1440, 900, mobile=False)
    log_in(module_browser, module_live_server, "/runs", user=USER)
    for key, run_id in run_ids.items():
        open_run(module_browser, module_live_server, run_id)
        shot(module_browser, f"care_table_{key}_1440x900")
        found = module_browser.execute_script(EDGES_JS)
        edges = found["edges"]
        for column in ("name", "status", "first_cold_hour", "hours_unpowered", "generator"):
            assert edges[column] <= 0, (key, column, edges)
        # The name stays in view when the table is scrolled sideways to its end.
        assert found["scrolled"] > 0 and abs(found["stuck"]) <= 2, (key, found)
        # Hours read as times of day: cold from, and the power column's from–to.
        cells = module_browser.find_elements(
            By.CSS_SELECTOR, "#care-sites-table tbody td[data-metric=first_cold_hour]"
        )
        cold = [c.text for c in cells if c.get_attribute("data-value")]
        assert cold and all(CLOCK.fullmatch(t) for t in cold), cold[:3]
        if key == "Snöstorm":
            power = module_browser.find_elements(
                By.CSS_SELECTOR, "#care-sites-table tbody td[data-metric=hours_unpowered]"
            )
            spans = [p.text for p in power if float(p.get_attribute("data-value") or 0) > 0]
            assert spans and all(
                re.match(r"\d+/\d+ \d\d:\d\d–\d+/\d+ \d\d:\d\d \(", s) for s in spans
            ), spans[:3]


def test_printed_on_a4_landscape_no_column_runs_off_the_page(
    module_browser: WebDriver, module_live_server: str, run_ids: dict[str, int]
) -> None:
    """A4 landscape is 297 mm, 1123 CSS px: with print media the table fits that width (the
    why column takes what is left rather than its width on a screen)."""
    viewport(module_browser, 1123, 794, mobile=False)
    log_in(module_browser, module_live_server, "/runs", user=USER)
    open_run(module_browser, module_live_server, run_ids["Snöstorm"])
    module_browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    right = module_browser.execute_script(
        "return document.getElementById('care-sites-table').getBoundingClientRect().right"
    )
    shot(module_browser, "care_table_print_a4")
    assert right <= 1123, right


def _cards(driver: WebDriver) -> list[dict[str, str]]:
    return list(
        driver.execute_script(
            "return [...document.querySelectorAll('#care-sites-table tbody tr.care-row')]"
            ".filter((r) => !r.hidden).map((r) => ({kind: r.dataset.kind, rank: r.dataset.rank,"
            " id: r.dataset.siteId, display: getComputedStyle(r).display,"
            " right: r.getBoundingClientRect().right, text: r.innerText,"
            " cold: r.querySelector('td[data-metric=first_cold_hour]').dataset.value,"
            " lines: [...r.querySelectorAll('td')].filter((td) =>"
            "   getComputedStyle(td).display !== 'none').map((td) =>"
            "   getComputedStyle(td, '::before').content + td.innerText)}))"
        )
    )


def _group(kind: str) -> int:
    return 0 if kind in RESIDENTIAL_CARE else 2 if kind == HOME_CARE_BASE else 1


def test_on_a_phone_the_table_is_a_list_of_cards(
    module_browser: WebDriver, module_live_server: str, run_ids: dict[str, int]
) -> None:
    viewport(module_browser, 390, 844, mobile=True)
    log_in(module_browser, module_live_server, "/runs", user=USER)
    open_run(module_browser, module_live_server, run_ids["Snöstorm"])
    shot(module_browser, "care_cards_390x844")
    page = module_browser.execute_script(
        "return Math.max(document.documentElement.scrollWidth, window.innerWidth)"
    )
    assert page <= 390
    head = module_browser.find_element(By.CSS_SELECTOR, "#care-sites-table thead")
    assert not head.is_displayed(), "no headings: the cards name their lines"
    cards = _cards(module_browser)
    assert len(cards) > 3
    assert {c["display"] for c in cards} == {"block"} and max(c["right"] for c in cards) <= 390
    # Each line named by its column (CSS generated content); kind and municipality together.
    lines = cards[0]["lines"]
    named = [line[1 : line.index(': "')] for line in lines if line.startswith('"')]
    assert named == ["Status", "Kallt från", "Utan ström", "Reservkraftverk", "Varför"], lines
    assert "Timmar kall" not in cards[0]["text"]  # some columns stay in the table
    assert all(CLOCK.search(line) for line in lines if line.startswith('"Kallt från'))
    # Worst first: residential care before health centres and home-care bases.
    groups = [_group(c["kind"]) for c in cards]
    assert groups == sorted(groups) and groups[0] == 0, groups
    assert [int(c["rank"]) for c in cards] == sorted(int(c["rank"]) for c in cards)

    # "Order" sorts the cards: cold from, earliest first; then worst first again.
    order = Select(module_browser.find_element(By.ID, "care-order"))
    order.select_by_value("first_cold_hour")
    cold = [float(c["cold"]) for c in _cards(module_browser) if c["cold"]]
    assert cold == sorted(cold) and cold
    assert all(c["cold"] for c in _cards(module_browser)[: len(cold)]), "the cold ones first"
    assert not module_browser.find_element(By.ID, "care-empty").is_displayed()
    shot(module_browser, "care_cards_by_cold_390x844")
    order.select_by_value("worst")
    assert [c["rank"] for c in _cards(module_browser)] == [c["rank"] for c in cards]

    # The filter hides cards as it hides rows.
    kind = Select(module_browser.find_element(By.CSS_SELECTOR, "#care-filter select[name=kind]"))
    kind.select_by_value("elderly_home")
    filtered = _cards(module_browser)
    assert 0 < len(filtered) < len(cards) and {c["kind"] for c in filtered} == {"elderly_home"}

    # A card is reached by the keyboard: Tab from the filter's last link, Enter shows it.
    module_browser.find_element(By.ID, "care-csv").send_keys(Keys.TAB)
    focused = module_browser.switch_to.active_element
    assert focused.get_attribute("data-site-id") == filtered[0]["id"]
    focused.send_keys(Keys.ENTER)
    WebDriverWait(module_browser, WAIT_S).until(
        lambda d: d.execute_script("return document.body.dataset.siteShown") == filtered[0]["id"]
    )
