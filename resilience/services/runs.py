"""Scenarios and runs: save a scenario, start a run, compute it (called by the RQ job),
and read the stored result. The computation itself is resilience.analysis."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import shapely
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from resilience.analysis import AreaSummary, CellTable, CoverageResult, SiteTable, compute
from resilience.analysis.model import is_none
from resilience.config import Settings
from resilience.errors import BadInput, Forbidden, NotFound, TooLarge
from resilience.models import (
    AuditLog,
    BackupPlan,
    Run,
    RunCell,
    RunMunicipality,
    RunSite,
    RunTimeline,
    Scenario,
)
from resilience.scenarios import ScenarioSpec, parse_scenario
from resilience.services.imports import data_version
from resilience.services.transactions import commit_then_enqueue, committed
from resilience.vocabulary import SWEREF99TM
from workers import queue

# One row of arrays per table: psycopg turns PostgreSQL arrays into lists in C, which is far
# faster than building a Row object per site or cell (250,000 cells in a Sweden-sized set).
_SITE_SQL = text(
    "SELECT array_agg(id ORDER BY id), array_agg(source_id ORDER BY id),"
    " array_agg(category ORDER BY id), array_agg(kind ORDER BY id),"
    " array_agg(ST_X(geom) ORDER BY id), array_agg(ST_Y(geom) ORDER BY id),"
    " array_agg(municipality_code ORDER BY id), "
    + ", ".join(
        f"array_agg({n}::float8 ORDER BY id)" for n in SiteTable.NUMBERS + SiteTable.V2_NUMBERS
    )
    + ", "
    + ", ".join(f"array_agg({n} ORDER BY id)" for n in SiteTable.V2_TEXTS)
    + " FROM sites"
)
_CELL_SQL = text(
    "SELECT array_agg(id ORDER BY id), array_agg(x_ll + cell_size / 2.0 ORDER BY id),"
    " array_agg(y_ll + cell_size / 2.0 ORDER BY id), array_agg(population ORDER BY id),"
    " array_agg(municipality_code ORDER BY id) FROM population_cells WHERE population > 0"
)


def _floats(values: list | None) -> np.ndarray:
    return np.asarray(values or [], dtype=np.float64)  # None (SQL null) becomes NaN


def load_inputs(session: Session) -> tuple[SiteTable, CellTable, dict[str, str]]:
    """Every site and populated cell as columns, and the municipality names by code."""
    row = session.execute(_SITE_SQL).one()
    numbers = SiteTable.NUMBERS + SiteTable.V2_NUMBERS
    texts = len(row) - len(SiteTable.V2_TEXTS)
    sites = SiteTable(
        id=np.asarray(row[0] or [], dtype=np.int64),
        source_id=np.asarray(row[1] or [], dtype=object),
        category=np.asarray(row[2] or [], dtype=object),
        kind=np.asarray(row[3] or [], dtype=object),
        x=_floats(row[4]),
        y=_floats(row[5]),
        municipality=np.asarray(row[6] or [], dtype=object),
        **{name: _floats(row[7 + i]) for i, name in enumerate(numbers)},
        **{
            name: np.asarray(row[texts + i] or [], dtype=object)
            for i, name in enumerate(SiteTable.V2_TEXTS)
        },
    )
    cell = session.execute(_CELL_SQL).one()
    cells = CellTable(
        id=np.asarray(cell[0] or [], dtype=np.int64),
        x=_floats(cell[1]),
        y=_floats(cell[2]),
        population=np.asarray(cell[3] or [], dtype=np.int64),
        municipality=np.asarray(cell[4] or [], dtype=object),
    )
    municipalities: dict[str, str] = dict(
        session.execute(text("SELECT code, name FROM municipalities")).all()
    )
    return sites, cells, municipalities


def spec_of(definition: dict[str, Any]) -> ScenarioSpec:
    """A stored definition is a valid scenario file in EPSG:3006."""
    return parse_scenario(definition)


def create_scenario(
    session: Session, spec: ScenarioSpec, kind: str = "user", user: str | None = None
) -> Scenario:
    scenario = Scenario(
        name=spec.name,
        kind=kind,
        definition=spec.to_definition(),
        outage_geom=_ewkb(spec.outage),
        created_by=user,
    )
    session.add(scenario)
    session.flush()
    _audit(session, scenario, "insert", None, user)
    return scenario


def may_edit(scenario: Scenario, user: str, editor: bool) -> bool:
    """Who may change a scenario: its owner, an editor or an admin (`editor`); built-in and
    live scenarios nobody (they are copied instead)."""
    return scenario.kind == "user" and (editor or scenario.created_by == user)


def update_scenario(
    session: Session, scenario: Scenario, spec: ScenarioSpec, user: str | None = None
) -> Scenario:
    """Replace the scenario's definition; the change goes to the audit log, old and new."""
    old = {"name": scenario.name, "definition": scenario.definition}
    scenario.name = spec.name
    scenario.definition = spec.to_definition()
    scenario.outage_geom = _ewkb(spec.outage)
    session.flush()
    _audit(session, scenario, "update", old, user)
    return scenario


