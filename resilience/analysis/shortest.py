"""Dijkstra over a road graph's CSR arrays, compiled by Numba.

SciPy's csgraph.dijkstra holds the GIL, so the independent searches of one computation (a
generator's arrivals, a service's nearest providers) ran one after another on one core. The
kernel here lets go of the GIL: `each` runs one search per source on every core the
process may use. It also takes its sources with start costs directly (no virtual node, so
no copy of the graph per search) and stops at `limit`, so that a small bounded search costs
its region, not the graph.

Distances are exactly SciPy's: each node's is the least dist[u] + w(u, v) over its settled
neighbours, whatever the order of ties. Predecessors name one shortest path (SciPy's
NULL, -9999, for a source and a node not reached).

The kernels are compiled on first use (about 2 s; cached on disk by Numba where it can
write, beside this file or in the user's cache; Numba itself is imported only then):
RoadNetwork.warm() calls `compile`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from resilience.analysis.model import FloatArray, IntArray

_T = TypeVar("_T")
_R = TypeVar("_R")
_F = TypeVar("_F", bound=Callable[..., Any])
NULL = -9999  # as scipy.sparse.csgraph's predecessors
_EVERY_NODE = np.zeros(0, dtype=np.bool_)  # no bound on the nodes a search may change

# The kernels, compiled by Numba on first use: importing this module does not import Numba
# (0.7 s of the start of every process, and most never route: the web, the CLI).
_KERNELS: list[tuple[str, dict[str, Any]]] = []
_compiled = False
_compiling = threading.Lock()


def _jit(**options: Any) -> Callable[[_F], _F]:
    """Mark a function as a kernel: njit(nogil=True, cache=True, **options) on first use."""

    def mark(function: _F) -> _F:
        _KERNELS.append((function.__name__, options))
        return function

    return mark


def _kernels() -> None:
    """Replace each kernel by its Numba dispatcher (once; the machine code comes from
    Numba's cache, or is compiled at the first call)."""
    global _compiled
    if _compiled:
        return
    with _compiling:
        if _compiled:
            return
        from numba import njit

        scope = globals()
        for name, options in _KERNELS:
            scope[name] = njit(nogil=True, cache=True, **options)(scope[name])
        _compiled = True


@_jit(inline="always")
def _place(keys: Any, heap: Any, slot: Any, i: int, key: float, node: int) -> None:
    """Put node with key at the heap's place i."""
    keys[i] = key
    heap[i] = node
    slot[node] = i + 1


@_jit(inline="always")
def _sift_up(keys: Any, heap: Any, slot: Any, i: int, key: float, node: int) -> None:
    """Place node with key at i or above, moving larger parents down."""
    while i > 0:
        parent = (i - 1) >> 2
        if keys[parent] <= key:
            break
        _place(keys, heap, slot, i, keys[parent], heap[parent])
        i = parent
    _place(keys, heap, slot, i, key, node)


@_jit()
def _settle(
    indptr: Any,
    indices: Any,
    data: Any,
    seed_node: Any,
    seed_cost: Any,
    seed_label: Any,
    seed_pred: Any,
    limit: float,
    allowed: Any,
    dist: Any,
    label: Any,
    pred: Any,
    slot: Any,
) -> None:
    """Dijkstra from seeds (node, cost, label, predecessor) over edges of weight data, on
    top of what dist already holds: a node takes a seed or a relaxation only when it is
    strictly earlier than its dist and within limit, and then the label of its seed or
    neighbour and its predecessor. allowed (empty: every node) bounds the nodes it may
    change; label and pred may be empty (not kept). A 4-ary heap indexed by node (slot,
    zeros: a node's place in it + 1, 0 never queued, -1 settled)."""
    n = indptr.size - 1
    bounded = allowed.size > 0
    labelled = label.size > 0
    with_pred = pred.size > 0
    keys = np.empty(n, np.float64)
    heap = np.empty(n, np.int64)
    size = 0
    for s in range(seed_node.size):
        node = seed_node[s]
        cost = seed_cost[s]
        if cost < dist[node] and cost <= limit:
            dist[node] = cost
            if labelled:
                label[node] = seed_label[s]
            if with_pred:
                pred[node] = seed_pred[s]
            if slot[node] == 0:
                size += 1
                _sift_up(keys, heap, slot, size - 1, cost, node)
            else:
                _sift_up(keys, heap, slot, slot[node] - 1, cost, node)
    while size > 0:
        d = keys[0]
        u = heap[0]
        slot[u] = -1
        size -= 1
        if size > 0:  # the last entry down from the root
            last_key = keys[size]
            last = heap[size]
            i = 0
            while True:
                child = 4 * i + 1
                if child >= size:
                    break
                best = child
                best_key = keys[child]
                for k in range(child + 1, min(child + 4, size)):
                    if keys[k] < best_key:
                        best_key = keys[k]
                        best = k
                if best_key >= last_key:
                    break
                _place(keys, heap, slot, i, best_key, heap[best])
                i = best
            _place(keys, heap, slot, i, last_key, last)
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            at = slot[v]
            if at == -1 or (bounded and not allowed[v]):
                continue
            nd = d + data[e]
            if nd < dist[v] and nd <= limit:
                dist[v] = nd
                if labelled:
                    label[v] = label[u]
                if with_pred:
                    pred[v] = u
                if at == 0:
                    size += 1
                    _sift_up(keys, heap, slot, size - 1, nd, v)
                else:
                    _sift_up(keys, heap, slot, at - 1, nd, v)


def _slots(n: int) -> IntArray:
    """The kernel's heap slots, all 0: NumPy's zeros come from calloc, whose pages cost
    nothing until written, so a small search on a large graph pays for what it touches."""
    return np.zeros(n, dtype=np.int64)


def search(
    graph: sparse.csr_matrix,
    nodes: IntArray,
    start: FloatArray,
    limit: float = np.inf,
    *,
    predecessors: bool = False,
) -> tuple[FloatArray, IntArray | None]:
    """(least minutes from any source (nodes[i], start[i]) to every node, inf beyond limit;
    each node's predecessor on one such path, NULL at a source or unreached, when asked)."""
    _kernels()
    n = graph.shape[0]
    nodes = np.asarray(nodes, dtype=np.int64).reshape(-1)
    start = np.asarray(start, dtype=np.float64).reshape(-1)
    if nodes.size != start.size:
        raise ValueError(f"{start.size} start costs for {nodes.size} sources")
    if nodes.size and (nodes.min() < 0 or nodes.max() >= n):
        raise ValueError("a source is no node of the graph")
    dist = np.full(n, np.inf)
    pred = np.full(n if predecessors else 0, NULL, dtype=np.int64)
    none = np.zeros(0, dtype=np.int64)
    roots = np.full(nodes.size, NULL, dtype=np.int64)  # a source has no predecessor
    _settle(
        graph.indptr, graph.indices, graph.data, nodes, start, none, roots, float(limit),
        _EVERY_NODE, dist, none, pred, _slots(n),
    )  # fmt: skip
    return dist, (pred if predecessors else None)


def settle(
    graph: sparse.csr_matrix,
    seeds: tuple[IntArray, FloatArray, IntArray, IntArray],
    limit: float,
    dist: FloatArray,
    label: IntArray,
    pred: IntArray,
    allowed: NDArray[np.bool_] | None = None,
) -> None:
    """Dijkstra in place from seeds (node, minutes, label, predecessor) on top of dist,
    label and pred: a node takes a seed or a relaxation only when strictly earlier than its
    dist and within limit. With dist inf over a region and right elsewhere, it searches the
    region again (a field repaired after its generator is taken); allowed bounds the nodes
    it may change."""
    _kernels()
    node, cost, seed_label, seed_pred = seeds
    _settle(
        graph.indptr, graph.indices, graph.data,
        np.asarray(node, dtype=np.int64), np.asarray(cost, dtype=np.float64),
        np.asarray(seed_label, dtype=np.int64), np.asarray(seed_pred, dtype=np.int64),
        float(limit), _EVERY_NODE if allowed is None else allowed, dist, label, pred,
        _slots(dist.size),
    )  # fmt: skip


def each(
    graph: sparse.csr_matrix,
    sources: IntArray,
    keep: Callable[[int, FloatArray, IntArray | None], _T],
    limit: float = np.inf,
    *,
    predecessors: bool = False,
) -> list[_T]:
    """keep(source, dist, pred) of one search from each source node (start 0), in the
    sources' order; the searches run on every core, and only what keep returns is held."""

    def one(source: int) -> _T:
        dist, pred = search(
            graph, np.asarray([source]), np.zeros(1), limit, predecessors=predecessors
        )
        return keep(source, dist, pred)

    return parallel(one, [int(s) for s in np.asarray(sources).reshape(-1)])


def parallel(work: Callable[[_R], _T], items: Sequence[_R]) -> list[_T]:
    """[work(item) for item in items], on as many threads as the process has cores (work
    that lets go of the GIL: the kernel, large NumPy operations). A pool per call: a pool
    made before an RQ work horse's fork would have no threads in it."""
    if len(items) <= 1 or cores() == 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(cores(), len(items))) as pool:
        return list(pool.map(work, items))


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def compile() -> None:
    """Compile the kernels now (or load them from Numba's cache) for the graphs SciPy makes
    of road networks (32-bit indices below 2**31 entries), so that a computation does not
    wait for them. A graph with 64-bit indices compiles its own at its first search."""
    graph = sparse.csr_matrix(
        (np.ones(2), np.asarray([1, 0], dtype=np.int32), np.asarray([0, 1, 2], dtype=np.int32)),
        shape=(2, 2),
    )
    for with_pred in (False, True):
        search(graph, np.asarray([0]), np.zeros(1), predecessors=with_pred)
    one = np.zeros(1, dtype=np.int64)
    dist, label, pred = np.full(2, np.inf), np.full(2, -1), np.full(2, -1)
    seeds = (one, np.zeros(1), one, one - 1)
    settle(graph, seeds, np.inf, dist, label, pred)
    settle(graph, seeds, np.inf, dist, label, pred, np.ones(2, bool))
    inside = np.asarray([False, True])
    entering(graph, one, inside, dist, label)
    mark_tight(graph, one, inside, dist, label, 1e-9, np.zeros(2, dtype=bool))
    mark_tight(graph, one, None, dist, label, 1e-9, np.zeros(2, dtype=bool))


