"""Step 2 over the roads (road_dispatch) against the rule taken literally: the full matrix of
arrivals (RoadState.pair_minutes, itself checked against Floyd-Warshall in
test_property_v3) and, site by site in visiting order, the earliest free generator that
can carry the load, ties by column.

The data are made for what the fields must get right: generators at the same lattice
points (ties and groups), few mobilization values (more ties), loads and capacities that
make the nearest generator too small, closures that cut the network, direct travel that
competes with the roads, and more sites than generators.
"""

from __future__ import annotations

import itertools
import math
from unittest import mock

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from resilience.analysis import Parameters, RoadNetwork, Scenario, road_dispatch
from resilience.analysis.road_dispatch import (
    dispatch_over_roads,
    road_generators,
    road_sites,
)
from resilience.analysis.roads import road_state

STEP = 1_000.0


def lattice(n: int, drop: list[bool], diagonal: list[bool]) -> RoadNetwork:
    """An n × n lattice of 1 km roads, some left out, some diagonals added."""
    lines, classes = [], []
    k = 0
    for i in range(n):
        for j in range(n):
            for di, dj in ((1, 0), (0, 1), (1, 1)):
                if i + di >= n or j + dj >= n:
                    continue
                k += 1
                if (di, dj) == (1, 1) and not diagonal[k % len(diagonal)]:
                    continue
                if drop[k % len(drop)]:
                    continue
                a = (i * STEP, j * STEP)
                b = ((i + di) * STEP, (j + dj) * STEP)
                lines.append(shapely.LineString([a, b]))
                classes.append(["residential", "primary", "track"][k % 3])
    return RoadNetwork.from_lines(lines, classes)


def greedy(minutes: np.ndarray, mob, cap, load, duration, max_hours):  # type: ignore[no-untyped-def]
    """The rule literally: site by site, the earliest eligible free generator."""
    arrival = mob[None, :] + minutes / 60
    free = np.ones(cap.size, dtype=bool)
    out_col, out_at = [], []
    for i in range(load.size):
        ok = free & (np.isnan(load[i]) | (cap >= load[i]))
        a = np.where(ok, arrival[i], np.inf)
        j = int(np.argmin(a))
        if math.isinf(a[j]) or not (a[j] <= max_hours and a[j] < duration[i]):
            out_col.append(-1)
            out_at.append(math.nan)
            continue
        free[j] = False
        out_col.append(j)
        out_at.append(float(a[j]))
    return np.asarray(out_col), np.asarray(out_at)


@st.composite
def cases(draw: st.DrawFn) -> dict:
    n = draw(st.integers(3, 7))
    points = st.tuples(
        st.integers(0, 2 * (n - 1)).map(lambda v: v * STEP / 2),
        st.integers(0, 2 * (n - 1)).map(lambda v: v * STEP / 2),
    )
    n_sites = draw(st.integers(1, 12))
    n_gens = draw(st.integers(1, 8))
    return {
        "n": n,
        "drop": draw(st.lists(st.booleans(), min_size=1, max_size=7)),
        "diagonal": draw(st.lists(st.booleans(), min_size=1, max_size=5)),
        "sites": draw(st.lists(points, min_size=n_sites, max_size=n_sites)),
        "gens": draw(st.lists(points, min_size=n_gens, max_size=n_gens)),
        "load": draw(
            st.lists(
                st.sampled_from([math.nan, 50.0, 100.0, 150.0, 300.0]),
                min_size=n_sites,
                max_size=n_sites,
            )
        ),
        "cap": draw(
            st.lists(
                st.sampled_from([math.nan, 50.0, 100.0, 200.0]), min_size=n_gens, max_size=n_gens
            )
        ),
        "mob": draw(
            st.lists(st.sampled_from([math.nan, 0.0, 0.05, 0.1]), min_size=n_gens, max_size=n_gens)
        ),
        "duration": draw(
            st.lists(st.sampled_from([0.05, 0.1, 0.2, 24.0]), min_size=n_sites, max_size=n_sites)
        ),
        "max_hours": draw(st.sampled_from([0.08, 0.15, 12.0])),
        "offroad_km": draw(st.sampled_from([0.0, 0.7, 2.0])),
        "closure": draw(st.booleans()),
        "snow": draw(st.booleans()),
    }


