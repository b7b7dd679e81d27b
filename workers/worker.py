"""Worker entry point: `python -m workers.worker [--burst]`. Run as many as you like, on any
host that reaches the same Redis and PostGIS (README, "Workers on several machines"). When
Redis goes away the worker waits and starts again, backing off up to 30 s, instead of
exiting."""

from __future__ import annotations

import argparse
import ctypes
import gc
import logging
import os
import signal
import sys
import time
from typing import Any

import rq.scheduler
from rq import Queue, SimpleWorker, Worker
from rq.job import Job
from rq.serializers import JSONSerializer
from rq.worker import WorkerStatus

from resilience.config import Settings
from workers import jobs
from workers.queue import queue

log = logging.getLogger("workers.worker")
MAX_BACKOFF_S = 30.0


class InputsWorker(Worker):
    """RQ's worker, keeping the inputs of runs and plans (sites, cells, municipalities,
    roads; services/run_inputs.py) in this process, brought up to the data version before
    each job that computes over them.

    Those jobs (runs, plans, live recalculations) run here, in this process, as RQ's
    SimpleWorker runs every job: a forked work horse cost a Sweden-sized run about 0.1 s
    (the fork, a new connection, and copy-on-write faults over the inputs in its first
    compute), and what a run keeps with the road network (the baseline's searches) now
    outlives the job. The job timeout still holds (RQ's death penalty, SIGALRM); a crash
    takes the worker down, `make run` starts it again, and the run is reported failed
    (the sweep of lost jobs). Every other job (exports, polls) is forked as RQ does."""

    def execute_job(self, job: Job, queue: Queue) -> None:
        if job.func_name not in jobs.INPUT_JOBS:
            super().execute_job(job, queue)
            return
        if jobs.keep_inputs():
            settle_heap()  # the inputs replaced may be garbage in cycles: collect them
        execution = self.prepare_execution(job)
        # No cyclic collection while the job runs (one can take 0.1 s in the middle of a
        # run that takes half a second). The job frees what it drops by reference counting;
        # what is left in cycles is collected once it is done: the objects made since the
        # last settle_heap only, a few milliseconds, before the next job.
        gc.disable()
        try:
            self.perform_job(job, queue, execution)
        finally:
            gc.enable()
        self.set_state(WorkerStatus.IDLE)
        gc.collect()

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        """A job run here sends no heartbeat while it runs: this worker's key must outlive
        the job's whole timeout, as SimpleWorker's does."""
        if job.func_name in jobs.INPUT_JOBS:
            return SimpleWorker.get_heartbeat_ttl(self, job, working_time)  # type: ignore[arg-type]
        return super().get_heartbeat_ttl(job, working_time)

    def fork_work_horse(self, job: Job, queue: Queue) -> None:
        """Fork with every object of this process frozen (gc.freeze): the horse's collector
        then leaves the inherited objects (the app, the kept inputs: about 200,000) alone.
        A full collection in the horse walked them all, writing to each, so copy-on-write
        copied their pages. The worker settles its own heap once the horse is forked (the
        horse never returns here), while the horse works."""
        gc.freeze()
        try:
            super().fork_work_horse(job, queue)
        finally:
            settle_heap()


def settle_heap() -> None:
    """Collect every object of this process that is garbage in cycles, then freeze what
    is left (gc.freeze): the worker's long-lived objects (the app, the kept inputs: about
    200,000) that every full collection walked, 0.1 s each at Sweden size. Frozen objects
    are still freed when nothing refers to them; one that later becomes garbage in a cycle
    waits for the next settle: after each forked job, and when the inputs are read again."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _dies_with_parent(parent: int) -> None:
    """Ask the kernel to send this process SIGTERM when its parent dies (Linux), and stop
    at once if the parent (`parent`, its pid) is already gone."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)


def scheduler_dies_with_worker() -> None:
    """RQ forks its scheduler from the worker (rq.scheduler.run in a child process). Killed
    with the worker (SIGKILL, an OOM kill), that child would live on outside `make run`'s
    process tree holding the scheduler lock for minutes: it gets SIGTERM when the worker
    dies instead, stops and releases the lock."""
    original = rq.scheduler.run
    if getattr(original, "dies_with_worker", False):
        return
    worker_pid = os.getpid()

    def run(scheduler: Any) -> None:
        _dies_with_parent(worker_pid)
        original(scheduler)

    run.dies_with_worker = True  # type: ignore[attr-defined]
    rq.scheduler.run = run


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
    scheduler_dies_with_worker()
    # Import the jobs, build the app and read the inputs of runs once, here: every forked
    # work horse inherits them instead of paying seconds of imports and reads per job.
    jobs.warm_up()
    settle_heap()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    delay = 1.0
    while True:
        started = time.monotonic()
        try:
            q = queue(settings)
            worker = InputsWorker(
                [q], connection=q.connection, serializer=JSONSerializer, name=args.name
            )
            worker.work(
                burst=args.burst, with_scheduler=not args.no_scheduler, logging_level="INFO"
            )
            # A SIGTERM or Ctrl-C ends the loop on purpose: stop. RQ sets the date on every
            # shutdown request; `_stop_requested` only when one comes during a job.
            if args.burst or worker._shutdown_requested_date is not None:
                return
            reason = "its work loop ended"  # RQ logs why (e.g. Redis went away)
        except Exception as exc:  # Redis down at start-up or at teardown: wait, start again
            reason = f"{type(exc).__name__}: {exc}"
            if args.burst:
                raise
        if time.monotonic() - started > 10 * MAX_BACKOFF_S:
            delay = 1.0  # it ran a good while: this is a new outage
        log.warning("worker stopped (%s); starting again in %.0f s", reason, delay)
        # A Ctrl-C or SIGTERM while waiting stops the process, as it would a running worker.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        time.sleep(delay)
        delay = min(delay * 2, MAX_BACKOFF_S)


if __name__ == "__main__":
    main()
