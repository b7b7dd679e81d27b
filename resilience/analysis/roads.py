"""Travel over the road network (coverage-model.md, "Roads (v3)"): pure and vectorised.

A RoadNetwork is built once from road lines (EPSG:3006): every distinct vertex (exact x, y)
is a node, every two consecutive distinct vertices of a road a segment, an edge usable in
both directions; roads connect only where they share a vertex. A RoadState is the network
under one scenario: speed factors of the snow zones a segment intersects, segments closed
by road_closures and by snow zones at or above closure_level, edge minutes, and the access
nodes (the nodes with at least one open edge).

minutes(a, b) = min(route(a, b), direct(a, b)):
- route = access(a) + shortest path over open edges between the access nodes + access(b),
  access(p) = d(p, node) · circuity / (access_speed_kmh · f_p · 1000 / 60);
- direct = d(a, b) · circuity / (access_speed_kmh · min(f_a, f_b) · 1000 / 60), only when
  d(a, b) <= offroad_max_km · 1000, else infinite.
The nearest provider of many points is one multi-source Dijkstra (shortest.search), each
provider's access node a source at its access minutes, plus a range search for direct
travel. What does not change from one computation to the
next is kept with the network: the parallel edges grouped per node pair and their CSR
layout (RoadNetwork.pairs), the segments' STRtree, and (RoadNetwork.memo) the baseline's
searches per parameters and places. Generators' arrivals (pair_routes) keep the trees of
their shortest paths, so that an assignment's route can be drawn along the roads.

Units: metres, km/h, minutes.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

from resilience.analysis import shortest
from resilience.analysis.model import (
    ROAD_SPEEDS,
    SNOW_LEVELS,
    BoolArray,
    FloatArray,
    IntArray,
    ObjectArray,
    Parameters,
    Scenario,
    polygon_parts,
)
from resilience.analysis.result import RoadSummary
from resilience.analysis.spatial import speed_factor_xy

_T = TypeVar("_T")
# Values a network keeps (RoadNetwork.memo): baseline searches per parameters and places.
_MEMO_SIZE = 16
_MEMO_LIMITS = {"baseline_state": 2}  # at most so many of a kind
# Nearest-node distances within this relative margin are checked for an exact tie.
_TIE_MARGIN = 1e-9


def _distance(ax: FloatArray, ay: FloatArray, bx: FloatArray, by: FloatArray) -> FloatArray:
    """Euclidean distance in metres, as sqrt(dx·dx + dy·dy) (as coverage.distance_m)."""
    dx = ax - bx
    dy = ay - by
    return np.sqrt(dx * dx + dy * dy)


def _z_order(x: FloatArray, y: FloatArray) -> NDArray[np.uint64]:
    """The Morton code of each point (x and y scaled to 31 bits each, interleaved)."""
    if x.size == 0:
        return np.zeros(0, dtype=np.uint64)

    def spread(v: FloatArray, low: float, high: float) -> NDArray[np.uint64]:
        scaled = (v - low) / (high - low) * (2**31 - 1) if high > low else np.zeros(v.size)
        out = scaled.astype(np.uint64)
        for shift, mask in (
            (16, 0x0000FFFF0000FFFF),
            (8, 0x00FF00FF00FF00FF),
            (4, 0x0F0F0F0F0F0F0F0F),
            (2, 0x3333333333333333),
            (1, 0x5555555555555555),
        ):
            out = (out | (out << np.uint64(shift))) & np.uint64(mask)
        return out

    bx = spread(x, float(x.min()), float(x.max()))
    by = spread(y, float(y.min()), float(y.max()))
    return bx | (by << np.uint64(1))


def _all_line_parts(lines: list[BaseGeometry]) -> tuple[NDArray[np.object_], IntArray]:
    """Every non-empty LineString part of the roads, and the road each belongs to, in one
    vectorised pass; ValueError for a road that is no (Multi)LineString."""
    if not lines:
        return np.empty(0, dtype=object), np.zeros(0, dtype=np.int64)
    for geometry in lines:
        if not isinstance(geometry, BaseGeometry):
            raise ValueError(f"a road must be a Shapely geometry, not {type(geometry).__name__}")
    array = np.asarray(lines, dtype=object)
    parts, road = shapely.get_parts(array, return_index=True)
    wrong = shapely.get_type_id(parts) != 1  # 1: LineString
    if wrong.any():
        raise ValueError(
            f"a road must be a LineString or MultiLineString, not {array[road[wrong][0]].geom_type}"
        )
    keep = ~shapely.is_empty(parts)
    return parts[keep], np.asarray(road[keep], dtype=np.int64)


@dataclass(frozen=True)
class _PairLayout:
    """Edges grouped by undirected node pair (order: edges sorted by pair, starts: each
    pair's first position in order) and the pairs' CSR layout in both directions (slot:
    position of each CSR entry among the pairs then their reverses; rows, cols, indptr)."""

    order: IntArray
    starts: IntArray
    slot: IntArray
    rows: IntArray
    cols: IntArray
    indptr: IntArray


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """The road graph, built once (from_lines) and reused by every computation.

    node_x, node_y: the nodes (EPSG:3006 metres, distinct); edge_u, edge_v: each segment's
    end nodes; length: its length (metres, > 0); speed_kmh: its road's own speed (NaN: the
    class speed); road_class: its road's class (str).
    """

    node_x: FloatArray
    node_y: FloatArray
    edge_u: IntArray
    edge_v: IntArray
    length: FloatArray
    speed_kmh: FloatArray
    road_class: ObjectArray
    _memo: OrderedDict[tuple[Any, ...], Any] = field(
        default_factory=OrderedDict, init=False, repr=False, compare=False
    )
    _memo_lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    @classmethod
    def from_lines(
        cls,
        geometries: Sequence[BaseGeometry] | NDArray[np.object_],
        road_class: ArrayLike,
        speed_kmh: ArrayLike | None = None,
    ) -> RoadNetwork:
        """The network of road lines with their classes and optional speeds (km/h, NaN or
        None for the class speed). Raises ValueError for a line of an unknown class
        without a speed, a speed <= 0, or a geometry that is no (Multi)LineString."""
        lines = list(geometries)
        n = len(lines)
        classes = np.asarray(road_class, dtype=object).reshape(-1)
        if classes.size != n:
            raise ValueError(f"{classes.size} road classes for {n} roads")
        if speed_kmh is None:
            speeds = np.full(n, np.nan)
        else:
            speeds = np.asarray(speed_kmh, dtype=np.float64).reshape(-1)
            if speeds.size != n:
                raise ValueError(f"{speeds.size} road speeds for {n} roads")
        bad_speed = ~np.isnan(speeds) & ~(np.isfinite(speeds) & (speeds > 0))
        if bad_speed.any():
            raise ValueError(f"road speed_kmh must be > 0, not {speeds[bad_speed][0]!r}")
        unknown = np.isnan(speeds) & ~np.isin(classes.astype(str), list(ROAD_SPEEDS))
        if unknown.any():
            raise ValueError(
                f"road class {classes[unknown][0]!r} has no default speed: give speed_kmh "
                f"or use one of {', '.join(ROAD_SPEEDS)}"
            )
        all_parts, part_road = _all_line_parts(lines)
        coords, part = shapely.get_coordinates(all_parts, return_index=True)
        if coords.size and not np.isfinite(coords).all():
            raise ValueError("road coordinates must be finite EPSG:3006 metres")
        # Distinct (x, y) by one sort of complex keys (x, then y): far faster than
        # np.unique(axis=0) on millions of vertices, and the same order.
        keys, node = np.unique(coords[:, 0] + 1j * coords[:, 1], return_inverse=True)
        xy = np.column_stack((keys.real, keys.imag))
        # Nodes numbered along a Z-order curve: near in space, near in memory, so that a
        # search's wavefront stays in the cache (a whole-graph search of Sweden's size ran
        # 4 times faster than with the nodes in x order).
        order = np.argsort(_z_order(xy[:, 0], xy[:, 1]), kind="stable")
        rank = np.empty(order.size, dtype=np.int64)
        rank[order] = np.arange(order.size)
        xy = xy[order]
        node = rank[np.asarray(node, dtype=np.int64).reshape(-1)]
        same_part = part[:-1] == part[1:]
        distinct = (coords[:-1] != coords[1:]).any(axis=1)
        first = np.flatnonzero(same_part & distinct)
        u, v = node[first], node[first + 1]
        ax, ay = coords[first, 0], coords[first, 1]
        bx, by = coords[first + 1, 0], coords[first + 1, 1]
        road = part_road[part[first]]
        return cls(
            node_x=np.ascontiguousarray(xy[:, 0], dtype=np.float64),
            node_y=np.ascontiguousarray(xy[:, 1], dtype=np.float64),
            edge_u=u.astype(np.int64),
            edge_v=v.astype(np.int64),
            length=_distance(ax, ay, bx, by),
            speed_kmh=speeds[road],
            road_class=classes[road].astype(str).astype(object),
        )

    @property
    def n_nodes(self) -> int:
        return int(self.node_x.size)

    @property
    def n_edges(self) -> int:
        return int(self.edge_u.size)

    @cached_property
    def segments(self) -> NDArray[np.object_]:
        """Each edge as a two-point LineString (for the snow and closure tests)."""
        coords = np.stack(
            (
                np.column_stack((self.node_x[self.edge_u], self.node_y[self.edge_u])),
                np.column_stack((self.node_x[self.edge_v], self.node_y[self.edge_v])),
            ),
            axis=1,
        )
        segments: NDArray[np.object_] = np.asarray(shapely.linestrings(coords), dtype=object)
        return segments

    @cached_property
    def tree(self) -> shapely.STRtree:
        """An STRtree over the segments."""
        return shapely.STRtree(self.segments)

    @cached_property
    def pairs(self) -> _PairLayout:
        """The edges grouped by undirected node pair, and the CSR layout of those pairs in
        both directions: built once, so that each computation only fills in weights."""
        n = self.n_nodes
        low = np.minimum(self.edge_u, self.edge_v)
        high = np.maximum(self.edge_u, self.edge_v)
        key = low * max(n, 1) + high
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
        starts = starts[: sorted_key.size]  # none without edges
        pair_low, pair_high = low[order][starts], high[order][starts]
        rows = np.concatenate([pair_low, pair_high])
        cols = np.concatenate([pair_high, pair_low])
        slot = np.lexsort((cols, rows))
        return _PairLayout(
            order=order,
            starts=starts,
            slot=slot,
            rows=rows[slot],
            cols=cols[slot],
            indptr=np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))]),
        )

    @cached_property
    def _class_codes(self) -> tuple[NDArray[np.str_], IntArray]:
        names, codes = np.unique(self.road_class.astype(str), return_inverse=True)
        return names, np.asarray(codes, dtype=np.int64).reshape(-1)

    def edge_speed(self, road_speeds: dict[str, float] | Any) -> FloatArray:
        """Each edge's speed (km/h): its road's own, else its class's in road_speeds."""
        names, codes = self._class_codes
        by_class = np.array([float(road_speeds.get(str(name), np.nan)) for name in names])
        own = self.speed_kmh
        return np.where(np.isnan(own), by_class[codes] if codes.size else own, own)

    def warm(self) -> RoadNetwork:
        """Build now what every computation needs of the network (the segments' STRtree, the
        pairs' layout, the class codes, the k-d tree of the access nodes when no road is
        closed; the compiled shortest-path kernels), e.g. in a worker when it keeps a data
        version's inputs, instead of in each computation."""
        _ = self.tree, self.pairs, self._class_codes, self.open_access_tree
        shortest.compile()
        return self

    @cached_property
    def open_access_tree(self) -> cKDTree | None:
        """The k-d tree of the access nodes when no road is closed (every node of an edge),
        kept with the network: the baseline's, and every scenario's without closures."""
        return _node_tree(self, np.unique(np.concatenate([self.edge_u, self.edge_v])))

    def memo(self, key: tuple[Any, ...], make: Callable[[], _T]) -> _T:
        """make()'s value kept with this network under key (at most _MEMO_SIZE values, and
        of a kind, key[0], at most _MEMO_LIMITS; the least recently used dropped first): a
        new network (a new data version) starts empty, so nothing kept outlives the roads
        it was computed on. Safe from threads (the services are computed in parallel);
        make() runs outside the lock."""
        memo = self._memo
        with self._memo_lock:
            if key in memo:
                memo.move_to_end(key)
                return memo[key]  # type: ignore[no-any-return]
        value = make()
        with self._memo_lock:
            memo[key] = value
            while len(memo) > _MEMO_SIZE:
                memo.popitem(last=False)
            # A road state is a copy of the graph (300 MB at Sweden's size): few are kept.
            kind = [k for k in memo if k[0] == key[0]]
            for old in kind[: max(0, len(kind) - _MEMO_LIMITS.get(key[0], _MEMO_SIZE))]:
                del memo[old]
        return value

    def intersecting(self, polygons: NDArray[np.object_]) -> IntArray:
        """Edges whose segment intersects any of the polygons (touching counts)."""
        if polygons.size == 0 or self.n_edges == 0:
            return np.zeros(0, dtype=np.int64)
        _, edges = self.tree.query(polygons, predicate="intersects")
        return np.unique(np.asarray(edges, dtype=np.int64))


