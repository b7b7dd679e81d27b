"""Benchmark of the pure coverage computation on a synthetic Sweden-sized data set.

250,000 populated 1 km cells, 30,000 sites of every category (300 mobile generators),
290 municipalities, a 50,000 km² outage and three snow zones, all in EPSG:3006 metres.
Target: compute (baseline + scenario) <= 2 s on 2 cores.

Version 2 (issue 9): the same set plus 500 district heating plants, 30 % of the buildings
on district heating and a 48 h outage. Target: v2 compute (baseline + scenario + timeline +
heat) <= 3 s, at most 3 × v1 compute on the same data in the same run (v1: the sites
without the v2 inputs, no timeline); a Västerbotten-sized set (VASTERBOTTEN) under 0.3 s.
The v2 timeline's coverage is checked against brute force on sampled cells, most of them
cells whose coverage changes during the outage.

Prints one figure per line, ratios last. compute_cpu_seconds adds up both cores' time
(less sensitive than wall time to other load on the machine); compute_peak_traced_mib is
what tracemalloc sees (NumPy and Python allocations, not SciPy's k-d tree internals);
process_max_rss_mib includes the data set itself. The naive reference is brute-force NumPy
step 3 (every cell against every provider) on 1,000 sampled cells, scaled to all cells,
and checked against compute().

    python bench/coverage_compute.py [--seed N] [--repeat N] [--smoke]

synthetic_sweden(seed) is importable for end-to-end benchmarks.
"""

from __future__ import annotations

import argparse
import math
import resource
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

if __package__ in (None, ""):  # run as a script: the repository on the path, not bench/
    # (whose coverage.py would stand in for the coverage package Numba looks for)
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from resilience.analysis import (
    CellTable,
    CoverageResult,
    Parameters,
    Scenario,
    SiteTable,
    assign_municipality,
    compute,
    covers_xy,
    distance_m,
    speed_factor_xy,
    travel_minutes,
)
from resilience.analysis.model import SERVICES

# Roughly Sweden's extent in SWEREF 99 TM (EPSG:3006), metres.
XMIN, XMAX = 270_000.0, 910_000.0
YMIN, YMAX = 6_140_000.0, 7_670_000.0
N_CELLS = 250_000
N_MUNICIPALITIES = 290
TARGET_SECONDS = 2.0
# Version 2 (issue 9): plants, share of buildings on district heating, outage, targets.
V2_PLANTS = 500
VASTERBOTTEN_PLANTS = 25
V2_SHARE = 0.3
V2_HOURS = 48.0
V2_TARGET_SECONDS = 3.0
VASTERBOTTEN_TARGET_SECONDS = 0.3

# (category, kind, count): 30,000 sites in all, 300 of them mobile generators.
SITE_MIX: tuple[tuple[str, str, int], ...] = (
    ("care", "hospital", 70),
    ("care", "health_centre", 1_100),
    ("care", "elderly_home", 2_300),
    ("care", "group_home", 1_900),
    ("care", "home_care_base", 630),
    ("power", "mobile_generator", 300),
    ("power", "fixed_generator", 250),
    ("power", "fuel_depot", 150),
    ("food", "supermarket", 1_500),
    ("food", "grocery", 5_500),
    ("food", "warehouse", 1_000),
    ("energy", "school", 5_200),
    ("energy", "office", 3_000),
    ("energy", "sports_hall", 2_100),
    ("energy", "swimming_pool", 600),
    ("energy", "hospital", 200),
    ("energy", "care_home", 1_900),
    ("energy", "other", 2_300),
)


def _ellipse(cx: float, cy: float, area_km2: float, ratio: float, angle: float) -> shapely.Polygon:
    """An ellipse of the given area (km²) as a 128-gon, axes a >= b with a / b = ratio."""
    b = math.sqrt(area_km2 * 1e6 / (math.pi * ratio))
    a = ratio * b
    t = np.linspace(0.0, 2.0 * math.pi, 128, endpoint=False)
    ex, ey = a * np.cos(t), b * np.sin(t)
    cos, sin = math.cos(angle), math.sin(angle)
    return shapely.Polygon(np.column_stack((cx + ex * cos - ey * sin, cy + ex * sin + ey * cos)))


