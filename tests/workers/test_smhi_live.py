"""A local stand-in for SMHI's warning endpoint: a warning over the county appears, is
updated, then disappears; the worker's jobs poll it, and exactly the right live runs start.
The polls are worked off in this process (tests/helpers/workers.py, work_in_process); a real
worker process polls in test_smhi_down_is_recorded_shown_and_logged_once, whose point is
what the process logs."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from redis import Redis
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select
from sqlalchemy.orm import Session

from resilience.config import Settings
from resilience.models import FeedStatus, Run, Scenario, WeatherWarning
from resilience.services import users, warning_banner
from tests import factories
from tests.conftest import login
from tests.factories import ibww, ibww_area, small_county
from tests.helpers.workers import run_worker, work_in_process
from workers.queue import enqueue_poll, queue


class FakeSmhi:
    """Serves whatever `document` holds; `status` lets a test play an outage."""

    def __init__(self) -> None:
        self.document: object = []
        self.status = 200
        self.requests = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests += 1
                body = json.dumps(owner.document).encode()
                self.send_response(owner.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body if owner.status == 200 else b"<html>502</html>")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/ibww/api/version/1/warning.json"


@pytest.fixture
def smhi() -> Iterator[FakeSmhi]:
    fake = FakeSmhi()
    # shutdown() waits for the loop's next look at its flag: 0.5 s at the default interval.
    thread = threading.Thread(target=fake.server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def _poll(settings: Settings, smhi: FakeSmhi, slot: int) -> None:
    """One poll of the scheduler (its own interval slot), processed by the worker's jobs in
    this process (SimpleWorker, burst)."""
    polling = replace(settings, smhi_warnings_url=smhi.url, smhi_poll_seconds=1)
    assert enqueue_poll(polling, float(slot)) is not None
    assert enqueue_poll(polling, float(slot) + 0.5) is None  # same interval: no duplicate
    work_in_process(polling)


def _live_runs(session: Session) -> list[Run]:
    session.expire_all()
    return list(
        session.scalars(
            select(Run)
            .join(Scenario, Scenario.id == Run.scenario_id)
            .where(Scenario.kind == "live")
            .order_by(Run.id)
        )
    )


@pytest.mark.worker
@pytest.mark.live
def test_appear_update_disappear(
    app,
    committed: Session,
    redis_conn: Redis,  # type: ignore[no-untyped-def]
    settings: Settings,
    smhi: FakeSmhi,
) -> None:
    small_county(committed)

    _poll(settings, smhi, 1)  # nothing announced: nothing to do
    assert _live_runs(committed) == [] and smhi.requests == 1

    smhi.document = ibww(ibww_area(level="ORANGE"))
    _poll(settings, smhi, 2)
    first = _live_runs(committed)
    assert [r.status for r in first] == ["finished"]
    assert first[0].scenario_snapshot["outage"]["duration_hours"] == 12
    assert [z["level"] for z in first[0].scenario_snapshot["snow_zones"]] == ["orange"]

    _poll(settings, smhi, 3)  # the same warning again: no new run
    assert len(_live_runs(committed)) == 1

    smhi.status = 502  # SMHI down: the last good state stands, nothing starts
    _poll(settings, smhi, 4)
    assert len(_live_runs(committed)) == 1
    smhi.status = 200
    # No retry of the failed poll waits: it would be a poll of its own, counting among the
    # polls below whenever a slow machine reached it; the next interval polls again.
    assert ScheduledJobRegistry(queue=queue(settings)).get_job_ids() == []

    smhi.document = ibww(ibww_area(level="RED", published="2026-11-26T12:00:00.000Z"))
    _poll(settings, smhi, 5)
    second = _live_runs(committed)
    assert [r.status for r in second] == ["finished", "finished"]
    assert second[1].scenario_snapshot["outage"]["duration_hours"] == 48
    assert [z["level"] for z in second[1].scenario_snapshot["snow_zones"]] == ["red"]

    smhi.document = []
    _poll(settings, smhi, 6)  # one empty answer ends nothing (README, "Weather warnings")
    assert len(_live_runs(committed)) == 2
    _poll(settings, smhi, 7)  # the second confirms the all-clear
    third = _live_runs(committed)
    assert len(third) == 3 and third[2].status == "finished"
    assert third[2].scenario_snapshot["outage"]["areas"] is None
    assert third[2].scenario_snapshot["snow_zones"] == []


@pytest.mark.worker
@pytest.mark.live
def test_a_red_warning_survives_one_empty_poll(
    app,
    committed: Session,
    redis_conn: Redis,  # type: ignore[no-untyped-def]
    settings: Settings,
    smhi: FakeSmhi,
) -> None:
    """The audit's reproduction: RED, then [] once, then the same document again. The
    warning stays in force, and the live scenario stays the red one."""
    small_county(committed)
    smhi.document = ibww(ibww_area(level="RED"))
    _poll(settings, smhi, 1)
    smhi.document = []
    _poll(settings, smhi, 2)
    smhi.document = ibww(ibww_area(level="RED"))
    _poll(settings, smhi, 3)
    live = _live_runs(committed)
    assert [r.status for r in live] == ["finished"]  # no all-clear run in between
    assert live[0].scenario_snapshot["outage"]["duration_hours"] == 48
    (warning,) = committed.scalars(select(WeatherWarning)).all()
    assert warning.current and not warning.cancelled and warning.missed_polls == 0
    status = app.test_client().get(
        "/api/v1/live", headers={"Authorization": f"Bearer {make_token_for(committed)}"}
    )
    assert [w["level"] for w in status.json["warnings"]] == ["red"]
    assert status.json["run"]["id"] == live[0].id

    # Ended by two empty polls, then listed again: in force again, and the live run follows.
    smhi.document = []
    _poll(settings, smhi, 4)
    _poll(settings, smhi, 5)
    assert [len(r.scenario_snapshot["snow_zones"]) for r in _live_runs(committed)] == [1, 0]
    smhi.document = ibww(ibww_area(level="RED"))
    _poll(settings, smhi, 6)
    again = _live_runs(committed)
    assert len(again) == 3 and again[2].status == "finished"
    assert [z["level"] for z in again[2].scenario_snapshot["snow_zones"]] == ["red"]


def make_token_for(session: Session) -> str:
    factories.user(session, "live-viewer", "viewer")
    token = users.create_token(session, "live-viewer")
    session.commit()
    return token


@pytest.mark.worker
@pytest.mark.live
def test_a_burst_of_updates_gives_one_run(
    app,
    committed: Session,
    redis_conn: Redis,  # type: ignore[no-untyped-def]
    settings: Settings,
    make_token,
) -> None:
    """Ten updates posted before a worker gets to them: one run, of the latest state."""
    small_county(committed)
    token = make_token("editor")
    client = app.test_client()
    for minute in range(10):
        document = ibww(
            ibww_area(
                level="RED" if minute == 9 else "ORANGE",
                published=f"2026-11-26T12:{minute:02d}:00.000Z",
            )
        )
        response = client.post(
            "/api/v1/warnings",
            data=json.dumps(document),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 202, response.text
    work_in_process(settings)
    live = _live_runs(committed)
    assert len(live) == 1 and live[0].status == "finished"
    assert live[0].scenario_snapshot["outage"]["duration_hours"] == 48  # the last, red


@pytest.mark.worker
@pytest.mark.live
def test_smhi_down_is_recorded_shown_and_logged_once(
    app,
    committed: Session,
    redis_conn: Redis,  # type: ignore[no-untyped-def]
    settings: Settings,
    smhi: FakeSmhi,
) -> None:
    """SMHI answering 502, then gone: each poll is recorded in feed_status and logged as one
    line (no traceback); /warnings and every page's banner say since when it fails, and
    /healthz says the feed is degraded while staying 200. A good poll clears it."""
    small_county(committed)
    factories.user(committed, "feed-viewer", "viewer")
    committed.commit()
    client = app.test_client()
    login(client, "feed-viewer")
    assert client.get("/healthz").json["smhi"] == "unknown"  # never polled

    smhi.document = ibww(ibww_area(level="ORANGE"))
    _poll(settings, smhi, 1)
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json["smhi"] == "ok"
    assert health.json["status"] == "ok"
    page = client.get("/warnings").text
    assert "Senaste lyckade hämtning från SMHI" in page and "misslyckas sedan" not in page
    assert "misslyckas sedan" not in client.get("/").text

    smhi.status = 502
    polling = replace(settings, smhi_warnings_url=smhi.url, smhi_poll_seconds=1)
    assert enqueue_poll(polling, 2.0) is not None
    result = run_worker(polling, RESILIENCE_SMHI_URL=smhi.url)
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stdout + result.stderr
    assert log.count("SMHI poll failed") == 1 and "HTTP Error 502" in log
    assert "Traceback" not in log
    status = committed.get(FeedStatus, "smhi", populate_existing=True)
    assert status.failures == 1 and status.failing_since is not None
    first_failure = status.failing_since
    assert status.last_success_at is not None and status.last_success_at < first_failure

    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json["smhi"] == "degraded" and health.json["status"] == "degraded"
    for path in ("/warnings", "/"):
        page = client.get(path).text
        assert "Senaste lyckade hämtning från SMHI" in page and "misslyckas sedan" in page, path
    english = client.get("/warnings?lang=en").text
    assert "Last successful fetch from SMHI" in english and "failing since" in english
    client.get("/?lang=sv")
    # The stored warning stands: the feed being down ends nothing.
    assert [w["level"] for w in client.get("/api/v1/live").json["warnings"]] == ["orange"]

    # Gone altogether: connection refused, the failure goes on from the same time.
    url = smhi.url
    smhi.server.shutdown()
    smhi.server.server_close()
    assert enqueue_poll(polling, 3.0) is not None
    result = run_worker(polling, RESILIENCE_SMHI_URL=url)
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stdout + result.stderr
    assert log.count("SMHI poll failed") == 1 and "Traceback" not in log
    status = committed.get(FeedStatus, "smhi", populate_existing=True)
    assert status.failures == 2 and status.failing_since == first_failure
    assert "Connection refused" in (status.last_error or "")
    assert client.get("/healthz").json["smhi"] == "degraded"


def test_a_late_poll_degrades_and_a_good_one_clears(app, db_session: Session) -> None:
    """No failure, but no success for more than two intervals either (the scheduler is not
    running): degraded too. A success clears the failure."""
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    warning_banner.record_poll(db_session, None, now)
    assert not warning_banner.feed_health(db_session, 300, now + timedelta(seconds=600)).degraded
    assert warning_banner.feed_health(db_session, 300, now + timedelta(seconds=601)).degraded
    warning_banner.record_poll(db_session, "HTTPError: 502", now + timedelta(seconds=300))
    failing = warning_banner.feed_health(db_session, 300, now + timedelta(seconds=301))
    assert failing.degraded and failing.failing_since == now + timedelta(seconds=300)
    assert failing.last_success_at == now and failing.last_error == "HTTPError: 502"
    warning_banner.record_poll(db_session, None, now + timedelta(seconds=600))
    cleared = warning_banner.feed_health(db_session, 300, now + timedelta(seconds=601))
    assert not cleared.degraded and cleared.failing_since is None and cleared.last_error is None
