"""What every page says about the warnings: the SMHI feed's health (each poll recorded),
the warnings in force over the county and what the newest live run changed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from resilience.models import FeedStatus, Run, Scenario, WeatherWarning
from resilience.services.home_care import shown_timeline
from resilience.services.run_clock import now_and_peak, run_hour_zero
from resilience.services.run_results import timeline_document
from resilience.services.warnings import SMHI_FEED, active_in_county
from resilience.vocabulary import ELDERLY_HOME


@dataclass(frozen=True)
class FeedHealth:
    """What the pages, the banner and /healthz say about a polled feed."""

    last_success_at: datetime | None
    failing_since: datetime | None  # the first failed poll since the last success
    last_error: str | None
    degraded: bool  # the last poll failed, or the last success is older than two intervals
    known: bool  # polled at least once


def record_poll(
    session: Session, error: str | None, now: datetime | None = None, source: str = SMHI_FEED
) -> None:
    """Record one poll's outcome (None: it succeeded), in the caller's transaction."""
    now = now or datetime.now(UTC)
    row = session.get(FeedStatus, source, with_for_update=True)
    if row is None:
        row = FeedStatus(source=source, failures=0)
        session.add(row)
    row.last_attempt_at = now
    if error is None:
        row.last_success_at, row.failing_since, row.last_error, row.failures = now, None, None, 0
    else:
        row.failing_since = row.failing_since or now
        row.last_error = error[:2000]
        row.failures = (row.failures or 0) + 1
    session.flush()


def feed_health(
    session: Session, poll_seconds: int, now: datetime | None = None, source: str = SMHI_FEED
) -> FeedHealth:
    now = now or datetime.now(UTC)
    row = session.get(FeedStatus, source, populate_existing=True)
    if row is None:
        return FeedHealth(None, None, None, degraded=False, known=False)
    late = row.last_success_at is None or now - row.last_success_at > timedelta(
        seconds=2 * poll_seconds
    )
    return FeedHealth(
        row.last_success_at,
        row.failing_since,
        row.last_error,
        degraded=row.failing_since is not None or late,
        known=True,
    )


@dataclass(frozen=True)
class Banner:
    """What the banner on every page says: the feed's health, the warnings in force over
    the county and (only when there are any) what changed since the previous live run."""

    feed: FeedHealth
    active: list[WeatherWarning]
    changes: dict[str, Any] | None


def banner(session: Session, poll_seconds: int) -> Banner:
    feed = feed_health(session, poll_seconds)
    active = active_in_county(session)
    return Banner(feed, active, live_changes(session) if active else None)


def live_changes(session: Session) -> dict[str, Any] | None:
    """The newest finished live run against normal conditions (its baseline: no outage, no
    snow), and against the live run before it. `now`: elderly homes and care sites without
    power after the generators, elderly homes without power or cold (`elderly_homes_new`,
    those the run page lists as new with ?care=new&kind=elderly_home), residents without
    power and home-care clients whose base lacks power (apart, README "Scenarios and
    runs"), people without food, care and a warm
    shelter; `normal`: the same in the baseline (no care site lacks power there);
    `vs_normal`: now − normal; `delta`: now − the previous live run's now; `started_by`:
    who the run names as its starter (the poster of the warning, or smhi)."""
    finished = session.scalars(
        select(Run)
        .join(Scenario, Scenario.id == Run.scenario_id)
        .where(Scenario.kind == "live", Run.status == "finished")
        .order_by(Run.id.desc())
        .limit(2)
        # A run may have finished since this session loaded it: read it afresh.
        .execution_options(populate_existing=True)
    ).all()
    if not finished:
        return None
    latest = finished[0]
    previous = finished[1] if len(finished) > 1 else None
    zero = {
        "elderly_homes": 0,
        "elderly_homes_new": 0,
        "care_sites": 0,
        "residents": 0,
        "residents_cold": 0,
        "home_care_clients": 0,
        "food": 0,
        "care": 0,
        "shelter": 0,
    }

    def figures(run: Run | None) -> tuple[dict[str, int], dict[str, Any] | None]:
        """A live run's figures at this moment (its timeline at the current instant, hour 0
        the earliest start of its warnings), and its peak."""
        if run is None:
            return zero, None
        assert run.summary is not None  # a finished run has one
        timeline = shown_timeline(timeline_document(session, run.id))
        duration = float((run.parameters or {}).get("duration_hours", 0.0))
        start = run_hour_zero(session, run)
        current, peak = now_and_peak(timeline, duration, start)
        homes, affected = session.execute(
            text(
                "SELECT count(*) FILTER (WHERE r.hours_unpowered > 0),"
                " count(*) FILTER (WHERE r.hours_unpowered > 0 OR r.hours_cold > 0)"
                " FROM run_sites r JOIN sites s ON s.id = r.site_id"
                " WHERE r.run_id = :run AND s.kind = :kind"
            ),
            {"run": run.id, "kind": ELDERLY_HOME},
        ).one()

        def shown(values: dict[str, int] | None) -> dict[str, int]:
            values = values or {}
            return {
                "care_sites": values.get("care_sites_unpowered", 0),
                "residents": values.get("residents_unpowered", 0),
                "residents_cold": values.get("residents_cold", 0),
                "home_care_clients": values.get("home_care_clients_unpowered", 0),
                **{s: values.get(s, 0) for s in ("food", "care", "shelter")},
            }

        now = {
            "elderly_homes": int(homes or 0),
            # Without power after the generators or cold: the run page's "new" care sites.
            "elderly_homes_new": int(affected or 0),
            **shown(current.values),
        }
        if current.values is None:  # not begun, or the grid is back: as normally
            now.update(
                {
                    s: run.summary["county"]["baseline_uncovered"][s]
                    for s in ("food", "care", "shelter")
                }
            )
        at = {
            "now_at": current.at,
            "now_hour": current.hour,
            "peak": (
                None if peak is None else {"at": peak.at, "hour": peak.hour, **shown(peak.values)}
            ),
        }
        return now, at

    (now, clock), (before, _previous_clock) = figures(latest), figures(previous)
    assert latest.summary is not None
    normal = zero | latest.summary["county"]["baseline_uncovered"]
    return {
        "run_id": latest.id,
        "previous_run_id": previous.id if previous else None,
        "started_by": latest.created_by,
        "now": now,
        **(clock or {}),
        "normal": normal,
        "vs_normal": {k: now[k] - normal[k] for k in now},
        "delta": {k: now[k] - before[k] for k in now},
    }


def live_version(session: Session, poll_seconds: int) -> dict[str, Any]:
    """What the open pages poll (static/js/live_refresh.js): a short `version` that changes
    whenever the banner, the runs list or the newest live run would show something else
    (the warnings in force, the feed's health, the latest runs' states and progress), and
    the newest finished live run's id (`live_run_id`, None before the first)."""
    active = sorted((w.id, w.cancelled) for w in active_in_county(session))
    degraded = feed_health(session, poll_seconds).degraded
    latest = session.execute(
        text("SELECT id, status, floor(coalesce(progress, 0)) FROM runs ORDER BY id DESC LIMIT 50")
    ).all()
    live = session.scalar(
        select(Run.id)
        .join(Scenario, Scenario.id == Run.scenario_id)
        .where(Scenario.kind == "live", Run.status == "finished")
        .order_by(Run.id.desc())
        .limit(1)
    )
    seen = repr((active, degraded, [tuple(r) for r in latest], live))
    return {"version": hashlib.sha256(seen.encode()).hexdigest()[:16], "live_run_id": live}
