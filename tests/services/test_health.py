"""services/health.py: what /healthz says about PostGIS, Redis and the SMHI feed, against the
real servers (and a Redis that is not there)."""

from __future__ import annotations

import dataclasses
import socket
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from resilience.config import Settings
from resilience.services import health, warning_banner


def _closed_port() -> int:
    """A local port nothing listens on (bound, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_healthy_with_the_feed_never_polled(db_session: Session, settings: Settings) -> None:
    body, healthy = health.status(db_session, settings)
    assert healthy
    assert body == {"status": "ok", "smhi": "unknown", "database": "ok", "redis": "ok"}


def test_the_feed_ok_then_degraded_but_still_healthy(
    db_session: Session, settings: Settings
) -> None:
    warning_banner.record_poll(db_session, None)
    body, healthy = health.status(db_session, settings)
    assert healthy and body["status"] == "ok" and body["smhi"] == "ok"

    warning_banner.record_poll(db_session, "HTTP 503")
    body, healthy = health.status(db_session, settings)
    assert healthy  # SMHI down degrades the service, load balancers keep it
    assert body == {"status": "degraded", "smhi": "degraded", "database": "ok", "redis": "ok"}


def test_a_feed_not_polled_for_two_intervals_is_degraded(
    db_session: Session, settings: Settings
) -> None:
    late = datetime.now(UTC) - timedelta(seconds=2 * settings.smhi_poll_seconds + 60)
    warning_banner.record_poll(db_session, None, now=late)
    body, _healthy = health.status(db_session, settings)
    assert body["smhi"] == "degraded"


def test_redis_unreachable_is_unhealthy(db_session: Session, settings: Settings) -> None:
    gone = dataclasses.replace(settings, redis_url=f"redis://127.0.0.1:{_closed_port()}/0")
    body, healthy = health.status(db_session, gone)
    assert not healthy
    assert body["status"] == "unhealthy" and body["database"] == "ok"
    assert body["redis"].startswith("error: ")  # which error, not its text


def test_postgis_unreachable_is_unhealthy(settings: Settings) -> None:
    engine = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/none")
    try:
        with Session(engine) as session:
            body, healthy = health.status(session, settings)
    finally:
        engine.dispose()
    assert not healthy
    assert body["database"].startswith("error: ") and body["redis"] == "ok"
    assert body["smhi"] == "unknown"  # not asked without a database
