"""The compiled Dijkstra (analysis.shortest) against SciPy's on random graphs: the same
distances, exactly, from one source or many with start costs, within a limit; its
predecessors name paths of exactly those lengths; `each` keeps the sources' order on
several threads."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from resilience.analysis import shortest


def random_graph(seed: int, n: int, m: int, ties: bool) -> sparse.csr_matrix:
    """n nodes, m undirected edges (parallel ones kept as the fastest), weights from a few
    values when ties is set (many equal paths), else any."""
    rng = np.random.default_rng(seed)
    u = rng.integers(0, n, m)
    v = rng.integers(0, n, m)
    keep = u != v
    u, v = u[keep], v[keep]
    w = rng.choice([0.5, 1.0, 1.5], u.size) if ties else rng.uniform(0.01, 10.0, u.size)
    rows, cols = np.concatenate([u, v]), np.concatenate([v, u])
    weight = np.concatenate([w, w])
    order = np.lexsort((weight, cols, rows))
    rows, cols, weight = rows[order], cols[order], weight[order]
    first = np.r_[True, (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])][: rows.size]
    return sparse.csr_matrix((weight[first], (rows[first], cols[first])), shape=(n, n))


def scipy_from_sources(
    graph: sparse.csr_matrix, nodes: np.ndarray, start: np.ndarray, limit: float
) -> np.ndarray:
    """SciPy's multi-source distances: a virtual node joined to each source by its start."""
    n = graph.shape[0]
    # One virtual edge per source node, of its least start (SciPy would add repeats up).
    nodes, start = np.unique(nodes), np.asarray([start[nodes == k].min() for k in np.unique(nodes)])
    virtual = sparse.csr_matrix((start, (np.full(nodes.size, n), nodes)), shape=(n + 1, n + 1))
    coo = graph.tocoo()
    both = sparse.csr_matrix(
        (np.r_[coo.data, virtual.tocoo().data], (np.r_[coo.row, virtual.tocoo().row],
         np.r_[coo.col, virtual.tocoo().col])),
        shape=(n + 1, n + 1),
    )  # fmt: skip
    return np.asarray(dijkstra(both, indices=[n], limit=limit))[0, :n]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    n=st.integers(1, 60),
    density=st.floats(0.5, 4.0),
    ties=st.booleans(),
    sources=st.integers(1, 6),
    bounded=st.booleans(),
)
def test_distances_and_paths_are_scipys(
    seed: int, n: int, density: float, ties: bool, sources: int, bounded: bool
) -> None:
    graph = random_graph(seed, n, int(n * density), ties)
    rng = np.random.default_rng(seed + 1)
    nodes = rng.integers(0, n, sources)  # repeats allowed: the lower start counts
    start = rng.choice([0.0, 0.5, 2.0], sources) if ties else rng.uniform(0, 3, sources)
    limit = float(rng.uniform(0.5, 6.0)) if bounded else np.inf
    expected = scipy_from_sources(graph, nodes, start, limit)

    dist, pred = shortest.search(graph, nodes, start, limit, predecessors=True)
    assert pred is not None
    np.testing.assert_array_equal(dist, expected)

    # Each reached node's predecessor chain leads to a source, and its edge weights add up
    # to the node's distance from that source's start, exactly as the search adds them.
    best_start = {int(node): float(start[nodes == node].min()) for node in np.unique(nodes)}
    for node in np.flatnonzero(np.isfinite(dist)).tolist():
        chain = [node]
        while pred[chain[-1]] != shortest.NULL:
            chain.append(int(pred[chain[-1]]))
            assert len(chain) <= n
        root = chain[-1]
        assert root in best_start
        total = best_start[root]
        for a, b in zip(chain[::-1][:-1], chain[::-1][1:], strict=True):
            total = total + graph[a, b]
        assert total == dist[node]
    assert (pred[~np.isfinite(dist)] == shortest.NULL).all()


def test_a_single_source_matches_scipy_without_a_limit() -> None:
    graph = random_graph(7, 500, 1500, ties=False)
    expected = np.asarray(dijkstra(graph, indices=[3]))[0]
    dist, pred = shortest.search(graph, np.asarray([3]), np.zeros(1))
    np.testing.assert_array_equal(dist, expected)
    assert pred is None


def test_each_keeps_the_order_of_the_sources_on_several_threads() -> None:
    graph = random_graph(11, 400, 1200, ties=True)
    sources = np.asarray([5, 17, 5, 300, 2, 99, 41])
    rows = shortest.each(graph, sources, lambda source, dist, _: (source, dist))
    assert [source for source, _ in rows] == sources.tolist()
    expected = np.asarray(dijkstra(graph, indices=sources))
    np.testing.assert_array_equal(np.vstack([dist for _, dist in rows]), expected)


def test_no_source_reaches_nothing_and_a_wrong_source_is_refused() -> None:
    graph = random_graph(3, 10, 20, ties=False)
    dist, _ = shortest.search(graph, np.zeros(0, dtype=np.int64), np.zeros(0))
    assert np.isinf(dist).all()
    with pytest.raises(ValueError, match="no node"):
        shortest.search(graph, np.asarray([10]), np.zeros(1))
    with pytest.raises(ValueError, match="start costs"):
        shortest.search(graph, np.asarray([1, 2]), np.zeros(1))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(2, 50), ties=st.booleans())
def test_a_region_searched_again_gives_the_field_of_the_sources_left(
    seed: int, n: int, ties: bool
) -> None:
    """A labelled field from several sources; one source taken away and only its region
    searched again (settle from the edges entering it) gives the field searched afresh from
    the others: the same distances, exactly, and each node's label one that reaches it."""
    graph = random_graph(seed, n, 3 * n, ties)
    rng = np.random.default_rng(seed + 2)
    nodes = rng.choice(n, min(n, 4), replace=False)
    start = rng.choice([0.0, 1.0], nodes.size) if ties else rng.uniform(0, 2, nodes.size)
    labels = np.arange(nodes.size)
    preds = np.full(nodes.size, -1)
    dist, label, pred = np.full(n, np.inf), np.full(n, -1), np.full(n, -1)
    shortest.settle(graph, (nodes, start, labels, preds), np.inf, dist, label, pred)

    taken = 0
    region = np.flatnonzero(label == taken)
    inside = np.zeros(n, dtype=bool)
    inside[region] = True
    dist[region], label[region], pred[region] = np.inf, -1, -1
    node, minutes, seed_label, seed_pred = shortest.entering(graph, region, inside, dist, label)
    left = labels != taken
    inner = left & inside[nodes]
    seeds = (
        np.r_[node, nodes[inner]],
        np.r_[minutes, start[inner]],
        np.r_[seed_label, labels[inner]],
        np.r_[seed_pred, preds[inner]],
    )
    shortest.settle(graph, seeds, np.inf, dist, label, pred, inside)

    fresh, _ = shortest.search(graph, nodes[left], start[left])
    np.testing.assert_array_equal(dist, fresh)
    for v in np.flatnonzero(np.isfinite(dist)).tolist():
        own, _ = shortest.search(
            graph, nodes[label[v] : label[v] + 1], start[label[v] : label[v] + 1]
        )
        assert own[v] == dist[v]
