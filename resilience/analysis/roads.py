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
The nearest provider of many points is one multi-source Dijkstra (scipy.sparse.csgraph):
a virtual node joined to each provider's access node by an edge of its access minutes,
plus a range search for direct travel.

Units: metres, km/h, minutes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

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

# Sources of one Dijkstra call in pair_minutes: bounds its (sources × nodes) matrix.
_SOURCE_BLOCK = 32
# Nearest-node distances within this relative margin are checked for an exact tie.
_TIE_MARGIN = 1e-9


def _distance(ax: FloatArray, ay: FloatArray, bx: FloatArray, by: FloatArray) -> FloatArray:
    """Euclidean distance in metres, as sqrt(dx·dx + dy·dy) (as coverage.distance_m)."""
    dx = ax - bx
    dy = ay - by
    return np.sqrt(dx * dx + dy * dy)


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
        node = np.asarray(node, dtype=np.int64).reshape(-1)
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

    def edge_speed(self, road_speeds: dict[str, float] | Any) -> FloatArray:
        """Each edge's speed (km/h): its road's own, else its class's in road_speeds."""
        speed = self.speed_kmh.copy()
        for name, value in road_speeds.items():
            speed[np.isnan(self.speed_kmh) & (self.road_class == name)] = float(value)
        return speed

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
        u, v, w = network.edge_u[open_], network.edge_v[open_], minutes[open_]
        # Parallel edges merged to the fastest (csr would add them up), once per undirected
        # pair; then both directions.
        low, high, w = _fastest_edges(np.minimum(u, v), np.maximum(u, v), w)
        rows, cols, weights = (
            np.concatenate([low, high]),
            np.concatenate([high, low]),
            np.concatenate([w, w]),
        )
        self.graph = sparse.csr_matrix((weights, (rows, cols)), shape=(n, n))
        self.graph.sort_indices()
        has_open = np.zeros(n, dtype=bool)
        has_open[u] = True
        has_open[v] = True
        self.access_nodes = np.flatnonzero(has_open)
        self._tree = (
            cKDTree(
                np.column_stack(
                    (network.node_x[self.access_nodes], network.node_y[self.access_nodes])
                )
            )
            if self.access_nodes.size
            else None
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
        """Least minutes from any source (node, start minutes) to every node: one Dijkstra
        from a virtual node joined to each source node by an edge of its start minutes."""
        n = self.network.n_nodes
        keep = nodes >= 0
        nodes, start = nodes[keep], start[keep]
        if nodes.size == 0:
            return np.full(n, np.inf)
        virtual = np.full(nodes.size, n, dtype=np.int64)
        _, cols, weights = _fastest_edges(virtual, nodes, start)
        # The network's CSR with one more row, the virtual node's: no rebuild of the rest.
        base = self.graph
        graph = sparse.csr_matrix(
            (
                np.concatenate([base.data, weights]),
                np.concatenate([base.indices, cols]),
                np.append(base.indptr, base.nnz + cols.size),
            ),
            shape=(n + 1, n + 1),
        )
        source = np.asarray([n], dtype=np.int64)
        distance = dijkstra(graph, directed=True, indices=source, limit=limit)
        result: FloatArray = np.asarray(distance, dtype=np.float64).reshape(-1)[:n]
        return result

    def _direct_pairs(
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
        i, j, metres = self._direct_pairs(qx, qy, px, py)
        if i.size:
            np.minimum.at(best, i, self.direct(metres, np.minimum(q_factor[i], p_factor[j])))
        return best

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
        if ax.size == 0 or bx.size == 0:
            return np.full((ax.size, bx.size), np.inf)
        a_node, a_access = self.access(ax, ay, a_factor)
        b_node, b_access = self.access(bx, by, b_factor)
        a_reached, b_reached = np.flatnonzero(a_node >= 0), np.flatnonzero(b_node >= 0)
        path = np.full((bx.size, ax.size), np.inf)  # path[j, i]: b_j's node to a_i's
        # Edges are undirected: search from whichever side has fewer distinct nodes.
        a_sources, b_sources = np.unique(a_node[a_reached]), np.unique(b_node[b_reached])
        from_b = b_sources.size <= a_sources.size
        sources = b_sources if from_b else a_sources
        for begin in range(0, sources.size, _SOURCE_BLOCK):
            block = sources[begin : begin + _SOURCE_BLOCK]
            distance = np.asarray(dijkstra(self.graph, directed=True, indices=block))
            if from_b:
                mine = b_reached[np.isin(b_node[b_reached], block)]
                rows = distance[np.searchsorted(block, b_node[mine])]
                path[np.ix_(mine, a_reached)] = rows[:, a_node[a_reached]]
            else:
                mine = a_reached[np.isin(a_node[a_reached], block)]
                rows = distance[np.searchsorted(block, a_node[mine])]
                path[np.ix_(b_reached, mine)] = rows[:, b_node[b_reached]].T
        out = ((b_access[:, None] + path) + a_access[None, :]).T
        metres = _distance(ax[:, None], ay[:, None], bx[None, :], by[None, :])
        factor = np.minimum(a_factor[:, None], b_factor[None, :])
        minutes: FloatArray = np.minimum(out, self.direct(metres, factor))
        return minutes

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
        i, j, _ = self._direct_pairs(qx, qy, px, py)
        if i.size:
            links = sparse.csr_matrix((np.ones(i.size), (i, j)), shape=(qx.size, px.size))
            out |= np.asarray(links @ sets.astype(np.float64)) > 0.5
        return out


def _fastest_edges(
    rows: IntArray, cols: IntArray, weights: FloatArray
) -> tuple[IntArray, IntArray, FloatArray]:
    """The edges with duplicates (same row and column) reduced to the least weight."""
    if rows.size == 0:
        return rows, cols, weights
    order = np.lexsort((weights, cols, rows))
    rows, cols, weights = rows[order], cols[order], weights[order]
    first = np.ones(rows.size, dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    return rows[first], cols[first], weights[first]
