"""Periodic jobs: `python -m workers.scheduler`. Enqueues the SMHI poll once per interval
(RESILIENCE_SMHI_POLL_SECONDS, default 300) with an id naming the interval, so restarts and
several schedulers never duplicate it; once a minute, checks whether a warning has expired
and marks runs whose job died as failed; every ten minutes, deletes expired exports and
uploads. Redis going away stops nothing: the loop backs off and tries again."""

from __future__ import annotations

import logging
import signal
import time

from resilience.config import Settings
from workers.queue import (
    REDIS_ERRORS,
    enqueue_live_check,
    enqueue_poll,
    enqueue_purge,
    enqueue_sweep,
)

log = logging.getLogger("workers.scheduler")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings.from_env()
    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    log.info("polling %s every %s s", settings.smhi_warnings_url, settings.smhi_poll_seconds)
    delay = 0
    while not stop:
        try:
            job_id = enqueue_poll(settings, time.time())
            if job_id:
                log.info("enqueued %s", job_id)
            enqueue_live_check(settings, time.time())
            enqueue_sweep(settings, time.time())
            enqueue_purge(settings, time.time())
            delay = 0
        except REDIS_ERRORS as exc:  # Redis away: keep trying, backing off up to 30 s
            delay = min(max(2 * delay, 1), 30)
            log.warning("Redis unreachable (%s); trying again in %s s", exc, delay)
        # Wake at least every few seconds to stop promptly; poll once per interval.
        for _ in range(delay or min(settings.smhi_poll_seconds, 10)):
            if stop:
                break
            time.sleep(1)


if __name__ == "__main__":
    main()