@_jit()
def _entering(
    indptr: Any, indices: Any, data: Any, region: Any, inside: Any, dist: Any, label: Any
) -> Any:
    """The seeds of a region searched again: each edge into it from a reached node outside,
    as (region node, the outside node's dist + the edge, its label, the outside node)."""
    count = 0
    for k in range(region.size):
        v = region[k]
        for e in range(indptr[v], indptr[v + 1]):
            u = indices[e]
            if not inside[u] and label[u] >= 0:
                count += 1
    node = np.empty(count, np.int64)
    cost = np.empty(count, np.float64)
    seed_label = np.empty(count, np.int64)
    seed_pred = np.empty(count, np.int64)
    at = 0
    for k in range(region.size):
        v = region[k]
        for e in range(indptr[v], indptr[v + 1]):
            u = indices[e]
            if not inside[u] and label[u] >= 0:
                node[at] = v
                cost[at] = dist[u] + data[e]
                seed_label[at] = label[u]
                seed_pred[at] = u
                at += 1
    return node, cost, seed_label, seed_pred


@_jit()
def _mark_tight(
    indptr: Any, indices: Any, data: Any, nodes: Any, inside: Any, dist: Any, label: Any,
    tie: float, tied: Any,
) -> None:  # fmt: skip
    """tied of the nodes and of their neighbours outside them (inside: the nodes' mask,
    empty when they are every node): a reached node is tied when a neighbour of another
    label reaches it as early over their edge (within tie, relative and absolute)."""
    for k in range(nodes.size):
        v = nodes[k]
        tied[v] = _tight_into(indptr, indices, data, v, dist, label, tie)
        if inside.size > 0:
            for e in range(indptr[v], indptr[v + 1]):
                u = indices[e]
                if not inside[u]:
                    tied[u] = _tight_into(indptr, indices, data, u, dist, label, tie)


