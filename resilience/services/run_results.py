"""A run's results: written in bulk (COPY, services/bulk_copy.py) when it is computed, and
read back as the result and timeline documents of coverage-model.md."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Select, delete, select, text
from sqlalchemy.orm import Session

from resilience.analysis import AreaSummary, CellTable, CoverageResult
from resilience.analysis.model import SERVICES, is_none
from resilience.errors import NotFound
from resilience.models import (
    COVERED_BITS,
    Run,
    RunBaseline,
    RunCellArrays,
    RunCellInputs,
    RunMunicipality,
    RunSiteArrays,
    RunTimeline,
)
from resilience.services import bulk_copy
from resilience.services.lookup import get_or_404
from resilience.vocabulary import SWEREF99TM

# A row of arrays for bulk_copy.copy_row_of_arrays: its columns, or functions making them.
_Fields = dict[str, np.ndarray | Callable[[], bytes]]
# The advisory locks' spaces of run_cell_inputs rows (per version) and run_baselines rows
# (per digest).
_INPUTS_LOCK = 22_0027
_BASELINE_LOCK = 22_0028


def _intervals(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Per row, its non-empty intervals [start, end) as one row [a1, b1, a2, b2, ...] of a
    (rows, 2 · intervals) matrix, NaN where an interval is empty (left out: a comparison
    with NaN is false, so no kept end is NaN)."""
    keep = end > start
    out = np.full((start.shape[0], 2 * start.shape[1]), np.nan)
    out[:, 0::2] = np.where(keep, start, np.nan)
    out[:, 1::2] = np.where(keep, end, np.nan)
    return out


