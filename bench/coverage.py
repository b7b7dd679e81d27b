"""Coverage benchmark (issue 3): the Sweden-sized synthetic data set and the built-in
Västerbotten data, measured in one run on this machine.

For each data set it prints, one figure a line, ratios last:
- compute time of one scenario (baseline + scenario), in process;
- end-to-end time from enqueue to the stored result, with a real RQ worker process already
  running against a PostGIS database (RESILIENCE_BENCH_DATABASE_URL, default
  resilience_bench, recreated);
- the naive baseline: per cell and service one PostGIS `ORDER BY ST_Distance(...) LIMIT 1`
  query (no index use), timed on a 1,000-cell sample, scaled to all cells and to baseline +
  scenario; and the speed-up of compute over it;
- peak memory (tracemalloc during compute; the process's max RSS).

    .venv/bin/python bench/coverage.py [--skip-sweden] [--skip-vasterbotten]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import shapely
from redis import Redis
from rq import Worker

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from bench.coverage_compute import synthetic_sweden
from resilience.analysis import CellTable, Scenario, SiteTable, compute
from resilience.cli import alembic_config, create_database
from resilience.config import PROJECT_ROOT, Settings
from resilience.scenarios import ScenarioSpec
from resilience.services import runs, scenarios
from resilience.vocabulary import SITE_INTEGERS, SITE_NUMBERS, SWEREF99TM
from workers.queue import enqueue_run

BENCH_DB = os.environ.get(
    "RESILIENCE_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/resilience_bench"
)
BENCH_REDIS = os.environ.get("RESILIENCE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
SAMPLE = 1_000


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
    session: Session, sites: SiteTable, cells: CellTable, names: dict[str, str]
) -> None:
    """Bulk-load with COPY. Municipality geometries are placeholders: the computation reads
    the municipality codes of sites and cells, not the polygons."""
    conn = session.connection().connection.driver_connection
    with conn.cursor() as cur:
        with cur.copy("COPY municipalities (code, name, geom, source) FROM STDIN") as copy:
            for code, name in names.items():
                copy.write_row((code, name, "SRID=3006;MULTIPOLYGON(((0 0,1 0,1 1,0 0)))", "bench"))
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


def end_to_end(session: Session, spec: ScenarioSpec) -> float:
    """Seconds from enqueue to the stored, finished result, with a worker already waiting."""
    settings = Settings(
        database_url=BENCH_DB, redis_url=BENCH_REDIS, secret_key="bench", run_retry_intervals=()
    )
    env = os.environ | {
        "DATABASE_URL": BENCH_DB,
        "REDIS_URL": BENCH_REDIS,
        "RESILIENCE_SECRET_KEY": "bench",
    }
    Redis.from_url(BENCH_REDIS).flushdb()  # the bench's own Redis db: no stale jobs
    worker = subprocess.Popen(
        [sys.executable, "-m", "workers.worker", "--no-scheduler"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        scenario = scenarios.create_scenario(session, spec)
        run = runs.start_run(session, scenario)
        session.commit()
        # Wait until the worker listens: we measure the queue and the job, not its start-up.
        redis = Redis.from_url(BENCH_REDIS)
        while not Worker.all(connection=redis):
            time.sleep(0.05)
        start = time.perf_counter()
        enqueue_run(settings, run.id)
        while True:
            status = session.execute(
                text("SELECT status FROM runs WHERE id = :id"), {"id": run.id}
            ).scalar_one()
            session.commit()
            if status in ("finished", "failed"):
                break
            time.sleep(0.02)
        elapsed = time.perf_counter() - start
        if status != "finished":
            raise SystemExit(f"the run failed: see run {run.id}")
        return elapsed
    finally:
        worker.terminate()
        worker.wait(10)


def naive_postgis(session: Session, cells: CellTable) -> float:
    """Seconds for one naive nearest query per sampled cell and service (3 services)."""
    rng = np.random.default_rng(1)
    sample = rng.choice(len(cells), min(SAMPLE, len(cells)), replace=False)
    filters = (
        "category = 'food'",
        "category = 'care' AND kind IN ('hospital', 'health_centre')",
        "category = 'energy' AND shelter_capacity > 0",
    )
    start = time.perf_counter()
    for i in sample.tolist():
        x, y = float(cells.x[i]), float(cells.y[i])
        for where in filters:
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
    sites: SiteTable,
    cells: CellTable,
    names: dict[str, str],
    scenario: Scenario,
    target_compute: float,
) -> list[str]:
    compute(sites, cells, names, scenario)  # warm-up (k-d tree code paths, allocations)
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        compute(sites, cells, names, scenario)
        timings.append(time.perf_counter() - start)
    compute_s = sorted(timings)[1]
    tracemalloc.start()
    compute(sites, cells, names, scenario)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    session = fresh_database()
    load_start = time.perf_counter()
    copy_dataset(session, sites, cells, names)
    load_s = time.perf_counter() - load_start
    e2e_s = end_to_end(session, spec_of(scenario, f"bench {label}"))
    naive_s = naive_postgis(session, cells)
    session.close()
    print(f"{label}_cells: {len(cells)}")
    print(f"{label}_sites: {len(sites)}")
    print(f"{label}_database_load_seconds: {load_s:.2f}")
    print(f"{label}_compute_seconds: {compute_s:.3f}")
    print(f"{label}_compute_peak_traced_mib: {peak:.1f}")
    print(f"{label}_end_to_end_seconds: {e2e_s:.2f}")
    print(f"{label}_naive_postgis_seconds_scaled: {naive_s:.1f}")
    return [
        f"{label}_compute_vs_target_{target_compute:g}s: {compute_s / target_compute:.2f}",
        f"{label}_end_to_end_vs_target_15s: {e2e_s / 15:.2f}",
        f"{label}_speedup_vs_naive_postgis: {naive_s / compute_s:.0f}",
    ]


def vasterbotten() -> tuple[SiteTable, CellTable, dict[str, str], Scenario]:
    """The built-in data set and its inland snowstorm scenario."""
    from geodata.demo import build_demo
    from geodata.demo.scenarios import builtin_scenarios
    from resilience.scenarios import parse_scenario
    from resilience.services import imports

    demo = build_demo()
    session = fresh_database()
    with session.begin():
        imports.import_boundaries(session, demo.municipalities, "demo")
        imports.import_population(session, demo.cells, "demo")
        imports.import_sites(session, demo.sites, "demo")
    sites, cells, names = runs.load_inputs(session)
    session.close()
    spec = parse_scenario(builtin_scenarios(demo.municipalities)[0])
    return sites, cells, names, spec.to_analysis()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-sweden", action="store_true")
    parser.add_argument("--skip-vasterbotten", action="store_true")
    args = parser.parse_args()
    ratios: list[str] = []
    if not args.skip_vasterbotten:
        ratios += measure("vasterbotten", *vasterbotten(), target_compute=0.5)
    if not args.skip_sweden:
        ratios += measure("sweden", *synthetic_sweden(0), target_compute=2.0)
    print(f"process_max_rss_mib: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
    for line in ratios:
        print(line)


if __name__ == "__main__":
    main()