@_jit(inline="always")
def _tight_into(
    indptr: Any, indices: Any, data: Any, v: int, dist: Any, label: Any, tie: float
) -> bool:
    d_v = dist[v]
    if not np.isfinite(d_v):
        return False
    bound = d_v + tie * abs(d_v) + tie
    for e in range(indptr[v], indptr[v + 1]):
        u = indices[e]
        if label[u] >= 0 and label[u] != label[v] and dist[u] + data[e] <= bound:
            return True
    return False


def entering(
    graph: sparse.csr_matrix, region: IntArray, inside: NDArray[np.bool_], dist: FloatArray,
    label: IntArray,
) -> tuple[IntArray, FloatArray, IntArray, IntArray]:  # fmt: skip
    """The seeds (node, minutes, label, predecessor) of a region to search again (inside:
    its mask): every edge into it from a reached node outside it."""
    _kernels()
    out: tuple[IntArray, FloatArray, IntArray, IntArray] = _entering(
        graph.indptr, graph.indices, graph.data, np.asarray(region, dtype=np.int64), inside,
        dist, label,
    )  # fmt: skip
    return out


def mark_tight(
    graph: sparse.csr_matrix, nodes: IntArray, inside: NDArray[np.bool_] | None,
    dist: FloatArray, label: IntArray, tie: float, tied: NDArray[np.bool_],
) -> None:  # fmt: skip
    """tied, in place, of the nodes and their neighbours outside them (inside: the nodes'
    mask; None when they are every node): a reached node is tied when a neighbour of
    another label reaches it as early over their edge, within tie (relative and absolute)."""
    _kernels()
    _mark_tight(
        graph.indptr, graph.indices, graph.data, np.asarray(nodes, dtype=np.int64),
        _EVERY_NODE if inside is None else inside, dist, label, float(tie), tied,
    )  # fmt: skip
