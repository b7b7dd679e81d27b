"""Coverage benchmark (issue 3, issue 22): a user's run, end to end, against the compute
alone and against the query a GIS engineer would write in PostGIS, in one run on this
machine, for the built-in Västerbotten data and the Sweden-sized synthetic data set (its
municipality boundaries loaded: the data has a county, as the start path checks).

For each data set it prints, one figure a line, ratios last:
- compute time of one scenario (baseline + scenario + timeline), in process, on the inputs
  as the worker reads them from PostGIS (runs.load_inputs);
- end to end: a saved scenario started as the API starts it (the queue checked, the work
  limits and the county checked by runs.start_run, committed, enqueued) until its result
  is stored, with a real RQ worker process already waiting; the median of three runs one
  after another (as the compute's is of three), the first (the worker's first job, the
  data's first run) on its own line; and the start alone;
- the anchor: per service, the nearest provider of every populated cell in one PostGIS
  query, a KNN LATERAL join (`ORDER BY s.geom <-> c.centre LIMIT 1`) on a partial GiST
  index per service, for the baseline and again without the scenario's unpowered sites;
  checked against our baseline minutes; ratios of our compute and end to end against it;
- the naive reference: per cell and service one `ORDER BY ST_Distance(...) LIMIT 1` query
  (no index use), timed on sampled cells, scaled to all cells and to baseline + scenario;
- peak memory (tracemalloc during compute; the process's max RSS).

The database is --database-url (RESILIENCE_BENCH_DATABASE_URL, default resilience_bench),
recreated; the worker's Redis db --redis-url (RESILIENCE_BENCH_REDIS_URL, default db 13),
flushed. --smoke: the synthetic set at coverage_compute.SMOKE's size only, in seconds.

    .venv/bin/python bench/coverage.py [--skip-sweden] [--skip-vasterbotten] [--smoke]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import shapely
from redis import Redis
from rq import Worker

if __package__ in (None, ""):  # run as a script: the repository on the path, not bench/
    # (whose coverage.py would stand in for the coverage package Numba looks for)
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from bench.coverage_compute import SMOKE, SWEDEN, Size, synthetic_boundaries, synthetic_sweden
from resilience.analysis import CellTable, CoverageResult, Scenario, SiteTable, compute
from resilience.analysis.coverage import travel_minutes
from resilience.cli import alembic_config, create_database
from resilience.config import PROJECT_ROOT, Settings
from resilience.scenarios import ScenarioSpec
from resilience.services import runs, scenarios
from resilience.vocabulary import CARE_SERVICE_KINDS, SITE_INTEGERS, SITE_NUMBERS, SWEREF99TM

BENCH_DB = os.environ.get(
    "RESILIENCE_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/resilience_bench"
)
BENCH_REDIS = os.environ.get("RESILIENCE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
SAMPLE = 1_000
SMOKE_SAMPLE = 50
# The sites that provide each service (resilience.analysis.coverage._providers), as SQL.
PROVIDERS = {
    "food": "category = 'food'",
    "care": "category = 'care' AND kind IN ("
    + ", ".join(f"'{k}'" for k in sorted(CARE_SERVICE_KINDS))
    + ")",
    "shelter": "category = 'energy' AND shelter_capacity > 0",
}


def add_arguments(parser: argparse.ArgumentParser, database: str = BENCH_DB) -> None:
    """--database-url, --redis-url and --smoke, as every bench that uses PostGIS takes them."""
    parser.add_argument(
        "--database-url", default=database, help="the bench's own database (recreated)"
    )
    parser.add_argument("--redis-url", default=BENCH_REDIS, help="its Redis db (flushed)")
    parser.add_argument("--smoke", action="store_true", help="the small size: seconds")


def fresh_database(url: str = BENCH_DB) -> Session:
    """An empty, migrated benchmark database (the schema dropped and made again)."""
    from alembic import command

    create_database(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public"))
    command.upgrade(alembic_config(url), "head")
    return sessionmaker(engine)()


def copy_dataset(
    session: Session,
    sites: SiteTable,
    cells: CellTable,
    names: dict[str, str],
    boundaries: dict[str, shapely.Geometry],
) -> None:
    """Bulk-load with COPY: the municipalities with their boundaries (the county that
    runs.start_run checks a scenario against), the populated cells and the sites."""
    conn = session.connection().connection.driver_connection
    with conn.cursor() as cur:
        with cur.copy("COPY municipalities (code, name, geom, source) FROM STDIN") as copy:
            for code, name in names.items():
                geom = boundaries[code]
                if not isinstance(geom, shapely.MultiPolygon):
                    geom = shapely.MultiPolygon(shapely.get_parts(geom))
                ewkb = shapely.to_wkb(
                    shapely.set_srid(geom, SWEREF99TM), hex=True, include_srid=True
                )
                copy.write_row((code, name, ewkb, "bench"))
        with cur.copy(
            "COPY population_cells (id, x_ll, y_ll, cell_size, population, municipality_code,"
            " geom, source) FROM STDIN"
        ) as copy:
            for cid, x, y, pop, code in zip(
                cells.id.tolist(),
                (cells.x - 500).tolist(),
                (cells.y - 500).tolist(),
                cells.population.tolist(),
                cells.municipality.tolist(),
                strict=True,
            ):
                x, y = int(x), int(y)
                copy.write_row(
                    (
                        cid,
                        x,
                        y,
                        1000,
                        pop,
                        code,
                        f"SRID=3006;POLYGON(({x} {y},{x + 1000} {y},{x + 1000} {y + 1000},"
                        f"{x} {y + 1000},{x} {y}))",
                        "bench",
                    )
                )
        numbers = [n for n in SITE_NUMBERS if hasattr(sites, n)]
        with cur.copy(
            f"COPY sites (id, category, kind, name, source, source_id, municipality_code, geom,"
            f" attributes, {', '.join(numbers)}) FROM STDIN"
        ) as copy:
            columns = [getattr(sites, n).tolist() for n in numbers]
            for i, (sid, cat, kind, source_id, code, x, y) in enumerate(
                zip(
                    sites.id.tolist(),
                    sites.category.tolist(),
                    sites.kind.tolist(),
                    sites.source_id.tolist(),
                    sites.municipality.tolist(),
                    sites.x.tolist(),
                    sites.y.tolist(),
                    strict=True,
                )
            ):
                values = [
                    None if v != v else int(v) if n in SITE_INTEGERS else v  # NaN → null
                    for n, v in zip(numbers, (c[i] for c in columns), strict=True)
                ]
                copy.write_row(
                    (
                        sid,
                        cat,
                        kind,
                        source_id,
                        "bench",
                        source_id,
                        code,
                        f"SRID=3006;POINT({x} {y})",
                        "{}",
                        *values,
                    )
                )
    session.execute(text("ANALYZE"))
    session.execute(
        text(
            "INSERT INTO data_imports (kind, source, inserted, updated)"
            " VALUES ('bench', 'bench', 0, 0)"
        )
    )
    session.commit()


def spec_of(scenario: Scenario, name: str) -> ScenarioSpec:
    outage = scenario.outage
    if outage is not None and isinstance(outage, shapely.Polygon):
        outage = shapely.MultiPolygon([outage])
    zones = tuple(
        type(z)(
            z.level,
            shapely.MultiPolygon([z.geometry])
            if isinstance(z.geometry, shapely.Polygon)
            else z.geometry,
        )
        for z in scenario.snow_zones
    )
    return ScenarioSpec(
        name=name, duration_hours=scenario.duration_hours, outage=outage, snow_zones=zones
    )


def bench_settings(database_url: str, redis_url: str) -> Settings:
    return Settings(
        database_url=database_url, redis_url=redis_url, secret_key="bench", run_retry_intervals=()
    )


def start_worker(database_url: str, redis_url: str, *options: str) -> subprocess.Popen[bytes]:
    """A real RQ worker process on the bench's database and Redis db (flushed first: no
    stale jobs), once it listens: we measure the queue and the job, not its start-up."""
    redis = Redis.from_url(redis_url)
    redis.flushdb()
    env = os.environ | {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "RESILIENCE_SECRET_KEY": "bench",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "workers.worker", *options],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not Worker.all(connection=redis):
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            raise SystemExit(f"the worker did not start (exit code {worker.returncode})")
        time.sleep(0.05)
    return worker


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    worker.terminate()
    try:
        worker.wait(10)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(10)


def end_to_end(
    session: Session, spec: ScenarioSpec, database_url: str, redis_url: str, repeats: int
) -> list[tuple[float, float, float]]:
    """Per run, `repeats` runs one after another on one worker already waiting (the first
    is its first job): (seconds from the start of the start path to the stored, finished
    result; seconds of the start path alone; the run's summary compute_seconds: compute
    and store, the reads before them not included). The start path is the API's
    (services/runs.start_and_enqueue_run): the queue checked, the run started with the work
    limits (and the county check), committed, enqueued."""
    settings = bench_settings(database_url, redis_url)
    scenario = scenarios.save_new_scenario(session, spec, "bench")
    session.commit()
    worker = start_worker(database_url, redis_url, "--no-scheduler")
    measured = []
    try:
        for _ in range(repeats):
            start = time.perf_counter()
            run = runs.start_and_enqueue_run(session, settings, scenario.id, "bench")
            started = time.perf_counter()
            while True:
                status, error, summary = session.execute(
                    text("SELECT status, error, summary FROM runs WHERE id = :id"),
                    {"id": run.id},
                ).one()
                session.commit()
                if status in ("finished", "failed"):
                    break
                time.sleep(0.005)  # a 5 ms step adds 2.5 ms on average to what we measure
            elapsed = time.perf_counter() - start
            if status != "finished":
                raise SystemExit(f"run {run.id} failed: {error}")
            measured.append((elapsed, started - start, float(summary["compute_seconds"])))
    finally:
        stop_worker(worker)
    return measured


def knn_postgis(
    session: Session, sites: SiteTable, cells: CellTable, result: CoverageResult
) -> tuple[float, float, float, float]:
    """The anchor: what a competent GIS engineer would write in PostGIS. Per service, the
    nearest provider of every populated cell in one KNN LATERAL query on a partial GiST
    index of that service's providers; once for the baseline, once for the scenario (the
    sites unpowered in `result` left out). Returns (seconds to build the indexes, baseline
    seconds, scenario seconds, the largest difference between its baseline minutes and
    ours): the rows are fetched, as our compute's arrays are in memory."""
    start = time.perf_counter()
    for service, where in PROVIDERS.items():
        session.execute(
            text(f"CREATE INDEX bench_knn_{service} ON sites USING gist (geom) WHERE {where}")
        )
    session.execute(text("ANALYZE sites"))
    session.commit()
    index_s = time.perf_counter() - start
    unpowered = sites.id[result.hours_unpowered > 0].tolist()
    seconds = {"baseline": 0.0, "scenario": 0.0}
    worst = 0.0
    for case in seconds:
        for service, where in PROVIDERS.items():
            extra = " AND NOT (s.id = ANY(:unpowered))" if case == "scenario" else ""
            query = text(
                "SELECT c.id, ST_Distance(n.geom, c.centre)"
                " FROM (SELECT id, ST_SetSRID(ST_MakePoint(x_ll + cell_size / 2.0,"
                f"  y_ll + cell_size / 2.0), {SWEREF99TM}) AS centre"
                "  FROM population_cells WHERE population > 0) AS c"
                " CROSS JOIN LATERAL (SELECT s.geom FROM sites AS s"
                f"  WHERE {where.replace('category', 's.category')}{extra}"
                "  ORDER BY s.geom <-> c.centre LIMIT 1) AS n"
            )
            start = time.perf_counter()
            rows = session.execute(query, {"unpowered": unpowered}).all()
            seconds[case] += time.perf_counter() - start
            if case == "baseline" and rows:
                ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
                metres = np.fromiter((r[1] for r in rows), np.float64, len(rows))
                theirs = travel_minutes(metres, 1.0, result.parameters)
                ours = result.baseline_minutes[service][np.searchsorted(cells.id, ids)]
                worst = max(worst, float(np.abs(ours - theirs).max()))
    for service in PROVIDERS:
        session.execute(text(f"DROP INDEX bench_knn_{service}"))
    session.commit()
    return index_s, seconds["baseline"], seconds["scenario"], worst