def list_scenarios(session: Session) -> list[Scenario]:
    """Every scenario, built-in, live and users', by kind then id."""
    return list(session.scalars(select(Scenario).order_by(Scenario.kind, Scenario.id)))


@committed
def save_new_scenario(session: Session, spec: ScenarioSpec, user: str) -> Scenario:
    """A user's new scenario, committed."""
    return create_scenario(session, spec, user=user)


def editable_scenario(session: Session, scenario_id: int, user: str, editor: bool) -> Scenario:
    """The scenario `user` is about to change (400 for a built-in or live one, 403 for one
    they may not change)."""
    scenario = get_scenario(session, scenario_id)
    if scenario.kind != "user":
        raise BadInput("built-in and live scenarios cannot be edited; copy them first")
    if not may_edit(scenario, user, editor):
        raise Forbidden("only the scenario's owner, an editor or an admin may change it; copy it")
    return scenario


@committed
def save_scenario_changes(
    session: Session, scenario: Scenario, spec: ScenarioSpec, user: str
) -> Scenario:
    """update_scenario, committed."""
    return update_scenario(session, scenario, spec, user=user)


@committed
def copy_scenario(session: Session, scenario_id: int, user: str) -> Scenario:
    """A copy of any scenario ("<name> (kopia)") owned by `user`, committed."""
    spec = spec_of(get_scenario(session, scenario_id).definition)
    return create_scenario(session, replace(spec, name=f"{spec.name} (kopia)"), user=user)


def _audit(
    session: Session, scenario: Scenario, action: str, old: dict[str, Any] | None, user: str | None
) -> None:
    new = {"name": scenario.name, "definition": scenario.definition}
    session.add(
        AuditLog(
            user_name=user,
            table_name="scenarios",
            row_id=str(scenario.id),
            action=action,
            old=old,
            new=new,
            context=f"scenario {scenario.kind}",
        )
    )


def _ewkb(geom: shapely.Geometry | None) -> str | None:
    if geom is None:
        return None
    return shapely.to_wkb(shapely.set_srid(geom, SWEREF99TM), hex=True, include_srid=True)


def get_scenario(session: Session, scenario_id: int) -> Scenario:
    scenario = session.get(Scenario, scenario_id)
    if scenario is None:
        raise NotFound(f"no scenario with id {scenario_id}")
    return scenario


def get_run(session: Session, run_id: int) -> Run:
    run = session.get(Run, run_id)
    if run is None:
        raise NotFound(f"no run with id {run_id}")
    return run


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


def check_work(session: Session, limits: WorkLimits) -> None:
    """TooLarge (413) when the stored data has more populated cells or sites than a run may
    compute over; two counts, nothing written."""
    cells, sites = session.execute(
        text(
            "SELECT (SELECT count(*) FROM population_cells WHERE population > 0),"
            " (SELECT count(*) FROM sites)"
        )
    ).one()
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
    try:
        run = start_run(session, scenario, user=user, limits=WorkLimits.of(settings))
    except BaseException:
        session.rollback()
        raise
    commit_then_enqueue(session, run, lambda: queue.enqueue_run(settings, run.id))
    return run


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
    sites, cells, names = load_inputs(session)
    version = data_version(session)
    started = time.monotonic()

    def report(fraction: float, step: str) -> None:
        if progress is not None:
            progress(run_id, round(5 + 85 * fraction, 1), step)

    result = compute(sites, cells, names, spec.to_analysis(), report)
    report(1.0, "storing results")
    store_result(session, run, result)
    run.model_version = result.model_version
    run.parameters = result.parameters.to_dict() | {"duration_hours": result.duration_hours}
    run.data_version = version
    run.summary = {
        "municipalities": [m.to_dict() for m in result.municipalities],
        "county": result.county.to_dict(),
        "compute_seconds": round(time.monotonic() - started, 3),
    }
    run.status, run.progress, run.step, run.error = "finished", 100.0, None, None
    run.finished_at = datetime.now(UTC)
    return run


