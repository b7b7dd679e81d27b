"""RQ job functions: thin, importable, taking ids only. They load, call a service, store."""

from __future__ import annotations

import logging
import os
import tempfile
import time
import urllib.request
from collections.abc import Callable
from functools import cache, partial
from http.client import HTTPException
from pathlib import Path

from flask import Flask
from rq import get_current_job
from sqlalchemy.orm import Session

from geodata.loaders.warnings import MAX_BYTES, WarningFormatError
from resilience.app import create_app
from resilience.config import Settings
from resilience.db import db
from resilience.models import BackupPlan, Run
from resilience.services import (
    exports,
    job_rows,
    plans,
    run_inputs,
    run_results,
    runs,
    uploads,
    warning_banner,
    warning_ingest,
    warnings,
)
from resilience.services.transactions import snapshot_read_only, standalone
from workers.queue import RUN_TIMEOUT_S, enqueue_live, plan_job_states, run_job_states

log = logging.getLogger(__name__)
LOST_RUN_S = 60


@cache
def _app() -> Flask:
    return create_app()


_pool_pid: int | None = None


def _own_pool() -> None:
    """A forked work horse (exports, polls) must not share the worker's pooled connections:
    drop them, once per process. Runs, plans and live recalculations run in the worker's
    own process and keep its pool (a live recalculation calls compute_run within its job:
    no second connect)."""
    global _pool_pid
    if _pool_pid != os.getpid():
        db.dispose()
        _pool_pid = os.getpid()


def warm_up() -> None:
    """Build the app and import the analysis once, in the worker process (see
    workers/worker.py), and read the inputs of runs and plans (when the database answers)."""
    _app()
    keep_inputs()


def keep_inputs() -> bool:
    """In the worker process, before a job in INPUT_JOBS (which runs in this process): read
    the inputs of runs and plans again if the data version moved (one small query when it
    did not; services/run_inputs.py), and store the cells its runs cover and the baseline
    of the default parameters once. Whether they were read now. A failure here is only
    logged: the job then reads the inputs (or stores them) itself, or fails visibly with the
    reason."""
    reads, started = run_inputs.stats()["reads"], time.monotonic()
    try:
        with _app().app_context(), standalone() as session:
            inputs = run_inputs.preload(session)
    except Exception as exc:  # the database away: the job will say so itself
        log.warning("inputs of runs not read before the job: %s: %s", type(exc).__name__, exc)
        return False
    if run_inputs.stats()["reads"] == reads:
        return False
    seconds = time.monotonic() - started
    log.info("inputs of runs read for data version %s (%.2f s)", inputs.version, seconds)
    # The cells every run of this version covers, and the baseline of most, stored once,
    # now: not by its first run (run_results.keep_cell_inputs, keep_baseline).
    try:
        with _app().app_context(), standalone() as session:
            run_results.keep_cell_inputs(session, inputs.version, inputs.cells)
            runs.keep_default_baseline(session, inputs)
    except Exception as exc:  # each run stores what it needs itself
        log.warning(
            "cells and baseline of data version %s not stored ahead: %s: %s",
            inputs.version,
            type(exc).__name__,
            exc,
        )
    return True


# After the start, then at most this often: the run page polls once a second (POLL_MS of
# run_page.js), so writing more often shows nothing more. A run done within a second (a
# county's, a Sweden-sized one on a quiet machine) writes none: each write is a transaction
# on a second connection the job would open (a new PostgreSQL backend) and a Redis
# round trip, on the path of a live recalculation.
PROGRESS_EVERY_S = 1.0
_progress_written: dict[tuple[str, int], float] = {}


def _set_progress(
    model: type[Run] | type[BackupPlan], row_id: int, percent: float, step: str
) -> None:
    """Progress goes in its own short transaction so the UI sees it while the work goes on,
    and in the job's meta; at most every PROGRESS_EVERY_S (each write is a transaction and a
    Redis round trip, on the path of a live recalculation)."""
    key, now = (model.__name__, row_id), time.monotonic()
    if now - _progress_written.get(key, -PROGRESS_EVERY_S) < PROGRESS_EVERY_S:
        return
    _progress_written[key] = now
    with standalone() as session:
        job_rows.set_progress(session, model, row_id, percent, step)
    job = get_current_job()
    if job is not None:
        job.meta.update(progress=percent, step=step)
        job.save_meta()