def naive_postgis(session: Session, cells: CellTable, sample_size: int) -> float:
    """Seconds for one naive nearest query per sampled cell and service (3 services),
    scaled to all cells and to baseline + scenario."""
    rng = np.random.default_rng(1)
    sample = rng.choice(len(cells), min(sample_size, len(cells)), replace=False)
    start = time.perf_counter()
    for i in sample.tolist():
        x, y = float(cells.x[i]), float(cells.y[i])
        for where in PROVIDERS.values():
            session.execute(
                text(
                    f"SELECT id, ST_Distance(geom, ST_SetSRID(ST_MakePoint(:x, :y), :srid)) AS d"
                    f" FROM sites WHERE {where} ORDER BY d LIMIT 1"
                ),
                {"x": x, "y": y, "srid": SWEREF99TM},
            ).all()
    return (time.perf_counter() - start) * len(cells) / sample.size * 2  # baseline + scenario


def measure(
    label: str,
    session: Session,
    load_s: float,
    spec: ScenarioSpec,
    args: argparse.Namespace,
    target_compute: float,
) -> list[str]:
    """The figures of one data set, loaded into the bench database (`session`): printed,
    and the ratio lines returned (printed last)."""
    sites, cells, names = runs.load_inputs(session)  # what the worker computes over
    session.commit()
    scenario = spec.to_analysis()
    result = compute(sites, cells, names, scenario)  # warm-up (k-d tree code paths)
    timings = []
    for _ in range(1 if args.smoke else 3):
        start = time.perf_counter()
        result = compute(sites, cells, names, scenario)
        timings.append(time.perf_counter() - start)
    compute_s = statistics.median(timings)
    tracemalloc.start()
    compute(sites, cells, names, scenario)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    e2e = end_to_end(session, spec, args.database_url, args.redis_url, 2 if args.smoke else 3)
    first_e2e_s = e2e[0][0]
    e2e_s, start_s, worker_compute_s = (statistics.median(m) for m in zip(*e2e, strict=True))
    index_s, knn_base_s, knn_scenario_s, knn_diff = knn_postgis(session, sites, cells, result)
    knn_s = knn_base_s + knn_scenario_s
    naive_s = naive_postgis(session, cells, SMOKE_SAMPLE if args.smoke else SAMPLE)
    session.close()
    print(f"{label}_cells: {len(cells)}")
    print(f"{label}_sites: {len(sites)}")
    print(f"{label}_municipalities: {len(names)}")
    print(f"{label}_database_load_seconds: {load_s:.2f}")
    print(f"{label}_compute_seconds: {compute_s:.3f}")
    print(f"{label}_compute_peak_traced_mib: {peak:.1f}")
    print(f"{label}_start_seconds: {start_s:.3f}")
    print(f"{label}_end_to_end_first_run_seconds: {first_e2e_s:.2f}")
    print(f"{label}_end_to_end_seconds: {e2e_s:.2f}")
    print(f"{label}_worker_compute_and_store_seconds: {worker_compute_s:.3f}")
    print(f"{label}_knn_index_seconds: {index_s:.2f}")
    print(f"{label}_knn_baseline_seconds: {knn_base_s:.2f}")
    print(f"{label}_knn_scenario_seconds: {knn_scenario_s:.2f}")
    print(f"{label}_knn_seconds: {knn_s:.2f}")
    print(f"{label}_knn_baseline_max_abs_diff_minutes: {knn_diff:.3g}")
    print(f"{label}_naive_postgis_seconds_scaled: {naive_s:.1f}")
    print(f"{label}_compute_target_seconds: {target_compute:g}")
    return [
        f"{label}_compute_vs_knn_ratio: {compute_s / knn_s:.3f}",
        f"{label}_end_to_end_vs_knn_ratio: {e2e_s / knn_s:.2f}",
        f"{label}_end_to_end_vs_compute_ratio: {e2e_s / compute_s:.2f}",
        f"{label}_end_to_end_first_run_vs_compute_ratio: {first_e2e_s / compute_s:.2f}",
        f"{label}_compute_vs_target_ratio: {compute_s / target_compute:.3f}",
        f"{label}_end_to_end_vs_target_15s_ratio: {e2e_s / 15:.2f}",
        f"{label}_speedup_vs_naive_postgis: {naive_s / compute_s:.0f}",
    ]


