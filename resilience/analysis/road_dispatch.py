"""Step 2 over the roads (coverage-model.md, "Step 2" with "Roads (v3)"): each care site, in
visiting order, takes the free mobile generator that can carry its load and arrives first.

With few generators or few sites, the full matrix of arrivals is cheapest: one search per
access node of the smaller side (_pairwise). With many of both (a Sweden-sized outage:
hundreds of each), that is hundreds of searches over millions of nodes, so fields instead:

A generator's arrival at a site in minutes is start + path + access(site), start being
mobilization · 60 + access(generator): so the earliest arrival of any generator of a set
at every node is one multi-source search (a "Voronoi" of the network: each node's
distance and the generator that gives it, its label). Assigning a generator changes only
the nodes it labels; they are searched again from the edges that enter them (repair).

A generator that cannot carry a site's critical load cannot be taken by it: the sites are
grouped by load into a few classes, each with its own field over the generators that
carry at least the class's least load. Where a field's label still cannot carry the load,
its group is set aside for that site (a repair, undone after). Where two generators
arrive equally early (a tie, broken by source_id), where direct travel competes with the
route, or after too many set aside, the site's answer is found by one search from the
site, as wide as it needs. Generators at the same point with the same mobilization arrive
together everywhere: one of them stands for all in a field. Every arrival is finally
computed as the rule writes it, mobilization_hours + minutes / 60.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from resilience.analysis import shortest
from resilience.analysis.model import BoolArray, FloatArray, IntArray
from resilience.analysis.roads import RoadState

# Arrivals within this relative margin of each other are ties, resolved exactly.
_TIE = 1e-9
# The first radius (minutes) of a search from a site; it widens to what the site needs.
_FIRST_RADIUS = 30.0
# With at most this many distinct access nodes on one side (sites or generators), the
# full matrix of arrivals (one search per node) costs less than keeping fields.
_PAIRWISE = 32
# At most this many groups set aside for one site before a search from the site instead.
_SET_ASIDE = 8
# ... and only groups whose nodes are at most this share of the network (1 / value).
_SET_ASIDE_SHARE = 16
# At most this many load classes (fields); more classes, fewer exact searches per site.
_CLASSES = 4


@dataclass(frozen=True)
class RoadGenerators:
    """The mobile generators in tie-break order (columns): their access to the roads and
    what a site needs to know to take one."""

    x: FloatArray
    y: FloatArray
    node: IntArray  # access node, -1 without any open road
    access: FloatArray  # access minutes (inf without access)
    start: FloatArray  # mobilization * 60 + access minutes: the fields' order
    mobilization: FloatArray  # hours (null as 0)
    capacity: FloatArray  # kW (null as 0)
    factor: FloatArray  # speed factor at the generator
    group: IntArray  # generators at the same point with the same mobilization share one


@dataclass(frozen=True)
class RoadSites:
    """The care sites step 2 visits, in visiting order (rows)."""

    x: FloatArray
    y: FloatArray
    node: IntArray
    access: FloatArray  # minutes
    factor: FloatArray
    load: FloatArray  # critical load (kW), NaN unknown
    duration: FloatArray  # D (hours): an arrival must come before it
    max_hours: float  # mobile_max_hours: and no later than it

    @property
    def latest(self) -> FloatArray:
        """No arrival after this is ever taken (hours)."""
        return np.minimum(self.duration, self.max_hours)


@dataclass(frozen=True)
class Assignment:
    """Per visited site: the generator column (-1 none), its arrival (hours, NaN none), and
    the way from the generator to the site (x, y rows), along the roads or straight."""

    column: IntArray
    arrival: FloatArray
    routes: dict[int, FloatArray]


def arrival_time(mobilization: Any, minutes: Any) -> Any:
    """A = mobilization_hours (null as 0) + minutes / 60, as the rule writes it (so that an
    arrival at a threshold compares as the rule's own arithmetic does)."""
    return mobilization + minutes / 60


def carries(capacity: FloatArray, load: FloatArray) -> BoolArray:
    """Whether each generator (capacity, null as 0; axis 1) can be taken by each site (its
    critical load, NaN unknown: any capacity; axis 0)."""
    result: BoolArray = np.isnan(load)[:, None] | (capacity[None, :] >= load[:, None])
    return result


def in_time(arrival: float, duration: float, max_hours: float) -> bool:
    """Whether a site takes a generator arriving at A: A <= mobile_max_hours and A < D."""
    return not math.isinf(arrival) and arrival <= max_hours and arrival < duration


def dispatch_over_roads(
    roads: RoadState, sites: RoadSites, generators: RoadGenerators
) -> Assignment:
    """Step 2's assignments over the roads: exactly those of taking, for each visited site
    in turn, the earliest arrival (ties: lowest column) among the free generators that can
    carry its load, when it is no later than the site's latest."""
    column = np.full(sites.x.size, -1, dtype=np.int64)
    arrival = np.full(sites.x.size, np.nan)
    routes: dict[int, FloatArray] = {}
    n_gen = generators.x.size
    if sites.x.size == 0 or n_gen == 0:
        return Assignment(column, arrival, routes)
    few = min(
        np.unique(sites.node[sites.node >= 0]).size,
        np.unique(generators.node[generators.node >= 0]).size,
    )
    if few <= _PAIRWISE:
        return _pairwise(roads, sites, generators)
    free = np.ones(n_gen, dtype=bool)
    direct = _DirectPairs(roads, sites, generators)
    limit = float(np.max(sites.latest)) * 60 * (1 + _TIE) + _TIE
    thresholds = _class_thresholds(sites.load, generators.capacity)
    # The field of every class a site needs, built at once on every core (each is one
    # whole-graph search); a generator taken later is removed from each.
    carried = carries(generators.capacity, sites.load).any(axis=1)
    classes = sorted({_class_of(float(load), thresholds) for load in sites.load[carried]})

    def field_of(k: int) -> _Field:
        members = generators.capacity >= thresholds[k] if k else np.ones(n_gen, bool)
        return _Field(roads, generators, members & free, limit)

    fields = dict(zip(classes, shortest.parallel(field_of, classes), strict=True))
    for row in range(sites.x.size):
        if not free.any():
            break
        load = float(sites.load[row])
        eligible = free & carries(generators.capacity, sites.load[row : row + 1])[0]
        if not eligible.any():
            continue
        k = _class_of(load, thresholds)
        answer = _from_field(fields[k], row, sites, generators, eligible, direct)
        if answer is None:
            answer = _exact(roads, row, sites, generators, eligible, direct)
        best, at, way = answer
        if best < 0 or not in_time(at, sites.duration[row], sites.max_hours):
            continue
        column[row], arrival[row] = best, at
        assert way is not None
        routes[row] = way()
        free[best] = False
        for field in fields.values():
            field.remove(best)
    return Assignment(column, arrival, routes)


def _pairwise(roads: RoadState, sites: RoadSites, generators: RoadGenerators) -> Assignment:
    """dispatch_over_roads by the full matrix of arrivals: one search per access node of
    the side with fewer (RoadState.pair_routes), each bounded by the latest arrival
    taken, then the sites in turn."""
    column = np.full(sites.x.size, -1, dtype=np.int64)
    arrival = np.full(sites.x.size, np.nan)
    routes: dict[int, FloatArray] = {}
    limit = float(np.max(sites.latest) - generators.mobilization.min()) * 60
    minutes, ways = roads.pair_routes(
        sites.x,
        sites.y,
        sites.factor,
        generators.x,
        generators.y,
        generators.factor,
        limit=limit * (1 + _TIE) + _TIE,  # no route lost to rounding
    )
    assert ways is not None
    at = np.where(
        carries(generators.capacity, sites.load),
        arrival_time(generators.mobilization[None, :], minutes),
        np.inf,
    )
    for row in range(sites.x.size):
        best = int(at[row].argmin())  # the first minimum: the lowest column
        earliest = float(at[row, best])
        if not in_time(earliest, sites.duration[row], sites.max_hours):
            continue
        column[row], arrival[row] = best, earliest
        routes[row] = ways.route(row, best)
        at[row + 1 :, best] = np.inf
    return Assignment(column, arrival, routes)


def road_generators(
    roads: RoadState,
    x: FloatArray,
    y: FloatArray,
    factor: FloatArray,
    mobilization: FloatArray,
    capacity: FloatArray,
) -> RoadGenerators:
    """RoadGenerators of generators in tie-break order (nulls: mobilization 0, capacity 0)."""
    mobilization = np.nan_to_num(mobilization, nan=0.0)
    node, access = roads.access(x, y, factor)
    keys = np.column_stack((x, y, mobilization))
    _, group = np.unique(keys, axis=0, return_inverse=True)
    return RoadGenerators(
        x=x,
        y=y,
        node=node,
        access=access,
        start=mobilization * 60 + access,
        mobilization=mobilization,
        capacity=np.nan_to_num(capacity, nan=0.0),
        factor=factor,
        group=np.asarray(group, dtype=np.int64).reshape(-1),
    )


def road_sites(
    roads: RoadState,
    x: FloatArray,
    y: FloatArray,
    factor: FloatArray,
    load: FloatArray,
    duration: FloatArray,
    max_hours: float,
) -> RoadSites:
    """RoadSites of the visited care sites in visiting order."""
    node, access = roads.access(x, y, factor)
    return RoadSites(
        x=x,
        y=y,
        node=node,
        access=access,
        factor=factor,
        load=load,
        duration=duration,
        max_hours=max_hours,
    )


# Classes -------------------------------------------------------------------------------


def _class_thresholds(load: FloatArray, capacity: FloatArray) -> FloatArray:
    """The least load of each class: class 0 takes every generator (and the sites of an
    unknown load); the others start at quantiles of the known loads."""
    known = np.unique(load[~np.isnan(load)])
    # A threshold above every capacity would make a field of no generator: useless.
    known = known[known <= capacity.max()] if capacity.size else known[:0]
    if known.size == 0:
        return np.asarray([-np.inf])
    cuts = np.unique(np.quantile(known, np.linspace(0, 1, _CLASSES)[:-1], method="lower"))
    return np.concatenate([[-np.inf], cuts])


def _class_of(load: float, thresholds: FloatArray) -> int:
    """The class of a site's load: the last whose least load it reaches (0 when unknown)."""
    if math.isnan(load):
        return 0
    return int(np.searchsorted(thresholds, load, side="right")) - 1


@dataclass(frozen=True)
class _Saved:
    """A field's state before set_aside: what restore() puts back."""

    members: BoolArray
    tied: BoolArray
    region: IntArray
    dist: FloatArray
    label: IntArray
    pred: IntArray


# Direct travel -------------------------------------------------------------------------


class _DirectPairs:
    """Direct minutes from each generator within offroad_max_km of each visited site."""

    def __init__(self, roads: RoadState, sites: RoadSites, generators: RoadGenerators) -> None:
        i, j, metres = roads.direct_pairs(sites.x, sites.y, generators.x, generators.y)
        minutes = roads.direct(metres, np.minimum(sites.factor[i], generators.factor[j]))
        order = np.lexsort((j, i))
        self.columns = j[order]
        self.minutes = minutes[order]
        self.bounds = np.searchsorted(i[order], np.arange(sites.x.size + 1))
        # The fastest open edge (metres per minute): a lower bound of any path's minutes.
        speed = roads.network.length / roads.edge_minutes
        open_speed = speed[~roads.closed & np.isfinite(speed)]
        self.fastest = float(open_speed.max()) if open_speed.size else np.inf

    def of(self, row: int) -> tuple[IntArray, FloatArray]:
        a, b = self.bounds[row], self.bounds[row + 1]
        return self.columns[a:b], self.minutes[a:b]


# The field of one class -----------------------------------------------------------------


class _Field:
    """The earliest arrival (minutes, start included) of the class's free generators at
    every node, the generator that gives it (its label: the first free member of its
    group) and the predecessor on its path (-1 at the generator's own access node);
    nodes beyond the limit are not reached (inf, label -1). tied marks nodes that another
    generator reaches as early over a tight edge (a tie to resolve exactly)."""

    def __init__(
        self, roads: RoadState, generators: RoadGenerators, members: BoolArray, limit: float
    ) -> None:
        self.roads = roads
        self.graph = roads.graph
        self.generators = generators
        self.limit = limit
        n = self.graph.shape[0]
        self.members = members.copy()
        self.dist = np.full(n, np.inf)
        self.label = np.full(n, -1, dtype=np.int64)
        self.pred = np.full(n, -1, dtype=np.int64)
        self.tied = np.zeros(n, dtype=bool)
        # Nodes of taken generators, searched again only when a site needs one (ensure).
        self.dirty = np.zeros(n, dtype=bool)
        sources = self._representatives(np.flatnonzero(members))
        seeds = (
            generators.node[sources],
            generators.start[sources],
            sources,
            np.full(sources.size, -1, dtype=np.int64),
        )
        shortest.settle(self.graph, seeds, limit, self.dist, self.label, self.pred)
        shortest.mark_tight(self.graph, np.arange(n), None, self.dist, self.label, _TIE, self.tied)
        self._mark_starts()

    def _representatives(self, columns: IntArray) -> IntArray:
        """Of the given member columns, the first of each group, with an access node."""
        g = self.generators
        columns = columns[g.node[columns] >= 0]
        _, first = np.unique(g.group[columns], return_index=True)
        return np.sort(columns[first])

    def representative(self, column: int) -> int:
        """The first free member of column's group in this field (-1: none left)."""
        g = self.generators
        mates = np.flatnonzero(self.members & (g.group == g.group[column]))
        return int(mates[0]) if mates.size else -1

    def remove(self, column: int) -> None:
        """The generator is taken: its nodes go to the next of its group, or are searched
        again from the edges that enter them and the free generators inside them."""
        if not self.members[column]:
            return
        self.members[column] = False
        if self.generators.node[column] < 0:
            return
        region = np.flatnonzero(self.label == column)
        if region.size == 0:
            return
        mate = self.representative(column)
        if mate >= 0:
            self.label[region] = mate
            return
        # Searched again when a site needs one of them: the values of the other nodes stay
        # right (a taken generator only made them later), and many taken generators' nodes
        # are so searched again at once.
        self.dirty[region] = True

    def ensure(self, node: int) -> None:
        """The node's distance and label are right (all taken generators' nodes searched
        again if it is one of them)."""
        if self.dirty[node]:
            self.clean()

    def clean(self) -> None:
        if self.dirty.any():
            region = np.flatnonzero(self.dirty)
            self.dirty[:] = False
            self._repair(region)

    def set_aside(self, column: int) -> _Saved:
        """Take column's group out of the field for one question (a site that none of the
        group can serve); restore() puts the field back exactly as it was."""
        self.clean()
        g = self.generators
        region = np.flatnonzero(self.label == column)
        saved = _Saved(
            members=self.members.copy(),
            tied=self.tied.copy(),
            region=region,
            dist=self.dist[region],
            label=self.label[region],
            pred=self.pred[region],
        )
        self.members[g.group == g.group[column]] = False
        if region.size:
            self._repair(region)
        return saved

    def restore(self, saved: _Saved) -> None:
        self.members, self.tied = saved.members, saved.tied
        self.dist[saved.region] = saved.dist
        self.label[saved.region] = saved.label
        self.pred[saved.region] = saved.pred

    def _repair(self, region: IntArray) -> None:
        """Search the region's nodes again from the edges that enter them and the free
        generators inside them."""
        g = self.generators
        inside = np.zeros(self.dist.size, dtype=bool)
        inside[region] = True
        self.dist[region] = np.inf
        self.label[region] = -1
        self.pred[region] = -1
        node, minutes, label, pred = shortest.entering(
            self.graph, region, inside, self.dist, self.label
        )
        starts = self._representatives(np.flatnonzero(self.members & inside[np.maximum(g.node, 0)]))
        starts = starts[inside[g.node[starts]]]
        seeds = (
            np.concatenate([node, g.node[starts]]),
            np.concatenate([minutes, g.start[starts]]),
            np.concatenate([label, starts]),
            np.concatenate([pred, np.full(starts.size, -1)]),
        )
        shortest.settle(self.graph, seeds, self.limit, self.dist, self.label, self.pred, inside)
        # Ties again in the region and next to it, where labels changed.
        shortest.mark_tight(self.graph, region, inside, self.dist, self.label, _TIE, self.tied)
        self._mark_starts()

    def _mark_starts(self) -> None:
        """A free generator's access node is tied when another label reaches it no later
        than the generator starts there."""
        g = self.generators
        starts = np.flatnonzero(self.members & (g.node >= 0))
        if starts.size:
            node = g.node[starts]
            label = self.label[node]
            mates = (label >= 0) & (g.group[np.maximum(label, 0)] == g.group[starts])
            d = self.dist[node]
            early = (label >= 0) & ~mates & (g.start[starts] <= d + _TIE * np.abs(d) + _TIE)
            self.tied[node[early]] = True

    def tied_at(self, node: int) -> bool:
        """Whether another generator may arrive at node as early as its label: whether a
        tight path leads to it from a tied node."""
        if not self.tied.any():
            return False
        # Walk back over tight edges (every shortest path into node) looking for a tie.
        seen = {node}
        frontier = np.asarray([node], dtype=np.int64)
        while frontier.size:
            if self.tied[frontier].any():
                return True
            rows, nbr, w = _rows_of(self.graph, frontier)
            d_v = self.dist[frontier[rows]]
            tight = (
                np.isfinite(self.dist[nbr])
                & (self.dist[nbr] + w >= d_v - _TIE * np.abs(d_v) - _TIE)
                & (self.dist[nbr] + w <= d_v + _TIE * np.abs(d_v) + _TIE)
            )
            nxt = [int(u) for u in np.unique(nbr[tight]) if int(u) not in seen]
            seen.update(nxt)
            frontier = np.asarray(nxt, dtype=np.int64)
        return False

    def path_to(self, node: int) -> IntArray:
        """The nodes from the label's access node to node."""
        nodes = [node]
        while self.pred[nodes[-1]] >= 0:
            nodes.append(int(self.pred[nodes[-1]]))
        return np.asarray(nodes[::-1], dtype=np.int64)


def _rows_of(graph: sparse.csr_matrix, nodes: IntArray) -> tuple[IntArray, IntArray, FloatArray]:
    """The CSR entries of the nodes' rows: (position in nodes, neighbour, weight)."""
    start = graph.indptr[nodes]
    count = graph.indptr[nodes + 1] - start
    total = int(count.sum())
    rows = np.repeat(np.arange(nodes.size), count)
    offset = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
    at = np.repeat(start, count) + offset
    return rows, graph.indices[at].astype(np.int64), graph.data[at]


# One site's answer ----------------------------------------------------------------------

# (generator column or -1, arrival hours, the way there when there is one)
_Answer = tuple[int, float, "_Way | None"]


class _Way:
    """The route of an answer, built only when the site takes it."""

    def __init__(
        self, start: FloatArray, nodes: IntArray | None, end: FloatArray, roads: RoadState
    ) -> None:
        self.start, self.nodes, self.end, self.roads = start, nodes, end, roads

    def __call__(self) -> FloatArray:
        if self.nodes is None:
            return np.vstack((self.start, self.end))
        network = self.roads.network
        xy = np.column_stack((network.node_x[self.nodes], network.node_y[self.nodes]))
        return np.vstack((self.start, xy, self.end))


def _arrival(generators: RoadGenerators, column: Any, minutes: Any) -> Any:
    """A = mobilization_hours + minutes / 60 of the generators of column(s)."""
    return arrival_time(generators.mobilization[column], minutes)


def _path_minutes(graph: sparse.csr_matrix, nodes: IntArray) -> float:
    """The sum of the edge minutes along a path of nodes, from its first node."""
    total = 0.0
    for u, v in zip(nodes[:-1].tolist(), nodes[1:].tolist(), strict=True):
        begin, end = graph.indptr[u], graph.indptr[u + 1]
        at = begin + int(np.searchsorted(graph.indices[begin:end], v))  # sorted per row
        if at >= end or graph.indices[at] != v:
            raise ValueError(f"no edge between nodes {u} and {v}")
        total += float(graph.data[at])
    return total


def _candidates(
    row: int, direct: _DirectPairs, generators: RoadGenerators, eligible: BoolArray
) -> tuple[IntArray, FloatArray]:
    """The eligible generators within direct reach and their arrival by direct travel."""
    columns, minutes = direct.of(row)
    keep = eligible[columns]
    columns, minutes = columns[keep], minutes[keep]
    return columns, _arrival(generators, columns, minutes)


def _from_field(
    field: _Field,
    row: int,
    sites: RoadSites,
    generators: RoadGenerators,
    eligible: BoolArray,
    direct: _DirectPairs,
) -> _Answer | None:
    """The answer from the field when it is certain: the site's label can carry the load,
    no other generator ties with it and no direct travel comes near it. None otherwise."""
    node = int(sites.node[row])
    columns, by_direct = _candidates(row, direct, generators, eligible)
    route_at, label = np.inf, -1
    if node >= 0:
        field.ensure(node)
    if node >= 0 and np.isfinite(field.dist[node]):
        label = int(field.label[node])
        if not eligible[label]:
            mates = np.flatnonzero(eligible & (generators.group == generators.group[label]))
            if mates.size:
                label = int(mates[0])
            else:
                return _setting_aside(field, row, sites, generators, eligible, direct, label)
        if field.tied_at(node):
            return None
        route_at = (field.dist[node] + sites.access[row]) / 60
    best_direct = float(by_direct.min()) if by_direct.size else np.inf
    if math.isinf(route_at) and math.isinf(best_direct):
        return -1, np.inf, None
    if math.isfinite(best_direct) and abs(route_at - best_direct) <= _TIE * max(best_direct, 1.0):
        return None  # as early by road as straight: settle exactly
    start_at = np.column_stack((generators.x, generators.y))
    end = np.asarray([[sites.x[row], sites.y[row]]])
    if route_at < best_direct:
        nodes = field.path_to(node)
        minutes = generators.access[label] + _path_minutes(field.graph, nodes) + sites.access[row]
        return (
            label,
            _arrival(generators, label, minutes),
            _Way(start_at[label : label + 1], nodes, end, field.roads),
        )
    tied = np.flatnonzero(by_direct <= best_direct * (1 + _TIE) + _TIE)
    if tied.size > 1:
        return None
    best = int(columns[tied[0]])
    return best, best_direct, _Way(start_at[best : best + 1], None, end, field.roads)


def _setting_aside(
    field: _Field,
    row: int,
    sites: RoadSites,
    generators: RoadGenerators,
    eligible: BoolArray,
    direct: _DirectPairs,
    label: int,
) -> _Answer | None:
    """The answer from the field with the generators that cannot serve the site set aside
    one group after another (at most _SET_ASIDE), the field restored after: far less work
    than a search from the site when the nearest are just too small."""
    saved: list[_Saved] = []
    try:
        for _ in range(_SET_ASIDE):
            # A large region costs more to search again than a search from the site.
            if np.count_nonzero(field.label == label) * _SET_ASIDE_SHARE > field.dist.size:
                return None
            saved.append(field.set_aside(label))
            node = int(sites.node[row])
            if not np.isfinite(field.dist[node]) or eligible[int(field.label[node])]:
                return _from_field(field, row, sites, generators, eligible, direct)
            label = int(field.label[node])
            mates = np.flatnonzero(eligible & (generators.group == generators.group[label]))
            if mates.size:
                return _from_field(field, row, sites, generators, eligible, direct)
        return None
    finally:
        for state in reversed(saved):
            field.restore(state)


def _exact(
    roads: RoadState,
    row: int,
    sites: RoadSites,
    generators: RoadGenerators,
    eligible: BoolArray,
    direct: _DirectPairs,
) -> _Answer:
    """The answer by one search from the site, as wide as it needs: the arrival of every
    eligible generator (by road or direct, the faster), the earliest taken, ties by
    column. The search widens until no generator beyond it could arrive earlier."""
    end = np.asarray([[sites.x[row], sites.y[row]]])
    start_at = np.column_stack((generators.x, generators.y))
    columns = np.flatnonzero(eligible)
    at = np.full(columns.size, np.inf)
    d_cols, d_minutes = _candidates(row, direct, generators, eligible)
    by_direct = np.full(generators.x.size, np.inf)
    by_direct[d_cols] = d_minutes
    node = int(sites.node[row])
    g_node = generators.node[columns]
    routed = g_node >= 0
    by_road = np.full(columns.size, np.inf)
    predecessor: IntArray | None = None
    if node >= 0 and routed.any():
        access = float(sites.access[row])
        # No arrival later than this is ever taken: beyond it, the earliest need not be known.
        needed = float(sites.latest[row]) * 60 * (1 + _TIE) + _TIE
        network = roads.network
        metres = np.hypot(
            network.node_x[g_node[routed]] - network.node_x[node],
            network.node_y[g_node[routed]] - network.node_y[node],
        )
        # No road path is shorter in minutes (less a margin for rounding).
        bound = metres / direct.fastest * (1 - _TIE)
        radius = max(_FIRST_RADIUS, float(bound.min()))
        while True:
            distance, predecessor = shortest.search(
                roads.graph, np.asarray([node]), np.zeros(1), radius, predecessors=True
            )
            assert predecessor is not None
            path = distance[g_node[routed]]
            on_road = generators.access[columns[routed]] + path + access
            by_road[routed] = _arrival(generators, columns[routed], on_road)
            at = np.minimum(by_road, by_direct[columns])
            # A generator beyond the radius arrives no earlier than its start + access + the
            # radius or its straight distance at the fastest road speed, whichever is more:
            # the search is wide enough when none of them could arrive before the earliest.
            need = min(float(at.min()) * 60, needed) - access
            start = generators.start[columns[routed]]
            could = ~np.isfinite(path) & (start + radius < need) & (start + bound <= need)
            if not could.any():
                break
            # A margin over rounding, so that the next search is certainly wide enough.
            radius = float(np.max(need - start[could])) * (1 + _TIE) + _TIE
    else:
        at = by_direct[columns]
    if not np.isfinite(at).any():
        return -1, np.inf, None
    first = int(np.argmin(at))  # columns ascend: the first minimum is the lowest column
    best = int(columns[first])
    if by_road[first] <= by_direct[best] and predecessor is not None:
        nodes = [int(generators.node[best])]
        while nodes[-1] != node:
            nodes.append(int(predecessor[nodes[-1]]))
        return (
            best,
            float(at[first]),
            _Way(start_at[best : best + 1], np.asarray(nodes), end, roads),
        )
    return best, float(at[first]), _Way(start_at[best : best + 1], None, end, roads)