def _with_nulls(rng: np.random.Generator, values: np.ndarray, share: float) -> np.ndarray:
    values = values.astype(np.float64)
    values[rng.random(values.size) < share] = np.nan
    return values


@dataclass(frozen=True)
class Size:
    """The extent (EPSG:3006 metres) and counts of a synthetic data set."""

    xmin: float = XMIN
    xmax: float = XMAX
    ymin: float = YMIN
    ymax: float = YMAX
    land_xmax: float = 890_000.0  # beyond it: no municipality
    cells: int = N_CELLS
    municipalities: int = N_MUNICIPALITIES
    towns: int = 400
    clustered: int = 700_000
    rural: int = 150_000
    site_scale: float = 1.0  # times SITE_MIX's counts
    outage_km2: float = 50_000.0


SWEDEN = Size()
# Västerbotten: about 55,000 km², 15 municipalities, some 8,000 populated cells.
VASTERBOTTEN = Size(
    xmin=520_000.0,
    xmax=770_000.0,
    ymin=7_080_000.0,
    ymax=7_300_000.0,
    land_xmax=760_000.0,
    cells=8_000,
    municipalities=15,
    towns=25,
    clustered=40_000,
    rural=10_000,
    site_scale=0.05,
    outage_km2=10_000.0,
)
# --smoke (every bench): a 100 km square, 1,500 cells and some 300 sites, for a run in
# seconds that goes through every code path of the full size.
SMOKE = Size(
    xmin=600_000.0,
    xmax=700_000.0,
    ymin=7_100_000.0,
    ymax=7_200_000.0,
    land_xmax=690_000.0,
    cells=1_500,
    municipalities=5,
    towns=8,
    clustered=8_000,
    rural=2_000,
    site_scale=0.02,
    outage_km2=2_000.0,
)
SMOKE_PLANTS = 10


def _boundaries(rng: np.random.Generator, size: Size) -> dict[str, shapely.Geometry]:
    """The municipalities: Voronoi regions of random seeds, cut at the land's edge; the
    first draws of the data set's generator."""
    land = shapely.box(size.xmin, size.ymin, size.land_xmax, size.ymax)
    seeds = rng.uniform((size.xmin, size.ymin), (size.xmax, size.ymax), (size.municipalities, 2))
    regions = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=land)
    )
    codes = sorted(
        f"{c:04d}" for c in rng.choice(np.arange(100, 2600), size.municipalities, replace=False)
    )
    return {
        code: shapely.intersection(region, land)
        for code, region in zip(codes, regions, strict=True)
    }


def synthetic_boundaries(seed: int = 0, size: Size = SWEDEN) -> dict[str, shapely.Geometry]:
    """The municipality boundaries of synthetic_sweden(seed, size), by code: they cover its
    cells and sites (but those beyond the land's edge), so the data set has a county."""
    return _boundaries(np.random.default_rng(seed), size)


