"""Benchmark of model v3's roads (issue 21) on a synthetic road graph.

The graph: a jittered grid of nodes joined along rows, columns and one diagonal (three
segments per node), in ways of ten segments that share their end vertices, over the same
extent as the data set. The county's size is that of Västerbotten's real network (about
1 M segments) with bench/coverage_compute.py's VASTERBOTTEN set (cells, sites, mobile
generators, municipalities) in a 48 h outage with its snow zones, a road closure and
closure_level orange; --sweden adds Sweden's (about 12 M segments, 4 M nodes) with the
SWEDEN set (250,000 cells, 30,000 sites, 300 mobile generators).

Figures (`name: value`, ratios last):
- graph_build_s: RoadNetwork.from_lines over the lines, and graph_warm_s: its warm() (the
  segments' STRtree, the pairs' CSR layout, the class codes): what a worker does once per
  data version when it loads the network (services/run_inputs);
- osm_write_s, osm_import_s: a county-sized .osm XML file written (a small writer here) and
  imported through services/roads.py (GDAL's OSM driver, COPY into PostGIS);
- cache_load_s: the network read back from PostGIS as the worker's kept inputs do
  (services/run_inputs.load_roads);
- compute_s: compute(..., roads=...) of the county: baseline + scenario + timeline +
  generator dispatch (target <= 2 s), the first on the loaded (warmed) network, as a
  worker's first run of a data version; compute_warm_s: the same again on that network
  (what it keeps besides: the baseline's searches), checked to give the same document;
- nearest_s: our nearest-care minutes of every cell under the scenario (one multi-source
  search of analysis/shortest.py's compiled Dijkstra);
- pgrouting_s: the query a GIS engineer would write for the same nearest-provider times on
  the same graph: the graph's open edges in a table, a virtual source joined to each care
  site's access node by an edge of its access minutes, pgr_drivingDistance from it; the
  minutes of the cells' nodes are checked against ours (pgrouting_max_diff_min);
- dijkstra_s: one plain single-source Dijkstra (SciPy's) over the scenario's graph; the compute in
  those units (compute_over_dijkstra_ratio) changes far less with the machine's load than
  seconds do;
- pgrouting_over_ours_ratio: pgrouting_s / nearest_s; county_compute_over_target_ratio.

The database is --database-url (its schema recreated; CREATE EXTENSION pgrouting there
only); scripts/setup.sh installs postgresql-<major>-pgrouting.

    python bench/roads.py [--smoke] [--sweden] [--database-url URL]
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import shapely
from scipy.sparse.csgraph import dijkstra

if __package__ in (None, ""):  # run as a script: the repository on the path, not bench/
    # (whose coverage.py would stand in for the coverage package Numba looks for)
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from sqlalchemy import text
from sqlalchemy.orm import Session

from bench.coverage import add_arguments, fresh_database
from bench.coverage_compute import SMOKE, SWEDEN, VASTERBOTTEN, Size, synthetic_sweden
from resilience.analysis import CoverageResult, Scenario, compute
from resilience.analysis.roads import RoadNetwork, road_state
from resilience.crs import transformer

WAY = 10  # segments per way
CLASSES = np.array(["primary", "secondary", "tertiary", "unclassified", "residential", "track"])
CLASS_SHARE = np.array([0.04, 0.08, 0.13, 0.25, 0.4, 0.1])
COUNTY_SEGMENTS = 1_000_000
SWEDEN_SEGMENTS = 12_000_000
SMOKE_SEGMENTS = 30_000
TARGET_SECONDS = 2.0


@dataclasses.dataclass(frozen=True)
class Graph:
    lines: np.ndarray  # LineStrings, EPSG:3006
    classes: np.ndarray
    xy: np.ndarray  # node coordinates (rows * cols, 2)
    ways: list[np.ndarray]  # node indices of each way, for the .osm writer
    segments: int


def synthetic_roads(size: Size, segments: int, seed: int = 0) -> Graph:
    """A jittered grid over the size's extent with about `segments` segments (3 a node)."""
    rng = np.random.default_rng(seed)
    width, height = size.xmax - size.xmin, size.ymax - size.ymin
    nodes = segments / 3
    cols = max(3, round((nodes * width / height) ** 0.5))
    rows = max(3, round(nodes / cols))
    dx, dy = width / (cols - 1), height / (rows - 1)
    jj, ii = np.meshgrid(np.arange(cols), np.arange(rows))
    x = size.xmin + jj * dx + rng.uniform(-0.3, 0.3, jj.shape) * dx
    y = size.ymin + ii * dy + rng.uniform(-0.3, 0.3, ii.shape) * dy
    xy = np.round(np.column_stack((x.ravel(), y.ravel())), 1)
    ways: list[np.ndarray] = []
    for di, dj in ((0, 1), (1, 0), (1, 1)):
        si, sj = np.meshgrid(np.arange(rows - di), np.arange(cols - dj), indexing="ij")
        along = np.minimum(si, sj) if di and dj else (sj if dj else si)
        start = along % WAY == 0
        si, sj = si[start], sj[start]
        room = np.full(si.shape, WAY)
        if di:
            room = np.minimum(room, rows - 1 - si)
        if dj:
            room = np.minimum(room, cols - 1 - sj)
        k = np.arange(WAY + 1)
        node = (si[:, None] + di * k) * cols + (sj[:, None] + dj * k)
        for length in np.unique(room):
            ways.extend(node[room == length, : length + 1])
    counts = np.array([w.size for w in ways])
    flat = np.concatenate(ways)
    lines = shapely.linestrings(xy[flat], indices=np.repeat(np.arange(len(ways)), counts))
    classes = rng.choice(CLASSES, size=len(ways), p=CLASS_SHARE)
    return Graph(np.asarray(lines), classes, xy, ways, int((counts - 1).sum()))


