"""Benchmark of the backup-power plan (issue 10).

The built-in data (geodata/demo) with its three named scenarios, K = 10, target < 2 s; the
Västerbotten-sized synthetic set of coverage_compute.py with heat plants, the same; and the
Sweden-sized set (coverage_compute.py's, with 500 heat plants), three scenarios, K = 20,
target < 60 s on 2 cores. The synthetic sets' three scenarios are the set's own outage
(24 h) and two more of 48 h and 12 h elsewhere, with the same snow zones.

The naive reference re-runs the full coverage computation (compute(), timeline included)
for a candidate in every scenario; it is timed on a sample of candidates in the same run
and scaled to the plan's number of candidate evaluations.

Prints one figure per line, ratios last.

    python bench/plan.py [--seed N] [--sample N] [--smoke]

--smoke: the built-in data as above; both synthetic sets at coverage_compute.SMOKE's size
(K = 5 for the larger), one naive candidate.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: the repository on the path, not bench/
    # (whose coverage.py would stand in for the coverage package Numba looks for)
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench.coverage_compute import (
    SMOKE,
    SMOKE_PLANTS,
    SWEDEN,
    V2_PLANTS,
    V2_SHARE,
    VASTERBOTTEN,
    VASTERBOTTEN_PLANTS,
    Size,
    _ellipse,
    synthetic_sweden,
    with_heat,
)
from resilience.analysis import CellTable, Scenario, SiteTable, assign_municipality, compute
from resilience.analysis.plan import COLD, UNPOWERED, PlanParameters, plan

BUILTIN_TARGET_SECONDS = 2.0
SWEDEN_TARGET_SECONDS = 60.0


def three_scenarios(scenario: Scenario, size: Size) -> list[tuple[str, Scenario]]:
    """The set's own outage and two more: 48 h in the north-west, 12 h in the south-east."""
    bounds = scenario.outage.bounds if scenario.outage is not None else (0, 0, 0, 0)
    width = bounds[2] - bounds[0]
    cx, cy = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
    area = size.outage_km2
    north = _ellipse(cx - 0.6 * width, cy + 0.6 * width, area * 0.8, 1.3, 1.0)
    south = _ellipse(cx + 0.5 * width, cy - 0.5 * width, area * 0.6, 1.8, -0.4)
    return [
        ("storm", scenario),
        ("ice", Scenario(north, 48.0, scenario.snow_zones, scenario.parameters)),
        ("wind", Scenario(south, 12.0, scenario.snow_zones, scenario.parameters)),
    ]


def data(seed: int, size: Size, plants: int) -> tuple[SiteTable, CellTable, dict[str, str], list]:
    sites, cells, municipalities, scenario = synthetic_sweden(seed, size)
    sites = with_heat(sites, cells, plants, V2_SHARE, seed)
    return sites, cells, municipalities, three_scenarios(scenario, size)


def builtin_data() -> tuple[SiteTable, list[tuple[str, Scenario]]]:
    """The built-in Västerbotten data set (geodata/demo, as `geodata load-demo` loads it)
    and its three named scenarios, without the database."""
    from geodata.demo import build_demo
    from geodata.demo.scenarios import builtin_scenarios
    from resilience.scenarios import parse_scenario

    demo = build_demo()
    boundaries = {b.code: b.geom for b in demo.municipalities}
    records = [
        {
            "id": number,
            "source_id": s.source_id,
            "category": s.category,
            "kind": s.kind,
            "x": s.x,
            "y": s.y,
            **s.numbers,
        }
        for number, s in enumerate(demo.sites, start=1)
    ]
    table = SiteTable.from_records(records)
    municipality = assign_municipality(table.x, table.y, boundaries)
    sites = SiteTable.from_records(
        [{**r, "municipality": m} for r, m in zip(records, municipality.tolist(), strict=True)]
    )
    cases = [
        (str(number), parse_scenario(document).to_analysis())
        for number, document in enumerate(builtin_scenarios(demo.municipalities), start=1)
    ]
    return sites, cases


def timed_plan(
    sites: SiteTable, cases: list, k: int, objective: str = UNPOWERED
) -> tuple[float, int, int]:
    """(seconds, candidate evaluations, steps) of one plan."""
    start = time.perf_counter()
    result = plan(sites, cases, PlanParameters(sites=k, objective=objective))
    return time.perf_counter() - start, result.evaluations, len(result.steps)


