"""Chromium through Selenium for the browser tests, and the small county they draw: Debian's
headless Chromium and chromedriver (`make test` installs them), a login through the form as a
person does it, and enough PNG decoding to count drawn pixels. The fixtures `browser` and
`map_county` are in tests/web/conftest.py."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from geodata.records import BoundaryRecord, CellRecord, SiteRecord
from resilience.models import Site
from resilience.services import imports
from tests import factories
from tests.factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# The skip of every browser test where Chromium or its driver is missing.
needs_chromium = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs Debian's chromium and chromium-driver (/usr/bin/chromium,"
    " /usr/bin/chromedriver); `make test` installs them",
)
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in requirements-dev.txt")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait as SeleniumWait  # noqa: E402

WAIT_S = 30
# How often a wait checks its condition: Selenium's own 0.5 s makes a page ready in 0.1 s
# take 0.5 s, on every wait of every browser test.
POLL_S = 0.05


class WebDriverWait(SeleniumWait[WebDriver]):
    """Selenium's WebDriverWait, checking every POLL_S instead of every 0.5 s."""

    def __init__(
        self,
        driver: WebDriver,
        timeout: float,
        poll_frequency: float = POLL_S,
        ignored_exceptions: Iterable[type[Exception]] | None = None,
    ) -> None:
        super().__init__(driver, timeout, poll_frequency, ignored_exceptions)


# Three square municipalities near Umeå (EPSG:3006), 16-17 km wide and 40 km tall.
MUNICIPALITIES = {
    "2901": ("Ängsjö", (750_000, 766_000)),
    "2902": ("Östra Åby", (766_000, 783_000)),
    "2903": ("Björkön", (783_000, 800_000)),
}
Y0, Y1 = 7_080_000, 7_120_000
# One cell per density class and then some: (x_ll, y_ll, population); 1 km cells.
CELLS = [
    (752_000 + 4_000 * i, 7_100_000, pop)
    for i, pop in enumerate([2, 3, 8, 12, 30, 60, 150, 300, 700, 1500, 2500, 4000])
]
SITES = [
    SiteRecord(
        "t-1",
        "Ängsjö sjukhus",
        "care",
        "hospital",
        758_000,
        7_090_000,
        {"critical_load_kw": 800.0, "backup_kw": 1000.0, "fuel_hours": 72.0},
    ),
    SiteRecord(
        "t-2",
        "Björkgårdens äldreboende",
        "care",
        "elderly_home",
        790_000,
        7_112_000,
        {"residents": 40, "critical_load_kw": 35.5, "thermal_time_constant_hours": 80.0},
        heating="district_heating",
        heat_plant="t-6",
    ),
    SiteRecord(
        "t-3",
        "Reservkraft Östra Åby",
        "power",
        "fixed_generator",
        775_000,
        7_085_000,
        {"capacity_kw": 500.0, "mobilization_hours": 2.0},
        source="synthetic-test",
    ),
    SiteRecord("t-4", "Livs Björkön", "food", "supermarket", 792_000, 7_088_000),
    SiteRecord(
        "t-5",
        "Ängsjö skola",
        "energy",
        "school",
        760_000,
        7_112_000,
        {"heated_area_m2": 4200.0, "energy_kwh_year": 350_000.0, "shelter_capacity": 120},
        owner="municipality",
        heating="heat_pump",
    ),
    SiteRecord(
        "t-6",
        "Björköns värmeverk",
        "utility",
        "district_heating_plant",
        795_000,
        7_110_000,
        {"critical_load_kw": 600.0, "backup_kw": 800.0, "fuel_hours": 24.0},
    ),
]
USER = "karta-kim"
# The window's size unless a test asks for another (chromium's `viewport`).
WINDOW = (1400, 1000)


def map_county(committed: Session) -> dict[str, int]:
    """The small data set, committed so the live server's requests can read it."""
    boundaries = [
        BoundaryRecord(code, name, shapely.MultiPolygon([shapely.box(x0, Y0, x1, Y1)]))
        for code, (name, (x0, x1)) in MUNICIPALITIES.items()
    ]
    imports.import_boundaries(committed, boundaries, "test-boundaries")
    imports.import_population(
        committed, [CellRecord(x, y, pop) for x, y, pop in CELLS], "test-grid"
    )
    imports.import_sites(committed, SITES, "test-register")
    factories.user(committed, USER, "viewer")
    committed.commit()
    return {s.source_id: s.id for s in committed.scalars(select(Site))}


@contextmanager
def chromium(tmp_path: Path, viewport: tuple[int, int] | None = None) -> Iterator[WebDriver]:
    """Debian's headless Chromium, no network of its own; `viewport` (width, height) sets the
    page's own size exactly, whatever the window decorations."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    width, height = viewport or WINDOW
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--window-size={width},{height}",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(arg)
    # The driver path is explicit, so Selenium Manager never tries to download one.
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    if viewport:
        use_viewport(driver, viewport)
    driver.set_page_load_timeout(WAIT_S)
    try:
        yield driver
    finally:
        driver.quit()


def use_viewport(driver: WebDriver, viewport: tuple[int, int], mobile: bool = False) -> None:
    """The page's own size exactly `viewport` (width, height), whatever the window's."""
    width, height = viewport
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
    )


def as_new(driver: WebDriver, base: str) -> None:
    """A Chromium used by an earlier test as a new one (a module's shared Chromium, given to
    each of its tests): a blank page; no cookies, nothing stored by `base`'s pages, no
    cache; no emulated size or media, and the window at chromium()'s default size."""
    driver.get("about:blank")
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    driver.execute_cdp_cmd("Network.clearBrowserCache", {})
    driver.execute_cdp_cmd("Storage.clearDataForOrigin", {"origin": base, "storageTypes": "all"})
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    driver.set_window_size(*WINDOW)


def log_in(driver: WebDriver, base: str, path: str = "/", user: str = USER) -> None:
    """As a person would: open the page, get sent to the form, type, press the button, and
    land on the page asked for."""
    driver.get(base + path)
    assert urlsplit(driver.current_url).path == "/login"
    driver.find_element(By.NAME, "name").send_keys(user)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(driver, WAIT_S).until(lambda d: urlsplit(d.current_url).path == path)


def wait_until_ready(driver: WebDriver) -> dict[str, str]:
    WebDriverWait(driver, WAIT_S).until(
        lambda d: d.execute_script(
            "return document.body.dataset.mapReady === '1' || !!document.body.dataset.mapError"
        )
    )
    dataset = driver.execute_script("return Object.assign({}, document.body.dataset)")
    assert "mapError" not in dataset, dataset["mapError"]
    return dataset


def decode_png(data: bytes) -> tuple[int, int, int, list[bytearray]]:
    """(width, height, channels, rows) of an 8-bit RGB/RGBA non-interlaced PNG, which is what
    Chromium's screenshots are: enough PNG to count pixels without adding Pillow."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, []
    width = height = depth = color = interlace = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _comp, _filter, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    assert depth == 8 and color in (2, 6) and interlace == 0, (depth, color, interlace)
    channels = 3 if color == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    prev = bytearray(stride)
    rows = []
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):  # undo the per-row filter (PNG spec, section 9)
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 255
            elif kind == 4:
                c = prev[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return width, height, channels, rows