def load_vasterbotten(database_url: str) -> tuple[Session, float, ScenarioSpec]:
    """The built-in data set imported as `geodata load-demo` does (its municipalities
    included) and its inland snowstorm scenario."""
    from geodata.demo import build_demo
    from geodata.demo.scenarios import builtin_scenarios
    from resilience.scenarios import parse_scenario
    from resilience.services import imports

    demo = build_demo()
    session = fresh_database(database_url)
    start = time.perf_counter()
    with session.begin():
        imports.import_boundaries(session, demo.municipalities, "demo")
        imports.import_population(session, demo.cells, "demo")
        imports.import_sites(session, demo.sites, "demo")
    load_s = time.perf_counter() - start
    return session, load_s, parse_scenario(builtin_scenarios(demo.municipalities)[0])


def load_synthetic(
    database_url: str, size: Size = SWEDEN, label: str = "bench"
) -> tuple[Session, float, ScenarioSpec]:
    """The synthetic set (coverage_compute.synthetic_sweden, at `size`), its municipality
    boundaries included, bulk-loaded; and its scenario."""
    sites, cells, names, scenario = synthetic_sweden(0, size)
    boundaries = synthetic_boundaries(0, size)
    session = fresh_database(database_url)
    start = time.perf_counter()
    copy_dataset(session, sites, cells, names, boundaries)
    return session, time.perf_counter() - start, spec_of(scenario, f"bench {label}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-sweden", action="store_true")
    parser.add_argument("--skip-vasterbotten", action="store_true")
    add_arguments(parser)
    args = parser.parse_args(argv)
    print(f"size: {'smoke' if args.smoke else 'full'}")
    ratios: list[str] = []
    if args.smoke:
        session, load_s, spec = load_synthetic(args.database_url, SMOKE, "smoke")
        ratios += measure("smoke", session, load_s, spec, args, target_compute=0.5)
    else:
        if not args.skip_vasterbotten:
            session, load_s, spec = load_vasterbotten(args.database_url)
            ratios += measure("vasterbotten", session, load_s, spec, args, target_compute=0.5)
        if not args.skip_sweden:
            session, load_s, spec = load_synthetic(args.database_url, SWEDEN, "sweden")
            ratios += measure("sweden", session, load_s, spec, args, target_compute=2.0)
    print(f"process_max_rss_mib: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
    for line in ratios:
        print(line)


if __name__ == "__main__":
    main()
