"""Warning latency benchmark (issue 4), with a real worker already running.

For each of N warnings over inland Västerbotten (alternating orange and red "vind i
kombination med snöfall", each a new version, so every one changes the live state) it
measures, in the same run:
- from POST /api/v1/warnings to the live run's result stored (its status finished), and to
  its result read from the API;
- from the recalculation's enqueue to its job starting (RQ's own timestamps).
Prints the median and p95 of each, then the ratios to the targets (issue 22: warning in →
result stored p95 1 s at the county size; enqueue → start p95 200 ms). Twice: on the
built-in county data ("county") and on the synthetic Sweden-sized set of bench/coverage.py
("sweden", --sweden-warnings, default 10; --skip-sweden leaves it out).

    .venv/bin/python bench/warning_latency.py [--warnings 20] [--smoke]

Uses --database-url (RESILIENCE_BENCH_DATABASE_URL, default resilience_bench, recreated)
and --redis-url (RESILIENCE_BENCH_REDIS_URL, default Redis db 13, flushed). --smoke: 3
warnings on the county, 2 on the synthetic set at its smoke size.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: the repository on the path, not bench/
    # (whose coverage.py would stand in for the coverage package Numba looks for)
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from redis import Redis
from rq.job import Job
from rq.serializers import JSONSerializer
from sqlalchemy.orm import Session

from bench.coverage import (
    add_arguments,
    fresh_database,
    load_synthetic,
    start_worker,
    stop_worker,
)
from bench.coverage_compute import SMOKE, SWEDEN
from resilience.app import create_app
from resilience.config import Settings
from resilience.services import imports, users

# Longest wait for one warning's live run before the bench fails (a smoke run takes seconds).
WAIT_S = 180
INLAND = [[16.0, 64.4], [18.5, 64.4], [18.5, 65.3], [16.0, 65.3], [16.0, 64.4]]


def warning(i: int) -> list[dict]:
    now = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(now - 3600))
    end = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(now + 86400))
    level = "RED" if i % 2 else "ORANGE"
    return [
        {
            "id": 4242,
            "normalProbability": True,
            "event": {"sv": "Vind", "en": "Wind", "code": "WIND"},
            "descriptions": [],
            "warningAreas": [
                {
                    "id": 1,
                    "approximateStart": stamp,
                    "approximateEnd": end,
                    "published": f"2026-11-26T12:{i // 60:02d}:{i % 60:02d}.000Z",
                    "normalProbability": True,
                    "areaName": {"sv": "Västerbottens inland", "en": "Inland Västerbotten"},
                    "warningLevel": {"sv": level, "en": level, "code": level},
                    "eventDescription": {
                        "sv": "Vind i kombination med snöfall",
                        "en": "Wind in combination with snowfall",
                        "code": "WIND_SNOW",
                    },
                    "affectedAreas": [
                        {"id": 24, "sv": "Västerbottens län", "en": "Västerbotten County"}
                    ],
                    "descriptions": [],
                    "area": {
                        "type": "Feature",
                        "geometry": {"type": "Polygon", "coordinates": [INLAND]},
                    },
                }
            ],
        }
    ]


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def load_county(database_url: str) -> Session:
    """The built-in data set, imported as `geodata load-demo` does."""
    from geodata.demo import build_demo

    session = fresh_database(database_url)
    demo = build_demo()
    with session.begin():
        imports.import_boundaries(session, demo.municipalities, "demo")
        imports.import_population(session, demo.cells, "demo")
        imports.import_sites(session, demo.sites, "demo")
    return session


def measure(
    label: str, session: Session, n_warnings: int, database_url: str, redis_url: str
) -> tuple[list[str], list[str]]:
    """POST n warnings one after another, each waited for: (figure lines, ratio lines)."""
    with session.begin():
        users.create_user(session, "bench-editor", "bench password", "editor")
        token = users.create_token(session, "bench-editor")
    session.close()

    redis = Redis.from_url(redis_url)
    worker = start_worker(database_url, redis_url)  # already running, as in production
    try:
        settings = Settings(database_url=database_url, redis_url=redis_url, secret_key="bench")
        client = create_app(settings).test_client()
        auth = {"Authorization": f"Bearer {token}"}
        stored: list[float] = []
        latencies: list[float] = []
        queue_waits: list[float] = []
        for i in range(n_warnings):
            start = time.perf_counter()
            posted = client.post(
                "/api/v1/warnings",
                data=json.dumps(warning(i)),
                content_type="application/json",
                headers=auth,
            )
            assert posted.status_code == 202, posted.text
            fingerprint = posted.json["recalculation"]
            deadline = time.monotonic() + WAIT_S
            while True:
                live = client.get("/api/v1/live", headers=auth).json
                run = live["run"]
                if live["fingerprint"] == fingerprint and run and run["status"] == "finished":
                    break
                # Fail with what is known instead of waiting for ever (a failed run, a job
                # no worker took): the caller's timeout would say nothing.
                failed = run and run["status"] == "failed" and live["fingerprint"] == fingerprint
                if failed or time.monotonic() > deadline:
                    jobs = {k.decode() for k in redis.keys("rq:*")}
                    raise RuntimeError(f"live run not finished: {live}; Redis keys {sorted(jobs)}")
                time.sleep(0.01)
            stored.append(time.perf_counter() - start)  # warning in → result stored
            result = client.get(f"/api/v1/runs/{run['id']}/result", headers=auth)
            assert result.status_code == 200
            latencies.append(time.perf_counter() - start)  # … and read from the API
            job = Job.fetch(f"live-{fingerprint[:32]}", connection=redis, serializer=JSONSerializer)
            started = job.latest_result(
                timeout=10
            ).execution_started_at  # RQ 3 keeps it per execution
            queue_waits.append((started - job.enqueued_at).total_seconds())
    finally:
        stop_worker(worker)
    figures = [
        f"{label}_warnings: {len(latencies)}",
        f"{label}_post_to_stored_median_seconds: {statistics.median(stored):.3f}",
        f"{label}_post_to_stored_p95_seconds: {p95(stored):.3f}",
        f"{label}_post_to_result_median_seconds: {statistics.median(latencies):.3f}",
        f"{label}_post_to_result_p95_seconds: {p95(latencies):.3f}",
        f"{label}_enqueue_to_start_median_ms: {statistics.median(queue_waits) * 1000:.1f}",
        f"{label}_enqueue_to_start_p95_ms: {p95(queue_waits) * 1000:.1f}",
    ]
    ratios = [
        f"{label}_post_to_stored_p95_vs_target_1s_ratio: {p95(stored) / 1:.2f}",
        f"{label}_enqueue_to_start_p95_vs_target_200ms_ratio: {p95(queue_waits) / 0.2:.2f}",
    ]
    return figures, ratios


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warnings", type=int, default=20)
    parser.add_argument("--sweden-warnings", type=int, default=10)
    parser.add_argument("--skip-sweden", action="store_true")
    add_arguments(parser)
    args = parser.parse_args(argv)
    database_url, redis_url = args.database_url, args.redis_url
    print(f"size: {'smoke' if args.smoke else 'full'}")
    print(f"debounce_seconds_included: {Settings().live_debounce_seconds}")
    figures, ratios = measure(
        "county",
        load_county(database_url),
        3 if args.smoke else args.warnings,
        database_url,
        redis_url,
    )
    if not args.skip_sweden:
        # The synthetic Sweden-sized set (bench/coverage.py), or its smoke size.
        session, _load_s, _spec = load_synthetic(
            database_url, SMOKE if args.smoke else SWEDEN, "sweden"
        )
        more = measure(
            "sweden", session, 2 if args.smoke else args.sweden_warnings, database_url, redis_url
        )
        figures, ratios = figures + more[0], ratios + more[1]
    for line in figures + ratios:
        print(line)


if __name__ == "__main__":
    main()
