"""The inputs of runs and plans, read from PostGIS once per data version and kept by the
process: every site and populated cell as columns, the municipalities' names and the road
network (when the table `roads` exists and holds roads).

The data version (services/imports.data_version, migration 0018) moves in the transaction
of every change of sites, population_cells, municipalities or roads, so a reader that sees
the version sees exactly the data of that version. `run_inputs(session)` reads the version
(one row), and reads the inputs again only when it is not the one kept. The cache is a
module global of the process: an RQ worker fills it before each run, plan or live
recalculation, which then runs in that same process (workers/worker.py); a job that finds
the version moved meanwhile reads the inputs itself (correct, only slower). Several
workers on several hosts each keep their own copy, each checked against the one version in
PostgreSQL before every run and plan.

Kept arrays are made read-only: a computation that wrote into its inputs would change the
next run's (NumPy raises instead)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, fields

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from resilience.analysis import CellTable, RoadNetwork, SiteTable

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
# The version and whether this very transaction set it (then the data may change again
# before it commits: such inputs are read but not kept).
_VERSION_SQL = text(
    "SELECT version, xact = txid_current_if_assigned() FROM data_version WHERE id = 1"
)
_ROADS_SQL = text("SELECT road_class, speed_kmh, ST_AsBinary(geom) FROM roads ORDER BY id")


@dataclass(frozen=True, eq=False)
class RunInputs:
    """What a run or plan computes over, as of the data `version`; `kept` when the process
    keeps them (False: read for this transaction alone, see run_inputs)."""

    version: int
    sites: SiteTable
    cells: CellTable
    names: dict[str, str]
    roads: RoadNetwork | None
    kept: bool = True


_kept: dict[str, RunInputs] = {}  # by database URL
_lock = threading.Lock()
_stats = {"reads": 0, "hits": 0}


def _floats(values: list | None) -> np.ndarray:
    return np.asarray(values or [], dtype=np.float64)  # None (SQL null) becomes NaN


def load_inputs(session: Session) -> tuple[SiteTable, CellTable, dict[str, str]]:
    """Every site and populated cell as columns, and the municipality names by code, as
    they are now (no cache)."""
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


def load_roads(session: Session) -> RoadNetwork | None:
    """The road network of the table `roads` (migration 0015), or None (straight lines)
    when there is no such table or it holds no road."""
    if session.scalar(text("SELECT to_regclass('roads') IS NOT NULL")) is not True:
        return None
    rows = session.execute(_ROADS_SQL).all()
    if not rows:
        return None
    classes = np.asarray([r[0] for r in rows], dtype=object)
    speeds = np.asarray([np.nan if r[1] is None else r[1] for r in rows], dtype=np.float64)
    lines = shapely.from_wkb([bytes(r[2]) for r in rows])
    return RoadNetwork.from_lines(lines, classes, speeds)


def data_version_now(session: Session) -> tuple[int, bool]:
    """(the data version this session sees, whether this very transaction set it: then the
    data may change again before it commits, and nothing is to be kept by it)."""
    row = session.execute(_VERSION_SQL).one_or_none()
    if row is None:  # no row (its table emptied by hand): nothing to key on, keep nothing
        return 0, True
    return int(row[0]), bool(row[1])


def _read_only(table: SiteTable | CellTable) -> None:
    for field in fields(table):
        value = getattr(table, field.name)
        if isinstance(value, np.ndarray):
            value.flags.writeable = False


def database_key(session: Session) -> str:
    """The session's database, as what is kept per database is keyed."""
    return session.get_bind().engine.url.render_as_string(hide_password=True)


def run_inputs(session: Session) -> RunInputs:
    """The inputs as of the data version this session sees: kept ones when that version is
    kept, else read (and kept when the version did not move while they were read and this
    transaction did not change them itself)."""
    key = database_key(session)
    with _lock:
        version, own = data_version_now(session)
        kept = _kept.get(key)
        if kept is not None and not own and kept.version == version:
            _stats["hits"] += 1
            return kept
        for _attempt in range(3):
            _stats["reads"] += 1
            sites, cells, names = load_inputs(session)
            roads = load_roads(session)
            after, own = data_version_now(session)
            if after == version and not own:
                _read_only(sites)
                _read_only(cells)
                # Kept: what each computation needs of the network is built once, here.
                inputs = RunInputs(
                    version, sites, cells, names, None if roads is None else roads.warm()
                )
                _kept[key] = inputs
                return inputs
            if own:
                break
            version = after  # a change committed while reading: read again
        return RunInputs(after, sites, cells, names, roads, kept=False)


def preload(session: Session) -> RunInputs:
    """Fill (or refresh) the cache: the worker calls it before each job that computes over
    the inputs (workers/worker.py)."""
    return run_inputs(session)


def kept_version(session: Session) -> int | None:
    """The version kept for this session's database (None: nothing kept)."""
    kept = _kept.get(database_key(session))
    return None if kept is None else kept.version


def stats() -> dict[str, int]:
    """How often the inputs were read and how often the kept ones served (tests, logs)."""
    return dict(_stats)


def forget() -> None:
    """Drop every kept input (tests)."""
    with _lock:
        _kept.clear()
