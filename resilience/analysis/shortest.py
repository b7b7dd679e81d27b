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

The kernel is compiled on its first call (about a second; cached on disk by Numba where it
can write, beside this file or in the user's cache): RoadNetwork.warm() calls `compile`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np
from numba import njit
from numpy.typing import NDArray
from scipy import sparse

from resilience.analysis.model import FloatArray, IntArray

_T = TypeVar("_T")
_R = TypeVar("_R")
NULL = -9999  # as scipy.sparse.csgraph's predecessors


@njit(nogil=True, cache=True, inline="always")
def _sift_up(keys: Any, heap: Any, slot: Any, i: int, key: float, node: int) -> None:
    while i > 0:
        parent = (i - 1) >> 2
        if keys[parent] <= key:
            break
        keys[i] = keys[parent]
        heap[i] = heap[parent]
        slot[heap[i]] = i
        i = parent
    keys[i] = key
    heap[i] = node
    slot[node] = i


@njit(nogil=True, cache=True)
def _dijkstra(
    indptr: Any,
    indices: Any,
    data: Any,
    nodes: Any,
    start: Any,
    limit: float,
    dist: Any,
    pred: Any,
    with_pred: bool,
) -> None:
    """dist (and pred when with_pred) of every node from the sources (nodes, start), over
    edges of weight data; inf beyond limit. A 4-ary heap indexed by node (slot: a node's
    place in it, -1 never queued, -2 settled)."""
    n = indptr.size - 1
    slot = np.full(n, -1, np.int64)
    keys = np.empty(n, np.float64)
    heap = np.empty(n, np.int64)
    dist[:] = np.inf
    if with_pred:
        pred[:] = NULL
    size = 0
    for s in range(nodes.size):
        node = nodes[s]
        cost = start[s]
        if cost < dist[node] and cost <= limit:
            dist[node] = cost
            if slot[node] < 0:
                size += 1
                _sift_up(keys, heap, slot, size - 1, cost, node)
            else:
                _sift_up(keys, heap, slot, slot[node], cost, node)
    while size > 0:
        d = keys[0]
        u = heap[0]
        slot[u] = -2
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
                keys[i] = best_key
                heap[i] = heap[best]
                slot[heap[i]] = i
                i = best
            keys[i] = last_key
            heap[i] = last
            slot[last] = i
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            at = slot[v]
            if at == -2:
                continue
            nd = d + data[e]
            if nd < dist[v] and nd <= limit:
                dist[v] = nd
                if with_pred:
                    pred[v] = u
                if at == -1:
                    size += 1
                    _sift_up(keys, heap, slot, size - 1, nd, v)
                else:
                    _sift_up(keys, heap, slot, at, nd, v)


def search(
    graph: sparse.csr_matrix,
    nodes: IntArray,
    start: FloatArray,
    limit: float = np.inf,
    *,
    predecessors: bool = False,
) -> tuple[FloatArray, NDArray[np.int32] | None]:
    """(least minutes from any source (nodes[i], start[i]) to every node, inf beyond limit;
    each node's predecessor on one such path, NULL at a source or unreached, when asked)."""
    n = graph.shape[0]
    nodes = np.asarray(nodes, dtype=np.int64).reshape(-1)
    start = np.asarray(start, dtype=np.float64).reshape(-1)
    if nodes.size != start.size:
        raise ValueError(f"{start.size} start costs for {nodes.size} sources")
    if nodes.size and (nodes.min() < 0 or nodes.max() >= n):
        raise ValueError("a source is no node of the graph")
    dist = np.empty(n, dtype=np.float64)
    pred = np.empty(n if predecessors else 0, dtype=np.int32)
    _dijkstra(
        graph.indptr, graph.indices, graph.data, nodes, start, float(limit), dist, pred,
        predecessors,
    )  # fmt: skip
    return dist, (pred if predecessors else None)


def each(
    graph: sparse.csr_matrix,
    sources: IntArray,
    keep: Callable[[int, FloatArray, NDArray[np.int32] | None], _T],
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
    """Compile the kernel now (or load it from Numba's cache) for the index types SciPy
    gives road graphs, so that a computation does not wait for it."""
    for itype in (np.int32, np.int64):
        graph = sparse.csr_matrix(
            (np.ones(2), np.asarray([1, 0], dtype=itype), np.asarray([0, 1, 2], dtype=itype)),
            shape=(2, 2),
        )
        graph.indices = graph.indices.astype(itype)
        graph.indptr = graph.indptr.astype(itype)
        for with_pred in (False, True):
            search(graph, np.asarray([0]), np.zeros(1), predecessors=with_pred)
