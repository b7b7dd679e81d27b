"""The built-in Västerbotten demo data set: real boundaries and municipal population
totals, a synthetic population grid and synthetic sites around real localities."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from shapely import MultiPolygon

from geodata.demo.boundaries import locate, read_county, read_municipalities
from geodata.demo.localities import find_localities
from geodata.demo.population import CELL_M, spread_population
from geodata.demo.roads import build_roads
from geodata.demo.sites import build_sites, make_area
from geodata.loaders.roads import RoadRecord
from geodata.records import BoundaryRecord, CellRecord, SiteRecord

SEED = 20_241_231  # SCB's reference day; change it and every synthetic detail changes


@dataclass(frozen=True)
class DemoDataset:
    municipalities: list[BoundaryRecord]  # the 15 kommuner, sorted by code, EPSG:3006
    county: MultiPolygon  # Västerbottens län (code 24), EPSG:3006
    cells: list[CellRecord]  # populated 1 km cells, EPSG:3006, sorted by (y_ll, x_ll)
    sites: list[SiteRecord]  # EPSG:3006 points; source_id unique
    source: str = "demo"  # default source name; SiteRecord.source marks real vs synthetic
    # The numbered roads between the localities and a local road to each other locality
    # (roads.py): approximate, EPSG:3006.
    roads: list[RoadRecord] = field(default_factory=list)


def build_demo() -> DemoDataset:
    """Build the demo data set; the same output on every call, in about a second (plus
    two for reading GeoNames on the first call)."""
    municipalities = read_municipalities()
    county = read_county()
    localities = find_localities(municipalities, county)
    cells = spread_population(municipalities, localities, SEED)

    cx = np.array([c.x_ll for c in cells], dtype=float) + CELL_M / 2
    cy = np.array([c.y_ll for c in cells], dtype=float) + CELL_M / 2
    pop = np.array([c.population for c in cells], dtype=np.int64)
    owner = locate(municipalities, cx, cy)
    areas = [
        make_area(m, localities, cx[owner == i], cy[owner == i], pop[owner == i])
        for i, m in enumerate(municipalities)
    ]
    sites = build_sites(areas, SEED)
    return DemoDataset(
        municipalities=municipalities,
        county=county,
        cells=cells,
        sites=sites,
        roads=build_roads(localities),
    )
