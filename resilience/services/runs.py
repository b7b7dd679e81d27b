"""Runs: started (a snapshot of the scenario, within the request limits, then enqueued),
computed (called by the RQ job), listed, and reconciled with their jobs. Scenarios are
services/scenarios.py, the stored results services/run_results.py; the computation itself
is resilience.analysis."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import shapely
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from resilience.analysis import Parameters, baseline_minutes, compute
from resilience.analysis.model import SERVICES
from resilience.config import Settings
from resilience.errors import BadInput, TooLarge
from resilience.models import (
    BackupPlan,
    Run,
    Scenario,
)
from resilience.scenarios import ScenarioSpec
from resilience.services.lookup import get_or_404
from resilience.services.run_inputs import RunInputs, data_version_now, database_key, run_inputs
from resilience.services.run_inputs import load_inputs as load_inputs
from resilience.services.run_results import covered_cells, keep_baseline, store_result
from resilience.services.scenarios import get_scenario, spec_of
from resilience.services.transactions import start_then_enqueue
from resilience.vocabulary import SWEREF99TM
from workers import queue


def get_run(session: Session, run_id: int) -> Run:
    return get_or_404(session, Run, run_id, "run")


@dataclass(frozen=True)
class WorkLimits:
    """The most one run or plan may compute over: populated cells and sites, each on its own
    (Settings.run_max_cells / run_max_sites). Not their product: the computation never pairs
    every cell with every site (k-d tree nearest-provider searches, O((cells + sites) log
    sites)); its time and memory grow with each count (README, "Security")."""

    max_cells: int
    max_sites: int

    @classmethod
    def of(cls, settings: Settings) -> WorkLimits:
        return cls(settings.run_max_cells, settings.run_max_sites)


# The counts of the latest data version seen, per database: a change of cells or sites moves
# the version, so they hold until it moves (a Sweden-sized count took 25 ms of every start).
_counted: dict[str, tuple[int, int, int]] = {}


def _work_counts(session: Session) -> tuple[int, int]:
    """(populated cells, sites) of the stored data."""
    database = database_key(session)
    version, own = data_version_now(session)
    kept = _counted.get(database)
    if kept is not None and kept[0] == version and not own:
        return kept[1], kept[2]
    cells, sites = session.execute(
        text(
            "SELECT (SELECT count(*) FROM population_cells WHERE population > 0),"
            " (SELECT count(*) FROM sites)"
        )
    ).one()
    if not own:  # this transaction's own changes may change again before it commits
        _counted[database] = (version, int(cells), int(sites))
    return int(cells), int(sites)


def check_work(session: Session, limits: WorkLimits) -> None:
    """TooLarge (413) when the stored data has more populated cells or sites than a run may
    compute over; nothing written. The counts are kept per data version."""
    cells, sites = _work_counts(session)
    over = []
    if cells > limits.max_cells:
        over.append(
            f"{cells:,} populated cells (at most {limits.max_cells:,}, RESILIENCE_RUN_MAX_CELLS)"
        )
    if sites > limits.max_sites:
        over.append(f"{sites:,} sites (at most {limits.max_sites:,}, RESILIENCE_RUN_MAX_SITES)")
    if over:
        raise TooLarge(
            "the stored data is larger than one run may compute over: "
            + " and ".join(over)
            + "; nothing was started"
        )


def start_run(
    session: Session,
    scenario: Scenario,
    user: str | None = None,
    limits: WorkLimits | None = None,
) -> Run:
    """A queued run with a snapshot of the scenario as it is now (later edits don't leak in).
    An outage or snow zones wholly outside the county would compute nothing: refused. With
    `limits` (runs a request asks for), data larger than they allow is refused (TooLarge)."""
    if limits is not None:
        check_work(session, limits)
    try:
        spec = spec_of(scenario.definition)
    except ValueError:  # a stored definition that no longer parses: the run fails visibly
        spec = None
    if spec is not None:
        _check_in_county(session, spec)
    run = Run(
        scenario_id=scenario.id,
        status="queued",
        progress=0.0,
        scenario_snapshot=scenario.definition,
        created_by=user,
    )
    session.add(run)
    session.flush()
    return run


def start_and_enqueue_run(
    session: Session, settings: Settings, scenario_id: int, user: str | None
) -> Run:
    """The use-case "run this scenario": a queued run within the request limits, committed,
    then its job enqueued. Redis down: 503 before anything is written, and a run taken back
    when Redis goes away between the commit and the enqueue (nothing that no job would
    compute)."""
    scenario = get_scenario(session, scenario_id)
    queue.check_queue(settings)
    return start_then_enqueue(
        session,
        lambda: start_run(session, scenario, user=user, limits=WorkLimits.of(settings)),
        lambda run: queue.enqueue_run(settings, run.id),
    )


def _check_in_county(session: Session, spec: ScenarioSpec) -> None:
    areas = [g for g in (spec.outage, *(z.geometry for z in spec.snow_zones)) if g is not None]
    if not areas:
        return
    inside, county = session.execute(
        text(
            "SELECT bool_or(ST_Intersects(geom, ST_GeomFromWKB(:area, :srid))), count(*) > 0"
            " FROM municipalities"
        ),
        {"area": shapely.to_wkb(shapely.union_all(areas)), "srid": SWEREF99TM},
    ).one()
    if county and not inside:
        raise BadInput("the scenario's outage and snow zones lie wholly outside the county")


ProgressSink = Callable[[int, float, str], None]


def compute_run(session: Session, run_id: int, progress: ProgressSink | None = None) -> Run:
    """Compute a run and store its results, replacing any earlier rows of the same run, in the
    caller's transaction: a crash leaves nothing half-written. Idempotent."""
    run = get_run(session, run_id)
    spec = spec_of(run.scenario_snapshot)
    inputs = run_inputs(session)  # kept by the worker per data version
    started = time.monotonic()

    def report(fraction: float, step: str) -> None:
        if progress is not None:
            progress(run_id, round(5 + 85 * fraction, 1), step)

    result = compute(
        inputs.sites, inputs.cells, inputs.names, spec.to_analysis(), report, roads=inputs.roads
    )
    report(1.0, "storing results")
    run.data_version = inputs.version
    store_result(session, run, result, inputs.version)
    run.model_version = result.model_version
    run.parameters = result.parameters.to_dict() | {"duration_hours": result.duration_hours}
    run.summary = {
        "municipalities": [m.to_dict() for m in result.municipalities],
        "county": result.county.to_dict(),
        "roads": None if result.roads is None else result.roads.to_dict(),
        "compute_seconds": round(time.monotonic() - started, 3),
    }
    run.status, run.progress, run.step, run.error = "finished", 100.0, None, None
    run.finished_at = datetime.now(UTC)
    return run


def keep_default_baseline(session: Session, inputs: RunInputs) -> str | None:
    """The baseline of the default parameters over a data version's inputs, computed and
    stored once (run_results.keep_baseline) when the worker keeps them: the version's runs
    with the default travel parameters, most of them, find it stored (and, over roads, its
    searches kept with the network). Its digest; None when no cell is populated."""
    rows = covered_cells(inputs.cells)
    if not rows.size:
        return None
    minutes = baseline_minutes(inputs.sites, inputs.cells, Parameters(), inputs.roads)
    return keep_baseline(session, {s: minutes[s][rows] for s in SERVICES})


def latest_runs(session: Session, limit: int = 50) -> list[Run]:
    return list(session.scalars(select(Run).order_by(Run.id.desc()).limit(limit)))


def reconcile(run: Run | BackupPlan, job_state: str | None) -> str | None:
    """An error message when RQ says the job died but the run's (or plan's) row still says
    queued or running (a killed work horse cannot write its own failure); None when
    consistent."""
    if run.status not in ("queued", "running"):
        return None
    what = "plan" if isinstance(run, BackupPlan) else "run"
    if job_state in ("failed", "stopped", "canceled"):
        return run.error or f"the worker stopped unexpectedly; start the {what} again"
    if job_state == "stalled":  # started, but no worker has beaten its heart for minutes
        reason = f" ({run.error})" if run.error else ""
        return (
            f"the {what}'s job stopped while it was computed (its worker lost Redis or was "
            f"killed){reason}; start the {what} again"
        )
    return None


# RQ's states of a job that waits to run (again): the row cannot be running then.
WAITING_STATES = ("queued", "scheduled", "deferred")


def shown_status(run: Run, job_state: str | None) -> tuple[str, str | None]:
    """The run's status and error as users see them: failed when RQ says the job died."""
    error = reconcile(run, job_state)
    if error:
        return "failed", error
    if run.status == "running" and job_state in WAITING_STATES:
        return "queued", run.error  # a retry waits: as the row will say after the sweep
    return run.status, run.error


def unfinished_runs(session: Session) -> list[Run]:
    query = select(Run).where(Run.status.in_(("queued", "running")))
    return list(session.scalars(query.order_by(Run.id)))


def mark_lost(
    rows: Sequence[Run | BackupPlan],
    job_states: dict[int, str | None],
    lost_after: Callable[[Run | BackupPlan], float],
    lost_error: str,
    now: datetime,
) -> list[int]:
    """Mark failed, with the reason, the unfinished rows (runs or plans) whose job died or
    vanished: RQ says it failed, or has no such job `lost_after(row)` seconds after the row
    was made (`lost_error` then). Rows missing from `job_states` are left alone (Redis could
    not be asked). Returns the ids marked; the caller flushes."""
    marked = []
    for row in rows:
        if row.id not in job_states:
            continue
        state = job_states[row.id]
        error = reconcile(row, state)
        age = (now - row.created_at).total_seconds() if row.created_at else 0.0
        if error is None and state is None and age > lost_after(row):
            error = lost_error
        if error:
            row.status, row.error = "failed", error
            marked.append(row.id)
        elif row.status == "running" and state in WAITING_STATES:
            # The job waits for a retry (its failure could not be written, or a retry
            # was scheduled by RQ alone): the row says so, as the API does.
            row.status, row.step = "queued", "waiting to retry"
    return marked


def fail_lost(
    session: Session,
    job_states: dict[int, str | None],
    lost_after_s: float,
    now: datetime | None = None,
    live_lost_after_s: float | None = None,
) -> list[int]:
    """Mark failed, with the reason, the unfinished runs whose job died (a killed work horse
    cannot say so itself) or vanished (Redis lost it): `lost_after_s` after the run was made,
    or `live_lost_after_s` for live runs, which are computed inside their recalculation job
    and have no job of their own. `job_states` maps run id to RQ's state of its job (None:
    no such job). Returns the ids marked."""

    def lost_after(run: Run | BackupPlan) -> float:
        if (
            live_lost_after_s is not None
            and isinstance(run, Run)
            and session.get_one(Scenario, run.scenario_id).kind == "live"
        ):
            return live_lost_after_s
        return lost_after_s

    marked = mark_lost(
        unfinished_runs(session),
        job_states,
        lost_after,
        "the run's job was lost (was Redis restarted?); start the run again",
        now or datetime.now(UTC),
    )
    session.flush()
    return marked
