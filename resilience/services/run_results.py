"""A run's results: written in bulk (COPY) when it is computed, and read back as the result
and timeline documents of coverage-model.md."""

from __future__ import annotations

import re
import struct
from typing import Any

import numpy as np
import shapely
from sqlalchemy import delete, text
from sqlalchemy.orm import Session

from resilience.analysis import AreaSummary, CoverageResult
from resilience.analysis.model import is_none
from resilience.errors import NotFound
from resilience.models import (
    Run,
    RunCell,
    RunMunicipality,
    RunSite,
    RunTimeline,
)
from resilience.services.lookup import get_or_404

_SERVICES = ("food", "care", "shelter")
_NULL = "\\N"  # COPY's text-format null


def _text_column(values: np.ndarray) -> list[str]:
    """A column as COPY text: NaN/±inf/None → null, bools t/f, floats as their shortest
    exact repr. Python's repr of a list's floats is twice as fast as NumPy's astype(str),
    and joining lists of str several times faster than joining NumPy's str scalars."""
    if values.dtype == np.bool_:
        return np.where(values, "t", "f").tolist()
    if values.dtype.kind == "f":
        texts = list(map(repr, values.tolist()))
        for row in np.flatnonzero(~np.isfinite(values)).tolist():
            texts[row] = _NULL
        return texts
    if values.dtype == object:
        texts = list(map(str, values.tolist()))
        for row in np.flatnonzero(is_none(values)).tolist():
            texts[row] = _NULL
        return texts
    return list(map(str, values.tolist()))


_COPY_ROWS = 25_000  # rows per piece: PostgreSQL stores one while the next is formatted
_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, no extension
_BINARY_TRAILER = b"\xff\xff"


def _copy(session: Session, sql: str, columns: list[np.ndarray]) -> None:
    """COPY a table's rows from columns, sent in pieces of _COPY_ROWS rows, so the server
    stores a piece while the next is made. In binary when every column's type allows it
    (the cells' and the timeline's tables: NumPy lays out the bytes, nothing is formatted
    per value), else as text formatted column-wise. Row-wise writes cost seconds for the
    250,000 cells of a Sweden-sized run."""
    if not columns or columns[0].size == 0:
        return
    kinds = _binary_kinds(session, sql, columns)
    conn = session.connection().connection.driver_connection
    assert conn is not None  # an open connection has its psycopg connection
    statement = sql if kinds is None else f"{sql} (FORMAT binary)"
    with conn.cursor() as cur, cur.copy(statement) as copy:
        if kinds is not None:
            copy.write(_BINARY_HEADER)
        for start in range(0, columns[0].size, _COPY_ROWS):
            piece = [c[start : start + _COPY_ROWS] for c in columns]
            if kinds is not None:
                copy.write(_binary_rows(piece, kinds))
                continue
            texts = [_text_column(c) for c in piece]
            copy.write("\n".join(map("\t".join, zip(*texts, strict=True))) + "\n")
        if kinds is not None:
            copy.write(_BINARY_TRAILER)


def _binary_kinds(session: Session, sql: str, columns: list[np.ndarray]) -> list[str] | None:
    """How each column is written in binary, or None when one cannot be (then: text)."""
    match = _COPY_SQL.match(sql)
    if match is None:
        return None
    types = _types(session, match[1])
    names = [name.strip() for name in match[2].split(",")]
    if len(names) != len(columns):
        return None
    kinds = []
    for name, values in zip(names, columns, strict=True):
        kind = _kind(types.get(name, ""))
        fits = {
            None: False,
            "double precision": values.dtype.kind in "fiu",
            "boolean": values.dtype == np.bool_,
            "text": values.dtype == object,
            "bit varying": values.dtype == object,
        }.get(kind, values.dtype.kind in "iu")
        if not fits or kind is None:
            return None
        kinds.append(kind)
    return kinds


# --- binary COPY: the columns' bytes laid out by NumPy, no text formatting per value ------

_FIXED = {"integer": ">i4", "bigint": ">i8", "smallint": ">i2", "double precision": ">f8"}
_COPY_SQL = re.compile(r"COPY (\w+) \(([^)]*)\) FROM STDIN$")
_column_types: dict[str, dict[str, str]] = {}


def _types(session: Session, table: str) -> dict[str, str]:
    if table not in _column_types:
        rows = session.execute(
            text(
                "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
                " WHERE attrelid = CAST(:t AS regclass) AND attnum > 0 AND NOT attisdropped"
            ),
            {"t": table},
        ).all()
        _column_types[table] = {str(n): str(t) for n, t in rows}
    return _column_types[table]


def _kind(pgtype: str) -> str | None:
    """How a column of this type is written in binary (None: not supported here)."""
    if pgtype in _FIXED or pgtype in ("boolean", "bit varying", "text"):
        return pgtype
    if pgtype.startswith("character varying"):
        return "text"
    return None


