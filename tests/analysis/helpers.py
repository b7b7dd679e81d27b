"""Small factories for hand-checkable coverage cases (EPSG:3006 metres, hours, minutes).

With FAST parameters (speed 60 km/h, circuity 1) travel is 1 minute per km at factor 1,
so 60 km is exactly one hour: hand arithmetic stays exact in binary floating point.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from shapely.geometry.base import BaseGeometry

from resilience.analysis import (
    CellTable,
    CoverageResult,
    Parameters,
    Scenario,
    SiteTable,
    compute,
)

FAST: dict[str, Any] = {
    "speed_kmh": 60,
    "circuity": 1.0,
    # Powers of two keep hand arithmetic exact.
    "speed_factors": {"yellow": 0.5, "orange": 0.25, "red": 0.125},
}
MUNICIPALITIES = {"2401": "Åbacka", "2403": "Östervik"}


def site(source_id: str, category: str, kind: str, x: float, y: float, **numbers: Any) -> dict:
    """A site record for SiteTable.from_records; numbers not given are null."""
    return {
        "source_id": source_id,
        "category": category,
        "kind": kind,
        "x": x,
        "y": y,
        **numbers,
    }


def sites_table(*rows: dict) -> SiteTable:
    """A SiteTable with ids 1, 2, ... in the given order (unless a row has its own)."""
    return SiteTable.from_records([{"id": index, **row} for index, row in enumerate(rows, start=1)])


def cells_table(*rows: tuple) -> CellTable:
    """Cells from (x, y, population[, municipality]) tuples; x, y are the centre."""
    return CellTable(
        id=np.arange(1, len(rows) + 1, dtype=np.int64),
        x=[row[0] for row in rows],
        y=[row[1] for row in rows],
        population=np.asarray([row[2] for row in rows], dtype=np.int64),
        municipality=[row[3] if len(row) > 3 else None for row in rows],
    )


def run(
    sites: SiteTable,
    cells: CellTable | None = None,
    *,
    outage: BaseGeometry | None = None,
    duration: float = 24.0,
    zones: tuple[tuple[str, BaseGeometry], ...] = (),
    municipalities: dict[str, str] | None = None,
    **parameters: Any,
) -> CoverageResult:
    """compute() with FAST parameters unless overridden."""
    scenario = Scenario(
        outage=outage,
        duration_hours=duration,
        snow_zones=zones,
        parameters=Parameters.from_overrides({**FAST, **parameters}),
    )
    return compute(
        sites,
        cells if cells is not None else cells_table(),
        municipalities if municipalities is not None else MUNICIPALITIES,
        scenario,
    )


def row(result: CoverageResult, source_id: str) -> int:
    """The row of a site in the result's arrays, by source_id."""
    (rows,) = np.nonzero(result.sites.source_id == source_id)
    assert rows.size == 1, source_id
    return int(rows[0])
