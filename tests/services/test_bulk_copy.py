"""COPY from NumPy columns against PostGIS: a table's rows read back the same whether they
went in binary or as text (nulls, exact floats, more rows than one piece), and one row of
arrays with its nulls and bit strings."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from resilience.scenarios import parse_scenario
from resilience.services import bulk_copy, runs, scenarios
from tests.factories import OUTAGE_ABACKA, small_county

TIMELINE_COPY = (
    "COPY run_timeline (run_id, code, k, hour, care_sites_unpowered, residents_unpowered,"
    " care_sites_cold, residents_cold, uncovered_food, uncovered_care, uncovered_shelter,"
    " home_care_clients_unpowered) FROM STDIN"
)
SERVICES = ("food", "care", "shelter")
# run_site_arrays' columns of numbers (none of them null)
NUMBERS = (
    "hours_unpowered_before",
    "hours_unpowered",
    "generator_id",
    "arrival_hours",
    "heat_plant_id",
    "hours_cold",
    "first_cold_hour",
    "min_indoor_c",
    "outage_hours",
)


def _run_id(session: Session) -> int:
    small_county(session)
    scenario = scenarios.create_scenario(session, parse_scenario(OUTAGE_ABACKA))
    return runs.start_run(session, scenario).id


def _timeline(session: Session, run_id: int, code: str) -> list[tuple[object, ...]]:
    return [
        tuple(row)
        for row in session.execute(
            text(
                "SELECT k, hour, care_sites_unpowered, residents_unpowered, care_sites_cold,"
                " residents_cold, uncovered_food, uncovered_care, uncovered_shelter,"
                " home_care_clients_unpowered FROM run_timeline"
                " WHERE run_id = :run AND code = :code ORDER BY k"
            ),
            {"run": run_id, "code": code},
        )
    ]


def test_rows_read_back_the_same_in_binary_and_as_text(db_session: Session) -> None:
    """The same values twice, under two codes: as NumPy columns every type of which has a
    binary form (whole numbers, floats, a float column with NaN written to an integer
    column as null), and with the step a column of Python objects, which only text takes.
    More rows than one piece of the COPY."""
    run_id = _run_id(db_session)
    n = 30_001
    k = np.arange(n)
    hour = k / 3  # floats that are exact only when written as their shortest repr
    clients = np.where(k % 7 == 0, np.nan, k % 5).astype(float)
    counts = [k % 11, k % 13, k % 17, k % 19, k * 1000, k * 2000, k * 3000]

    def columns(code: str, steps: np.ndarray, home_care: np.ndarray) -> list[np.ndarray]:
        return [
            np.full(n, run_id),
            np.full(n, code, dtype=object),
            steps,
            hour,
            *counts,
            home_care,
        ]

    bulk_copy.copy_rows(db_session, TIMELINE_COPY, columns("bin", k, clients))
    as_objects = np.array([None if c != c else int(c) for c in clients.tolist()], dtype=object)
    bulk_copy.copy_rows(db_session, TIMELINE_COPY, columns("txt", k.astype(object), as_objects))

    binary, texts = _timeline(db_session, run_id, "bin"), _timeline(db_session, run_id, "txt")
    assert len(binary) == n and binary == texts
    assert [row[1] for row in binary] == hour.tolist()  # every float exact
    assert binary[0][-1] is None and binary[1][-1] == 1  # NaN: null; 1.0 into an integer: 1
    assert binary[-1][6] == (n - 1) * 1000


def test_no_rows_copy_nothing(db_session: Session) -> None:
    run_id = _run_id(db_session)
    empty = np.array([], dtype=np.int64)
    bulk_copy.copy_rows(db_session, TIMELINE_COPY, [empty] * 12)
    assert _timeline(db_session, run_id, "county") == []


def test_one_row_of_arrays_with_its_nulls_and_bit_strings(db_session: Session) -> None:
    """A run's cells as one row: arrays of whole numbers, codes with a null, floats with
    NaN as null, booleans, and bit strings null where a row is not present."""
    run_id = _run_id(db_session)
    minutes = np.array([1.5, np.nan, 1 / 3])
    bits = np.array([[True, False, True], [False, False, False], [False, True, True]])
    present = np.array([True, False, True])
    fields: dict[str, np.ndarray | Callable[[], bytes]] = {
        "run_id": np.array([run_id]),
        "cell_id": np.array([10, 20, 30]),
        "municipality_code": np.array(["2403", None, "2404"], dtype=object),
        "population": np.array([5, 0, 12]),
    }
    for s in SERVICES:
        fields[f"{s}_minutes"] = minutes
        fields[f"{s}_minutes_baseline"] = minutes * 2
        fields[f"{s}_uncovered_at"] = lambda: bulk_copy.bit_string_array(bits[present], present)
    # covered everywhere in the baseline (8 + 16 + 32); the second cell lost its food (1)
    fields["covered"] = np.array([63, 62, 63], dtype=np.int16)
    bulk_copy.copy_row_of_arrays(db_session, "run_cell_arrays", fields)

    row = db_session.execute(
        text(
            "SELECT cell_id, municipality_code, population, care_minutes,"
            " shelter_minutes_baseline, covered, food_uncovered_at::text[]"
            " FROM run_cell_arrays WHERE run_id = :run"
        ),
        {"run": run_id},
    ).one()
    assert row[0] == [10, 20, 30]
    assert row[1] == ["2403", None, "2404"]
    assert row[2] == [5, 0, 12]
    assert row[3] == [1.5, None, 1 / 3]
    assert row[4] == [3.0, None, 2 / 3]
    assert row[5] == [63, 62, 63]
    assert row[6] == ["101", None, "011"]
    cells = db_session.execute(
        text(
            "SELECT cell_id, care_uncovered_at::text, food_covered, care_covered,"
            " food_covered_baseline FROM run_cells WHERE run_id = :run"
        ),
        {"run": run_id},
    ).all()
    assert sorted(tuple(c) for c in cells) == [
        (10, "101", True, True, True),
        (20, None, False, True, True),
        (30, "011", True, True, True),
    ]


def test_bit_strings_of_no_instants(db_session: Session) -> None:
    """A run without instants: every present row's bit string is empty."""
    run_id = _run_id(db_session)
    fields: dict[str, np.ndarray | Callable[[], bytes]] = {
        "run_id": np.array([run_id]),
        "cell_id": np.array([1, 2]),
        "municipality_code": np.array(["2403", "2403"], dtype=object),
        "population": np.array([1, 1]),
    }
    empty = np.zeros((2, 0), dtype=bool)
    for s in SERVICES:
        fields[f"{s}_minutes"] = np.array([1.0, 2.0])
        fields[f"{s}_minutes_baseline"] = np.array([1.0, 2.0])
        fields[f"{s}_uncovered_at"] = lambda: bulk_copy.bit_string_array(
            empty[1:], np.array([False, True])
        )
    fields["covered"] = np.array([63, 56], dtype=np.int16)  # the second: baseline only
    bulk_copy.copy_row_of_arrays(db_session, "run_cell_arrays", fields)
    stored = db_session.scalar(
        text("SELECT shelter_uncovered_at::text[] FROM run_cell_arrays WHERE run_id = :run"),
        {"run": run_id},
    )
    assert stored == [None, ""]