def scenario_with_roads(scenario: Scenario, size: Size) -> Scenario:
    """The data set's scenario as a 48 h outage whose orange and red snow close roads, and a
    closure across the extent's middle (a road closed for 20 km)."""
    cx, cy = (size.xmin + size.xmax) / 2, (size.ymin + size.ymax) / 2
    closure = shapely.box(cx - 10_000, cy - 1_000, cx + 10_000, cy + 1_000)
    parameters = dataclasses.replace(scenario.parameters, closure_level="orange")
    return dataclasses.replace(
        scenario, duration_hours=48.0, road_closures=closure, parameters=parameters
    )


def write_osm(graph: Graph, path: Path) -> None:
    """The graph as OSM XML: nodes in WGS 84, ways with highway tags."""
    lon, lat = transformer(3006, 4326).transform(graph.xy[:, 0], graph.xy[:, 1])
    with path.open("w", encoding="utf-8") as out:
        out.write("<?xml version='1.0' encoding='UTF-8'?>\n<osm version='0.6'>\n")
        buffer = io.StringIO()
        for i in range(graph.xy.shape[0]):
            node = f"<node id='{i + 1}' version='1' lat='{lat[i]:.7f}' lon='{lon[i]:.7f}'/>"
            buffer.write(node + "\n")
            if i % 100_000 == 0:
                out.write(buffer.getvalue())
                buffer = io.StringIO()
        out.write(buffer.getvalue())
        buffer = io.StringIO()
        for w, (way, road_class) in enumerate(zip(graph.ways, graph.classes, strict=True)):
            refs = "".join(f"<nd ref='{n + 1}'/>" for n in way)
            buffer.write(
                f"<way id='{w + 1}' version='1'>{refs}<tag k='highway' v='{road_class}'/></way>\n"
            )
            if w % 50_000 == 0:
                out.write(buffer.getvalue())
                buffer = io.StringIO()
        out.write(buffer.getvalue())
        out.write("</osm>\n")


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def pgrouting_minutes(
    session: Session, state: object, nodes: np.ndarray, start: np.ndarray, targets: np.ndarray
) -> tuple[float, np.ndarray]:
    """(seconds, minutes at `targets`) by pgr_drivingDistance from a virtual source joined to
    each provider node by an edge of its start minutes, over the state's open edges."""
    graph = state.graph.tocoo()  # type: ignore[attr-defined]
    rows, cols, weights = graph.row, graph.col, graph.data
    n = state.network.n_nodes  # type: ignore[attr-defined]
    conn = session.connection().connection.driver_connection
    with conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_edges")
        cur.execute(
            "CREATE TABLE bench_edges (id bigint, source bigint, target bigint, cost float8)"
        )
        keep = nodes >= 0
        src = np.concatenate([rows, np.full(int(keep.sum()), n)])
        dst = np.concatenate([cols, nodes[keep]])
        cost = np.concatenate([weights, start[keep]])
        with cur.copy("COPY bench_edges FROM STDIN") as copy:
            block = 500_000
            for b in range(0, src.size, block):
                part = np.column_stack(
                    (
                        np.arange(b, min(b + block, src.size)) + 1,
                        src[b : b + block] + 1,
                        dst[b : b + block] + 1,
                        cost[b : b + block],
                    )
                )
                copy.write(
                    "".join(f"{int(a)}\t{int(s)}\t{int(t)}\t{float(c)!r}\n" for a, s, t, c in part)
                )
        cur.execute("ANALYZE bench_edges")
    session.commit()
    started = time.perf_counter()
    result = session.execute(
        text(
            "SELECT node, agg_cost FROM pgr_drivingDistance("
            " 'SELECT id, source, target, cost FROM bench_edges', :source, 1e12, directed => true)"
        ),
        {"source": n + 1},
    ).all()
    seconds = time.perf_counter() - started
    minutes = np.full(n + 1, np.inf)
    got = np.array([(r[0] - 1, r[1]) for r in result], dtype=np.float64).reshape(-1, 2)
    minutes[got[:, 0].astype(np.int64)] = got[:, 1]
    return seconds, minutes[targets]


