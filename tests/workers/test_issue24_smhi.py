"""Issue 24, item 3: every failure of the SMHI poll shows as a failing feed. A local stand-in
on 127.0.0.1 answers what no HTTP server should (a non-HTTP reply, a bad status line) or a
JSON number past any float; a real worker polls it, and each poll is recorded in
feed_status, /healthz says the feed is degraded and the pages' banner says since when."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest
from redis import Redis
from sqlalchemy.orm import Session

from resilience.config import Settings
from resilience.models import FeedStatus
from tests import factories
from tests.conftest import login
from tests.factories import small_county
from tests.helpers.workers import run_worker as _worker
from workers.queue import enqueue_poll


class RawServer:
    """Answers every connection with `reply` (raw bytes) and closes it; bounded: it stops
    with the test."""

    def __init__(self) -> None:
        self.reply = b""
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.stopped = threading.Event()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/warning.json"

    def serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    conn.recv(65536)
                    conn.sendall(self.reply)
                except OSError:
                    pass


@pytest.fixture
def raw() -> Iterator[RawServer]:
    server = RawServer()
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    yield server
    server.stopped.set()
    thread.join(5)
    server.sock.close()


HUGE = ("[" + "9" * 5_000 + "]").encode()
REPLIES = [
    pytest.param(b"SSH-2.0-OpenSSH_9.2\r\n", "BadStatusLine", id="non-http"),
    pytest.param(b"HTTP/1.1 abc OK\r\n\r\n", "BadStatusLine", id="bad-status-line"),
    pytest.param(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(HUGE)).encode()
        + b"\r\n\r\n"
        + HUGE,
        "digits",
        id="huge-json-number",
    ),
]


@pytest.mark.worker
@pytest.mark.parametrize(("reply", "words"), REPLIES)
def test_every_poll_failure_is_a_failing_feed(
    app,  # type: ignore[no-untyped-def]
    committed: Session,
    redis_conn: Redis,
    settings: Settings,
    raw: RawServer,
    reply: bytes,
    words: str,
) -> None:
    small_county(committed)
    factories.user(committed, "feed-viewer", "viewer")
    committed.commit()
    client = app.test_client()
    login(client, "feed-viewer")
    raw.reply = reply
    polling = replace(settings, smhi_warnings_url=raw.url, smhi_poll_seconds=1)
    assert enqueue_poll(polling, 1.0) is not None
    result = _worker(polling, RESILIENCE_SMHI_URL=raw.url)
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stdout + result.stderr
    assert log.count("SMHI poll failed") == 1, log[-3000:]
    status = committed.get(FeedStatus, "smhi", populate_existing=True)
    assert status is not None and status.failures == 1, log[-3000:]
    assert words in (status.last_error or ""), status.last_error
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json["smhi"] == "degraded"
    assert "misslyckas sedan" in client.get("/").text
    assert json.loads(json.dumps(health.json))["status"] == "degraded"
