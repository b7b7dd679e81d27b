"""Enqueueing and inspecting RQ jobs: only RQ and Redis (enqueue, job ids, states), no
database. The services that start work (services/runs.py, plans.py), the web layer and the
CLI call these; the job functions themselves live in workers/jobs.py."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import suppress
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry as RedisRetry
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from resilience.config import Settings
from resilience.errors import Unavailable

if TYPE_CHECKING:
    from resilience.models import Run

RUN_TIMEOUT_S = 15 * 60
# Redis down or unreachable: what every caller here may see, and must survive.
REDIS_ERRORS = (RedisConnectionError, RedisTimeoutError)
# job_state() when Redis cannot be asked: no information, which is not "no such job".
UNAVAILABLE = "unavailable"


@cache
def redis_connection(url: str) -> Redis:
    # A connect timeout, so a request never hangs on a Redis that is gone; no read timeout,
    # which would cut the workers' blocking waits for jobs.
    return Redis.from_url(url, socket_connect_timeout=2)


def fail_fast_redis(url: str, timeout: float = 1) -> Redis:
    """For a request that must answer now (login limits, health, the admin's unlock): one
    try with a short timeout. redis-py's default retries with backoff made a login wait
    about 11 s while Redis was down."""
    return Redis.from_url(
        url,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        retry=RedisRetry(NoBackoff(), 0),
    )


def queue_unavailable() -> Unavailable:
    return Unavailable(
        "the job queue (Redis) cannot be reached: nothing was started; try again in a minute"
    )


def check_queue(settings: Settings) -> None:
    """Before anything is written for a job: a 503 (Unavailable) when Redis is down."""
    try:
        redis_connection(settings.redis_url).ping()
    except REDIS_ERRORS as exc:
        raise queue_unavailable() from exc


def queue(settings: Settings) -> Queue:
    return Queue(
        settings.queue_name,
        connection=redis_connection(settings.redis_url),
        serializer=JSONSerializer,
    )


def run_job_id(run_id: int) -> str:
    return f"run-{run_id}"


def _retry(settings: Settings) -> Retry | None:
    """Retries with backoff (Settings.run_retry_intervals), or none."""
    intervals = settings.run_retry_intervals
    return Retry(max=len(intervals), interval=list(intervals)) if intervals else None


def _enqueue_once(
    settings: Settings,
    function: str,
    job_id: str,
    *args: Any,
    timeout: int,
    description: str,
    failure_ttl: int = 7 * 24 * 3600,
) -> str:
    """Enqueue `function(*args)` under a deterministic, unique job id, so work that is
    queued or running is never done twice at the same time. A finished or failed job of the
    same id is stale (a recreated database reuses ids, an export's file expired, the work is
    redone on purpose): it is replaced. Transient failures (a PostGIS restart, a dropped
    connection) are retried with backoff (Settings.run_retry_intervals). Redis down: 503."""
    q = queue(settings)
    kwargs: dict[str, Any] = {
        "job_id": job_id,
        "unique": True,
        "retry": _retry(settings),
        "job_timeout": timeout,
        "result_ttl": 24 * 3600,
        "failure_ttl": failure_ttl,
        "description": description,
    }
    try:
        q.enqueue(function, *args, **kwargs)
    except DuplicateJobError:
        if job_state(settings, job_id) in ("finished", "failed", "stopped", "canceled"):
            Job.fetch(job_id, connection=q.connection, serializer=JSONSerializer).delete()
            q.enqueue(function, *args, **kwargs)
    except REDIS_ERRORS as exc:
        raise queue_unavailable() from exc
    return job_id


def enqueue_run(settings: Settings, run_id: int) -> str:
    """Enqueue the computation of a run once (job id run-<id>)."""
    return _enqueue_once(
        settings,
        "workers.jobs.compute_run",
        run_job_id(run_id),
        run_id,
        timeout=RUN_TIMEOUT_S,
        description=f"Compute run {run_id}",
    )


def job_state(settings: Settings, job_id: str) -> str | None:
    """RQ's view of a job: queued, started, finished, failed, … or None when unknown."""
    return job_states(settings, [job_id])[job_id]


def run_job_states(settings: Settings, runs: Iterable[Run]) -> dict[int, str | None]:
    """RQ's state of the job of each queued or running run among `runs`, in one round trip
    (the row of a finished or failed run is final)."""
    ids = [run.id for run in runs if run.status in ("queued", "running")]
    states = job_states(settings, [run_job_id(i) for i in ids])
    return {i: states[run_job_id(i)] for i in ids}


# A started job's worker writes its heartbeat every 30 s (RQ's job_monitoring_interval); a
# started job without one for this long has no worker any more (Redis went away under it,
# or the worker was killed): "stalled", which pages and the sweep treat as a dead job,
# instead of "started" until RQ's own clean-up some ten minutes later.
STALLED_AFTER_S = 120
STALLED = "stalled"


def _status(job: Job | None) -> str | None:
    status = job.get_status(refresh=False) if job is not None else None
    value = status.value if isinstance(status, JobStatus) else status
    if value == JobStatus.STARTED.value and job is not None:
        beat = job.last_heartbeat or job.started_at
        if beat is not None:
            beat = beat if beat.tzinfo else beat.replace(tzinfo=UTC)
            if (datetime.now(UTC) - beat).total_seconds() > STALLED_AFTER_S:
                return STALLED
    return value


def job_states(settings: Settings, job_ids: Sequence[str]) -> dict[str, str | None]:
    """RQ's view of several jobs in one round trip (a list page asks once, not per row);
    None for a job Redis does not know. A job hash RQ cannot read (a leftover of a deleted
    job, say) counts as unknown rather than failing the page."""
    ids = list(dict.fromkeys(job_ids))
    if not ids:
        return {}
    try:
        return _fetch_states(redis_connection(settings.redis_url), ids)
    except REDIS_ERRORS:  # pages show the state stored in PostgreSQL meanwhile
        return dict.fromkeys(ids, UNAVAILABLE)


def _fetch_states(connection: Redis, ids: list[str]) -> dict[str, str | None]:
    try:
        jobs = Job.fetch_many(ids, connection=connection, serializer=JSONSerializer)
        return {job_id: _status(job) for job_id, job in zip(ids, jobs, strict=True)}
    except (NoSuchJobError, ValueError, KeyError):
        pass  # one unreadable job: read them one by one to keep the others
    states: dict[str, str | None] = {}
    for job_id in ids:
        try:
            states[job_id] = _status(
                Job.fetch(job_id, connection=connection, serializer=JSONSerializer)
            )
        except (NoSuchJobError, ValueError, KeyError):
            states[job_id] = None
    return states


def enqueue_live(settings: Settings, fingerprint: str) -> str:
    """One recalculation per live state: the job id is the state's fingerprint, so repeated
    reports of the same state enqueue nothing more while it is queued or running. A state
    the county returns to (a warning in force again) replaces the old, finished job."""
    job_id = f"live-{fingerprint[:32]}"
    q = queue(settings)
    kwargs: dict[str, Any] = {
        "job_id": job_id,
        "unique": True,
        "job_timeout": RUN_TIMEOUT_S,
        "result_ttl": 24 * 3600,
        "description": "Recalculate the live warning scenario",
        # Retried as a run is (a passing PostGIS or Redis fault must not leave the banner on
        # the previous run); the retry computes the run the first attempt started.
        "retry": _retry(settings),
    }
    try:
        q.enqueue("workers.jobs.recalculate_live", fingerprint, **kwargs)
    except DuplicateJobError:
        if job_state(settings, job_id) in ("finished", "failed", "stopped", "canceled"):
            Job.fetch(job_id, connection=q.connection, serializer=JSONSerializer).delete()
            with suppress(DuplicateJobError):  # another process re-enqueued it first
                q.enqueue("workers.jobs.recalculate_live", fingerprint, **kwargs)
    except REDIS_ERRORS as exc:
        raise queue_unavailable() from exc
    return job_id


def enqueue_poll(settings: Settings, now: float) -> str | None:
    """The SMHI poll of the current interval: the id names the interval, so any number of
    schedulers (or a restarted one) enqueue it once."""
    slot = int(now // settings.smhi_poll_seconds)
    job_id = f"poll-smhi-{slot}"
    try:
        queue(settings).enqueue(
            "workers.jobs.poll_smhi",
            job_id=job_id,
            unique=True,
            # No RQ retry: a failed poll is recorded and logged by the job, and the next
            # interval polls again (workers/jobs.py poll_smhi).
            job_timeout=120,
            result_ttl=settings.smhi_poll_seconds * 2,
            failure_ttl=24 * 3600,
            description="Poll SMHI warnings",
        )
    except DuplicateJobError:
        return None
    return job_id


def _enqueue_periodic(
    settings: Settings, function: str, name: str, now: float, every: int, description: str
) -> str | None:
    """The job of the current interval of `every` seconds: its id names the interval, so any
    number of schedulers (or a restarted one) enqueue it once. None when it was already."""
    job_id = f"{name}-{int(now // every)}"
    try:
        queue(settings).enqueue(
            function, job_id=job_id, unique=True, result_ttl=2 * every, description=description
        )
    except DuplicateJobError:
        return None
    return job_id


def enqueue_live_check(settings: Settings, now: float, every: int = 60) -> str | None:
    """Once a minute: has a warning expired (or started) so that the live state changed?"""
    return _enqueue_periodic(
        settings,
        "workers.jobs.check_live_state",
        "live-check",
        now,
        every,
        "Check the live warning state",
    )


EXPORT_TIMEOUT_S = 30 * 60


def enqueue_export(settings: Settings, export_id: str, request: dict[str, Any]) -> str:
    """Enqueue a background export (services/exports/) once: the job id is the export's
    id, made from its request and the data, so asking again while it is queued or running
    adds nothing. Retried like a run; the file is kept 24 hours."""
    return _enqueue_once(
        settings,
        "workers.jobs.export_layers",
        export_id,
        export_id,
        request,
        timeout=EXPORT_TIMEOUT_S,
        description=f"Export {request.get('format')} {export_id}",
        failure_ttl=24 * 3600,
    )


def enqueue_sweep(settings: Settings, now: float, every: int = 60) -> str | None:
    """Once a minute: mark runs and backup-power plans whose job died or vanished as
    failed (workers/jobs.py sweep_runs)."""
    return _enqueue_periodic(
        settings,
        "workers.jobs.sweep_runs",
        "sweep-runs",
        now,
        every,
        "Mark runs and plans with lost jobs failed",
    )


def enqueue_purge(settings: Settings, now: float, every: int = 600) -> str | None:
    """Every ten minutes: delete expired exports and uploads (workers/jobs.py)."""
    return _enqueue_periodic(
        settings,
        "workers.jobs.purge_records",
        "purge-records",
        now,
        every,
        "Delete expired exports and uploads",
    )


def plan_job_id(plan_id: int) -> str:
    return f"plan-{plan_id}"


def enqueue_plan(settings: Settings, plan_id: int) -> str:
    """Enqueue the computation of a backup-power plan once, as a run (job id plan-<id>)."""
    return _enqueue_once(
        settings,
        "workers.jobs.compute_plan",
        plan_job_id(plan_id),
        plan_id,
        timeout=RUN_TIMEOUT_S,
        description=f"Compute backup-power plan {plan_id}",
    )


def plan_job_states(settings: Settings, plans: Iterable[Any]) -> dict[int, str | None]:
    """RQ's state of the job of each queued or running plan, in one round trip."""
    ids = [p.id for p in plans if p.status in ("queued", "running")]
    states = job_states(settings, [plan_job_id(i) for i in ids])
    return {i: states[plan_job_id(i)] for i in ids}