def test_a_sites_intervals_and_route_read_back_through_run_sites(db_session: Session) -> None:
    """A run's sites as one row: each site's intervals as the text of a float8[] (NaN left
    out, exact floats and infinity kept, '{}' when none) and a route's EWKB, read back
    through the view run_sites as float8[] and geometry, in site_id order."""
    run_id = _run_id(db_session)
    sites = db_session.scalars(text("SELECT id FROM sites ORDER BY id LIMIT 3")).all()
    intervals = np.array(
        [[0.0, 1 / 3, np.nan, np.nan], [np.nan, np.nan, np.nan, np.nan], [0.0, 1 / 3, 5, np.inf]]
    )
    line = shapely.set_srid(shapely.linestrings([[1, 2], [3, 4.5]]), 3006)
    route = shapely.to_wkb(line, include_srid=True)
    three = np.array([1.0, 2.0, 3.0])
    fields: dict[str, np.ndarray | Callable[[], bytes]] = {
        "run_id": np.array([run_id]),
        "site_id": np.array(sites),
        "municipality_code": np.array(["2403", None, "2404"], dtype=object),
        "status": np.array(["grid", "backup", "none"], dtype=object),
        "hours_unpowered_before": three,
        "hours_unpowered": three,
        "generator_id": np.array([np.nan, sites[0], np.nan]),
        "arrival_hours": three,
        "heat_plant_id": np.array([np.nan, np.nan, np.nan]),
        "hours_cold": three,
        "first_cold_hour": three,
        "min_indoor_c": three,
        "outage_hours": three,
        "generator_route": np.array([None, route, None], dtype=object),
    }
    for name in ("unpowered_intervals", "unheated_intervals", "cold_intervals"):
        fields[name] = bulk_copy.float_array_texts(intervals)
    bulk_copy.copy_row_of_arrays(db_session, "run_site_arrays", fields)

    rows = db_session.execute(
        text(
            "SELECT site_id, municipality_code, status, generator_id, cold_intervals,"
            " ST_AsText(generator_route), ST_SRID(generator_route)"
            " FROM run_sites WHERE run_id = :run"
        ),
        {"run": run_id},
    ).all()
    assert [tuple(r) for r in rows] == [
        (sites[0], "2403", "grid", None, [0.0, 1 / 3], None, None),
        (sites[1], None, "backup", sites[0], [], "LINESTRING(1 2,3 4.5)", 3006),
        (sites[2], "2404", "none", None, [0.0, 1 / 3, 5.0, float("inf")], None, None),
    ]


