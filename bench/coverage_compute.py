"""Benchmark of the pure coverage computation on a synthetic Sweden-sized data set.

250,000 populated 1 km cells, 30,000 sites of every category (300 mobile generators),
290 municipalities, a 50,000 km² outage and three snow zones, all in EPSG:3006 metres.
Target: compute (baseline + scenario) <= 2 s on 2 cores.

Prints one figure per line, ratios last. compute_cpu_seconds adds up both cores' time
(less sensitive than wall time to other load on the machine); compute_peak_traced_mib is
what tracemalloc sees (NumPy and Python allocations, not SciPy's k-d tree internals);
process_max_rss_mib includes the data set itself. The naive reference is brute-force NumPy
step 3 (every cell against every provider) on 1,000 sampled cells, scaled to all cells,
and checked against compute().

    python bench/coverage_compute.py [--seed N] [--repeat N]

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
from pathlib import Path

import numpy as np
import shapely

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

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

# Roughly Sweden's extent in SWEREF 99 TM (EPSG:3006), metres.
XMIN, XMAX = 270_000.0, 910_000.0
YMIN, YMAX = 6_140_000.0, 7_670_000.0
N_CELLS = 250_000
N_MUNICIPALITIES = 290
TARGET_SECONDS = 2.0

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


def synthetic_sweden(seed: int = 0) -> tuple[SiteTable, CellTable, dict[str, str], Scenario]:
    """A deterministic Sweden-sized data set: (sites, cells, municipalities, scenario).

    Population clusters around 400 towns over a rural background; sites sit near people
    (generators anywhere); municipalities are Voronoi regions of 290 seeds, the land ending
    at x = 890 km so that some cells and sites lie in no municipality.
    """
    rng = np.random.default_rng(seed)

    # Municipalities.
    land = shapely.box(XMIN, YMIN, 890_000.0, YMAX)
    seeds = rng.uniform((XMIN, YMIN), (XMAX, YMAX), (N_MUNICIPALITIES, 2))
    regions = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=land)
    )
    codes = sorted(
        f"{c:04d}" for c in rng.choice(np.arange(100, 2600), N_MUNICIPALITIES, replace=False)
    )
    boundaries = {
        code: shapely.intersection(region, land)
        for code, region in zip(codes, regions, strict=True)
    }
    municipalities = {code: f"Kommun {code}" for code in codes}

    # Populated cells: unique 1 km cells, clustered, in SCB (row-major) order.
    towns = rng.uniform((XMIN, YMIN), (XMAX, YMAX), (400, 2))
    spread = rng.uniform(4_000.0, 30_000.0, 400)
    pick = rng.integers(0, 400, 700_000)
    clustered = towns[pick] + rng.normal(0.0, 1.0, (700_000, 2)) * spread[pick, None]
    rural = rng.uniform((XMIN, YMIN), (XMAX, YMAX), (150_000, 2))
    corners = np.floor(np.concatenate([clustered, rural]) / 1000.0).astype(np.int64) * 1000
    inside = (
        (corners[:, 0] >= XMIN)
        & (corners[:, 0] < XMAX)
        & (corners[:, 1] >= YMIN)
        & (corners[:, 1] < YMAX)
    )
    corners = np.unique(corners[inside], axis=0)
    corners = corners[np.sort(rng.choice(corners.shape[0], N_CELLS, replace=False))]
    order = np.lexsort((corners[:, 0], corners[:, 1]))
    corners = corners[order]
    cx, cy = corners[:, 0] + 500.0, corners[:, 1] + 500.0
    population = np.maximum(1, rng.lognormal(2.0, 1.3, N_CELLS).astype(np.int64))
    cells = CellTable(
        id=np.arange(1, N_CELLS + 1, dtype=np.int64),
        x=cx,
        y=cy,
        population=population,
        municipality=assign_municipality(cx, cy, boundaries),
    )

    # Sites near people (weighted by population), generators anywhere.
    categories: list[str] = []
    kinds: list[str] = []
    for category, kind, count in SITE_MIX:
        categories += [category] * count
        kinds += [kind] * count
    category = np.asarray(categories, dtype=object)
    kind = np.asarray(kinds, dtype=object)
    n = category.size
    home = rng.choice(N_CELLS, n, p=population / population.sum())
    sx = cx[home] + rng.uniform(-500.0, 500.0, n)
    sy = cy[home] + rng.uniform(-500.0, 500.0, n)
    power = category == "power"
    sx[power] = rng.uniform(XMIN, XMAX, power.sum())
    sy[power] = rng.uniform(YMIN, YMAX, power.sum())
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
    centre = towns[np.argmax(np.bincount(pick, minlength=400))]
    ox, oy = float(centre[0]), float(centre[1])
    scenario = Scenario(
        outage=_ellipse(ox, oy, 50_000.0, 1.6, 0.4),
        duration_hours=24.0,
        snow_zones=(
            ("yellow", _ellipse(ox + 60_000.0, oy + 40_000.0, 90_000.0, 1.4, -0.3)),
            ("orange", _ellipse(ox + 40_000.0, oy + 20_000.0, 30_000.0, 1.3, 0.2)),
            ("red", _ellipse(ox + 20_000.0, oy - 10_000.0, 8_000.0, 1.2, 0.9)),
        ),
        parameters=Parameters(),
    )
    return sites, cells, municipalities, scenario


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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    build_start = time.perf_counter()
    sites, cells, municipalities, scenario = synthetic_sweden(args.seed)
    build_seconds = time.perf_counter() - build_start
    outage_km2 = shapely.area(scenario.outage) / 1e6
    in_outage = covers_xy(scenario.outage, cells.x, cells.y)

    timings: list[float] = []
    cpu_timings: list[float] = []
    result: CoverageResult | None = None
    for _ in range(args.repeat):
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
    sample = np.sort(rng.choice(populated, 1_000, replace=False))
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
    print(f"ratio_naive_scaled_over_compute: {naive_scaled / compute_seconds:.1f}")
    print(f"ratio_compute_over_target: {compute_seconds / TARGET_SECONDS:.2f}")


if __name__ == "__main__":
    main()