@settings(max_examples=300)
@given(cases(), st.sampled_from([0.01, 30.0]), st.sampled_from([0, 32]))
def test_dispatch_over_roads_is_the_rule_taken_literally(
    case: dict, first_radius: float, pairwise: int
) -> None:
    network = lattice(case["n"], case["drop"], case["diagonal"])
    mid = (case["n"] - 1) * STEP / 2
    closures = shapely.box(mid - 100, -1, mid + 100, mid) if case["closure"] else None
    snow = (("red", shapely.box(0, 0, mid, mid * 2)),) if case["snow"] else ()
    parameters = Parameters(offroad_max_km=case["offroad_km"], mobile_max_hours=case["max_hours"])
    scenario = Scenario(
        outage=shapely.box(-1, -1, 1e6, 1e6),
        snow_zones=snow,
        road_closures=closures,
        parameters=parameters,
    )
    state = road_state(network, scenario)
    sx, sy = (np.asarray(v, dtype=np.float64) for v in zip(*case["sites"], strict=True))
    gx, gy = (np.asarray(v, dtype=np.float64) for v in zip(*case["gens"], strict=True))
    s_factor, g_factor = state.factor_at(sx, sy), state.factor_at(gx, gy)
    load = np.asarray(case["load"])
    cap = np.asarray(case["cap"])
    mob = np.asarray(case["mob"])
    duration = np.asarray(case["duration"])
    minutes = state.pair_minutes(sx, sy, s_factor, gx, gy, g_factor)
    expected_col, expected_at = greedy(
        minutes, np.nan_to_num(mob), np.nan_to_num(cap), load, duration, case["max_hours"]
    )
    # Fields (pairwise 0) or the full matrix (these sizes); a small first radius makes the
    # searches from sites widen, as on a county's roads.
    with (
        mock.patch.object(road_dispatch, "_FIRST_RADIUS", first_radius),
        mock.patch.object(road_dispatch, "_PAIRWISE", pairwise),
    ):
        got = dispatch_over_roads(
            state,
            road_sites(state, sx, sy, s_factor, load, duration, case["max_hours"]),
            road_generators(state, gx, gy, g_factor, mob, cap),
        )
    assert got.column.tolist() == expected_col.tolist()
    np.testing.assert_allclose(got.arrival, expected_at, rtol=1e-9, equal_nan=True)
    for row in np.flatnonzero(got.column >= 0).tolist():
        route = got.routes[row]
        assert route[0].tolist() == [gx[got.column[row]], gy[got.column[row]]]
        assert route[-1].tolist() == [sx[row], sy[row]]


def test_a_tie_over_the_roads_goes_to_the_lower_column_whichever_way_the_search_meets() -> None:
    """Two generators equally far by road, one over two segments and one over one: the
    search reaches the site first from the one-segment side, the rule wants the lower
    column (source_id) whichever side that is."""
    lines = [
        shapely.LineString([(0, 0), (500, 0), (1000, 0)]),
        shapely.LineString([(1000, 0), (2000, 0)]),
    ]
    network = RoadNetwork.from_lines(lines, ["primary", "primary"], [60.0, 60.0])
    state = road_state(
        network,
        Scenario(outage=shapely.box(-1, -1, 3000, 1), parameters=Parameters(offroad_max_km=0)),
    )
    one = np.ones(1)
    site = road_sites(
        state,
        np.asarray([1000.0]),
        np.zeros(1),
        one,
        np.asarray([math.nan]),
        np.asarray([24.0]),
        12.0,
    )
    for order, pairwise in itertools.product(([0.0, 2000.0], [2000.0, 0.0]), (0, 32)):
        gx = np.asarray(order)
        generators = road_generators(
            state, gx, np.zeros(2), np.ones(2), np.zeros(2), np.full(2, 100.0)
        )
        with mock.patch.object(road_dispatch, "_PAIRWISE", pairwise):
            got = dispatch_over_roads(state, site, generators)
        assert got.column.tolist() == [0]
        assert got.arrival.tolist() == [1 / 60]
        assert got.routes[0][0].tolist() == [order[0], 0.0]