def _compute_tracked(
    model: type[Run] | type[BackupPlan],
    row_id: int,
    compute: Callable[[Session, int, Callable[[int, float, str], None]], Run | BackupPlan],
) -> dict[str, object]:
    """Compute a run or a plan whose row mirrors the job: running, progress, then finished,
    queued again while RQ retries, or failed with the reason. Idempotent: the results are
    replaced as a whole. Exceptions propagate so that RQ retries
    (Settings.run_retry_intervals) and finally marks the job failed."""
    what = "run" if model is Run else "plan"
    with _app().app_context():
        _own_pool()
        job = get_current_job()
        with standalone() as session:
            job_rows.mark_running(session, model, row_id)
        _progress_written[(model.__name__, row_id)] = time.monotonic()
        try:
            with standalone() as session:
                row = compute(session, row_id, partial(_set_progress, model))
                summary: dict[str, object] = {f"{what}_id": row_id, "status": row.status}
        except Exception as exc:
            retrying = job is not None and (job.retries_left or 0) > 0
            with standalone() as session:
                job_rows.mark_failed(
                    session, model, row_id, f"{type(exc).__name__}: {exc}", retrying
                )
            log.exception("%s %s failed", what, row_id)
            raise
        return summary


def compute_run(run_id: int) -> dict[str, object]:
    """Compute a run (resilience/services/runs.py)."""
    return _compute_tracked(Run, run_id, runs.compute_run)


def compute_plan(plan_id: int) -> dict[str, object]:
    """Compute a backup-power plan (resilience/services/plans.py)."""
    return _compute_tracked(BackupPlan, plan_id, plans.compute_plan)


def recalculate_live(fingerprint: str) -> dict[str, object]:
    """Rebuild the live scenario for a warning state and compute its run, unless the state
    moved on meanwhile: a burst of updates within the debounce gives one run of the latest."""
    app = _app()
    with app.app_context():
        _own_pool()
        time.sleep(app.config["SETTINGS"].live_debounce_seconds)
        with standalone() as session:
            run = warnings.start_live_run(session, fingerprint)
            if run is None:  # a retry of this job: the run it started failed, compute it again
                run = warnings.unfinished_live_run(session, fingerprint)
        if run is None:
            return {"fingerprint": fingerprint, "run_id": None}
    compute_run(run.id)
    return {"fingerprint": fingerprint, "run_id": run.id}


