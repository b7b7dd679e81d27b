"""The service's health for /healthz: PostGIS, Redis and the SMHI feed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from resilience.config import Settings
from resilience.services import warning_banner
from workers.queue import fail_fast_redis


def status(session: Session, settings: Settings) -> tuple[dict[str, Any], bool]:
    """Is PostGIS reachable (with the extension) and is Redis? The body of /healthz and
    whether the service is healthy."""
    status = {"database": "ok", "redis": "ok"}
    try:
        session.execute(text("SELECT postgis_version()"))
    except Exception as exc:  # any failure means unhealthy; say which
        status["database"] = f"error: {type(exc).__name__}"
    try:
        fail_fast_redis(settings.redis_url, timeout=2).ping()
    except Exception as exc:
        status["redis"] = f"error: {type(exc).__name__}"
    healthy = all(v == "ok" for v in status.values())
    # SMHI down degrades the service but does not make it unhealthy: still 200, so that load
    # balancers keep it (the stored warnings stand, and the pages say the feed is down).
    feed = "unknown"
    if status["database"] == "ok":
        try:
            health = warning_banner.feed_health(session, settings.smhi_poll_seconds)
            feed = "degraded" if health.degraded else "ok" if health.known else "unknown"
        except Exception as exc:
            feed = f"error: {type(exc).__name__}"
    overall = "unhealthy" if not healthy else "degraded" if feed == "degraded" else "ok"
    return {"status": overall, "smhi": feed, **status}, healthy
