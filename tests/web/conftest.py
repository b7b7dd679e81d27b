"""Fixtures of the browser tests (tests/helpers/browser.py), imported lazily: without
Selenium, only the tests that ask for them are skipped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session


@pytest.fixture
def browser(live_server: str, tmp_path: Path) -> Iterator[Any]:
    """A headless Chromium (a selenium WebDriver), quit afterwards; the app at live_server."""
    from tests.helpers.browser import chromium

    with chromium(tmp_path) as driver:
        yield driver


@pytest.fixture(scope="module")
def module_chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One headless Chromium for a whole module (module_browser gives it to each test)."""
    from tests.helpers.browser import chromium

    with chromium(tmp_path_factory.mktemp("chromium")) as driver:
        yield driver


@pytest.fixture
def module_browser(module_chromium: Any, module_live_server: str) -> Any:
    """The module's Chromium, as a new one for each test (helpers.browser.as_new): a blank
    page, no cookies, no stored data or cache, the default size and media; the app at
    module_live_server, with the module's committed data (module_committed)."""
    from tests.helpers.browser import as_new

    as_new(module_chromium, module_live_server)
    return module_chromium


@pytest.fixture
def map_county(committed: Session) -> dict[str, int]:
    """The browser tests' county, committed so the live server's requests can read it, and
    its user (helpers.browser.USER): the sites' ids by source id."""
    from tests.helpers.browser import map_county

    return map_county(committed)
