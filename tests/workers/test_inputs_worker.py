"""The worker's own jobs (runs, plans, live recalculations: workers/worker.py, InputsWorker)
run in its process with the cyclic garbage collector off, and switch it on again whatever
the job does: a full collection walks every object the worker keeps (0.1 s at Sweden size)
and must not fall in the middle of a run. Those objects are frozen (settle_heap), and what
becomes garbage in cycles among them is collected at the next settle."""

from __future__ import annotations

import gc
import signal
import weakref
from unittest import mock

import pytest
from redis import Redis
from rq.serializers import JSONSerializer

from resilience.config import Settings
from workers import jobs
from workers.queue import queue
from workers.worker import InputsWorker, settle_heap

SEEN: list[bool] = []


def note_collector() -> None:
    """A job of the worker's own: notes whether the collector is on while it runs."""
    SEEN.append(gc.isenabled())


def fail_after_noting() -> None:
    note_collector()
    raise RuntimeError("the job fails")


@pytest.mark.worker
def test_the_collector_is_off_during_the_workers_own_jobs_and_on_after(
    settings: Settings, redis_conn: Redis
) -> None:
    own = {f"{__name__}.{f.__name__}" for f in (note_collector, fail_after_noting)}
    q = queue(settings)
    enqueued = [q.enqueue(f) for f in (note_collector, fail_after_noting)]
    worker = InputsWorker([q], connection=q.connection, serializer=JSONSerializer)
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    SEEN.clear()
    try:
        with (
            mock.patch.object(jobs, "INPUT_JOBS", jobs.INPUT_JOBS | own),
            mock.patch.object(jobs, "keep_inputs", lambda: False),
        ):
            worker.work(burst=True, logging_level="WARNING")
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)
    assert SEEN == [False, False]  # both ran here, in this process, with the collector off
    assert gc.isenabled()  # on again after a job that failed
    assert [job.get_status(refresh=True) for job in enqueued] == ["finished", "failed"]


class _Node:
    me: _Node


def test_settle_heap_collects_cycles_then_freezes_the_rest() -> None:
    try:
        garbage, kept = _Node(), _Node()
        garbage.me, kept.me = garbage, kept
        dead, frozen = weakref.ref(garbage), weakref.ref(kept)
        del garbage
        settle_heap()
        assert dead() is None  # collected
        assert gc.get_freeze_count() > 0
        del kept  # frozen, then garbage in a cycle: not collected until the next settle
        gc.collect()
        assert frozen() is not None
        settle_heap()
        assert frozen() is None
    finally:
        gc.unfreeze()  # the rest of this test process collects as before
