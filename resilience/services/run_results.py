"""A run's results: written in bulk (COPY) when it is computed, and read back as the result
and timeline documents of coverage-model.md."""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import shapely
from sqlalchemy import BigInteger, Boolean, Float, Integer, SmallInteger, String, Text, delete, text
from sqlalchemy.dialects.postgresql import ARRAY, BIT
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from resilience.analysis import AreaSummary, CoverageResult
from resilience.analysis.model import is_none
from resilience.errors import NotFound
from resilience.models import (
    Base,
    Run,
    RunCellArrays,
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
    if values.ndim == 2:
        return _array_literals(values)
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
    types = _types(match[1])
    names = [name.strip() for name in match[2].split(",")]
    if len(names) != len(columns):
        return None
    kinds = []
    for name, values in zip(names, columns, strict=True):
        kind = _kind(types.get(name, ""))
        fits = {
            None: False,
            "double precision": values.dtype.kind in "fiu",
            "double precision[]": values.ndim == 2 and values.dtype.kind == "f",
            "boolean": values.dtype == np.bool_,
            "text": values.dtype == object,
            "bit varying": values.dtype == object,
        }.get(kind, values.dtype.kind in "iuf")  # whole numbers; a float's NaN: null
        if not fits or kind is None:
            return None
        kinds.append(kind)
    return kinds


# --- binary COPY: the columns' bytes laid out by NumPy, no text formatting per value ------

_FIXED = {"integer": ">i4", "bigint": ">i8", "smallint": ">i2", "double precision": ">f8"}
_COPY_SQL = re.compile(r"COPY (\w+) \(([^)]*)\) FROM STDIN$")


def _types(table: str) -> dict[str, str]:
    """PostgreSQL's name of each column's type (format_type's, without lengths), from the
    models, which mirror the migrations: no catalogue query in each new work horse."""
    return {c.name: _pgtype(c.type) for c in Base.metadata.tables[table].columns}


def _pgtype(type_: TypeEngine[Any]) -> str:
    if isinstance(type_, ARRAY):
        return _pgtype(type_.item_type) + "[]"
    if isinstance(type_, BIT):
        return "bit varying" if type_.varying else "bit"
    for python_type, name in (
        (BigInteger, "bigint"),
        (SmallInteger, "smallint"),
        (Integer, "integer"),
        (Float, "double precision"),
        (Boolean, "boolean"),
        (Text, "text"),
        (String, "character varying"),
    ):
        if isinstance(type_, python_type):
            return name
    return type(type_).__name__  # not written in binary


def _kind(pgtype: str) -> str | None:
    """How a column of this type is written in binary (None: not supported here)."""
    if pgtype in _FIXED or pgtype in ("boolean", "bit varying", "text", "double precision[]"):
        return pgtype
    if pgtype.startswith("character varying"):
        return "text"
    return None


def _field(values: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """(per row the field's size with its 4-byte length, the fields' bytes one after
    another); a null is a length of -1 and no bytes."""
    n = values.shape[0]
    if kind == "double precision[]":
        return _float_lists(values)
    if kind in _FIXED or kind == "boolean":
        null = np.zeros(n, dtype=bool)
        if values.dtype.kind == "f":
            null = ~np.isfinite(values)  # NaN and ±inf: null, as in text
            values = np.where(null, 0, values)  # no cast of NaN to an integer
        if kind == "boolean":
            data = values.astype(np.uint8).reshape(n, 1)
        else:
            data = values.astype(_FIXED[kind]).view(np.uint8).reshape(n, -1)
        width = data.shape[1]
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
    # Each distinct value made once: a column of codes (municipalities, statuses) has few.
    made: dict[Any, bytes] = {None: b"\xff\xff\xff\xff"}
    pieces: list[bytes] = []
    for value in values.tolist():
        piece = made.get(value)
        if piece is None:
            if kind == "bit varying":
                bits = np.frombuffer(str(value).encode(), np.uint8) == ord("1")
                payload = struct.pack(">i", bits.size) + bytes(np.packbits(bits))
            else:
                payload = str(value).encode()
            piece = made[value] = struct.pack(">i", len(payload)) + payload
        pieces.append(piece)
    sizes = np.fromiter(map(len, pieces), np.int64, n)
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
    """Per row, its non-empty intervals [start, end) as one row [a1, b1, a2, b2, ...] of a
    (rows, 2 · intervals) matrix, NaN where an interval is empty (left out: a comparison
    with NaN is false, so no kept end is NaN)."""
    keep = end > start
    out = np.full((start.shape[0], 2 * start.shape[1]), np.nan)
    out[:, 0::2] = np.where(keep, start, np.nan)
    out[:, 1::2] = np.where(keep, end, np.nan)
    return out


def _array_literals(lists: np.ndarray) -> list[str]:
    """Rows of a (rows, k) float matrix as PostgreSQL float8[] literals "{a1,b1}", its NaNs
    left out ("{}" when none); repr keeps every float exact."""
    return [
        "{" + ",".join(repr(v) for v in row if v == v) + "}"  # v != v: NaN
        for row in lists.tolist()
    ]


def _float_lists(lists: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """_field of a float8[] column: per row a one-dimensional array of the row's values of a
    (rows, k) float matrix, its NaNs left out (an empty array when none)."""
    n, k = lists.shape
    present = ~np.isnan(lists)
    counts = present.sum(axis=1)
    head = np.empty((n, 24), dtype=np.uint8)  # the field's length, then the array's header
    head[:, :4] = (20 + 12 * counts).astype(">i4").view(np.uint8).reshape(n, 4)
    head[:, 4:16] = np.frombuffer(
        struct.pack(">iii", 1, 0, _ELEMENT_OIDS["double precision"]), np.uint8
    )
    head[:, 16:20] = counts.astype(">i4").view(np.uint8).reshape(n, 4)
    head[:, 20:24] = np.frombuffer(struct.pack(">i", 1), np.uint8)
    elements = np.empty((n, k, 12), dtype=np.uint8)
    elements[:, :, :4] = np.frombuffer(struct.pack(">i", 8), np.uint8)
    elements[:, :, 4:] = np.where(present, lists, 0.0).astype(">f8").view(np.uint8).reshape(n, k, 8)
    rows = np.concatenate([head, elements.reshape(n, 12 * k)], axis=1)
    keep = np.concatenate([np.ones((n, 24), dtype=bool), np.repeat(present, 12, axis=1)], axis=1)
    return 24 + 12 * counts.astype(np.int64), rows[keep]


def _uncovered_matrix(
    result: CoverageResult, service: str, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(per cell row: not covered in step 3, a (rows, instants) matrix: uncovered at the
    timeline's instant k); rows covered in step 3 are covered at every instant."""
    timeline = result.timeline
    gap = result.populated[rows] & ~result.covered[service][rows]
    matrix = np.ones((rows.size, timeline.hours.size), dtype=bool)
    position = np.full(result.cells.id.size, -1, dtype=np.int64)
    position[rows] = np.arange(rows.size)
    changing = position[timeline.covered_rows[service]]
    inside = changing >= 0
    matrix[changing[inside]] = ~timeline.covered_at[service][inside]
    return gap, matrix


# --- one row of arrays in binary COPY: the elements' bytes laid out by NumPy --------------

# PostgreSQL's OIDs of the element types (fixed in its catalogue), which an array's binary
# form names.
_ELEMENT_OIDS = {
    "bigint": 20,
    "integer": 23,
    "double precision": 701,
    "boolean": 16,
    "text": 25,
    "character varying": 1043,
    "bit varying": 1562,
}


def _array(elements: bytes | np.ndarray, count: int, oid: int, has_null: bool) -> bytes:
    """A one-dimensional array's binary form, its elements already laid out (each with its
    4-byte length, -1 for a null)."""
    header = struct.pack(">iiiii", 1, int(has_null), oid, count, 1)
    return header + (elements if isinstance(elements, bytes) else elements.tobytes())


def _array_of(values: np.ndarray, pgtype: str) -> bytes:
    """A column's values as the binary form of a PostgreSQL array of `pgtype`."""
    kind = _kind(pgtype)
    if kind is None or kind == "bit varying":
        raise TypeError(f"no binary array of {pgtype}")
    _sizes, data = _field(values, kind)
    if values.dtype.kind == "f":
        nulls = bool((~np.isfinite(values)).any())
    else:
        nulls = values.dtype == object and bool(is_none(values).any())
    oid = _ELEMENT_OIDS[pgtype.split("(")[0]]
    return _array(data, values.size, oid, nulls)


def _bit_array(result: CoverageResult, service: str, rows: np.ndarray) -> bytes:
    """The cells' (`rows`) bit strings of _uncovered_matrix (bit k: uncovered at instant
    k) where not covered in step 3, else null, as the binary form of a bit varying[]: every
    string has the same length, so the elements are laid out as one fixed-width matrix."""
    gap, matrix = _uncovered_matrix(result, service, rows)
    n, bits = matrix.shape
    packed = np.packbits(matrix, axis=1) if bits else np.zeros((n, 0), dtype=np.uint8)
    width = 4 + packed.shape[1]  # the bit count, then the bytes
    elements = np.empty((n, 4 + width), dtype=np.uint8)
    elements[:, :4] = np.frombuffer(struct.pack(">i", width), np.uint8)
    elements[:, 4:8] = np.frombuffer(struct.pack(">i", bits), np.uint8)
    elements[:, 8:] = packed
    keep = np.zeros((n, 4 + width), dtype=bool)
    keep[gap] = True
    keep[~gap, :4] = True
    elements[~gap, :4] = 255  # a null: length -1, no bytes
    return _array(elements[keep], n, _ELEMENT_OIDS["bit varying"], bool((~gap).any()))


def _copy_arrays(
    session: Session, table: str, fields: dict[str, np.ndarray | Callable[[], bytes]]
) -> None:
    """COPY one row into `table` whose fields are NumPy columns (written as arrays when the
    table's column is one, else as the first value, e.g. the run's id) or functions that
    make a field's binary form. Each field is sent as soon as it is made, so the server
    reads one array while the next is laid out."""
    types = _types(table)
    conn = session.connection().connection.driver_connection
    assert conn is not None  # an open connection has its psycopg connection
    statement = f"COPY {table} ({', '.join(fields)}) FROM STDIN (FORMAT binary)"
    with conn.cursor() as cur, cur.copy(statement) as copy:
        copy.write(_BINARY_HEADER + struct.pack(">h", len(fields)))
        for name, values in fields.items():
            pgtype = types[name]
            if not isinstance(values, np.ndarray):
                payload = values()
            elif pgtype.endswith("[]"):
                payload = _array_of(values, pgtype[:-2])
            else:
                kind = _kind(pgtype)
                assert kind is not None and values.size == 1
                payload = _field(values, kind)[1].tobytes()[4:]
            copy.write(struct.pack(">i", len(payload)))
            copy.write(payload)
        copy.write(_BINARY_TRAILER)


def store_result(session: Session, run: Run, result: CoverageResult) -> None:
    """Replace the run's rows with the result (idempotent within the caller's transaction)."""
    for table in (RunSite, RunCellArrays, RunMunicipality, RunTimeline):
        session.execute(delete(table).where(table.run_id == run.id))
    sites = result.sites
    rows = np.flatnonzero(~is_none(result.status))
    gen = result.generator_id[rows].astype(float)
    gen[gen == -1] = np.nan  # null
    plant = result.plant_index[rows]
    plant_id = np.full(rows.size, np.nan)
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
    crows = crows[np.argsort(cells.id[crows], kind="stable")]  # the arrays in cell_id order
    if crows.size:
        fields: dict[str, np.ndarray | Callable[[], bytes]] = {
            "run_id": np.array([run.id]),
            "cell_id": cells.id[crows],
            "municipality_code": cells.municipality[crows],
            "population": cells.population[crows],
        }
        for s in _SERVICES:
            fields[f"{s}_minutes"] = result.minutes[s][crows]
        for s in _SERVICES:
            fields[f"{s}_minutes_baseline"] = result.baseline_minutes[s][crows]
        for s in _SERVICES:
            fields[f"{s}_covered"] = result.covered[s][crows]
        for s in _SERVICES:
            fields[f"{s}_covered_baseline"] = result.baseline_covered[s][crows]
        for s in _SERVICES:
            fields[f"{s}_uncovered_at"] = partial(_bit_array, result, s, crows)
        _copy_arrays(session, "run_cell_arrays", fields)
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