def _uncovered_bits(
    result: CoverageResult, service: str, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(per cell row: not covered in step 3, a (those rows, instants) matrix: uncovered at
    the timeline's instant k); a gap row outside the timeline's changing rows is uncovered
    at every instant. Only the gap rows (a few percent) get a matrix row."""
    timeline = result.timeline
    gap = result.populated[rows] & ~result.covered[service][rows]
    gap_rows = rows[gap]
    matrix = np.ones((gap_rows.size, timeline.hours.size), dtype=bool)
    position = np.full(result.cells.id.size, -1, dtype=np.int64)
    position[gap_rows] = np.arange(gap_rows.size)
    changing = position[timeline.covered_rows[service]]
    inside = changing >= 0
    matrix[changing[inside]] = ~timeline.covered_at[service][inside]
    return gap, matrix


def _bit_array(result: CoverageResult, service: str, rows: np.ndarray) -> bytes:
    """The cells' (`rows`) bit strings of _uncovered_bits (bit k: uncovered at instant
    k) where not covered in step 3, else null, as the binary form of a bit varying[]."""
    gap, matrix = _uncovered_bits(result, service, rows)
    return bulk_copy.bit_string_array(matrix, gap)


def _covered_flags(result: CoverageResult, rows: np.ndarray) -> np.ndarray:
    """Per cell row, its six covered booleans (scenario and baseline per service) as the
    bits of COVERED_BITS in one small integer (run_cell_arrays.covered, migration 0025)."""
    flags = np.zeros(rows.size, dtype=np.int16)
    for s in SERVICES:
        flags[result.covered[s][rows]] |= COVERED_BITS[f"{s}_covered"]
        flags[result.baseline_covered[s][rows]] |= COVERED_BITS[f"{s}_covered_baseline"]
    return flags


def covered_cells(cells: CellTable) -> np.ndarray:
    """The rows of the cells a run covers, in the order of its arrays: the populated cells,
    their ids ascending."""
    return _covered(cells)[0]


# The covered rows and digest of the last kept CellTable: a worker keeps one per data
# version (read-only arrays, services/run_inputs.py), so its runs after the first skip the
# digest (25 ms of a Sweden-sized run's store) and the sort.
_last_covered: tuple[CellTable, np.ndarray, str] | None = None


def _covered(cells: CellTable) -> tuple[np.ndarray, str]:
    """(covered_cells, a digest of their ids, municipality codes and population)."""
    global _last_covered
    last = _last_covered
    if last is not None and last[0] is cells:
        return last[1], last[2]
    rows = np.flatnonzero(cells.population > 0)
    rows = rows[np.argsort(cells.id[rows], kind="stable")]
    h = hashlib.blake2b(digest_size=20)
    h.update(np.ascontiguousarray(cells.id[rows], dtype="<i8").tobytes())
    h.update("\x1f".join("" if c is None else str(c) for c in cells.municipality[rows]).encode())
    h.update(np.ascontiguousarray(cells.population[rows], dtype="<i8").tobytes())
    digest = h.hexdigest()
    if not (cells.id.flags.writeable or cells.population.flags.writeable):
        _last_covered = (cells, rows, digest)  # kept inputs cannot change under it
    return rows, digest


def keep_cell_inputs(session: Session, version: int, cells: CellTable) -> bool:
    """Whether the data version's RunCellInputs row holds exactly the cells a run of these
    cells covers, written now when there is none (e.g. by the worker as it keeps a version's
    inputs, so that its first run need not); a row of other cells (the data changed within
    the version's own transaction) is left alone: False."""
    rows, digest = _covered(cells)
    stored = _written_once(
        session,
        select(RunCellInputs.digest).where(RunCellInputs.data_version == version),
        (_INPUTS_LOCK, version % 2**31),
        "run_cell_inputs",
        lambda: {
            "data_version": np.array([version]),
            "digest": np.array([digest], dtype=object),
            "cell_id": cells.id[rows],
            "municipality_code": cells.municipality[rows],
            "population": cells.population[rows],
        },
    )
    return stored is None or stored == digest


def keep_baseline(session: Session, minutes: dict[str, np.ndarray]) -> str:
    """The digest of a run's baseline minutes (per service, in the order of its cells), their
    RunBaseline row written now when there is none. Content-addressed: every run whose
    baseline is the same (one data version, one set of travel parameters) names one row,
    and a baseline that differs in any minute gets its own."""
    h = hashlib.sha256()
    for s in SERVICES:
        values = np.ascontiguousarray(minutes[s], dtype="<f8")
        h.update(struct.pack("<q", values.size))
        h.update(values.data)
    digest = h.hexdigest()
    _written_once(
        session,
        select(RunBaseline.digest).where(RunBaseline.digest == digest),
        (_BASELINE_LOCK, int(digest[:7], 16)),
        "run_baselines",
        lambda: (
            {"digest": np.array([digest], dtype=object)}
            | {f"{s}_minutes_baseline": minutes[s] for s in SERVICES}
        ),
    )
    return digest


def _written_once(
    session: Session,
    find: Select[Any],
    lock: tuple[int, int],
    table: str,
    fields: Callable[[], Mapping[str, np.ndarray]],
) -> str | None:
    """The digest `find` finds of a shared row, or None when there was none and the row is
    written now (one row of fields() into `table`). Two processes writing one row at once
    wait on each other: the second looks again under the advisory lock `lock`, held until
    the transaction ends."""
    stored: str | None = session.scalar(find)
    if stored is not None:
        return stored
    session.execute(
        text("SELECT pg_advisory_xact_lock(:space, :key)"), {"space": lock[0], "key": lock[1]}
    )
    stored = session.scalar(find)
    if stored is None:
        bulk_copy.copy_row_of_arrays(session, table, fields())
    return stored


def store_result(
    session: Session, run: Run, result: CoverageResult, data_version: int | None = None
) -> None:
    """Replace the run's rows with the result (idempotent within the caller's transaction).
    With the run's data_version, its cells' ids, municipality codes and population are
    those of the version's RunCellInputs (written now if need be), and its baseline
    minutes those of a RunBaseline, not its own arrays."""
    for table in (RunSiteArrays, RunCellArrays, RunMunicipality, RunTimeline):
        session.execute(delete(table).where(table.run_id == run.id))
    _store_sites(session, run, result)
    cells = result.cells
    crows = covered_cells(cells)
    if crows.size:
        fields: _Fields = {"run_id": np.array([run.id])}
        shared = data_version is not None and keep_cell_inputs(session, data_version, cells)
        if not shared:
            fields["cell_id"] = cells.id[crows]
            fields["municipality_code"] = cells.municipality[crows]
            fields["population"] = cells.population[crows]
        for s in SERVICES:
            fields[f"{s}_minutes"] = result.minutes[s][crows]
        baseline = {s: result.baseline_minutes[s][crows] for s in SERVICES}
        if data_version is None:
            fields.update((f"{s}_minutes_baseline", baseline[s]) for s in SERVICES)
        else:
            fields["baseline_digest"] = np.array([keep_baseline(session, baseline)], dtype=object)
        for s in SERVICES:
            fields[f"{s}_uncovered_at"] = partial(_bit_array, result, s, crows)
        fields["covered"] = _covered_flags(result, crows)
        bulk_copy.copy_row_of_arrays(session, "run_cell_arrays", fields)
    _store_municipalities(session, run, result)
    _store_timeline(session, run, result)
    session.flush()


def _store_municipalities(session: Session, run: Run, result: CoverageResult) -> None:
    """A row per municipality and one (code '') for what lies in none, in one COPY (7 ms
    of a Sweden-sized run's 290 rows; the ORM's insert took 13 ms)."""
    areas: list[tuple[str, str, AreaSummary]] = [(m.code, m.name, m) for m in result.municipalities]
    areas.append(("", "", result.no_municipality))
    rows = [
        dict(
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
            home_care_clients_unpowered=area.home_care_clients_unpowered,
            unreachable_food=area.unreachable.food,
            unreachable_care=area.unreachable.care,
            unreachable_shelter=area.unreachable.shelter,
            baseline_unreachable_food=area.baseline_unreachable.food,
            baseline_unreachable_care=area.baseline_unreachable.care,
            baseline_unreachable_shelter=area.baseline_unreachable.shelter,
        )
        for code, name, area in areas
    ]
    columns: list[np.ndarray] = [np.full(len(rows), run.id)]
    for name in rows[0]:
        values = [row[name] for row in rows]
        if name in ("code", "name"):
            columns.append(np.array(values, dtype=object))
        else:  # numbers, a null as NaN (exact: counts are far below 2**53)
            columns.append(np.array([np.nan if v is None else v for v in values], dtype=float))
    bulk_copy.copy_rows(
        session, f"COPY run_municipalities (run_id, {', '.join(rows[0])}) FROM STDIN", columns
    )


def _store_sites(session: Session, run: Run, result: CoverageResult) -> None:
    """The sites the run follows (a status), as one row of arrays in site_id order; each
    assigned generator's route (v3, roads) as its EWKB, null for the other sites."""
    sites = result.sites
    rows = np.flatnonzero(~is_none(result.status))
    rows = rows[np.argsort(sites.id[rows], kind="stable")]
    if not rows.size:
        return
    gen = result.generator_id[rows].astype(float)
    gen[gen == -1] = np.nan  # null
    plant = result.plant_index[rows]
    plant_id = np.full(rows.size, np.nan)
    plant_id[plant >= 0] = sites.id[plant[plant >= 0]]
    tstar = np.nan_to_num(result.cold_after_hours[rows], nan=np.inf)[:, None]
    unheated_start, unheated_end = result.unheated_start[rows], result.unheated_end[rows]
    routes = np.full(rows.size, None, dtype=object)
    position = np.empty(sites.id.size, dtype=np.int64)
    position[rows] = np.arange(rows.size)
    for row, xy in result.generator_routes.items():
        line = shapely.set_srid(shapely.linestrings(xy), SWEREF99TM)
        routes[position[row]] = shapely.to_wkb(line, include_srid=True)
    fields: _Fields = {
        "run_id": np.array([run.id]),
        "site_id": sites.id[rows],
        "municipality_code": sites.municipality[rows],
        "status": result.status[rows],
        "hours_unpowered_before": result.hours_unpowered_before[rows],
        "hours_unpowered": result.hours_unpowered[rows],
        "generator_id": gen,
        "arrival_hours": result.arrival_hours[rows],
        "heat_plant_id": plant_id,
        "hours_cold": result.hours_cold[rows],
        "first_cold_hour": result.first_cold_hour[rows],
        "min_indoor_c": result.min_indoor_c[rows],
        "unpowered_intervals": bulk_copy.float_array_texts(
            _intervals(result.unpowered_start[rows], result.unpowered_end[rows])
        ),
        "unheated_intervals": bulk_copy.float_array_texts(_intervals(unheated_start, unheated_end)),
        # cold: (a + t*, b) of the unheated intervals longer than t*; none if not followed
        "cold_intervals": bulk_copy.float_array_texts(
            _intervals(unheated_start + tstar, unheated_end)
        ),
        "outage_hours": result.site_outage_hours()[rows],
        "generator_route": routes,
    }
    bulk_copy.copy_row_of_arrays(session, "run_site_arrays", fields)


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
    per_area = [series[c].columns() for c in codes]
    names = list(per_area[0])
    columns += [np.concatenate([area[name] for area in per_area]) for name in names]
    bulk_copy.copy_rows(
        session,
        f"COPY run_timeline (run_id, code, k, hour, {', '.join(names)}) FROM STDIN",
        columns,
    )


# The code of the county's rows in run_timeline, and the per-area series of the timeline.
COUNTY = "county"
_SERIES = ("care_sites_unpowered", "residents_unpowered", "care_sites_cold", "residents_cold")
_SERIES_V3 = ("home_care_clients_unpowered",)  # null in the rows of runs before v3

_RESULT_SITES_SQL = text(
    "SELECT s.id, s.source_id, s.category, s.kind, r.municipality_code AS municipality,"
    " r.status, r.outage_hours, r.hours_unpowered_before, r.hours_unpowered, r.generator_id,"
    " g.source_id AS generator_source_id, r.arrival_hours,"
    " h.source_id AS heat_plant_source_id, r.hours_cold, r.first_cold_hour, r.min_indoor_c"
    " FROM run_sites r JOIN sites s ON s.id = r.site_id"
    " LEFT JOIN sites g ON g.id = r.generator_id"
    " LEFT JOIN sites h ON h.id = r.heat_plant_id WHERE r.run_id = :run ORDER BY s.id"
)
_TIMELINE_SQL = text(
    "SELECT code, hour, "
    + ", ".join(_SERIES + _SERIES_V3)
    + ", uncovered_food, uncovered_care, uncovered_shelter,"
    " unreachable_food, unreachable_care, unreachable_shelter"
    " FROM run_timeline WHERE run_id = :run ORDER BY code = 'county' DESC, code, k"
)


def finished_run(session: Session, run_id: int) -> Run:
    """The run, or NotFound when it has no result yet."""
    run = get_or_404(session, Run, run_id, "run")
    if run.status != "finished" or run.summary is None:
        raise NotFound(f"run {run_id} has no result yet (status {run.status})")
    return run


def timeline_document(session: Session, run_id: int) -> dict[str, Any]:
    """The "timeline" of the result document, read from run_timeline. The v3 series
    (home_care_clients_unpowered, unreachable) are left out for runs computed before v3,
    whose rows hold null there."""
    hours: list[float] = []
    areas: dict[str, dict[str, Any]] = {}
    names = _SERIES + _SERIES_V3
    v3 = True
    for row in session.execute(_TIMELINE_SQL, {"run": run_id}):
        code = row[0]
        if code not in areas:
            areas[code] = (
                {name: [] for name in names}
                | {"uncovered": {s: [] for s in SERVICES}}
                | {"unreachable": {s: [] for s in SERVICES}}
            )
        area = areas[code]
        if code == COUNTY:
            hours.append(row[1])
        for i, name in enumerate(names):
            area[name].append(row[2 + i])
        for g, group in enumerate(("uncovered", "unreachable")):
            for i, service in enumerate(SERVICES):
                area[group][service].append(row[2 + len(names) + 3 * g + i])
        v3 = v3 and row[2 + len(_SERIES)] is not None
    if not v3:
        for area in areas.values():
            for name in (*_SERIES_V3, "unreachable"):
                area.pop(name)
    county = areas.pop(COUNTY, None)
    return {"hours": hours, "county": county, "municipalities": areas}


def result_document(session: Session, run_id: int) -> dict[str, Any]:
    """The result document of coverage-model.md (version 3), read from the stored rows: equal
    to compute()'s to_document(). A run computed before v3 reads back as it was stored
    (its model_version says which), without the v3 fields."""
    run = finished_run(session, run_id)
    params = dict(run.parameters or {})
    params.pop("duration_hours", None)
    v3 = (run.model_version or 0) >= 3
    sites = [dict(r) for r in session.execute(_RESULT_SITES_SQL, {"run": run_id}).mappings()]
    if not v3:
        for site in sites:
            site.pop("outage_hours")
    summary = run.summary or {}
    document = {
        "model_version": run.model_version,
        "parameters": params,
        "sites": sites,
        "municipalities": summary["municipalities"],
        "county": summary["county"],
        "timeline": timeline_document(session, run_id),
    }
    if v3:
        document["roads"] = summary.get("roads")
    return document
