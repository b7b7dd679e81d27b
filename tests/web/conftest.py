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


@pytest.fixture
def map_county(committed: Session) -> dict[str, int]:
    """The browser tests' county, committed so the live server's requests can read it, and
    its user (helpers.browser.USER): the sites' ids by source id."""
    from tests.helpers.browser import map_county

    return map_county(committed)