def naive_seconds_per_evaluation(
    sites: SiteTable,
    cells: CellTable,
    municipalities: dict[str, str],
    cases: list,
    sample: int,
) -> float:
    """Seconds of one full compute() per (candidate, scenario), on sampled candidates
    equipped by setting their backup to carry the load for 72 h."""
    care = np.flatnonzero(sites.category == "care")
    rng = np.random.default_rng(1)
    chosen = rng.choice(care, sample, replace=False)
    elapsed = 0.0
    for row in chosen.tolist():
        backup = sites.backup_kw.copy()
        fuel = sites.fuel_hours.copy()
        load = sites.critical_load_kw[row]
        backup[row] = 1.0 if math.isnan(load) else max(load, 1.0)
        fuel[row] = max(72.0, 0.0 if math.isnan(fuel[row]) else fuel[row])
        names = ("id", "source_id", "category", "kind", "x", "y", "municipality")
        columns = {name: getattr(sites, name) for name in names}
        numbers = {n: getattr(sites, n) for n in SiteTable.NUMBERS + SiteTable.V2_NUMBERS}
        texts = {n: getattr(sites, n) for n in SiteTable.V2_TEXTS}
        table = SiteTable(
            **{**columns, **numbers, **texts, "backup_kw": backup, "fuel_hours": fuel}
        )
        for _, scenario in cases:
            start = time.perf_counter()
            compute(table, cells, municipalities, scenario)
            elapsed += time.perf_counter() - start
    return elapsed / (sample * len(cases))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sample", type=int, default=3, help="naive candidates (Sweden)")
    parser.add_argument(
        "--smoke", action="store_true", help="the synthetic sets at the smoke size: seconds"
    )
    args = parser.parse_args(argv)
    county, county_plants = (
        (SMOKE, SMOKE_PLANTS) if args.smoke else (VASTERBOTTEN, VASTERBOTTEN_PLANTS)
    )
    large, large_plants = (SMOKE, SMOKE_PLANTS) if args.smoke else (SWEDEN, V2_PLANTS)
    k = 5 if args.smoke else 20
    sample = 1 if args.smoke else args.sample

    sites, cases = builtin_data()
    builtin, builtin_evaluations, builtin_steps = timed_plan(sites, cases, 10)
    sites, _, _, cases = data(args.seed, county, county_plants)
    synthetic, _, _ = timed_plan(sites, cases, 10)

    sites, cells, municipalities, cases = data(args.seed, large, large_plants)
    sweden, evaluations, steps = timed_plan(sites, cases, k)
    cold, _, _ = timed_plan(sites, cases, k, COLD)
    naive = naive_seconds_per_evaluation(sites, cells, municipalities, cases, sample)

    print(f"size: {'smoke' if args.smoke else 'full'}")
    print(f"builtin_data_3_named_scenarios_k10_seconds: {builtin:.3f}")
    print(f"builtin_data_steps: {builtin_steps}")
    print(f"builtin_data_candidate_evaluations: {builtin_evaluations}")
    print(f"vasterbotten_sized_synthetic_heat_3_scenarios_k10_seconds: {synthetic:.3f}")
    print(f"sweden_sized_3_scenarios_k{k}_seconds: {sweden:.3f}")
    print(f"sweden_sized_steps: {steps}")
    print(f"sweden_sized_candidate_evaluations: {evaluations}")
    print(f"sweden_sized_cold_objective_k{k}_seconds: {cold:.3f}")
    print(f"candidate_evaluations_per_second: {evaluations / sweden:.0f}")
    print(f"naive_seconds_per_candidate_evaluation: {naive:.3f}")
    print(f"naive_sweden_sized_estimated_seconds: {naive * evaluations:.0f}")
    print(f"builtin_data_target_ratio: {builtin / BUILTIN_TARGET_SECONDS:.3f}")
    print(f"sweden_sized_target_ratio: {sweden / SWEDEN_TARGET_SECONDS:.3f}")
    print(f"naive_over_plan_ratio: {naive * evaluations / sweden:.0f}")


if __name__ == "__main__":
    main()