def closure_polygons(scenario: Scenario) -> tuple[NDArray[np.object_], int]:
    """(the polygons that close roads, how many closure areas they are): the parts of
    road_closures (each one area) and the snow zones at or above closure_level (one area
    each, whatever its parts)."""
    parts = [polygon_parts(scenario.road_closures)]
    areas = int(parts[0].size)
    level = scenario.parameters.closure_level
    if level is not None:
        lowest = SNOW_LEVELS.index(level)
        for zone in scenario.snow_zones:
            if SNOW_LEVELS.index(zone.level) >= lowest:
                parts.append(polygon_parts(zone.geometry))
                areas += 1
    return np.concatenate(parts), areas


def road_state(network: RoadNetwork, scenario: Scenario) -> RoadState:
    """The network under a scenario: snow factors and closures of its edges applied."""
    parameters = scenario.parameters
    factor = np.ones(network.n_edges)
    for level in SNOW_LEVELS:  # ascending severity: a more severe zone overwrites
        zones = [polygon_parts(z.geometry) for z in scenario.snow_zones if z.level == level]
        if zones:
            hit = network.intersecting(np.concatenate(zones))
            factor[hit] = parameters.speed_factors.of(level)
    closures, areas = closure_polygons(scenario)
    closed = np.zeros(network.n_edges, dtype=bool)
    closed[network.intersecting(closures)] = True
    speed = network.edge_speed(parameters.road_speeds)
    minutes = network.length / (speed * factor * 1000 / 60)
    return RoadState(network, scenario, factor, closed, minutes, areas)