def poll_smhi() -> dict[str, object]:
    """Fetch SMHI's warnings (the endpoint is configuration) and ingest them as the full set
    in force. A failure (no answer, an HTTP error, a document that does not parse) changes
    no warning, so the last good state stands: it is recorded in feed_status, which the
    pages and /healthz show, and logged as one line; the next interval's poll tries again."""
    app = _app()
    settings = app.config["SETTINGS"]
    with app.app_context():
        _own_pool()
        request = urllib.request.Request(
            settings.smhi_warnings_url, headers={"Accept": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                payload = response.read(MAX_BYTES + 1)
            with standalone() as session:
                result = warning_ingest.ingest(
                    session, settings, payload, "application/json", snapshot=True
                )
                warning_banner.record_poll(session, None)
        except Exception as exc:  # every failure is a failing feed: URLError, HTTP 5xx,
            # timeouts, a non-HTTP reply or a bad status line (http.client), garbage, a
            # document we cannot store (the ingest's own errors)
            error = f"{type(exc).__name__}: {exc}"[:2_000]
            expected = isinstance(exc, OSError | WarningFormatError | HTTPException)
            try:
                with standalone() as session:
                    warning_banner.record_poll(session, error)
            except Exception:  # the database is down too: the log line is all there is
                log.exception("SMHI poll failed and could not be recorded: %s", error)
                return {"error": error}
            if expected:
                log.warning("SMHI poll failed (%s): %s", settings.smhi_warnings_url, error)
            else:  # a bug of ours, or a failure nobody foresaw: keep the traceback
                log.exception("SMHI poll failed (%s): %s", settings.smhi_warnings_url, error)
            return {"error": error}
        if result.recalculation:
            enqueue_live(settings, result.recalculation)
        log.info("SMHI poll: %s", result.to_dict())
        return result.to_dict()


def check_live_state() -> str | None:
    """Warnings expire (or begin) with time alone: enqueue a recalculation when the set in
    force over the county is not the one of the latest live run."""
    app = _app()
    with app.app_context():
        _own_pool()
        with standalone() as session:
            fingerprint = warnings.needs_recalculation(session)
        if fingerprint:
            enqueue_live(app.config["SETTINGS"], fingerprint)
        return fingerprint


def export_layers(export_id: str, request: dict[str, object]) -> dict[str, object]:
    """Build a background export (services/exports/) from one snapshot of the data, with
    its progress in the job's meta and in the export record, and store the file in
    PostgreSQL, where the web reads it: only a scratch folder of this host is used. Building
    it again stores the same file. Exceptions propagate so that RQ retries and finally marks
    it failed."""
    with _app().app_context():
        _own_pool()
        job = get_current_job()

        def progress(percent: float, step: str) -> None:
            # Its own short transaction, so the page sees it while the file is built.
            with standalone() as session:
                exports.set_progress(session, export_id, percent, step)
            if job is not None:
                job.meta.update(progress=round(percent, 1), step=step)
                job.save_meta()

        try:
            with standalone() as session:
                record = exports.mark_running(session, export_id, request)
            with tempfile.TemporaryDirectory(prefix="export-") as scratch:
                with standalone() as session:
                    # Every layer from the same snapshot, even while an import commits.
                    snapshot_read_only(session)
                    built = exports.build_file(session, record, Path(scratch), progress)
                with standalone() as session:
                    record = exports.store_file(session, export_id, built)
        except Exception as exc:
            retrying = job is not None and (job.retries_left or 0) > 0
            with standalone() as session:
                exports.mark_failed(session, export_id, f"{type(exc).__name__}: {exc}", retrying)
            log.exception("export %s failed", export_id)
            raise
        if job is not None:
            job.meta.update(progress=100.0, step="done")
            job.save_meta()
        return {"export_id": export_id, "file": record["file_name"], "bytes": record["size_bytes"]}


def sweep_lost(session: Session, settings: Settings) -> dict[str, list[int]]:
    """Runs and backup-power plans whose job died or vanished, marked failed with the reason
    (the ids of each)."""
    run_states = run_job_states(settings, runs.unfinished_runs(session))
    plan_states = plan_job_states(settings, plans.unfinished_plans(session))
    # A run's or plan's job is enqueued right after its row is committed: a minute without
    # one means Redis lost it. Live runs are computed inside their recalculation job, not
    # under run-<id>: wait out the job timeout before calling them lost.
    return {
        "runs": runs.fail_lost(
            session, run_states, lost_after_s=LOST_RUN_S, live_lost_after_s=RUN_TIMEOUT_S + 60
        ),
        "plans": plans.fail_lost(session, plan_states, lost_after_s=LOST_RUN_S),
    }


def sweep_runs() -> dict[str, list[int]]:
    """Once a minute: runs and plans whose job died or vanished are marked failed."""
    app = _app()
    settings = app.config["SETTINGS"]
    with app.app_context():
        _own_pool()
        with standalone() as session:
            return sweep_lost(session, settings)


def purge_records() -> dict[str, int]:
    """Periodically: delete the exports (with their files) and uploads past their time, in
    PostgreSQL, whichever host runs it."""
    with _app().app_context():
        _own_pool()
        with standalone() as session:
            return {
                "exports": exports.purge_expired(session),
                "uploads": uploads.purge_expired(session),
            }


# The jobs that compute over the inputs of runs (workers/worker.py keeps them fresh first).
INPUT_JOBS = frozenset(
    f"{__name__}.{job.__name__}" for job in (compute_run, compute_plan, recalculate_live)
)
