"""Worker entry point: `python -m workers.worker [--burst]`. Run as many as you like, on any
host that reaches the same Redis and PostGIS (README, "More workers")."""

from __future__ import annotations

import argparse
import logging

from rq import Worker
from rq.serializers import JSONSerializer

from resilience.config import Settings
from workers import jobs
from workers.queue import queue


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--burst", action="store_true", help="Quit when the queue is empty.")
    parser.add_argument("--name", help="Worker name (default: host and pid).")
    parser.add_argument(
        "--no-scheduler",
        action="store_true",
        help="Do not take part in running scheduled and retried jobs.",
    )
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    # Import the jobs and build the app once, here: every forked work horse inherits them
    # instead of paying seconds of imports per job.
    jobs.warm_up()
    q = queue(settings)
    worker = Worker([q], connection=q.connection, serializer=JSONSerializer, name=args.name)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    worker.work(burst=args.burst, with_scheduler=not args.no_scheduler, logging_level="INFO")


if __name__ == "__main__":
    main()