def _field(values: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """(per row the field's size with its 4-byte length, the fields' bytes one after
    another); a null is a length of -1 and no bytes."""
    n = values.size
    if kind in _FIXED or kind == "boolean":
        if kind == "boolean":
            data = values.astype(np.uint8).reshape(n, 1)
        else:
            data = values.astype(_FIXED[kind]).view(np.uint8).reshape(n, -1)
        width = data.shape[1]
        null = ~np.isfinite(values) if values.dtype.kind == "f" else np.zeros(n, dtype=bool)
        rows = np.empty((n, 4 + width), dtype=np.uint8)
        rows[:, :4] = np.frombuffer(struct.pack(">i", width), np.uint8)
        rows[:, 4:] = data
        sizes = np.full(n, 4 + width, dtype=np.int64)
        if not null.any():
            return sizes, rows.ravel()
        rows[null, :4] = 255  # -1
        sizes[null] = 4
        keep = np.ones((n, 4 + width), dtype=bool)
        keep[null, 4:] = False
        return sizes, rows[keep]
    pieces: list[bytes] = []
    sizes = np.empty(n, dtype=np.int64)
    for row, value in enumerate(values.tolist()):
        if value is None:
            pieces.append(b"\xff\xff\xff\xff")
            sizes[row] = 4
            continue
        if kind == "bit varying":
            bits = np.frombuffer(str(value).encode(), np.uint8) == ord("1")
            payload = struct.pack(">i", bits.size) + bytes(np.packbits(bits))
        else:
            payload = str(value).encode()
        pieces.append(struct.pack(">i", len(payload)) + payload)
        sizes[row] = 4 + len(payload)
    return sizes, np.frombuffer(b"".join(pieces), np.uint8)


def _binary_rows(columns: list[np.ndarray], kinds: list[str]) -> bytes:
    """The rows of a binary COPY (without its header and trailer)."""
    fields = [_field(c, k) for c, k in zip(columns, kinds, strict=True)]
    row_sizes = np.full(columns[0].size, 2, dtype=np.int64)
    for sizes, _ in fields:
        row_sizes += sizes
    row_start = np.concatenate(([0], np.cumsum(row_sizes)[:-1]))
    out = np.empty(int(row_sizes.sum()), dtype=np.uint8)
    count = np.frombuffer(struct.pack(">h", len(columns)), np.uint8)
    out[row_start] = count[0]
    out[row_start + 1] = count[1]
    at = row_start + 2
    for sizes, data in fields:
        source_start = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        out[np.repeat(at - source_start, sizes) + np.arange(data.size)] = data
        at = at + sizes
    return out.tobytes()


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
        "COPY run_sites (run_id, site_id, municipality_code, status, outage_hours,"
        " hours_unpowered_before, hours_unpowered, generator_id, arrival_hours, heat_plant_id,"
        " hours_cold, first_cold_hour, min_indoor_c, unpowered_intervals, unheated_intervals,"
        " cold_intervals) FROM STDIN",
        [
            np.full(rows.size, run.id),
            sites.id[rows],
            sites.municipality[rows],
            result.status[rows],
            result.site_outage_hours()[rows],
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
    _store_routes(session, run, result)
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
                home_care_clients_unpowered=area.home_care_clients_unpowered,
                unreachable_food=area.unreachable.food,
                unreachable_care=area.unreachable.care,
                unreachable_shelter=area.unreachable.shelter,
                baseline_unreachable_food=area.baseline_unreachable.food,
                baseline_unreachable_care=area.baseline_unreachable.care,
                baseline_unreachable_shelter=area.baseline_unreachable.shelter,
            )
        )
    _store_timeline(session, run, result)
    session.flush()


def _store_routes(session: Session, run: Run, result: CoverageResult) -> None:
    """Each assigned generator's route (v3, roads) on its site's row: a few hundred rows at
    most, one bound UPDATE each batch, after the COPY."""
    routes = [
        {
            "run": run.id,
            "site": int(result.sites.id[row]),
            "wkb": shapely.to_wkb(shapely.linestrings(xy)),
        }
        for row, xy in sorted(result.generator_routes.items())
    ]
    if routes:
        session.execute(
            text(
                "UPDATE run_sites SET generator_route = ST_GeomFromWKB(:wkb, 3006)"
                " WHERE run_id = :run AND site_id = :site"
            ),
            routes,
        )


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
    documents = {c: series[c].to_dict() for c in codes}  # v3's defaults (zeros) filled in
    for name in _SERIES + _SERIES_V3:
        columns.append(np.concatenate([np.asarray(documents[c][name]) for c in codes]))
    for group in ("uncovered", "unreachable"):
        for service in _SERVICES:
            columns.append(
                np.concatenate([np.asarray(documents[c][group][service]) for c in codes])
            )
    _copy(
        session,
        "COPY run_timeline (run_id, code, k, hour, "
        + ", ".join(_SERIES + _SERIES_V3)
        + ", uncovered_food, uncovered_care, uncovered_shelter,"
        " unreachable_food, unreachable_care, unreachable_shelter) FROM STDIN",
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
                | {"uncovered": {s: [] for s in _SERVICES}}
                | {"unreachable": {s: [] for s in _SERVICES}}
            )
        area = areas[code]
        if code == COUNTY:
            hours.append(row[1])
        for i, name in enumerate(names):
            area[name].append(row[2 + i])
        for g, group in enumerate(("uncovered", "unreachable")):
            for i, service in enumerate(_SERVICES):
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
