"""services/warning_banner.py: each SMHI poll recorded in feed_status and the feed's health
read back, the banner without warnings, and the short version the open pages poll, against
PostGIS. (live_changes with live runs: tests/services/test_warnings.py and
tests/web/pages/test_care_sites.py.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from resilience.models import FeedStatus, Run
from resilience.services import runs, warning_banner
from tests.factories import OUTAGE_ABACKA, saved_scenario, small_county

POLL_S = 300
T0 = datetime(2026, 1, 10, 6, 0, tzinfo=UTC)


def test_a_feed_never_polled_is_unknown(db_session: Session) -> None:
    health = warning_banner.feed_health(db_session, POLL_S, now=T0)
    assert health == warning_banner.FeedHealth(None, None, None, degraded=False, known=False)


def test_polls_recorded_and_the_health_read_back(db_session: Session) -> None:
    warning_banner.record_poll(db_session, None, now=T0)
    health = warning_banner.feed_health(db_session, POLL_S, now=T0 + timedelta(seconds=60))
    assert (health.last_success_at, health.failing_since, health.degraded, health.known) == (
        T0,
        None,
        False,
        True,
    )
    # Two failures: failing since the first, counted, the last error kept (2000 characters).
    later = T0 + timedelta(minutes=5)
    warning_banner.record_poll(db_session, "HTTP Error 502", now=later)
    warning_banner.record_poll(db_session, "x" * 5000, now=later + timedelta(minutes=5))
    row = db_session.get(FeedStatus, "smhi")
    assert row is not None and row.failures == 2 and row.last_error == "x" * 2000
    health = warning_banner.feed_health(db_session, POLL_S, now=later + timedelta(minutes=6))
    assert health.failing_since == later and health.last_success_at == T0 and health.degraded
    # A good poll clears it all.
    back = later + timedelta(minutes=10)
    warning_banner.record_poll(db_session, None, now=back)
    assert (row.failures, row.failing_since, row.last_error) == (0, None, None)
    assert not warning_banner.feed_health(db_session, POLL_S, now=back).degraded


def test_a_feed_silent_for_two_intervals_is_degraded(db_session: Session) -> None:
    warning_banner.record_poll(db_session, None, now=T0)
    at_limit = T0 + timedelta(seconds=2 * POLL_S)
    assert not warning_banner.feed_health(db_session, POLL_S, now=at_limit).degraded
    late = at_limit + timedelta(seconds=1)
    assert warning_banner.feed_health(db_session, POLL_S, now=late).degraded


def test_each_source_its_own_row(db_session: Session) -> None:
    warning_banner.record_poll(db_session, "down", now=T0, source="cap")
    assert not warning_banner.feed_health(db_session, POLL_S, now=T0).known  # smhi's
    assert warning_banner.feed_health(db_session, POLL_S, now=T0, source="cap").degraded


def test_the_banner_without_warnings(db_session: Session) -> None:
    banner = warning_banner.banner(db_session, POLL_S)
    assert banner.active == [] and banner.changes is None and not banner.feed.known
    assert warning_banner.live_changes(db_session) is None  # no live run yet


def test_the_version_the_pages_poll_follows_runs_and_the_feed(db_session: Session) -> None:
    first = warning_banner.live_version(db_session, POLL_S)
    assert first["live_run_id"] is None and len(first["version"]) == 16
    assert warning_banner.live_version(db_session, POLL_S) == first  # nothing changed

    small_county(db_session)
    run = runs.start_run(db_session, saved_scenario(db_session, OUTAGE_ABACKA))
    db_session.flush()
    queued = warning_banner.live_version(db_session, POLL_S)
    assert queued["version"] != first["version"]
    db_session.query(Run).filter_by(id=run.id).update({"progress": 40.0})
    progressed = warning_banner.live_version(db_session, POLL_S)
    assert progressed["version"] != queued["version"]
    db_session.query(Run).filter_by(id=run.id).update({"progress": 40.4})
    assert warning_banner.live_version(db_session, POLL_S) == progressed  # whole percents

    warning_banner.record_poll(db_session, "HTTP Error 503")
    failing = warning_banner.live_version(db_session, POLL_S)
    assert failing["version"] != progressed["version"]
    assert failing["live_run_id"] is None  # a planning run is no live run
