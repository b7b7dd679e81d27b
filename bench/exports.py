"""Export benchmark (issue 5): time and size of exports, measured in one run on this machine.

- `bench_full_gpkg()`: the built-in Västerbotten data (geodata.demo), every map layer in one
  GeoPackage in EPSG:3006, as the direct download builds it (plan, read from PostGIS, write);
  the same layers in the other formats; and the results of the inland snowstorm run.
- `bench_large_grid()`: the population grid of the Sweden-sized synthetic data set
  (250,000 cells) as a GeoPackage, as a background job builds it: the reason for the
  threshold between direct and background exports (services/exports.DIRECT_MAX_FEATURES).

The database is --database-url (RESILIENCE_BENCH_EXPORTS_DATABASE_URL, default
resilience_bench_exports, recreated). Ratios last: time per feature against the direct
threshold's budget (1 s for DIRECT_MAX_FEATURES features). --smoke: one build each, the
grid of coverage_compute.SMOKE's synthetic set instead of the Sweden-sized one.

    .venv/bin/python bench/exports.py [--skip-sweden] [--smoke] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: the repository on the path, not bench/
    # (whose coverage.py would stand in for the coverage package Numba looks for)
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from sqlalchemy.orm import Session

from bench.coverage import add_arguments, fresh_database
from bench.coverage_compute import SMOKE, SWEDEN, Size
from resilience.services import exports
from resilience.services.exports import ExportRequest
from resilience.vocabulary import SWEREF99TM, WGS84

BENCH_DB = os.environ.get(
    "RESILIENCE_BENCH_EXPORTS_DATABASE_URL",
    "postgresql+psycopg://postgres@127.0.0.1:5432/resilience_bench_exports",
)
REPEAT = 3
DIRECT_BUDGET_S = 1.0  # what a direct download of DIRECT_MAX_FEATURES may take


def timed_export(
    session: Session, request: ExportRequest, repeat: int = REPEAT
) -> tuple[float, int, int]:
    """Median seconds of `repeat` builds (plan + read + write), the file size and features."""
    seconds, size, features = [], 0, 0
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
            started = time.perf_counter()
            plan = exports.plan_export(session, request)
            path = exports.build(session, plan, Path(tmp))
            seconds.append(time.perf_counter() - started)
            size, features = path.stat().st_size, plan.features
        session.rollback()
    return statistics.median(seconds), size, features


def report(label: str, figures: tuple[float, int, int], out: Callable[[str], None]) -> None:
    seconds, size, features = figures
    out(f"{label}_features: {features}")
    out(f"{label}_seconds: {seconds:.3f}")
    out(f"{label}_megabytes: {size / 1e6:.2f}")


def load_vasterbotten(session: Session) -> int:
    """The built-in data set and a finished run of its inland snowstorm; the run id."""
    from geodata.demo import build_demo
    from geodata.demo.scenarios import builtin_scenarios
    from resilience.scenarios import parse_scenario
    from resilience.services import imports, runs, scenarios

    demo = build_demo()
    with session.begin():
        imports.import_boundaries(session, demo.municipalities, "demo")
        imports.import_population(session, demo.cells, "demo")
        imports.import_sites(session, demo.sites, "demo")
        scenario = scenarios.create_scenario(
            session, parse_scenario(builtin_scenarios(demo.municipalities)[0]), kind="builtin"
        )
        run = runs.start_run(session, scenario)
        runs.compute_run(session, run.id)
    return run.id


def bench_full_gpkg(
    out: Callable[[str], None] = print, database_url: str = BENCH_DB, repeat: int = REPEAT
) -> list[str]:
    """The full GeoPackage of the built-in data: time and size; returns the ratio lines."""
    session = fresh_database(database_url)
    run_id = load_vasterbotten(session)
    full = timed_export(session, ExportRequest(format="gpkg"), repeat)
    report("vasterbotten_full_gpkg", full, out)
    for fmt in ("shp", "csv", "geojson"):
        crs = WGS84 if fmt == "geojson" else SWEREF99TM
        figures = timed_export(session, ExportRequest(fmt, crs), repeat)
        report(f"vasterbotten_full_{fmt}", figures, out)
    run = timed_export(
        session, ExportRequest(format="gpkg", layers=exports.RUN_LAYER_IDS, run_id=run_id), repeat
    )
    report("vasterbotten_run_gpkg", run, out)
    session.close()
    per_feature = full[0] / full[2]
    budget = DIRECT_BUDGET_S / exports.DIRECT_MAX_FEATURES
    ratio = per_feature / budget
    return [f"vasterbotten_full_gpkg_time_per_feature_vs_direct_budget_ratio: {ratio:.2f}"]


def bench_large_grid(
    out: Callable[[str], None] = print,
    database_url: str = BENCH_DB,
    size: Size = SWEDEN,
    label: str = "sweden",
    repeat: int = REPEAT,
) -> list[str]:
    """The Sweden-sized synthetic grid (250,000 cells) as one GeoPackage layer (or the grid
    of the synthetic set of another size)."""
    from bench.coverage import copy_dataset, fresh_database
    from bench.coverage_compute import synthetic_boundaries, synthetic_sweden

    sites, cells, names, _scenario = synthetic_sweden(0, size)
    session = fresh_database(database_url)
    with session.begin():
        copy_dataset(session, sites, cells, names, synthetic_boundaries(0, size))
    seconds, file_size, features = timed_export(
        session, ExportRequest(format="gpkg", layers=("population",)), repeat
    )
    report(f"{label}_grid_gpkg", (seconds, file_size, features), out)
    session.close()
    per_feature = seconds / features
    budget = DIRECT_BUDGET_S / exports.DIRECT_MAX_FEATURES
    return [
        f"{label}_grid_gpkg_time_per_feature_vs_direct_budget_ratio: {per_feature / budget:.2f}",
        f"{label}_grid_gpkg_features_vs_direct_threshold_ratio:"
        f" {features / exports.DIRECT_MAX_FEATURES:.1f}",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-sweden", action="store_true")
    add_arguments(parser, BENCH_DB)
    args = parser.parse_args(argv)
    repeat = 1 if args.smoke else REPEAT
    print(f"size: {'smoke' if args.smoke else 'full'}")
    ratios = bench_full_gpkg(database_url=args.database_url, repeat=repeat)
    if args.smoke:
        ratios += bench_large_grid(
            database_url=args.database_url, size=SMOKE, label="smoke", repeat=1
        )
    elif not args.skip_sweden:
        ratios += bench_large_grid(database_url=args.database_url, repeat=repeat)
    for line in ratios:
        print(line)


if __name__ == "__main__":
    main()