def baseline_state(network: RoadNetwork, scenario: Scenario) -> RoadState:
    """road_state of the scenario's baseline (no snow, no closures), kept with the network
    per parameters: it is the same for every scenario with them."""
    baseline = scenario.baseline()
    return network.memo(
        ("baseline_state", repr(baseline.parameters)), lambda: road_state(network, baseline)
    )


class RoadState:
    """A RoadNetwork under one scenario; see road_state. Travel queries in minutes."""

    def __init__(
        self,
        network: RoadNetwork,
        scenario: Scenario,
        factor: FloatArray,
        closed: BoolArray,
        minutes: FloatArray,
        closure_areas: int,
    ) -> None:
        self.network = network
        self.parameters: Parameters = scenario.parameters
        self.scenario = scenario
        self.edge_factor = factor
        self.closed = closed
        self.edge_minutes = minutes
        self.closure_areas = closure_areas
        n = network.n_nodes
        open_ = ~closed
        # Parallel edges merged to the fastest once per undirected pair (csr would add them
        # up), closed ones left out; the layout of the pairs is the network's, built once.
        layout = network.pairs
        weight = np.where(open_, minutes, np.inf)[layout.order]
        fastest = np.minimum.reduceat(weight, layout.starts) if weight.size else np.zeros(0)
        data = np.concatenate([fastest, fastest])[layout.slot]
        indices, indptr = layout.cols, layout.indptr
        keep = np.isfinite(data)
        if not keep.all():
            data, indices = data[keep], indices[keep]
            counts = np.bincount(layout.rows[keep], minlength=n)
            indptr = np.concatenate([[0], np.cumsum(counts)])
        self.graph = sparse.csr_matrix((data, indices, indptr), shape=(n, n))
        has_open = np.zeros(n, dtype=bool)
        has_open[network.edge_u[open_]] = True
        has_open[network.edge_v[open_]] = True
        self.access_nodes = np.flatnonzero(has_open)
        self._tree = (
            network.open_access_tree if not closed.any() else _node_tree(network, self.access_nodes)
        )
        self._components: IntArray | None = None

    def summary(self) -> RoadSummary:
        return RoadSummary(
            edges=self.network.n_edges,
            closed_edges=int(self.closed.sum()),
            closure_areas=self.closure_areas,
        )

    def factor_at(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """The speed factor at points, from the scenario's snow zones."""
        return speed_factor_xy(self.scenario.snow_zones, self.parameters.speed_factors, x, y)

    # Access ---------------------------------------------------------------------------

    def access_node(self, x: FloatArray, y: FloatArray) -> tuple[IntArray, FloatArray]:
        """(each point's access node, -1 when no node has an open edge; its distance in
        metres, inf then): the nearest node with an open edge, ties lower x then lower y."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        node = np.full(x.size, -1, dtype=np.int64)
        metres = np.full(x.size, np.inf)
        if self._tree is None or x.size == 0:
            return node, metres
        nodes = self.access_nodes
        nx, ny = self.network.node_x, self.network.node_y
        k = 2 if nodes.size >= 2 else 1
        found_d, found = self._tree.query(np.column_stack((x, y)), k=k)
        found_d = np.asarray(found_d, dtype=np.float64).reshape(x.size, k)
        found = np.asarray(found, dtype=np.int64).reshape(x.size, k)
        node = nodes[found[:, 0]]
        metres = _distance(x, y, nx[node], ny[node])
        if k == 2:
            near = found_d[:, 1] <= found_d[:, 0] * (1 + _TIE_MARGIN) + _TIE_MARGIN
            for i in np.flatnonzero(near).tolist():
                radius = float(found_d[i, 0]) * (1 + 2 * _TIE_MARGIN) + 2 * _TIE_MARGIN
                candidates = nodes[np.asarray(self._tree.query_ball_point((x[i], y[i]), radius))]
                d = _distance(
                    np.full(candidates.size, x[i]),
                    np.full(candidates.size, y[i]),
                    nx[candidates],
                    ny[candidates],
                )
                best = candidates[np.lexsort((ny[candidates], nx[candidates], d))[0]]
                node[i] = best
                metres[i] = _distance(
                    x[i : i + 1], y[i : i + 1], nx[best : best + 1], ny[best : best + 1]
                )[0]
        return node, metres

    def access(
        self, x: FloatArray, y: FloatArray, factor: FloatArray
    ) -> tuple[IntArray, FloatArray]:
        """(access node, access minutes) of each point; (-1, inf) without any open edge."""
        node, metres = self.access_node(x, y)
        p = self.parameters
        minutes = metres * p.circuity / (p.access_speed_kmh * factor * 1000 / 60)
        return node, np.where(node >= 0, minutes, np.inf)

    def direct(self, metres: FloatArray, factor: FloatArray) -> FloatArray:
        """Direct minutes over metres at a factor; inf beyond offroad_max_km."""
        p = self.parameters
        minutes = metres * p.circuity / (p.access_speed_kmh * factor * 1000 / 60)
        return np.where(metres <= p.offroad_max_km * 1000, minutes, np.inf)

    # Searches -------------------------------------------------------------------------

    def _from_sources(
        self, nodes: IntArray, start: FloatArray, limit: float = np.inf
    ) -> FloatArray:
        """Least minutes from any source (node, start minutes) to every node, inf beyond
        limit: one multi-source search (sources of no node, -1, left out)."""
        keep = nodes >= 0
        distance, _ = shortest.search(self.graph, nodes[keep], start[keep], limit)
        return distance

    def direct_pairs(
        self, qx: FloatArray, qy: FloatArray, px: FloatArray, py: FloatArray
    ) -> tuple[IntArray, IntArray, FloatArray]:
        """(query, provider, metres) of the pairs within offroad_max_km."""
        reach = self.parameters.offroad_max_km * 1000
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
        if qx.size == 0 or px.size == 0:
            return empty
        pairs = cKDTree(np.column_stack((qx, qy))).sparse_distance_matrix(
            cKDTree(np.column_stack((px, py))),
            reach * (1 + 1e-9) + 1e-6,
            output_type="ndarray",
        )
        i = np.asarray(pairs["i"], dtype=np.int64)
        j = np.asarray(pairs["j"], dtype=np.int64)
        metres = _distance(qx[i], qy[i], px[j], py[j])
        within = metres <= reach
        return i[within], j[within], metres[within]

    def nearest(
        self,
        qx: FloatArray,
        qy: FloatArray,
        q_factor: FloatArray,
        px: FloatArray,
        py: FloatArray,
        p_factor: FloatArray,
        *,
        limit: float = np.inf,
    ) -> FloatArray:
        """Minutes from each query point to its fastest-reached provider (inf: none).

        limit: minutes beyond which routes need not be found (they are then inf); the
        result is exact wherever it is <= limit.
        """
        best = np.full(qx.size, np.inf)
        if qx.size == 0 or px.size == 0:
            return best
        p_node, p_access = self.access(px, py, p_factor)
        q_node, q_access = self.access(qx, qy, q_factor)
        distance = self._from_sources(p_node, p_access, limit)
        reached = q_node >= 0
        best[reached] = q_access[reached] + distance[q_node[reached]]
        i, j, metres = self.direct_pairs(qx, qy, px, py)
        if i.size:
            np.minimum.at(best, i, self.direct(metres, np.minimum(q_factor[i], p_factor[j])))
        return best

    def baseline_nearest(
        self, qx: FloatArray, qy: FloatArray, px: FloatArray, py: FloatArray
    ) -> FloatArray:
        """nearest() with every speed factor 1 on a state without snow or closures (the
        baseline's), kept with the network per parameters and places: the baseline of a
        network does not change from one scenario to the next."""
        if self.closed.any() or self.scenario.snow_zones:
            raise ValueError("baseline_nearest is for a state without snow zones or closures")
        p = self.parameters
        key = (
            "baseline_nearest",
            tuple(sorted((str(k), float(v)) for k, v in p.road_speeds.items())),
            float(p.circuity),
            float(p.access_speed_kmh),
            float(p.offroad_max_km),
            _digest(qx, qy, px, py),
        )
        ones_q, ones_p = np.ones(qx.size), np.ones(px.size)
        kept = self.network.memo(key, lambda: self.nearest(qx, qy, ones_q, px, py, ones_p))
        out: FloatArray = kept.copy()
        return out

    def pair_minutes(
        self,
        ax: FloatArray,
        ay: FloatArray,
        a_factor: FloatArray,
        bx: FloatArray,
        by: FloatArray,
        b_factor: FloatArray,
    ) -> FloatArray:
        """M[i, j] = minutes(b_j, a_i) = min(access(b_j) + path + access(a_i), direct):
        e.g. from generators b to care sites a. Shape (a, b); inf where unreachable."""
        minutes, _ = self.pair_routes(ax, ay, a_factor, bx, by, b_factor, routes=False)
        return minutes

    def pair_routes(
        self,
        ax: FloatArray,
        ay: FloatArray,
        a_factor: FloatArray,
        bx: FloatArray,
        by: FloatArray,
        b_factor: FloatArray,
        *,
        routes: bool = True,
        limit: float = np.inf,
    ) -> tuple[FloatArray, PairRoutes | None]:
        """pair_minutes, and (routes) the shortest paths behind its routes: one Dijkstra
        per distinct access node of the side with fewer, on every core (shortest.each); of
        each search only the tree of the paths to the other side's nodes is kept
        (PairRoutes). limit: path minutes beyond which routes
        need not be found (they are then inf; direct travel is still counted)."""
        out = np.full((ax.size, bx.size), np.inf)
        if ax.size == 0 or bx.size == 0:
            return out, PairRoutes(self.network, {}, np.zeros(0, bool)) if routes else None
        a_node, a_access = self.access(ax, ay, a_factor)
        b_node, b_access = self.access(bx, by, b_factor)
        a_sources, b_sources = np.unique(a_node[a_node >= 0]), np.unique(b_node[b_node >= 0])
        # Edges are undirected: search from whichever side has fewer distinct nodes.
        from_b = b_sources.size <= a_sources.size
        sources, targets = (b_sources, a_sources) if from_b else (a_sources, b_sources)

        # One search per source, on every core; of each only the minutes to the other
        # side's nodes and (routes) the tree of the paths to them are kept.
        def kept(
            source: int, distance: FloatArray, predecessor: IntArray | None
        ) -> tuple[FloatArray, tuple[IntArray, IntArray] | None]:
            tree = _path_tree(predecessor, source, targets) if predecessor is not None else None
            return distance[targets], tree

        found = shortest.each(self.graph, sources, kept, limit=max(limit, 0.0), predecessors=routes)
        path = (  # path[source, target]
            np.vstack([row for row, _ in found]) if found else np.zeros((0, targets.size))
        )
        trees = {
            int(source): tree
            for source, (_, tree) in zip(sources.tolist(), found, strict=True)
            if tree is not None
        }
        if from_b:
            b_row, a_col = np.searchsorted(sources, b_node), np.searchsorted(targets, a_node)
        else:
            a_col, b_row = np.searchsorted(sources, a_node), np.searchsorted(targets, b_node)
        a_ok, b_ok = np.flatnonzero(a_node >= 0), np.flatnonzero(b_node >= 0)
        if a_ok.size and b_ok.size:
            sub = (
                path[np.ix_(b_row[b_ok], a_col[a_ok])]
                if from_b
                else path[np.ix_(a_col[a_ok], b_row[b_ok])].T
            )
            route = (b_access[b_ok, None] + sub) + a_access[None, a_ok]
            out[np.ix_(a_ok, b_ok)] = route.T
        metres = _distance(ax[:, None], ay[:, None], bx[None, :], by[None, :])
        factor = np.minimum(a_factor[:, None], b_factor[None, :])
        direct = self.direct(metres, factor)
        minutes: FloatArray = np.minimum(out, direct)
        if not routes:
            return minutes, None
        pairs = PairRoutes(
            self.network,
            trees,
            by_road=np.isfinite(out) & (out <= direct),
            a_node=a_node,
            b_node=b_node,
            from_b=from_b,
            ax=ax,
            ay=ay,
            bx=bx,
            by=by,
        )
        return minutes, pairs

    def components(self) -> IntArray:
        """The connected component of every node over the open edges."""
        if self._components is None:
            _, labels = connected_components(self.graph, directed=False)
            self._components = np.asarray(labels, dtype=np.int64)
        return self._components

    def reachable(
        self,
        qx: FloatArray,
        qy: FloatArray,
        px: FloatArray,
        py: FloatArray,
        sets: BoolArray,
    ) -> BoolArray:
        """Whether each query point has finite minutes to any provider of each set
        (sets: providers × sets), as (points × sets): a route exists when a provider's
        access node lies in the point's component, direct travel when one is within
        offroad_max_km."""
        n_sets = sets.shape[1]
        out = np.zeros((qx.size, n_sets), dtype=bool)
        if qx.size == 0 or px.size == 0 or n_sets == 0:
            return out
        labels = self.components()
        q_node, _ = self.access_node(qx, qy)
        p_node, _ = self.access_node(px, py)
        labels = np.append(labels, -1)  # index -1 (no access node): label -1
        q_label = labels[q_node]
        p_label = np.where(p_node >= 0, labels[p_node], -2)
        for number in range(n_sets):
            chosen = sets[:, number]
            present = np.unique(p_label[chosen & (p_node >= 0)])
            out[:, number] = (q_node >= 0) & np.isin(q_label, present)
        i, j, _ = self.direct_pairs(qx, qy, px, py)
        if i.size:
            links = sparse.csr_matrix((np.ones(i.size), (i, j)), shape=(qx.size, px.size))
            out |= np.asarray(links @ sets.astype(np.float64)) > 0.5
        return out


def _digest(*arrays: FloatArray) -> str:
    """A digest of float arrays' values and sizes (a memo key for places)."""
    h = hashlib.blake2b(digest_size=20)
    for array in arrays:
        values = np.ascontiguousarray(array, dtype=np.float64)
        h.update(np.int64(values.size).tobytes())
        h.update(values.tobytes())
    return h.hexdigest()


def _node_tree(network: RoadNetwork, nodes: IntArray) -> cKDTree | None:
    """A k-d tree over the given nodes (None for none)."""
    if nodes.size == 0:
        return None
    return cKDTree(np.column_stack((network.node_x[nodes], network.node_y[nodes])))


def _path_tree(
    predecessor: NDArray[np.integer[Any]], root: int, targets: IntArray
) -> tuple[IntArray, IntArray]:
    """The part of a search's predecessor array on the paths from root to the targets:
    (nodes sorted, their predecessors). Each path is followed until it meets a node already
    kept, so the cost is the tree's size, not the sum of the paths."""
    kept_nodes: list[IntArray] = []
    kept_predecessors: list[IntArray] = []
    seen = np.zeros(predecessor.size, dtype=bool)
    seen[root] = True
    current = np.unique(targets[(targets != root) & (predecessor[targets] >= 0)])
    while current.size:
        current = current[~seen[current]]
        if current.size == 0:
            break
        seen[current] = True
        before = predecessor[current]
        kept_nodes.append(current)
        kept_predecessors.append(before)
        current = np.unique(before[~seen[before]])
    if not kept_nodes:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    nodes = np.concatenate(kept_nodes)
    order = np.argsort(nodes)
    return nodes[order], np.concatenate(kept_predecessors)[order]


class PairRoutes:
    """The shortest paths behind pair_routes' minutes: route(i, j) is the way from b_j to
    a_i as x, y rows (EPSG:3006): b_j's point, the road nodes from its access node to
    a_i's, a_i's point; the straight line when direct travel is as fast or faster."""

    def __init__(
        self,
        network: RoadNetwork,
        trees: dict[int, tuple[IntArray, IntArray]],
        by_road: BoolArray,
        a_node: IntArray | None = None,
        b_node: IntArray | None = None,
        from_b: bool = True,
        ax: FloatArray | None = None,
        ay: FloatArray | None = None,
        bx: FloatArray | None = None,
        by: FloatArray | None = None,
    ) -> None:
        self.network = network
        self.trees = trees
        self.by_road = by_road
        self.a_node, self.b_node, self.from_b = a_node, b_node, from_b
        self.ax, self.ay, self.bx, self.by = ax, ay, bx, by

    def route(self, i: int, j: int) -> FloatArray:
        assert self.ax is not None and self.ay is not None
        assert self.bx is not None and self.by is not None
        start = [[float(self.bx[j]), float(self.by[j])]]
        end = [[float(self.ax[i]), float(self.ay[i])]]
        if not self.by_road[i, j]:
            return np.asarray(start + end, dtype=np.float64)
        assert self.a_node is not None and self.b_node is not None
        a, b = int(self.a_node[i]), int(self.b_node[j])
        root, leaf = (b, a) if self.from_b else (a, b)
        nodes_sorted, predecessors = self.trees[root]
        nodes = [leaf]
        while nodes[-1] != root:
            at = int(np.searchsorted(nodes_sorted, nodes[-1]))
            nodes.append(int(predecessors[at]))
        # Rooted at b's node, the walk runs from a to b: reversed, it runs from b to a.
        path = np.asarray(nodes[::-1] if self.from_b else nodes, dtype=np.int64)
        xy = np.column_stack((self.network.node_x[path], self.network.node_y[path]))
        return np.vstack((start, xy, end))