def test_many_values_of_a_few_kinds_read_back_in_their_order(db_session: Session) -> None:
    """A column of many values of a few distinct ones (statuses of unequal length, codes
    with nulls, intervals' texts, routes mostly null), laid out by gathering each distinct
    value's bytes, reads back value for value; names with å, ä, ö too (a timeline's codes)."""
    run_id = _run_id(db_session)
    n = 1_000
    rng = np.random.default_rng(7)
    pick = rng.integers(0, 4, n)
    status = np.array(["grid", "backup", "partial", "none"], dtype=object)[pick]
    codes = np.array(["2480", None, "2482", "2403"], dtype=object)[rng.integers(0, 4, n)]
    intervals = np.array([[np.nan, np.nan], [0.0, 24.0], [1 / 3, 5.0]])[rng.integers(0, 3, n)]
    line = shapely.set_srid(shapely.linestrings([[1, 2], [3, 4.5]]), 3006)
    routes = np.full(n, None, dtype=object)
    routes[::97] = shapely.to_wkb(line, include_srid=True)
    fields: dict[str, np.ndarray | Callable[[], bytes]] = {
        "run_id": np.array([run_id]),
        "site_id": np.arange(n) + 1,
        "municipality_code": codes,
        "status": status,
        "unpowered_intervals": bulk_copy.float_array_texts(intervals),
        "generator_route": routes,
    }
    for name in ("unheated_intervals", "cold_intervals"):
        fields[name] = fields["unpowered_intervals"]
    for name in NUMBERS:
        fields[name] = np.zeros(n)
    bulk_copy.copy_row_of_arrays(db_session, "run_site_arrays", fields)
    stored = db_session.execute(
        text(
            "SELECT status, municipality_code, unpowered_intervals,"
            " ARRAY(SELECT ST_AsText(ST_GeomFromEWKB(r)) FROM unnest(generator_route) AS r)"
            " FROM run_site_arrays WHERE run_id = :run"
        ),
        {"run": run_id},
    ).one()
    assert stored[0] == status.tolist()
    assert stored[1] == codes.tolist()
    assert stored[2] == [
        "{" + ",".join(repr(v) for v in row if v == v) + "}" for row in intervals.tolist()
    ]
    assert stored[3] == [None if r is None else "LINESTRING(1 2,3 4.5)" for r in routes]

    names = np.array(["Åsele", "Vännäs", "Umeå", "Lycksele"], dtype=object)[pick]
    counts = np.arange(n)
    columns = [np.full(n, run_id), names, counts, counts / 3, *[counts] * 8]
    bulk_copy.copy_rows(db_session, TIMELINE_COPY, columns)
    read = db_session.execute(
        text("SELECT code FROM run_timeline WHERE run_id = :run ORDER BY k"), {"run": run_id}
    ).scalars()
    assert list(read) == names.tolist()
