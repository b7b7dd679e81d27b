"""The suite in several processes (pytest-xdist, `make test`): each worker's own database and
Redis db, derived from TEST_DATABASE_URL and TEST_REDIS_URL (tests/conftest.py)."""

from __future__ import annotations

import pytest
from redis import Redis
from sqlalchemy import text
from sqlalchemy.orm import Session

from resilience.config import Settings
from tests.conftest import (
    BASE_DATABASE_URL,
    BASE_REDIS_URL,
    WORKER,
    worker_database_url,
    worker_redis_url,
)

DATABASE = "postgresql+psycopg://postgres:secret@db.example:5432/resilience_test"


def test_each_worker_its_own_database() -> None:
    assert worker_database_url(DATABASE, "") == DATABASE
    assert worker_database_url(DATABASE, "gw0") == (
        "postgresql+psycopg://postgres:secret@db.example:5432/resilience_test_gw0"
    )
    assert worker_database_url(DATABASE, "gw11").endswith("/resilience_test_gw11")


def test_each_worker_its_own_redis_db_counting_down() -> None:
    assert worker_redis_url("redis://127.0.0.1:6379/15", "") == "redis://127.0.0.1:6379/15"
    assert worker_redis_url("redis://127.0.0.1:6379/15", "gw0") == "redis://127.0.0.1:6379/15"
    assert worker_redis_url("redis://127.0.0.1:6379/15", "gw1") == "redis://127.0.0.1:6379/14"
    assert worker_redis_url("redis://:pw@host:6380/10", "gw3") == "redis://:pw@host:6380/7"
    assert worker_redis_url("redis://host:6379", "gw0") == "redis://host:6379/0"
    with pytest.raises(pytest.UsageError, match="no Redis db for xdist worker gw2"):
        worker_redis_url("redis://127.0.0.1:6379/1", "gw2")


def test_this_process_uses_its_own(
    db_session: Session, redis_conn: Redis, settings: Settings
) -> None:
    """The session's settings, the database it is connected to and its Redis db are this
    worker's (the run's own outside xdist)."""
    assert settings.database_url == worker_database_url(BASE_DATABASE_URL, WORKER)
    assert settings.redis_url == worker_redis_url(BASE_REDIS_URL, WORKER)
    database = db_session.scalar(text("SELECT current_database()"))
    assert database == settings.database_url.rsplit("/", 1)[1]
    expected_db = int(settings.redis_url.rsplit("/", 1)[1])
    assert redis_conn.connection_pool.connection_kwargs["db"] == expected_db
    if WORKER:
        assert database.endswith(f"_{WORKER}")
