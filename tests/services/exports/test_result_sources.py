"""services/exports/result_sources.py: a run's results as export layers, their SQL run in
PostGIS over a finished run, whole and filtered, and every hour also a clock time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from resilience.config import LOCAL_TZ
from resilience.services.exports.plan import ExportRequest, plan_export
from resilience.services.exports.result_sources import (
    COUNTY_NAME,
    OUTSIDE_NAME,
    RUN_LAYER_IDS,
    clock_sql,
    run_sources,
)
from tests.factories import TWO_DURATIONS, finished_run, small_county


def _rows(
    session: Session, layer: str, params: dict[str, Any], **filters: Any
) -> list[dict[str, Any]]:
    source = run_sources(filters.get("municipality"), filters.get("category"))[layer]
    names = [f.name for f in source.schema.fields]
    rows = session.execute(text(source.select), params).all()
    assert all(len(r) == len(names) + 1 for r in rows), layer  # the fields, then the geometry
    found = [dict(zip(names, r, strict=False)) for r in rows]
    # What the count counts: the rows, or for the gaps the cells dissolved into them.
    read = sum(g["cells"] for g in found) if source.single_row_batches else len(found)
    assert session.execute(text(source.count), params).scalar_one() == read, layer
    return found


def _run(session: Session, **filters: Any) -> dict[str, Any]:
    """small_county with TWO_DURATIONS computed: Åbacka out 12 h, Östervik 48 h; the
    params of its export (plan_export's: run, hour 0, closures …)."""
    small_county(session)
    run_id = finished_run(session, TWO_DURATIONS)
    request = ExportRequest(layers=RUN_LAYER_IDS, run_id=run_id, **filters)
    return plan_export(session, request).params


def _clock(zero: datetime, hours: float) -> str:
    """Hour `hours` of a run from `zero`, to the minute, as the export writes it."""
    at = zero.astimezone(LOCAL_TZ) + timedelta(minutes=round(hours * 60))
    return at.isoformat(timespec="seconds")


def test_the_sites_with_their_power_and_its_clock_times(db_session: Session) -> None:
    params = _run(db_session)
    sites = {r["source_id"]: r for r in _rows(db_session, "sites", params)}
    assert set(sites) == {"care-1", "food-1", "energy-1", "outside-1"}  # no generators
    care, food, outside = sites["care-1"], sites["food-1"], sites["outside-1"]
    assert (care["name"], care["municipality_code"]) == ("Björkgårdens äldreboende", "2401")
    assert care["generator_source_id"] == "gen-1" and care["unpowered"]
    assert care["arrival_at"] == _clock(params["zero"], care["arrival_hours"])
    assert (food["name"], food["outage_hours"]) == ("Ica Nära Östervik", 48.0)
    assert food["grid_back_at"] == food["power_back_at"] == _clock(params["zero"], 48)
    assert food["power_off_at"] == _clock(params["zero"], 0)
    assert food["unpowered_intervals"] == "0 48"
    # Outside every outage: no hours, so no clock times.
    assert (outside["status"], outside["unpowered"]) == ("grid", False)
    assert outside["grid_back_at"] is None and outside["power_off_at"] is None


def test_the_summary_cells_gaps_and_timeline(db_session: Session) -> None:
    params = _run(db_session)
    municipalities = _rows(db_session, "municipalities", params)
    assert [(m["code"], m["name"]) for m in municipalities] == [
        ("2401", "Åbacka"),
        ("2403", "Östervik"),
        (None, OUTSIDE_NAME),  # the sites outside every municipality, last
    ]
    assert municipalities[0]["residents_unpowered"] == 40
    cells = _rows(db_session, "cells", params)
    assert sorted(c["population"] for c in cells) == [30, 55, 120]
    gaps = _rows(db_session, "gaps", params)
    assert [g["service"] for g in gaps] == sorted(
        (g["service"] for g in gaps), key=["food", "care", "shelter"].index
    )
    assert {g["service"] for g in gaps} == {"food", "care", "shelter"}
    assert all(g["population"] == 205 and g["cells"] == 3 for g in gaps)
    timeline = _rows(db_session, "timeline", params)
    codes = [t["code"] for t in timeline]
    assert codes[-1] == "county" and codes.index("county") > codes.index("2403")
    county = [t for t in timeline if t["code"] == "county"]
    assert {t["name"] for t in county} == {COUNTY_NAME}
    assert county[0]["at"] == _clock(params["zero"], county[0]["hour"])
    assert _rows(db_session, "closed_roads", params) == []  # no roads in this county


def test_filtered_by_municipality_and_category(db_session: Session) -> None:
    params = _run(db_session, municipality="2401", category="care")
    filters = {"municipality": "2401", "category": "care"}
    assert [s["source_id"] for s in _rows(db_session, "sites", params, **filters)] == ["care-1"]
    assert {c["municipality_code"] for c in _rows(db_session, "cells", params, **filters)} == {
        "2401"
    }
    assert [m["name"] for m in _rows(db_session, "municipalities", params, **filters)] == ["Åbacka"]
    assert {t["code"] for t in _rows(db_session, "timeline", params, **filters)} == {"2401"}


@pytest.mark.parametrize(
    ("zero", "hours", "clock"),
    [
        (datetime(2026, 12, 7, 8, 0, tzinfo=UTC), 1.5, "2026-12-07T10:30:00+01:00"),
        (datetime(2026, 12, 7, 8, 0, tzinfo=UTC), 0.999, "2026-12-07T10:00:00+01:00"),  # minutes
        (datetime(2026, 7, 1, 8, 0, tzinfo=UTC), 0, "2026-07-01T10:00:00+02:00"),  # summer time
        # Across the change to winter time (03:00 CEST → 02:00 CET, 25 October 2026).
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), 1, "2026-10-25T02:30:00+01:00"),
        (datetime(2026, 12, 7, 8, 0, tzinfo=UTC), None, None),
    ],
)  # fmt: skip
def test_an_hour_as_a_clock_time(
    db_session: Session, zero: datetime, hours: float | None, clock: str | None
) -> None:
    sql = f"SELECT {clock_sql('CAST(:h AS float8)')}"
    params = {"zero": zero, "tz": LOCAL_TZ.key, "h": hours}
    assert db_session.scalar(text(sql), params) == clock