def synthetic_sweden(
    seed: int = 0, size: Size = SWEDEN
) -> tuple[SiteTable, CellTable, dict[str, str], Scenario]:
    """A deterministic Sweden-sized data set: (sites, cells, municipalities, scenario).

    Population clusters around 400 towns over a rural background; sites sit near people
    (generators anywhere); municipalities are Voronoi regions of 290 seeds, the land ending
    at x = 890 km so that some cells and sites lie in no municipality. Another size (such
    as VASTERBOTTEN) scales every count.
    """
    rng = np.random.default_rng(seed)
    xmin, xmax, ymin, ymax = size.xmin, size.xmax, size.ymin, size.ymax
    n_cells = size.cells
    towns_n = size.towns

    boundaries = _boundaries(rng, size)
    municipalities = {code: f"Kommun {code}" for code in boundaries}

    # Populated cells: unique 1 km cells, clustered, in SCB (row-major) order.
    towns = rng.uniform((xmin, ymin), (xmax, ymax), (towns_n, 2))
    spread = rng.uniform(4_000.0, 30_000.0, towns_n)
    pick = rng.integers(0, towns_n, size.clustered)
    clustered = towns[pick] + rng.normal(0.0, 1.0, (size.clustered, 2)) * spread[pick, None]
    rural = rng.uniform((xmin, ymin), (xmax, ymax), (size.rural, 2))
    corners = np.floor(np.concatenate([clustered, rural]) / 1000.0).astype(np.int64) * 1000
    inside = (
        (corners[:, 0] >= xmin)
        & (corners[:, 0] < xmax)
        & (corners[:, 1] >= ymin)
        & (corners[:, 1] < ymax)
    )
    corners = np.unique(corners[inside], axis=0)
    corners = corners[np.sort(rng.choice(corners.shape[0], n_cells, replace=False))]
    order = np.lexsort((corners[:, 0], corners[:, 1]))
    corners = corners[order]
    cx, cy = corners[:, 0] + 500.0, corners[:, 1] + 500.0
    population = np.maximum(1, rng.lognormal(2.0, 1.3, n_cells).astype(np.int64))
    cells = CellTable(
        id=np.arange(1, n_cells + 1, dtype=np.int64),
        x=cx,
        y=cy,
        population=population,
        municipality=assign_municipality(cx, cy, boundaries),
    )

    # Sites near people (weighted by population), generators anywhere.
    categories: list[str] = []
    kinds: list[str] = []
    for category, kind, full in SITE_MIX:
        count = max(1, round(full * size.site_scale))
        categories += [category] * count
        kinds += [kind] * count
    category = np.asarray(categories, dtype=object)
    kind = np.asarray(kinds, dtype=object)
    n = category.size
    home = rng.choice(n_cells, n, p=population / population.sum())
    sx = cx[home] + rng.uniform(-500.0, 500.0, n)
    sy = cy[home] + rng.uniform(-500.0, 500.0, n)
    power = category == "power"
    sx[power] = rng.uniform(xmin, xmax, power.sum())
    sy[power] = rng.uniform(ymin, ymax, power.sum())
    care = category == "care"
    homes = np.isin(kind, ("elderly_home", "group_home")) & care
    residents = np.where(homes, rng.integers(4, 90, n), np.where(care, rng.integers(0, 30, n), 0))
    critical = rng.uniform(20.0, 500.0, n)
    has_backup = rng.random(n) < 0.4
    backup = np.where(has_backup, critical * rng.uniform(0.7, 1.5, n), np.nan)
    fuel = np.where(has_backup, rng.uniform(4.0, 72.0, n), np.nan)
    fuel[power] = rng.uniform(8.0, 48.0, power.sum())
    shelter = np.where(
        (category == "energy") & (rng.random(n) < 0.12), rng.integers(50, 800, n), np.nan
    )
    sites = SiteTable(
        id=np.arange(100_001, 100_001 + n, dtype=np.int64),
        source_id=np.asarray([f"{k[:4]}-{i}" for i, k in enumerate(kinds)], dtype=object),
        category=category,
        kind=kind,
        x=sx,
        y=sy,
        municipality=assign_municipality(sx, sy, boundaries),
        residents=np.where(care, _with_nulls(rng, residents, 0.1), np.nan),
        critical_load_kw=np.where(power, np.nan, _with_nulls(rng, critical, 0.2)),
        backup_kw=np.where(power, np.nan, backup),
        fuel_hours=np.where(power, _with_nulls(rng, fuel, 0.3), fuel),
        priority=np.where(care & (rng.random(n) < 0.1), rng.integers(1, 6, n), np.nan),
        capacity_kw=np.where(power, _with_nulls(rng, rng.uniform(50.0, 800.0, n), 0.05), np.nan),
        mobilization_hours=np.where(power, _with_nulls(rng, rng.uniform(0.5, 6.0, n), 0.1), np.nan),
        shelter_capacity=shelter,
    )

    # A 50,000 km² outage over the densest town, three nested-ish snow zones around it.
    centre = towns[np.argmax(np.bincount(pick, minlength=towns_n))]
    ox, oy = float(centre[0]), float(centre[1])
    a = size.outage_km2 / SWEDEN.outage_km2  # snow zones scale with the outage
    k = math.sqrt(a)
    scenario = Scenario(
        outage=_ellipse(ox, oy, size.outage_km2, 1.6, 0.4),
        duration_hours=24.0,
        snow_zones=(
            ("yellow", _ellipse(ox + 60_000.0 * k, oy + 40_000.0 * k, 90_000.0 * a, 1.4, -0.3)),
            ("orange", _ellipse(ox + 40_000.0 * k, oy + 20_000.0 * k, 30_000.0 * a, 1.3, 0.2)),
            ("red", _ellipse(ox + 20_000.0 * k, oy - 10_000.0 * k, 8_000.0 * a, 1.2, 0.9)),
        ),
        parameters=Parameters(),
    )
    return sites, cells, municipalities, scenario


