"""OGC API - Features benchmark (issue 5): items requests (limit 1000, a random bbox) against
a real gunicorn (2 workers) on 127.0.0.1, for the built-in Västerbotten data and the
synthetic Sweden-sized data set (bench/coverage_compute.py), each with a finished run so
the latest-run collections are full. The same requests go to pygeoapi served stand-alone
over the same views (its PostgreSQL provider, gunicorn, 2 workers), in the same run.

Requests cycle over population, latest-run-cells, sites-care, sites-food, sites-energy and
latest-run-sites; each bbox is a random square of 10-100 km inside the data, given in
EPSG:3006 (bbox-crs) so both servers filter the same box; output in CRS84, the default.
A second series sends the same boxes as CRS84 lon/lat to ours. Prints requests per second
(4 client threads), median and p95 latency, and that both servers matched the same counts.

    .venv/bin/python bench/ogc.py [--requests 200] [--skip-sweden] [--skip-pygeoapi] [--smoke]

pygeoapi is installed on first use into var/bench/pygeoapi-venv (its own virtualenv, not a
dependency of ours): 0.24.0 when --pygeoapi-python is Python 3.12 or newer, else 0.21.0,
the newest that supports Python 3.11. Uses --database-url (RESILIENCE_BENCH_DATABASE_URL,
default resilience_bench, recreated) and --redis-url (the app's Redis). --smoke: one
request per collection of the mix (6) over coverage_compute.SMOKE's synthetic set, without
pygeoapi (it would be installed from the package index); its ratio is ours in CRS84 against
ours in EPSG:3006.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import requests

if __package__ in (None, ""):  # run as a script: the repository on the path, not bench/
    # (whose coverage.py would stand in for the coverage package Numba looks for)
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from sqlalchemy import make_url, text
from sqlalchemy.orm import Session

from bench.coverage import add_arguments, copy_dataset, fresh_database, spec_of
from bench.coverage_compute import SMOKE, SWEDEN, Size, synthetic_boundaries, synthetic_sweden
from resilience.config import PROJECT_ROOT
from resilience.crs import transformer
from resilience.scenarios import ScenarioSpec
from resilience.services import runs, scenarios, users
from resilience.services.ogc import CRSES, catalog
from resilience.vocabulary import SWEREF99TM, WGS84

MIX = (
    "population",
    "latest-run-cells",
    "sites-care",
    "sites-food",
    "sites-energy",
    "latest-run-sites",
)
LIMIT = 1000
THREADS = 4
PYGEOAPI_DIR = PROJECT_ROOT / "var" / "bench" / "pygeoapi"
PYGEOAPI_VENV = PROJECT_ROOT / "var" / "bench" / "pygeoapi-venv"
EPSG3006 = "http://www.opengis.net/def/crs/EPSG/0/3006"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

# (collection, easting min, northing min, easting max, northing max) in EPSG:3006.
Box = tuple[str, float, float, float, float]


# --- Data ---------------------------------------------------------------------------------


def load_vasterbotten(database_url: str) -> Session:
    from geodata.demo import build_demo
    from geodata.demo.scenarios import builtin_scenarios
    from resilience.scenarios import parse_scenario
    from resilience.services import imports

    demo = build_demo()
    session = fresh_database(database_url)
    with session.begin():
        imports.import_boundaries(session, demo.municipalities, "demo")
        imports.import_population(session, demo.cells, "demo")
        imports.import_sites(session, demo.sites, "demo")
    finish_a_run(session, parse_scenario(builtin_scenarios(demo.municipalities)[0]))
    return session


def load_sweden(database_url: str, size: Size = SWEDEN) -> Session:
    sites, cells, names, scenario = synthetic_sweden(0, size)
    session = fresh_database(database_url)
    copy_dataset(session, sites, cells, names, synthetic_boundaries(0, size))
    finish_a_run(session, spec_of(scenario, "Sverige"))
    return session


def finish_a_run(session: Session, spec: ScenarioSpec) -> None:
    scenario = scenarios.create_scenario(session, spec)
    run = runs.start_run(session, scenario)
    runs.compute_run(session, run.id)
    session.execute(text("ANALYZE"))
    session.commit()


def random_boxes(session: Session, n: int, seed: int = 5) -> list[Box]:
    """Squares of 10-100 km centred on random populated cells (where people look)."""
    rng = np.random.default_rng(seed)
    xy = np.array(session.execute(text("SELECT x_ll, y_ll FROM population_cells")).all())
    centres = xy[rng.integers(0, len(xy), n)]
    halves = rng.uniform(5_000, 50_000, n)
    return [
        (MIX[i % len(MIX)], x - h, y - h, x + h, y + h)
        for i, ((x, y), h) in enumerate(zip(centres.tolist(), halves.tolist(), strict=True))
    ]


def lonlat(box: Box) -> str:
    _, x0, y0, x1, y1 = box
    lons, lats = transformer(SWEREF99TM, WGS84).transform([x0, x1, x0, x1], [y0, y0, y1, y1])
    return f"{min(lons):.6f},{min(lats):.6f},{max(lons):.6f},{max(lats):.6f}"


# --- Servers ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(command: list[str], env: dict[str, str], probe: str) -> Iterator[str]:
    """Start gunicorn (its command without -b), wait for `probe` to answer, yield the URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [*command, "-b", f"127.0.0.1:{port}", "-w", "2", "--timeout", "120"],
        cwd=PROJECT_ROOT,
        env=os.environ | env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{url}{probe}", timeout=30)
                break
            except (requests.ConnectionError, requests.Timeout):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"gunicorn did not start: {process.stderr.read().decode()[-2000:]}"  # type: ignore[union-attr]
                    ) from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(15)