def bench_size(
    label: str, size: Size, segments: int, session: Session | None, out: Callable[[str], None]
) -> list[tuple[str, float]]:
    sites, cells, names, scenario = synthetic_sweden(0, size)
    scenario = scenario_with_roads(scenario, size)
    graph = synthetic_roads(size, segments)
    out(f"{label}_segments: {graph.segments}")
    out(f"{label}_nodes: {graph.xy.shape[0]}")
    out(f"{label}_ways: {len(graph.ways)}")
    out(f"{label}_cells: {len(cells.x)}")
    build_s, network = timed(lambda: RoadNetwork.from_lines(graph.lines, graph.classes))
    assert isinstance(network, RoadNetwork)
    out(f"{label}_graph_build_s: {build_s:.2f}")
    warm_build_s, _ = timed(network.warm)
    out(f"{label}_graph_warm_s: {warm_build_s:.2f}")
    ratios: list[tuple[str, float]] = []
    if session is not None:
        with tempfile.TemporaryDirectory() as folder:
            osm = Path(folder) / f"{label}.osm"
            write_s, _ = timed(lambda: write_osm(graph, osm))
            out(f"{label}_osm_write_s: {write_s:.2f}")
            out(f"{label}_osm_mib: {osm.stat().st_size / 2**20:.0f}")
            from resilience.services import roads as road_service

            import_s, report = timed(
                lambda: road_service.import_path(session, osm, max_bytes=2**40)
            )
            assert isinstance(report, dict)
            out(f"{label}_osm_import_s: {import_s:.2f}")
            out(f"{label}_osm_imported_ways: {report['inserted']}")
        from resilience.services.run_inputs import load_roads

        load_s, loaded = timed(lambda: load_roads(session))
        assert isinstance(loaded, RoadNetwork)
        out(f"{label}_cache_load_s: {load_s:.2f}")
    compute_s, result = timed(lambda: compute(sites, cells, names, scenario, roads=network))
    out(f"{label}_compute_s: {compute_s:.2f}")
    # Again on the same network, as a worker's next run of this data version: the segments'
    # tree, the pairs' layout and the baseline's searches are kept with the network.
    warm_s, again = timed(lambda: compute(sites, cells, names, scenario, roads=network))
    out(f"{label}_compute_warm_s: {warm_s:.2f}")
    assert isinstance(result, CoverageResult) and isinstance(again, CoverageResult)
    for service in result.minutes:
        for kept, fresh in (
            (again.minutes[service], result.minutes[service]),
            (again.baseline_minutes[service], result.baseline_minutes[service]),
        ):
            assert np.array_equal(kept, fresh, equal_nan=True)
    assert np.array_equal(again.generator_index, result.generator_index)
    del again
    state = road_state(network, scenario)
    care = np.asarray(sites.category) == "care"
    px, py = np.asarray(sites.x)[care], np.asarray(sites.y)[care]
    cx, cy = np.asarray(cells.x, dtype=np.float64), np.asarray(cells.y, dtype=np.float64)
    p_factor, c_factor = state.factor_at(px, py), state.factor_at(cx, cy)
    nearest_s, ours = timed(lambda: state.nearest(cx, cy, c_factor, px, py, p_factor))
    out(f"{label}_nearest_s: {nearest_s:.3f}")
    # One plain Dijkstra over the scenario's graph (median of three): the unit the compute
    # is measured in, as it slows with the machine's load as the compute does.
    one = [timed(lambda: dijkstra(state.graph, directed=True, indices=[0]))[0] for _ in range(3)]
    dijkstra_s = float(np.median(one))
    out(f"{label}_dijkstra_s: {dijkstra_s:.3f}")
    if session is not None:
        p_node, p_access = state.access(px, py, p_factor)
        q_node, q_access = state.access(cx, cy, c_factor)
        routed = q_node >= 0
        pgr_s, minutes = pgrouting_minutes(session, state, p_node, p_access, q_node[routed])
        theirs = q_access[routed] + minutes
        ours_net = q_access[routed] + state._from_sources(p_node, p_access)[q_node[routed]]
        both = np.isfinite(theirs) & np.isfinite(ours_net)
        diff = float(np.max(np.abs(theirs[both] - ours_net[both]))) if both.any() else 0.0
        assert diff < 1e-6 and np.array_equal(np.isfinite(theirs), np.isfinite(ours_net))
        out(f"{label}_pgrouting_s: {pgr_s:.3f}")
        out(f"{label}_pgrouting_max_diff_min: {diff:.2e}")
        ratios.append((f"{label}_pgrouting_over_ours_ratio", pgr_s / nearest_s))
    del result, ours
    ratios.append((f"{label}_compute_over_dijkstra_ratio", compute_s / dijkstra_s))
    ratios.append((f"{label}_compute_warm_over_dijkstra_ratio", warm_s / dijkstra_s))
    if label == "county":
        ratios.append(("county_compute_over_target_ratio", compute_s / TARGET_SECONDS))
        ratios.append(("county_compute_warm_over_target_ratio", warm_s / TARGET_SECONDS))
    ratios.append((f"{label}_compute_warm_over_cold_ratio", warm_s / compute_s))
    return ratios


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    parser.add_argument("--sweden", action="store_true", help="also Sweden's size (minutes)")
    args = parser.parse_args(argv)
    session = fresh_database(args.database_url)
    session.execute(text("CREATE EXTENSION IF NOT EXISTS pgrouting"))
    session.commit()
    if args.smoke:
        runs = [("smoke", SMOKE, SMOKE_SEGMENTS, session)]
    else:
        runs = [("county", VASTERBOTTEN, COUNTY_SEGMENTS, session)]
        if args.sweden:
            runs.append(("sweden", SWEDEN, SWEDEN_SEGMENTS, None))
    ratios: list[tuple[str, float]] = []
    for label, size, segments, db in runs:
        ratios += bench_size(label, size, segments, db, print)
        sys.stdout.flush()
    print(f"process_max_rss_mib: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
    for name, value in ratios:
        print(f"{name}: {value:.2f}")


if __name__ == "__main__":
    main()