def with_heat(
    sites: SiteTable,
    cells: CellTable,
    n_plants: int,
    share: float,
    seed: int = 0,
) -> SiteTable:
    """The sites plus n_plants district heating plants near people (a third with backup),
    share of the care, food and energy buildings on district heating (one in ten naming
    its plant, the others taking the nearest of their municipality), thermal time
    constants for some, and food stocks (null for one in ten)."""
    rng = np.random.default_rng(seed + 7)
    weights = cells.population / cells.population.sum()
    home = rng.choice(len(cells), n_plants, p=weights)
    px = cells.x[home] + rng.uniform(-500.0, 500.0, n_plants)
    py = cells.y[home] + rng.uniform(-500.0, 500.0, n_plants)
    backup = rng.random(n_plants) < 1 / 3
    n = len(sites)
    plant_source = np.asarray([f"dh-{i}" for i in range(n_plants)], dtype=object)
    buildings = np.isin(sites.category, ("care", "food", "energy"))
    district = buildings & (rng.random(n) < share)
    heating = np.where(district, "district_heating", None).astype(object)
    heating[buildings & ~district & (rng.random(n) < 0.5)] = "heat_pump"
    named = district & (rng.random(n) < 0.1)
    heat_plant = np.full(n, None, dtype=object)
    heat_plant[named] = plant_source[rng.integers(0, n_plants, int(named.sum()))]
    followed = np.isin(sites.category, ("care", "energy")) & (rng.random(n) < 0.2)
    tau = np.where(followed, rng.uniform(12.0, 120.0, n), np.nan)
    food = sites.category == "food"
    stock = np.where(
        food,
        np.where(sites.kind == "warehouse", 20_000.0, 800.0) * rng.uniform(0.5, 1.5, n),
        np.nan,
    )
    stock[food & (rng.random(n) < 0.1)] = np.nan

    def both(column: np.ndarray, plants: np.ndarray) -> np.ndarray:
        return np.concatenate([column, plants])

    nan = np.full(n_plants, np.nan)
    # A plant's municipality: that of the cell it stands in.
    plant_municipality = cells.municipality[home]
    return SiteTable(
        id=both(sites.id, sites.id.max() + 1 + np.arange(n_plants)),
        source_id=both(sites.source_id, plant_source),
        category=both(sites.category, np.full(n_plants, "utility", dtype=object)),
        kind=both(sites.kind, np.full(n_plants, "district_heating_plant", dtype=object)),
        x=both(sites.x, px),
        y=both(sites.y, py),
        municipality=both(sites.municipality, plant_municipality),
        residents=both(sites.residents, nan),
        critical_load_kw=both(sites.critical_load_kw, rng.uniform(200.0, 5_000.0, n_plants)),
        backup_kw=both(sites.backup_kw, np.where(backup, 6_000.0, np.nan)),
        fuel_hours=both(sites.fuel_hours, np.where(backup, rng.uniform(4.0, 72.0, n_plants), nan)),
        priority=both(sites.priority, nan),
        capacity_kw=both(sites.capacity_kw, nan),
        mobilization_hours=both(sites.mobilization_hours, nan),
        shelter_capacity=both(sites.shelter_capacity, nan),
        heating=both(heating, np.full(n_plants, None, dtype=object)),
        heat_plant=both(heat_plant, np.full(n_plants, None, dtype=object)),
        thermal_time_constant_hours=both(tau, nan),
        stock_person_days=both(stock, nan),
    )


