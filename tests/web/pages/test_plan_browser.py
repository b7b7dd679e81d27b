"""The backup-power plan's page in a real headless Chromium (issue 20, item 11) on the
built-in data, a plan over the snowstorm and Dåva scenarios: the map numbers the ranked
sites with rank 1 on top of every other marker (a higher rank below a lower one), its
legend names the rank bands and what a number means, and the page logs no console error,
nor does a plan's page before the plan is computed (it has no map: Leaflet's "Map
container not found" was its error).

SCREENSHOT_DIR, when set, keeps screenshots of the page at 1440×900 and 390×844."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from resilience.models import Scenario
from resilience.services import plans
from tests import factories
from tests.helpers.browser import WAIT_S, WebDriverWait, log_in, needs_chromium
from tests.helpers.demo import load_demo

pytestmark = [pytest.mark.browser, needs_chromium]
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in requirements-dev.txt")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402

USER = "plan-pelle"
SITES = 12  # three bands: 1–3, 4–10, 11 and later


@pytest.fixture
def plan_id(app: Flask, committed: Session) -> int:
    """The built-in data and a finished plan of SITES sites over two built-in scenarios."""
    load_demo(app)
    builtin = committed.scalars(select(Scenario).where(Scenario.kind == "builtin")).all()
    chosen = [s.id for s in builtin if s.name.startswith(("Dåva", "Snöstorm"))]
    assert len(chosen) == 2
    factories.user(committed, USER, "viewer")
    committed.commit()
    request = plans.parse_request(committed, {"scenarios": chosen, "sites": SITES})
    row = plans.start_plan(committed, request, user=USER)
    plans.compute_plan(committed, row.id)
    committed.commit()
    return row.id


# Each marker's rank, its stacking order and whether it is the topmost element at its centre.
MARKERS_JS = """
return [...document.querySelectorAll('.plan-rank-icon')].map((icon) => {
  const r = icon.getBoundingClientRect();
  const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return {rank: Number(icon.textContent), z: Number(getComputedStyle(icon).zIndex),
          onTop: !!top && icon.contains(top),
          color: getComputedStyle(icon.firstChild).backgroundColor};
});
"""


def _errors(driver: WebDriver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def test_the_plan_map_draws_rank_one_on_top_with_a_legend_and_no_console_error(
    browser: WebDriver, live_server: str, plan_id: int, committed: Session
) -> None:
    # A second plan, started and not computed (no worker runs in this test).
    row = plans.get_plan(committed, plan_id)
    request = plans.parse_request(committed, {"scenarios": row.scenario_ids, "sites": 3})
    queued = plans.start_plan(committed, request, user=USER).id
    committed.commit()
    log_in(browser, live_server, f"/plans/{plan_id}", user=USER)
    for size in ((1440, 900), (390, 844)):
        browser.set_window_size(*size)
        browser.get(f"{live_server}/plans/{plan_id}")
        WebDriverWait(browser, WAIT_S).until(
            lambda d: d.execute_script("return document.body.dataset.planMarkers")
        )
        markers = browser.execute_script(MARKERS_JS)
        ranks = sorted(m["rank"] for m in markers)
        assert ranks == list(range(1, len(ranks) + 1)) and len(ranks) >= 4, ranks
        by_rank = sorted(markers, key=lambda m: m["rank"])
        # A lower rank stacks above every higher one, whatever their latitudes.
        assert all(a["z"] > b["z"] for a, b in itertools.pairwise(by_rank)), by_rank
        assert by_rank[0]["onTop"], "rank 1 is the topmost element at its own centre"
        # Marker colours follow the bands: 1–3, 4–10, and after.
        colors = [m["color"] for m in by_rank]
        assert len(set(colors[:3])) == 1 and colors[0] != colors[3]
        legend = browser.find_element(By.CSS_SELECTOR, "details.plan-legend")
        if size[0] < 600:
            assert legend.get_attribute("open") is None, "folded on a phone"
            legend.find_element(By.TAG_NAME, "summary").click()
        bands = [e.text for e in legend.find_elements(By.CSS_SELECTOR, ".plan-band")]
        assert bands[:2] == ["Rang 1–3", "Rang 4–10"], bands
        assert "Rang 11 och senare" in bands
        assert "först" in legend.text and "överst" in legend.text
        if folder := os.environ.get("SCREENSHOT_DIR"):
            browser.execute_script("document.getElementById('map-wrap').scrollIntoView()")
            browser.save_screenshot(str(Path(folder) / f"plan_map_{size[0]}x{size[1]}.png"))
        assert _errors(browser) == []
    # A plan not yet computed has no map, and its page (reloading itself) no error either.
    browser.get(f"{live_server}/plans/{queued}")
    assert browser.find_element(By.ID, "plan-page").get_attribute("data-status") != "finished"
    assert not browser.find_elements(By.CSS_SELECTOR, "#map-wrap")
    assert _errors(browser) == []
    # In English too, and still without a console error.
    browser.get(f"{live_server}/plans/{plan_id}?lang=en")
    WebDriverWait(browser, WAIT_S).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "details.plan-legend .plan-band")
    )
    legend = browser.find_element(By.CSS_SELECTOR, "details.plan-legend")
    assert "Rank 1–3" in legend.get_attribute("textContent")
    assert _errors(browser) == []