def pygeoapi_venv(python: str) -> tuple[Path, str]:
    """The stand-alone pygeoapi's virtualenv (created once) and its version."""
    major_minor = subprocess.run(
        [python, "-c", "import sys; print(sys.version_info >= (3, 12))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    version = "0.24.0" if major_minor == "True" else "0.21.0"
    pip = PYGEOAPI_VENV / "bin" / "pip"
    marker = PYGEOAPI_VENV / f"pygeoapi-{version}"
    if not marker.exists():
        subprocess.run([python, "-m", "venv", "--clear", str(PYGEOAPI_VENV)], check=True)
        # Its SQL provider needs GeoAlchemy2 and psycopg2 (not its own dependencies); our
        # pins of SQLAlchemy and GeoAlchemy2, to measure it on our stack.
        packages = [f"pygeoapi=={version}", "psycopg2-binary", "gunicorn"]
        packages += ["SQLAlchemy==2.1.9", "GeoAlchemy2==0.20.0"]
        subprocess.run([str(pip), "install", "-q", *packages], check=True, capture_output=True)
        marker.touch()
    return PYGEOAPI_VENV, version


def pygeoapi_config(port_hint: str, database_url: str) -> dict[str, object]:
    """pygeoapi's configuration for the same views (YAML is a superset of JSON)."""
    url = make_url(database_url)
    crs = [c.uri for c in CRSES]
    resources = {
        c.id: {
            "type": "collection",
            "title": c.title,
            "description": c.description,
            "keywords": [],
            "links": [],
            "extents": {"spatial": {"bbox": [10, 55, 25, 70], "crs": CRS84}},
            "providers": [
                {
                    "type": "feature",
                    "name": "PostgreSQL",
                    "data": {
                        "host": url.host,
                        "port": url.port or 5432,
                        "dbname": url.database,
                        "user": url.username,
                        "password": url.password or "",
                        "search_path": ["public"],
                    },
                    "id_field": "id",
                    "table": c.view,
                    "geom_field": "geom",
                    "storage_crs": EPSG3006,
                    "crs": crs,
                }
            ],
        }
        for c in catalog().values()
    }
    contact = {"name": "bench", "url": "http://127.0.0.1", "email": "bench@example.org"}
    contact |= dict.fromkeys(
        (
            "position",
            "phone",
            "fax",
            "address",
            "city",
            "stateorprovince",
            "postalcode",
            "country",
            "hours",
            "instructions",
        ),
        "",
    )
    return {
        "server": {
            "bind": {"host": "127.0.0.1", "port": 0},
            "url": port_hint,
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["en-US"],
            "limits": {"default_items": 100, "max_items": 10_000},
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": ""},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": "bench",
                "description": "bench",
                "keywords": [],
                "keywords_type": "theme",
                "terms_of_service": "",
                "url": "http://127.0.0.1",
            },
            "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
            "provider": {"name": "bench", "url": "http://127.0.0.1"},
            "contact": contact | {"role": "pointOfContact"},
        },
        "resources": resources,
    }


@contextmanager
def pygeoapi_server(python: str, database_url: str) -> Iterator[tuple[str, str]]:
    venv, version = pygeoapi_venv(python)
    PYGEOAPI_DIR.mkdir(parents=True, exist_ok=True)
    port_url = "http://127.0.0.1"  # links only; the bench reads numbers, not links
    config, openapi = PYGEOAPI_DIR / "config.yml", PYGEOAPI_DIR / "openapi.yml"
    config.write_text(json.dumps(pygeoapi_config(port_url, database_url), indent=1))
    env = {"PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
    subprocess.run(
        [str(venv / "bin" / "pygeoapi"), "openapi", "generate", str(config), "-of", str(openapi)],
        env=os.environ | env,
        check=True,
        capture_output=True,
    )
    command = [str(venv / "bin" / "gunicorn"), "pygeoapi.flask_app:APP"]
    with gunicorn(command, env, "/conformance?f=json") as url:
        yield url, version


# --- Measuring ------------------------------------------------------------------------------


def series(url_of: Callable[[Box], str], boxes: list[Box], headers: dict[str, str]) -> dict:
    """Every box once, THREADS at a time: requests/s, median and p95 latency, matched counts."""
    sessions: dict[int, requests.Session] = {}

    def one(box: Box) -> tuple[float, int]:
        import threading

        session = sessions.setdefault(threading.get_ident(), requests.Session())
        start = time.perf_counter()
        response = session.get(url_of(box), headers=headers, timeout=120)
        body = response.content
        elapsed = time.perf_counter() - start
        response.raise_for_status()
        return elapsed, json.loads(body)["numberMatched"]

    for box in boxes[:THREADS]:  # warm-up: connections, the views' column lists
        one(box)
    start = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(one, boxes))
    wall = time.perf_counter() - start
    latencies = sorted(r[0] for r in results)
    return {
        "rps": len(boxes) / wall,
        "median_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[max(0, round(0.95 * len(latencies)) - 1)] * 1000,
        "matched": [r[1] for r in results],
    }


def measure(
    label: str,
    session: Session,
    n: int,
    pygeoapi_python: str | None,
    database_url: str,
    redis_url: str,
) -> tuple[list[str], list[str]]:
    users.create_user(session, "bench-viewer", "bench password", "viewer")
    token = users.create_token(session, "bench-viewer")
    session.commit()
    boxes = random_boxes(session, n)
    session.close()
    auth = {"Authorization": f"Bearer {token}"}

    def ours_3006(base: str) -> Callable[[Box], str]:
        # bbox in EPSG:3006's axis order: northing first.
        return lambda b: (
            f"{base}/ogc/collections/{b[0]}/items?limit={LIMIT}"
            f"&bbox={b[2]},{b[1]},{b[4]},{b[3]}&bbox-crs={EPSG3006}"
        )

    def ours_crs84(base: str) -> Callable[[Box], str]:
        return lambda b: f"{base}/ogc/collections/{b[0]}/items?limit={LIMIT}&bbox={lonlat(b)}"

    env = {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "RESILIENCE_SECRET_KEY": "bench"}
    command = [str(PROJECT_ROOT / ".venv" / "bin" / "gunicorn"), "app:create_app()"]
    with gunicorn(command, env, "/ogc/conformance") as base:  # 401 until a token: up
        ours = series(ours_3006(base), boxes, auth)
        ours84 = series(ours_crs84(base), boxes, auth)
    lines = [
        f"{label}_requests: {n} x limit {LIMIT}, {THREADS} client threads, gunicorn -w 2",
        f"{label}_mean_features_matched: {statistics.mean(ours['matched']):.0f}",
        f"{label}_ours_bbox3006_rps: {ours['rps']:.1f}",
        f"{label}_ours_bbox3006_median_ms: {ours['median_ms']:.0f}",
        f"{label}_ours_bbox3006_p95_ms: {ours['p95_ms']:.0f}",
        f"{label}_ours_bboxcrs84_rps: {ours84['rps']:.1f}",
        f"{label}_ours_bboxcrs84_p95_ms: {ours84['p95_ms']:.0f}",
    ]
    ratios = [f"{label}_ours_bboxcrs84_vs_bbox3006_rps_ratio: {ours84['rps'] / ours['rps']:.2f}"]
    if pygeoapi_python:
        with pygeoapi_server(pygeoapi_python, database_url) as (base, version):
            # pygeoapi reads a bbox in its storage CRS as easting, northing.
            theirs = series(
                lambda b: (
                    f"{base}/collections/{b[0]}/items?f=json&limit={LIMIT}"
                    f"&bbox={b[1]},{b[2]},{b[3]},{b[4]}&bbox-crs={EPSG3006}"
                ),
                boxes,
                {},
            )
        same = sum(a == b for a, b in zip(ours["matched"], theirs["matched"], strict=True))
        lines += [
            f"{label}_pygeoapi_version: {version}",
            f"{label}_pygeoapi_rps: {theirs['rps']:.1f}",
            f"{label}_pygeoapi_median_ms: {theirs['median_ms']:.0f}",
            f"{label}_pygeoapi_p95_ms: {theirs['p95_ms']:.0f}",
            f"{label}_same_number_matched: {same}/{n}",
        ]
        ratios += [
            f"{label}_ours_vs_pygeoapi_rps_ratio: {ours['rps'] / theirs['rps']:.1f}",
            f"{label}_pygeoapi_vs_ours_p95_ratio: {theirs['p95_ms'] / ours['p95_ms']:.1f}",
        ]
    return lines, ratios


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--skip-sweden", action="store_true")
    parser.add_argument("--skip-vasterbotten", action="store_true")
    parser.add_argument("--skip-pygeoapi", action="store_true")
    parser.add_argument("--pygeoapi-python", default=sys.executable)
    add_arguments(parser)
    args = parser.parse_args(argv)
    python = None if args.skip_pygeoapi or args.smoke else args.pygeoapi_python
    urls = (args.database_url, args.redis_url)
    lines: list[str] = [f"size: {'smoke' if args.smoke else 'full'}"]
    ratios: list[str] = []
    sets: list[tuple[str, Callable[[], Session]]] = []
    if args.smoke:
        sets.append(("smoke", lambda: load_sweden(args.database_url, SMOKE)))
    else:
        if not args.skip_vasterbotten:
            sets.append(("vasterbotten", lambda: load_vasterbotten(args.database_url)))
        if not args.skip_sweden:
            sets.append(("sweden", lambda: load_sweden(args.database_url)))
    n = len(MIX) if args.smoke else args.requests  # --smoke: each collection once
    for label, load in sets:
        figures, ratio_lines = measure(label, load(), n, python, *urls)
        lines += figures
        ratios += ratio_lines
    for line in lines + ratios:
        print(line)


if __name__ == "__main__":
    main()
