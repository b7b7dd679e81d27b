"""Tiny hand-checkable data sets, written through the same services as real imports."""

from __future__ import annotations

from typing import Any

import shapely
from sqlalchemy.orm import Session

from geodata.records import BoundaryRecord, CellRecord, SiteRecord
from resilience.services import imports

# Two 10 km squares west of Umeå, in EPSG:3006 metres: Åbacka (west) and Östervik (east).
ABACKA = BoundaryRecord(
    "2401", "Åbacka", shapely.MultiPolygon([shapely.box(750_000, 7_080_000, 760_000, 7_090_000)])
)
OSTERVIK = BoundaryRecord(
    "2403", "Östervik", shapely.MultiPolygon([shapely.box(760_000, 7_080_000, 770_000, 7_090_000)])
)


def site(
    source_id: str, category: str, kind: str, x: float, y: float, **numbers: Any
) -> SiteRecord:
    owner = numbers.pop("owner", None)
    attributes = numbers.pop("attributes", {})
    name = numbers.pop("name", f"{kind} {source_id}")
    return SiteRecord(source_id, name, category, kind, x, y, numbers, owner, attributes)


def small_county(session: Session) -> dict[str, Any]:
    """Two municipalities, 3 populated cells, one site per category and one outside all."""
    imports.import_boundaries(session, [ABACKA, OSTERVIK], "test")
    cells = [
        CellRecord(751_000, 7_081_000, 120),
        CellRecord(752_000, 7_081_000, 30),
        CellRecord(765_000, 7_085_000, 55),
    ]
    imports.import_population(session, cells, "test")
    sites = [
        site(
            "care-1",
            "care",
            "elderly_home",
            751_500,
            7_081_500,
            residents=40,
            name="Björkgårdens äldreboende",
        ),
        site("gen-1", "power", "mobile_generator", 765_000, 7_085_000, capacity_kw=100),
        site("food-1", "food", "grocery", 766_000, 7_085_500, name="Ica Nära Östervik"),
        site(
            "energy-1",
            "energy",
            "school",
            752_500,
            7_081_500,
            shelter_capacity=200,
            owner="municipality",
        ),
        site("outside-1", "food", "supermarket", 800_000, 7_200_000),
    ]
    imports.import_sites(session, sites, "test")
    session.commit()
    return {"cells": cells, "sites": sites}