def naive_sample_minutes(
    sites: SiteTable,
    cells: CellTable,
    scenario: Scenario,
    result: CoverageResult,
    sample: np.ndarray,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Brute-force step 3 for some cells: every cell against every provider, full matrices.

    Uses the power status from result (steps 1-2 are not the costly part); returns
    {service: (baseline minutes, scenario minutes)} for the sampled cells.
    """
    parameters = scenario.parameters
    qx, qy = cells.x[sample], cells.y[sample]
    q_factor = speed_factor_xy(scenario.snow_zones, parameters.speed_factors, qx, qy)
    s_factor = speed_factor_xy(scenario.snow_zones, parameters.speed_factors, sites.x, sites.y)
    providers = {
        "food": sites.category == "food",
        "care": (sites.category == "care") & np.isin(sites.kind, ("hospital", "health_centre")),
        "shelter": (sites.category == "energy") & (sites.shelter_capacity > 0),
    }
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for service, mask in providers.items():
        d = distance_m(qx[:, None], qy[:, None], sites.x[mask][None, :], sites.y[mask][None, :])
        base = travel_minutes(d, 1.0, parameters).min(axis=1)
        operational = result.hours_unpowered[mask] == 0
        factor = np.minimum(q_factor[:, None], s_factor[mask][None, :])
        scen_all = travel_minutes(d, factor, parameters)
        scen_all[:, ~operational] = np.inf
        out[service] = (base, scen_all.min(axis=1))
    return out


def naive_timeline_mismatches(
    sites: SiteTable,
    cells: CellTable,
    scenario: Scenario,
    result: CoverageResult,
    sample: np.ndarray,
) -> int:
    """Brute-force timeline coverage for some cells: at every instant, every cell against
    every provider available then (powered; shelters also heated, from the result's
    intervals). Returns the number of (cell, instant, service) that differ from compute()."""
    parameters = scenario.parameters
    qx, qy = cells.x[sample], cells.y[sample]
    q_factor = speed_factor_xy(scenario.snow_zones, parameters.speed_factors, qx, qy)
    s_factor = speed_factor_xy(scenario.snow_zones, parameters.speed_factors, sites.x, sites.y)
    providers = {
        "food": sites.category == "food",
        "care": (sites.category == "care") & np.isin(sites.kind, ("hospital", "health_centre")),
        "shelter": (sites.category == "energy") & (sites.shelter_capacity > 0),
    }
    mismatches = 0
    for service, mask in providers.items():
        rows = np.flatnonzero(mask)
        d = distance_m(qx[:, None], qy[:, None], sites.x[rows][None, :], sites.y[rows][None, :])
        factor = np.minimum(q_factor[:, None], s_factor[rows][None, :])
        near = travel_minutes(d, factor, parameters) <= parameters.threshold_minutes(service)
        for k, hour in enumerate(result.timeline.hours.tolist()):
            if service == "shelter":
                start, end = result.unheated_start[rows], result.unheated_end[rows]
                available = ~((start <= hour) & (hour < end)).any(axis=1)
            else:
                available = ~result.unpowered_at(hour)[rows]
            covered = (near & available[None, :]).any(axis=1)
            mismatches += int((covered != result.covered_at(service, k)[sample]).sum())
    return mismatches


def time_v2_and_v1(
    v2_sites: SiteTable,
    v1_sites: SiteTable,
    cells: CellTable,
    municipalities: dict[str, str],
    scenario: Scenario,
    repeat: int,
) -> tuple[float, float, CoverageResult]:
    """Median wall seconds of v2 compute (with plants, timeline) and v1 compute (the same
    data without the v2 inputs, no timeline), interleaved so that load on the machine hits
    both alike; and the last v2 result."""
    v2: list[float] = []
    v1: list[float] = []
    result: CoverageResult | None = None
    for _ in range(repeat):
        start = time.perf_counter()
        compute(v1_sites, cells, municipalities, scenario, timeline=False)
        v1.append(time.perf_counter() - start)
        start = time.perf_counter()
        result = compute(v2_sites, cells, municipalities, scenario)
        v2.append(time.perf_counter() - start)
    assert result is not None
    return statistics.median(v2), statistics.median(v1), result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--smoke", action="store_true", help="both sets at the smoke size, once: seconds"
    )
    args = parser.parse_args(argv)
    size, county_size = (SMOKE, SMOKE) if args.smoke else (SWEDEN, VASTERBOTTEN)
    plants, county_plants = (
        (SMOKE_PLANTS, SMOKE_PLANTS) if args.smoke else (V2_PLANTS, VASTERBOTTEN_PLANTS)
    )
    repeat, county_repeat = (1, 1) if args.smoke else (args.repeat, max(args.repeat, 5))

    build_start = time.perf_counter()
    sites, cells, municipalities, scenario = synthetic_sweden(args.seed, size)
    build_seconds = time.perf_counter() - build_start
    outage_km2 = shapely.area(scenario.outage) / 1e6
    in_outage = covers_xy(scenario.outage, cells.x, cells.y)

    timings: list[float] = []
    cpu_timings: list[float] = []
    result: CoverageResult | None = None
    for _ in range(repeat):
        start, cpu_start = time.perf_counter(), time.process_time()
        result = compute(sites, cells, municipalities, scenario)
        timings.append(time.perf_counter() - start)
        cpu_timings.append(time.process_time() - cpu_start)
    assert result is not None

    tracemalloc.start()
    compute(sites, cells, municipalities, scenario)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    rng = np.random.default_rng(args.seed + 1)
    populated = np.flatnonzero(cells.population > 0)
    sample = np.sort(rng.choice(populated, min(1_000, populated.size), replace=False))
    start = time.perf_counter()
    naive = naive_sample_minutes(sites, cells, scenario, result, sample)
    naive_seconds = time.perf_counter() - start
    naive_scaled = naive_seconds * populated.size / sample.size
    worst = 0.0
    for service, (base, scen) in naive.items():
        for ours, theirs in (
            (result.baseline_minutes[service][sample], base),
            (result.minutes[service][sample], scen),
        ):
            if not np.array_equal(np.isinf(ours), np.isinf(theirs)):
                raise SystemExit(f"{service}: unreachable cells differ from the naive reference")
            finite = np.isfinite(ours)
            worst = max(worst, float(np.abs(ours[finite] - theirs[finite]).max(initial=0.0)))

    compute_seconds = statistics.median(timings)
    max_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"size: {'smoke' if args.smoke else 'full'}")
    print(f"cells_populated: {populated.size}")
    print(f"cells_in_outage: {int(in_outage.sum())}")
    print(f"sites: {len(sites)}")
    print(f"mobile_generators: {int((sites.kind == 'mobile_generator').sum())}")
    print(f"municipalities: {len(municipalities)}")
    print(f"outage_km2: {outage_km2:.0f}")
    print(f"care_sites_unpowered: {result.county.care_sites_unpowered}")
    print(f"generators_assigned: {result.county.generators_assigned}")
    print(f"dataset_build_seconds: {build_seconds:.3f}")
    print(f"compute_seconds_first: {timings[0]:.3f}")
    print(f"compute_seconds_median_of_{len(timings)}: {compute_seconds:.3f}")
    print(f"compute_cpu_seconds_median: {statistics.median(cpu_timings):.3f}")
    print(f"compute_peak_traced_mib: {traced_peak / 2**20:.1f}")
    print(f"process_max_rss_mib: {max_rss_mib:.1f}")
    print(f"naive_sample_cells: {sample.size}")
    print(f"naive_sample_seconds: {naive_seconds:.3f}")
    print(f"naive_scaled_seconds: {naive_scaled:.3f}")
    print(f"naive_max_abs_diff_minutes: {worst:.3g}")

    # Version 2: 500 heat plants, 30 % of the buildings on district heating, a 48 h outage.
    heat_sites = with_heat(sites, cells, plants, V2_SHARE, args.seed)
    long = Scenario(scenario.outage, V2_HOURS, scenario.snow_zones, scenario.parameters)
    v2_seconds, v1_seconds, v2_result = time_v2_and_v1(
        heat_sites, sites, cells, municipalities, long, repeat
    )
    # Cells whose coverage changes during the outage (at most 100 per service), and others.
    changing = [v2_result.timeline.covered_rows[service] for service in SERVICES]
    timeline_sample = np.unique(
        np.concatenate(
            [rng.choice(rows, min(100, rows.size), replace=False) for rows in changing]
            + [sample[:100]]
        )
    )
    mismatches = naive_timeline_mismatches(heat_sites, cells, long, v2_result, timeline_sample)
    if mismatches:
        raise SystemExit(f"v2 timeline: {mismatches} cell-instants differ from the naive check")
    vb_sites, vb_cells, vb_names, vb_scenario = synthetic_sweden(args.seed, county_size)
    vb_heat = with_heat(vb_sites, vb_cells, county_plants, V2_SHARE, args.seed)
    vb_long = Scenario(vb_scenario.outage, V2_HOURS, vb_scenario.snow_zones, vb_scenario.parameters)
    vb_v2, vb_v1, _ = time_v2_and_v1(vb_heat, vb_sites, vb_cells, vb_names, vb_long, county_repeat)
    county = v2_result.county
    heated = int((heat_sites.heating == "district_heating").sum())
    print(f"v2_heat_plants: {plants}")
    print(f"v2_buildings_on_district_heating: {heated}")
    print(f"v2_outage_hours: {V2_HOURS:g}")
    print(f"v2_timeline_instants: {v2_result.timeline.hours.size}")
    print(f"v2_care_sites_cold: {county.care_sites_cold}")
    print(f"v2_shelters_cold: {county.shelters_cold}")
    print(f"v2_timeline_naive_check_cells: {timeline_sample.size}")
    print(f"v2_timeline_naive_check_mismatches: {mismatches}")
    print(f"v2_compute_baseline_scenario_timeline_heat_seconds: {v2_seconds:.3f}")
    print(f"v1_compute_seconds: {v1_seconds:.3f}")
    print(f"vasterbotten_cells: {len(vb_cells)}")
    print(f"vasterbotten_sites: {len(vb_heat)}")
    print(f"vasterbotten_v2_compute_seconds: {vb_v2:.3f}")
    print(f"vasterbotten_v1_compute_seconds: {vb_v1:.3f}")

    print(f"compute_target_seconds: {TARGET_SECONDS:g}")
    print(f"v2_compute_target_seconds: {V2_TARGET_SECONDS:g}")
    print(f"vasterbotten_v2_compute_target_seconds: {VASTERBOTTEN_TARGET_SECONDS:g}")

    print(f"naive_scaled_over_compute_ratio: {naive_scaled / compute_seconds:.1f}")
    print(f"compute_over_target_ratio: {compute_seconds / TARGET_SECONDS:.2f}")
    print(f"v2_over_v1_compute_ratio: {v2_seconds / v1_seconds:.2f}")
    print(f"v2_compute_over_target_ratio: {v2_seconds / V2_TARGET_SECONDS:.2f}")
    print(f"vasterbotten_v2_compute_over_target_ratio: {vb_v2 / VASTERBOTTEN_TARGET_SECONDS:.2f}")


if __name__ == "__main__":
    main()
