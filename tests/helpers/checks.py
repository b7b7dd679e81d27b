"""Checks that a refused request changed nothing and said why: shared by the hardening tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from resilience.models import Base
from tests.conftest import login
from tests.factories import small_county


def counts(session: Session) -> dict[str, int]:
    """The rows of every table of the models, by table name."""
    session.expire_all()
    return {
        table.name: int(session.scalar(text(f'SELECT count(*) FROM "{table.name}"')) or 0)
        for table in Base.metadata.sorted_tables
    }


def refused(response: Any, status: int | tuple[int, ...], *words: str) -> None:
    """The response has one of the statuses and a JSON message with every word."""
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, response.text
    message = response.json["message"]
    for word in words:
        assert word in message, message


@pytest.fixture
def editor(app: Flask, make_user: Any, db_session: Session) -> FlaskClient:
    small_county(db_session)
    make_user("eva", "editor")
    client = app.test_client()
    login(client, "eva")
    return client


@pytest.fixture
def unchanged(db_session: Session) -> Callable[..., None]:
    """Call at the end: no table has a row more or less than at the start, but those named."""
    before = counts(db_session)

    def check(*but: str) -> None:
        after = {k: v for k, v in counts(db_session).items() if k not in but}
        assert after == {k: v for k, v in before.items() if k not in but}

    return check