_SERVICES = ("food", "care", "shelter")
_NULL = "\\N"  # COPY's text-format null


def _text_column(values: np.ndarray) -> np.ndarray:
    """A column as COPY text, converted in C by NumPy: NaN/±inf/None → null, bools t/f."""
    if values.dtype == np.bool_:
        return np.where(values, "t", "f")
    if values.dtype.kind == "f":
        text_values = values.astype(str)
        text_values[~np.isfinite(values)] = _NULL
        return text_values
    if values.dtype == object:
        null = is_none(values)
        text_values = values.astype(str)
        text_values[null] = _NULL
        return text_values
    return values.astype(str)


def _copy(session: Session, sql: str, columns: list[np.ndarray]) -> None:
    """COPY a table's rows from columns: one text payload, formatted column-wise. Row-wise
    writes cost seconds for the 250,000 cells of a Sweden-sized run."""
    if not columns or columns[0].size == 0:
        return
    texts = [_text_column(c) for c in columns]
    payload = "\n".join(map("\t".join, zip(*texts, strict=True))) + "\n"
    conn = session.connection().connection.driver_connection
    assert conn is not None  # an open connection has its psycopg connection
    with conn.cursor() as cur, cur.copy(sql) as copy:
        copy.write(payload)


def _intervals(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Per row, its non-empty intervals [start, end) as a PostgreSQL float8[] literal
    "{a1,b1,a2,b2}" ("{}" when none); repr keeps every float exact."""
    keep = end > start
    literals = np.empty(start.shape[0], dtype=object)
    for row, (starts, ends, kept) in enumerate(
        zip(start.tolist(), end.tolist(), keep.tolist(), strict=True)
    ):
        pairs = [f"{a!r},{b!r}" for a, b, held in zip(starts, ends, kept, strict=True) if held]
        literals[row] = "{" + ",".join(pairs) + "}"
    return literals


def _bits(uncovered: np.ndarray) -> np.ndarray:
    """Rows of a (cells, instants) bool matrix as bit strings "0110" (COPY text of varbit)."""
    if uncovered.shape[1] == 0:
        return np.full(uncovered.shape[0], "", dtype=object)
    chars = np.ascontiguousarray(uncovered.astype(np.uint8) + ord("0"))
    return chars.view(f"S{uncovered.shape[1]}").ravel().astype(str).astype(object)


def uncovered_at(result: CoverageResult, service: str, rows: np.ndarray) -> np.ndarray:
    """Bit strings per cell row: bit k set when the cell is uncovered for the service at the
    timeline's instant k; None for cells covered in step 3 (covered at every instant)."""
    timeline = result.timeline
    gap = result.populated[rows] & ~result.covered[service][rows]
    matrix = np.ones((rows.size, timeline.hours.size), dtype=bool)
    position = np.full(result.cells.id.size, -1, dtype=np.int64)
    position[rows] = np.arange(rows.size)
    changing = position[timeline.covered_rows[service]]
    inside = changing >= 0
    matrix[changing[inside]] = ~timeline.covered_at[service][inside]
    out = np.full(rows.size, None, dtype=object)
    out[gap] = _bits(matrix[gap])
    return out


def store_result(session: Session, run: Run, result: CoverageResult) -> None:
    """Replace the run's rows with the result (idempotent within the caller's transaction)."""
    for table in (RunSite, RunCell, RunMunicipality, RunTimeline):
        session.execute(delete(table).where(table.run_id == run.id))
    sites = result.sites
    rows = np.flatnonzero(~is_none(result.status))
    gen = result.generator_id[rows].astype(object)
    gen[gen == -1] = None
    plant = result.plant_index[rows]
    plant_id = np.full(rows.size, None, dtype=object)
    plant_id[plant >= 0] = sites.id[plant[plant >= 0]]
    tstar = np.nan_to_num(result.cold_after_hours[rows], nan=np.inf)[:, None]
    unheated_start, unheated_end = result.unheated_start[rows], result.unheated_end[rows]
    _copy(
        session,
        "COPY run_sites (run_id, site_id, municipality_code, status, hours_unpowered_before,"
        " hours_unpowered, generator_id, arrival_hours, heat_plant_id, hours_cold,"
        " first_cold_hour, min_indoor_c, unpowered_intervals, unheated_intervals,"
        " cold_intervals) FROM STDIN",
        [
            np.full(rows.size, run.id),
            sites.id[rows],
            sites.municipality[rows],
            result.status[rows],
            result.hours_unpowered_before[rows],
            result.hours_unpowered[rows],
            gen,
            result.arrival_hours[rows],
            plant_id,
            result.hours_cold[rows],
            result.first_cold_hour[rows],
            result.min_indoor_c[rows],
            _intervals(result.unpowered_start[rows], result.unpowered_end[rows]),
            _intervals(unheated_start, unheated_end),
            # cold: (a + t*, b) of the unheated intervals longer than t*; none if not followed
            _intervals(unheated_start + tstar, unheated_end),
        ],
    )
    cells = result.cells
    crows = np.flatnonzero(result.populated)
    columns = [
        np.full(crows.size, run.id),
        cells.id[crows],
        cells.municipality[crows],
        cells.population[crows],
    ]
    columns += [result.minutes[s][crows] for s in _SERVICES]
    columns += [result.baseline_minutes[s][crows] for s in _SERVICES]
    columns += [result.covered[s][crows] for s in _SERVICES]
    columns += [result.baseline_covered[s][crows] for s in _SERVICES]
    columns += [uncovered_at(result, s, crows) for s in _SERVICES]
    _copy(
        session,
        "COPY run_cells (run_id, cell_id, municipality_code, population, food_minutes,"
        " care_minutes, shelter_minutes, food_minutes_baseline, care_minutes_baseline,"
        " shelter_minutes_baseline, food_covered, care_covered, shelter_covered,"
        " food_covered_baseline, care_covered_baseline, shelter_covered_baseline,"
        " food_uncovered_at, care_uncovered_at, shelter_uncovered_at) FROM STDIN",
        columns,
    )
    areas: list[tuple[str, str, AreaSummary]] = [(m.code, m.name, m) for m in result.municipalities]
    areas.append(("", "", result.no_municipality))
    for code, name, area in areas:
        session.add(
            RunMunicipality(
                run_id=run.id,
                code=code,
                name=name,
                population=area.population,
                uncovered_food=area.uncovered.food,
                uncovered_care=area.uncovered.care,
                uncovered_shelter=area.uncovered.shelter,
                baseline_uncovered_food=area.baseline_uncovered.food,
                baseline_uncovered_care=area.baseline_uncovered.care,
                baseline_uncovered_shelter=area.baseline_uncovered.shelter,
                care_sites_unpowered=area.care_sites_unpowered,
                residents_unpowered=area.residents_unpowered,
                resident_hours_unpowered=area.resident_hours_unpowered,
                generators_assigned=area.generators_assigned,
                **area.v2_dict(),
            )
        )
    _store_timeline(session, run, result)
    session.flush()


def _store_timeline(session: Session, run: Run, result: CoverageResult) -> None:
    timeline = result.timeline
    n = timeline.hours.size
    series = {COUNTY: timeline.county, **timeline.municipalities}
    if n == 0:
        return
    codes = list(series)
    columns = [
        np.full(n * len(codes), run.id),
        np.repeat(np.asarray(codes, dtype=object), n),
        np.tile(np.arange(n), len(codes)),
        np.tile(timeline.hours, len(codes)),
    ]
    for name in _SERIES:
        columns.append(np.concatenate([getattr(series[c], name) for c in codes]))
    for service in _SERVICES:
        columns.append(np.concatenate([series[c].uncovered[service] for c in codes]))
    _copy(
        session,
        "COPY run_timeline (run_id, code, k, hour, "
        + ", ".join(_SERIES)
        + ", uncovered_food, uncovered_care, uncovered_shelter) FROM STDIN",
        columns,
    )


# The code of the county's rows in run_timeline, and the per-area series of the timeline.
COUNTY = "county"
_SERIES = ("care_sites_unpowered", "residents_unpowered", "care_sites_cold", "residents_cold")

_RESULT_SITES_SQL = text(
    "SELECT s.id, s.source_id, s.category, s.kind, r.municipality_code AS municipality,"
    " r.status, r.hours_unpowered_before, r.hours_unpowered, r.generator_id,"
    " g.source_id AS generator_source_id, r.arrival_hours,"
    " h.source_id AS heat_plant_source_id, r.hours_cold, r.first_cold_hour, r.min_indoor_c"
    " FROM run_sites r JOIN sites s ON s.id = r.site_id"
    " LEFT JOIN sites g ON g.id = r.generator_id"
    " LEFT JOIN sites h ON h.id = r.heat_plant_id WHERE r.run_id = :run ORDER BY s.id"
)
_TIMELINE_SQL = text(
    "SELECT code, hour, "
    + ", ".join(_SERIES)
    + ", uncovered_food, uncovered_care, uncovered_shelter"
    " FROM run_timeline WHERE run_id = :run ORDER BY code = 'county' DESC, code, k"
)


def finished_run(session: Session, run_id: int) -> Run:
    """The run, or NotFound when it has no result yet."""
    run = get_run(session, run_id)
    if run.status != "finished" or run.summary is None:
        raise NotFound(f"run {run_id} has no result yet (status {run.status})")
    return run


def timeline_document(session: Session, run_id: int) -> dict[str, Any]:
    """The "timeline" of the result document, read from run_timeline."""
    hours: list[float] = []
    areas: dict[str, dict[str, Any]] = {}
    for row in session.execute(_TIMELINE_SQL, {"run": run_id}):
        code = row[0]
        if code not in areas:
            areas[code] = {name: [] for name in _SERIES} | {"uncovered": {s: [] for s in _SERVICES}}
        area = areas[code]
        if code == COUNTY:
            hours.append(row[1])
        for i, name in enumerate(_SERIES):
            area[name].append(row[2 + i])
        for i, service in enumerate(_SERVICES):
            area["uncovered"][service].append(row[2 + len(_SERIES) + i])
    county = areas.pop(COUNTY, None)
    return {"hours": hours, "county": county, "municipalities": areas}


def result_document(session: Session, run_id: int) -> dict[str, Any]:
    """The result document of coverage-model.md (version 2), read from the stored rows."""
    run = finished_run(session, run_id)
    params = dict(run.parameters or {})
    params.pop("duration_hours", None)
    return {
        "model_version": run.model_version,
        "parameters": params,
        "sites": [dict(r) for r in session.execute(_RESULT_SITES_SQL, {"run": run_id}).mappings()],
        "municipalities": run.summary["municipalities"],  # type: ignore[index]
        "county": run.summary["county"],  # type: ignore[index]
        "timeline": timeline_document(session, run_id),
    }


def latest_runs(session: Session, limit: int = 50) -> list[Run]:
    return list(session.scalars(select(Run).order_by(Run.id.desc()).limit(limit)))


def reconcile(run: Run | BackupPlan, job_state: str | None) -> str | None:
    """An error message when RQ says the job died but the run's (or plan's) row still says
    queued or running (a killed work horse cannot write its own failure); None when
    consistent."""
    if run.status not in ("queued", "running"):
        return None
    if job_state in ("failed", "stopped", "canceled"):
        what = "plan" if isinstance(run, BackupPlan) else "run"
        return run.error or f"the worker stopped unexpectedly; start the {what} again"
    return None


def shown_status(run: Run, job_state: str | None) -> tuple[str, str | None]:
    """The run's status and error as users see them: failed when RQ says the job died."""
    error = reconcile(run, job_state)
    return ("failed", error) if error else (run.status, run.error)


def unfinished_runs(session: Session) -> list[Run]:
    return list(session.scalars(select(Run).where(Run.status.in_(("queued", "running")))))


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
