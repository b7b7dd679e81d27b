"""A synthetic 1 km population grid whose municipal sums are SCB's real 2024 totals.

Each municipality's total is spread over the cells whose centre it contains: Gaussian
kernels around its real localities (wider for larger places) carry the urban share, and
scattered hamlets, denser near the localities, carry the rest. Integers are then
allocated by largest remainder, so every municipality sums exactly to its SCB figure."""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import ArrayLike

from geodata.demo.boundaries import locate
from geodata.demo.facts import FACTS_BY_CODE
from geodata.demo.localities import Locality
from geodata.records import BoundaryRecord, CellRecord

CELL_M = 1_000  # SCB's grid: lower-left corners on whole kilometres in EPSG:3006
# Cell centres this close to a municipal boundary get nobody, so that any point-in-polygon
# implementation (shapely, PostGIS, after a reprojection) assigns populated cells alike.
BOUNDARY_MARGIN_M = 1.0
# At most this share of a municipality lives in its GeoNames localities; about 80 % of
# the county lives in tätorter, less inland.
URBAN_MAX_SHARE = 0.85
KERNEL_CUTOFF = 3.0  # kernels end at this many sigmas
HAMLET_MEAN = 35.0  # people per rural hamlet cell, on average
RURAL_REACH_M = 20_000.0  # hamlets thin out with distance to the nearest locality...
RURAL_FLOOR = 0.05  # ...but some lie anywhere in the municipality


def kernel_sigma_m(population: ArrayLike) -> np.ndarray:
    """Kernel spread in metres: about 0.6 km for a village of 500, 2.6 km for Umeå."""
    return 450.0 + 220.0 * np.sqrt(np.asarray(population, dtype=float) / 1000.0)


def grid_corners(bounds: tuple[float, float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Lower-left corners (EPSG:3006, whole km) of every cell touching the bounds."""
    minx, miny, maxx, maxy = bounds
    xs = np.arange(np.floor(minx / CELL_M), np.ceil(maxx / CELL_M), dtype=np.int64) * CELL_M
    ys = np.arange(np.floor(miny / CELL_M), np.ceil(maxy / CELL_M), dtype=np.int64) * CELL_M
    gx, gy = np.meshgrid(xs, ys)
    return gx.ravel(), gy.ravel()


def largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Non-negative integers proportional to weights summing exactly to total; ties in
    the remainders go to the lower index."""
    if not weights.sum() > 0:
        raise ValueError("weights must have a positive sum")
    scaled = weights / weights.sum() * total  # divide first: tiny weights don't overflow
    counts = np.floor(scaled).astype(np.int64)
    short = total - int(counts.sum())
    order = np.lexsort((np.arange(len(scaled)), -(scaled - counts)))
    counts[order[:short]] += 1
    return counts


def urban_weights(cx: np.ndarray, cy: np.ndarray, localities: list[Locality]) -> np.ndarray:
    """Each locality's population spread over the given cell centres by a truncated
    Gaussian kernel; a locality reaching no centre goes whole to the nearest one."""
    lx = np.array([loc.x for loc in localities])
    ly = np.array([loc.y for loc in localities])
    pop = np.array([loc.population for loc in localities], dtype=float)
    sigma = kernel_sigma_m(pop)
    d2 = (cx[:, None] - lx[None, :]) ** 2 + (cy[:, None] - ly[None, :]) ** 2
    kernel = np.exp(-0.5 * d2 / sigma**2)
    kernel[d2 > (KERNEL_CUTOFF * sigma) ** 2] = 0.0
    mass = kernel.sum(axis=0)
    lonely = mass == 0.0
    kernel[np.argmin(d2[:, lonely], axis=0), np.flatnonzero(lonely)] = 1.0
    mass[lonely] = 1.0
    return kernel @ (pop / mass)


def rural_weights(
    cx: np.ndarray,
    cy: np.ndarray,
    localities: list[Locality],
    people: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """`people` spread over hamlets: distinct cells drawn more often near localities, each
    with a lognormal share."""
    weights = np.zeros(len(cx))
    if people <= 0:
        return weights
    hamlets = min(len(cx), max(1, round(people / HAMLET_MEAN)))
    lx = np.array([loc.x for loc in localities])
    ly = np.array([loc.y for loc in localities])
    nearest = np.sqrt(((cx[:, None] - lx) ** 2 + (cy[:, None] - ly) ** 2).min(axis=1))
    chance = np.exp(-nearest / RURAL_REACH_M) + RURAL_FLOOR
    cells = rng.choice(len(cx), size=hamlets, replace=False, p=chance / chance.sum())
    sizes = rng.lognormal(0.0, 1.0, size=hamlets)
    weights[cells] = people * sizes / sizes.sum()
    return weights


def spread_population(
    municipalities: list[BoundaryRecord], localities: list[Locality], seed: int
) -> list[CellRecord]:
    """Populated 1 km cells of the county, sorted by (y_ll, x_ll). The cells whose centre
    lies in a municipality (lowest code if several) sum to its SCB 2024 population."""
    bounds = shapely.total_bounds([m.geom for m in municipalities])
    x_ll, y_ll = grid_corners(tuple(bounds))
    cx, cy = x_ll + CELL_M / 2, y_ll + CELL_M / 2
    owner = locate(municipalities, cx, cy)

    population = np.zeros(len(x_ll), dtype=np.int64)
    for index, boundary in enumerate(municipalities):
        mine = np.flatnonzero(owner == index)
        centres = shapely.points(cx[mine], cy[mine])
        mine = mine[~shapely.dwithin(boundary.geom.boundary, centres, BOUNDARY_MARGIN_M)]
        places = [loc for loc in localities if loc.code == boundary.code]
        total = FACTS_BY_CODE[boundary.code].population
        urban = urban_weights(cx[mine], cy[mine], places)
        urban *= min(1.0, URBAN_MAX_SHARE * total / urban.sum())
        rng = np.random.default_rng([seed, int(boundary.code)])
        rural = rural_weights(cx[mine], cy[mine], places, total - urban.sum(), rng)
        population[mine] = largest_remainder(urban + rural, total)

    keep = np.flatnonzero(population > 0)
    keep = keep[np.lexsort((x_ll[keep], y_ll[keep]))]
    return [
        CellRecord(x_ll=int(x), y_ll=int(y), population=int(p))
        for x, y, p in zip(x_ll[keep], y_ll[keep], population[keep], strict=True)
    ]
