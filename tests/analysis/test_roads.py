"""The road rules of coverage-model.md ("Roads (v3)"), by hand.

Speeds chosen so that hand arithmetic is exact: roads at 60 km/h (1 minute per km), access
and direct travel at access_speed_kmh 30 (2 minutes per km) unless a test says otherwise,
circuity 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import shapely

from resilience.analysis import (
    CellTable,
    CoverageResult,
    Parameters,
    PlanParameters,
    RoadNetwork,
    Scenario,
    SiteTable,
    baseline_minutes,
    compute,
    plan,
    road_state,
)
from tests.analysis.helpers import FAST, MUNICIPALITIES, cells_table, row, site, sites_table

ROADS: dict[str, Any] = {**FAST, "access_speed_kmh": 30}


def network(*lines: list[tuple[float, float]], speed: float = 60.0) -> RoadNetwork:
    """Roads through the given vertices, all at one speed (class primary)."""
    return RoadNetwork.from_lines(
        [shapely.LineString(line) for line in lines],
        ["primary"] * len(lines),
        [speed] * len(lines),
    )


def scenario(
    closures: Any = None, zones: tuple[tuple[str, Any], ...] = (), **parameters: Any
) -> Scenario:
    return Scenario(
        snow_zones=zones,
        parameters=Parameters.from_overrides({**ROADS, **parameters}),
        road_closures=closures,
    )


def run_roads(
    sites: SiteTable,
    cells: CellTable,
    roads: RoadNetwork,
    *,
    closures: Any = None,
    outage: Any = None,
    **parameters: Any,
) -> CoverageResult:
    case = Scenario(
        outage=outage,
        parameters=Parameters.from_overrides({**ROADS, **parameters}),
        road_closures=closures,
    )
    return compute(sites, cells, MUNICIPALITIES, case, roads=roads)


def test_the_graph_has_a_node_per_distinct_vertex_and_an_edge_per_segment() -> None:
    """A line (0,0)-(0,0)-(3,4)-(3,4)-(6,8) has three distinct vertices, two segments of
    5 m; a second line sharing (6, 8) adds one node and one edge."""
    roads = RoadNetwork.from_lines(
        [
            shapely.LineString([(0, 0), (0, 0), (3, 4), (3, 4), (6, 8)]),
            shapely.MultiLineString([[(6, 8), (6, 20)]]),
        ],
        ["residential", "track"],
    )
    assert roads.n_nodes == 4 and roads.n_edges == 3
    assert roads.length.tolist() == [5.0, 5.0, 12.0]
    assert roads.edge_speed({"residential": 40.0, "track": 20.0}).tolist() == [40.0, 40.0, 20.0]


def test_bad_roads_are_refused() -> None:
    line = [shapely.LineString([(0, 0), (1, 1)])]
    with pytest.raises(ValueError, match="no default speed"):
        RoadNetwork.from_lines(line, ["footway"])
    with pytest.raises(ValueError, match="> 0"):
        RoadNetwork.from_lines(line, ["primary"], [0.0])
    # Another class with its own speed is a road.
    assert RoadNetwork.from_lines(line, ["ferry"], [10.0]).n_edges == 1


def test_a_bridge_without_a_shared_vertex_connects_nothing() -> None:
    """Road 1 from (0, 0) to (10 km, 0); road 2 from (5 km, -5 km) to (5 km, 5 km)
    crosses it at (5 km, 0) without a vertex there. The cell at (0, 0) and the grocery at
    (5 km, 5 km) (7.07 km apart, beyond offroad_max_km 1) have no route: minutes null,
    unreachable. With (5 km, 0) a vertex of both roads they connect: 5 km + 5 km at
    60 km/h = 10 minutes."""
    sites = sites_table(site("f", "food", "grocery", 5000, 5000))
    cells = cells_table((0, 0, 7))
    crossing = network([(0, 0), (10_000, 0)], [(5000, -5000), (5000, 5000)])
    result = run_roads(sites, cells, crossing, offroad_max_km=1)
    assert np.isinf(result.minutes["food"][0])
    assert result.county.unreachable.food == 7
    assert result.county.baseline_unreachable.food == 7
    assert result.to_document()["roads"] == {"edges": 2, "closed_edges": 0, "closure_areas": 0}
    joined = network([(0, 0), (5000, 0), (10_000, 0)], [(5000, -5000), (5000, 0), (5000, 5000)])
    result = run_roads(sites, cells, joined, offroad_max_km=1)
    assert result.minutes["food"][0] == 10.0
    assert result.county.unreachable.food == 0


def test_a_closure_between_vertices_closes_the_segment() -> None:
    """One segment (0, 0)-(10 km, 0); a closure box over x 4-6 km holds neither vertex but
    intersects the segment: it is closed. The cell at (0, 0) loses its road to the grocery
    at (10 km, 0): unreachable (10 km > offroad_max_km 5), while the baseline (no closures)
    takes 10 minutes. A box merely touching the segment (its edge on y = 0) closes it
    too."""
    sites = sites_table(site("f", "food", "grocery", 10_000, 0))
    cells = cells_table((0, 0, 4))
    roads = network([(0, 0), (10_000, 0)])
    closure = shapely.box(4000, -10, 6000, 10)
    result = run_roads(sites, cells, roads, closures=closure)
    assert np.isinf(result.minutes["food"][0])
    assert result.baseline_minutes["food"][0] == 10.0
    assert result.county.unreachable.food == 4
    assert result.county.baseline_unreachable.food == 0
    assert result.to_document()["roads"] == {"edges": 1, "closed_edges": 1, "closure_areas": 1}
    touching = run_roads(sites, cells, roads, closures=shapely.box(4000, 0, 6000, 10))
    assert np.isinf(touching.minutes["food"][0])


def test_snow_closes_roads_from_closure_level_and_slows_the_rest() -> None:
    """A yellow zone over the segment's middle: with closure_level "yellow" it closes the
    segment (one closure area); with closure_level "orange" it only slows it: the whole
    segment takes yellow's factor 0.5, 10 km at 30 km/h = 20 minutes."""
    roads = network([(0, 0), (10_000, 0)])
    zones = (("yellow", shapely.box(4000, -10, 6000, 10)),)
    state = road_state(roads, scenario(zones=zones, closure_level="yellow"))
    assert state.closed.tolist() == [True]
    assert state.summary().closure_areas == 1
    state = road_state(roads, scenario(zones=zones, closure_level="orange"))
    assert state.closed.tolist() == [False]
    assert state.edge_minutes.tolist() == [20.0]
    assert state.summary().closure_areas == 0
    with pytest.raises(ValueError, match="closure_level"):
        Parameters.from_overrides({"closure_level": "purple"})


def test_an_access_node_whose_edges_are_all_closed_moves_the_point() -> None:
    """The point (0, 10) is 10 m from the node (0, 0), whose only road runs south, and 20 m
    from (0, 30) on a road east. Closing the south road moves its access node to (0, 30):
    access = 20 m at 30 km/h = 0.04 minutes."""
    roads = network([(0, 0), (0, -1000)], [(0, 30), (1000, 30)])
    x, y, f = np.array([0.0]), np.array([10.0]), np.array([1.0])
    open_state = road_state(roads, scenario())
    node, minutes = open_state.access(x, y, f)
    assert (roads.node_x[node[0]], roads.node_y[node[0]]) == (0.0, 0.0)
    assert minutes.tolist() == [0.02]
    closed_state = road_state(roads, scenario(closures=shapely.box(-10, -600, 10, -400)))
    node, minutes = closed_state.access(x, y, f)
    assert (roads.node_x[node[0]], roads.node_y[node[0]]) == (0.0, 30.0)
    assert minutes.tolist() == [0.04]


def test_access_ties_go_to_the_lower_x_then_the_lower_y() -> None:
    """(0, 0) is 5 m from (-3, 4), (3, 4), (-3, -4) and (3, -4): the lower x, then the
    lower y wins: (-3, -4)."""
    roads = network([(3, 4), (3, -4)], [(-3, 4), (-3, -4)])
    node, _ = road_state(roads, scenario()).access_node(np.array([0.0]), np.array([0.0]))
    assert (roads.node_x[node[0]], roads.node_y[node[0]]) == (-3.0, -4.0)


def test_direct_travel_beats_a_detour_and_ends_at_offroad_max_km() -> None:
    """Cell (0, 0), grocery (2 km, 0), the only road a 12 km detour (0,0)-(0,5km)-
    (2km,5km)-(2km,0): route 12 minutes, direct 2 km at 30 km/h = 4 minutes: 4. With
    offroad_max_km 1 the direct way is gone: 12."""
    sites = sites_table(site("f", "food", "grocery", 2000, 0))
    cells = cells_table((0, 0, 1))
    roads = network([(0, 0), (0, 5000), (2000, 5000), (2000, 0)])
    assert run_roads(sites, cells, roads).minutes["food"][0] == 4.0
    assert run_roads(sites, cells, roads, offroad_max_km=1).minutes["food"][0] == 12.0


def test_route_adds_access_at_both_ends_with_their_speed_factors() -> None:
    """Cell (0, 300) in a red zone (factor 0.125), grocery (3000, -600): access 300 m at
    30 km/h · 0.125 = 4.8 minutes, road 3 km at 60 = 3 minutes, access 600 m at 30 = 1.2
    minutes: 9 minutes. (Direct: 3.04 km beyond offroad_max_km 3.)"""
    sites = sites_table(site("f", "food", "grocery", 3000, -600))
    cells = cells_table((0, 300, 1))
    roads = network([(0, 0), (3000, 0)])
    red = (("red", shapely.box(-100, 200, 100, 400)),)
    case = Scenario(
        snow_zones=red,
        parameters=Parameters.from_overrides({**ROADS, "offroad_max_km": 3}),
    )
    result = compute(sites, cells, MUNICIPALITIES, case, roads=roads)
    assert np.isclose(result.minutes["food"][0], 9.0, rtol=1e-12)
    assert np.isclose(result.baseline_minutes["food"][0], 0.6 + 3.0 + 1.2, rtol=1e-12)


def test_a_generator_that_can_no_longer_arrive() -> None:
    """An elderly home at (0, 0) and a generator at (20 km, 0), one road between them:
    20 minutes, so it arrives at 1/3 h. A closure in the middle leaves no route and the
    direct way (20 km) exceeds offroad_max_km: the home gets no generator."""
    sites = sites_table(
        site("home", "care", "elderly_home", 0, 0, residents=5),
        site("gen", "power", "mobile_generator", 20_000, 0),
    )
    roads = network([(0, 0), (20_000, 0)])
    outage = shapely.box(-10, -10, 10, 10)
    result = run_roads(sites, cells_table(), roads, outage=outage)
    home = row(result, "home")
    assert result.generator_index[home] == row(result, "gen")
    assert np.isclose(result.arrival_hours[home], 20 / 60, rtol=1e-12)
    cut = run_roads(
        sites, cells_table(), roads, outage=outage, closures=shapely.box(9000, -5, 11_000, 5)
    )
    assert cut.generator_index[home] == -1
    assert cut.hours_unpowered[home] == 24.0


def test_road_speeds_override_class_speeds_and_speed_kmh_is_unused() -> None:
    """A residential road without its own speed: default 40 km/h, 4 km = 6 minutes; with
    road_speeds {"residential": 80}: 3 minutes. speed_kmh (straight lines) plays no part."""
    roads = RoadNetwork.from_lines([shapely.LineString([(0, 0), (4000, 0)])], ["residential"])
    sites = sites_table(site("f", "food", "grocery", 4000, 0))
    cells = cells_table((0, 0, 1))
    assert run_roads(sites, cells, roads, offroad_max_km=1).minutes["food"][0] == 6.0
    faster = run_roads(
        sites, cells, roads, offroad_max_km=1, road_speeds={"residential": 80}, speed_kmh=5
    )
    assert faster.minutes["food"][0] == 3.0
    with pytest.raises(ValueError, match="road class"):
        Parameters.from_overrides({"road_speeds": {"footway": 5}})


def test_the_timeline_searches_the_providers_powered_at_each_instant() -> None:
    """Two groceries on one road, 10 and 40 minutes from the cell at (0, 0); the near one
    (5 h of backup) lies in a 12 h outage. Food threshold 30: covered while it has power
    (t < 5), not after; the far one keeps the cell reachable throughout. A closure between
    the two cuts the road in two parts (the far grocery's access node keeps its open spur
    to 41 km): only the near one is reachable, so the cell is unreachable from 5 h."""
    sites = sites_table(
        site("near", "food", "grocery", 10_000, 0, backup_kw=1, fuel_hours=5),
        site("far", "food", "grocery", 40_000, 0),
    )
    cells = cells_table((0, 0, 3))
    roads = network([(0, 0), (10_000, 0), (40_000, 0), (41_000, 0)])
    outage = shapely.box(9000, -10, 11_000, 10)
    case = Scenario(
        outage=outage,
        duration_hours=12,
        parameters=Parameters.from_overrides({**ROADS, "offroad_max_km": 1}),
    )
    result = compute(sites, cells, MUNICIPALITIES, case, roads=roads)
    assert result.minutes["food"][0] == 40.0
    assert result.timeline.county.uncovered["food"].tolist() == [0] * 5 + [3] * 7
    assert result.timeline.county.unreachable["food"].tolist() == [0] * 12
    closed = Scenario(
        outage=outage,
        duration_hours=12,
        parameters=case.parameters,
        road_closures=shapely.box(20_000, -5, 21_000, 5),
    )
    result = compute(sites, cells, MUNICIPALITIES, closed, roads=roads)
    assert np.isinf(result.minutes["food"][0])
    assert result.timeline.county.unreachable["food"].tolist() == [0] * 5 + [3] * 7
    assert result.county.unreachable.food == 3


def test_the_plan_dispatches_generators_over_the_roads() -> None:
    """Two elderly homes in a 24 h outage, 10 residents each; one generator next to "far"
    at (20 km, 0), with road (0,0)-(20 km,0) closed in the middle. "near" at (0, 0)
    (visited first: source_id "a-near") cannot be reached: the generator goes to "far"
    (arrival 0). Objective before: 24 h · 10 residents at "near" = 240. Equipping "near"
    (72 h of backup) removes all of it."""
    sites = sites_table(
        site("a-near", "care", "elderly_home", 0, 0, residents=10),
        site("b-far", "care", "elderly_home", 20_000, 0, residents=10),
        site("gen", "power", "mobile_generator", 20_000, 0),
    )
    roads = network([(0, 0), (20_000, 0)])
    case = Scenario(
        outage=shapely.box(-10, -10, 20_010, 10),
        parameters=Parameters.from_overrides(ROADS),
        road_closures=shapely.box(9000, -5, 11_000, 5),
    )
    result = plan(sites, [("s", case)], PlanParameters(sites=1), roads=roads)
    assert result.objective_before == 240.0
    assert [step.source_id for step in result.steps] == ["a-near"]
    assert result.steps[0].reduction == 240.0
    # In straight lines the generator (20 km, 20 minutes) goes to "a-near" instead:
    # 10 · 1/3 h there, 10 · 24 h at "b-far".
    straight = plan(sites, [("s", case)], PlanParameters(sites=1))
    assert np.isclose(straight.objective_before, 10 / 3 + 240, rtol=1e-12)


def test_without_a_timeline_the_roads_give_the_same_figures() -> None:
    """timeline=False (the plan's and the CLI's summaries) over roads: no timeline, and the
    step-3 figures of the full computation."""
    sites = sites_table(
        site("near", "food", "grocery", 10_000, 0, backup_kw=1, fuel_hours=5),
        site("far", "food", "grocery", 40_000, 0),
    )
    cells = cells_table((0, 0, 3))
    roads = network([(0, 0), (10_000, 0), (40_000, 0), (41_000, 0)])
    case = Scenario(
        outage=shapely.box(9000, -10, 11_000, 10),
        duration_hours=12,
        parameters=Parameters.from_overrides({**ROADS, "offroad_max_km": 1}),
    )
    full = compute(sites, cells, MUNICIPALITIES, case, roads=roads)
    short = compute(sites, cells, MUNICIPALITIES, case, roads=roads, timeline=False)
    assert short.county.uncovered == full.county.uncovered
    assert short.county.unreachable == full.county.unreachable
    assert short.minutes["food"].tolist() == full.minutes["food"].tolist() == [40.0]


def test_a_generator_s_route_follows_the_road_around_a_lake() -> None:
    """A lake lies between the generator at (0, 0) and the care home at (6 km, 0): the road
    goes around it, north to (0, 3 km), east to (6 km, 3 km), south to (6 km, 0): 12 km at
    60 km/h, 12 minutes; the straight 6 km is beyond offroad_max_km 5. The assignment's
    route is the road's nodes, the generator's point first and the site's last, not the
    straight line; its arrival is 1 h of mobilisation plus 12 minutes."""
    sites = sites_table(
        site("home", "care", "elderly_home", 6000, 0, critical_load_kw=10),
        site("gen", "power", "mobile_generator", 0, 0, capacity_kw=50, mobilization_hours=1),
    )
    roads = network([(0, 0), (0, 3000), (6000, 3000), (6000, 0)])
    outage = shapely.box(2000, -1000, 7000, 1000)
    result = run_roads(sites, cells_table(), roads, outage=outage, mobile_max_hours=12)
    home = row(result, "home")
    assert result.generator_index[home] == row(result, "gen")
    assert result.arrival_hours[home] == pytest.approx(1.2, rel=1e-12)
    assert result.generator_routes[home].tolist() == [
        [0.0, 0.0],
        [0.0, 0.0],
        [0.0, 3000.0],
        [6000.0, 3000.0],
        [6000.0, 0.0],
        [6000.0, 0.0],
    ]
    # Direct travel faster than the road: generator at (1 km, 0), site at (3 km, 0), both
    # entering the road at (0, 0): 1 + 0 + 3 km of access, 8 minutes, against 2 km
    # straight at 30 km/h, 4 minutes. The route is the straight line.
    near = sites_table(
        site("home", "care", "elderly_home", 3000, 0, critical_load_kw=10),
        site("gen", "power", "mobile_generator", 1000, 0, capacity_kw=50),
    )
    result = run_roads(near, cells_table(), roads, outage=outage, mobile_max_hours=12)
    assert result.arrival_hours[row(result, "home")] == pytest.approx(4 / 60, rel=1e-12)
    route = result.generator_routes[row(result, "home")]
    assert route.tolist() == [[1000.0, 0.0], [3000.0, 0.0]]
    # Without roads there are no routes (the map draws the straight line).
    plain = compute(near, cells_table(), MUNICIPALITIES, Scenario(outage=outage))
    assert plain.generator_routes == {}


def test_baseline_searches_are_kept_with_the_network_and_answer_as_uncached() -> None:
    """The baseline's nearest-provider minutes are kept with the network per parameters and
    places: a second computation gives the very same result as the first and as one on a
    freshly built network (no kept values); other providers or parameters are other keys,
    not stale answers; a network built again (a new data version) keeps nothing."""
    lines = [[(0, 0), (4000, 0), (8000, 0)], [(4000, 0), (4000, 6000)]]
    cells = cells_table((0, 0, 5), (4000, 6000, 3), (8000, 0, 2))
    one = sites_table(site("f", "food", "grocery", 8000, 0), site("c", "care", "hospital", 0, 0))
    two = sites_table(site("f", "food", "grocery", 4000, 6000), site("c", "care", "hospital", 0, 0))
    kept = network(*lines)
    first = run_roads(one, cells, kept, offroad_max_km=1)
    assert len(kept._memo) > 0
    again = run_roads(one, cells, kept, offroad_max_km=1)
    fresh = run_roads(one, cells, network(*lines), offroad_max_km=1)
    for service in ("food", "care", "shelter"):
        for result in (again, fresh):
            np.testing.assert_array_equal(
                result.baseline_minutes[service], first.baseline_minutes[service]
            )
    assert first.baseline_minutes["food"][0] == 8.0
    moved = run_roads(two, cells, kept, offroad_max_km=1)
    assert moved.baseline_minutes["food"][0] == 10.0  # 4 km east, 6 km north
    np.testing.assert_array_equal(
        moved.baseline_minutes["food"],
        run_roads(two, cells, network(*lines), offroad_max_km=1).baseline_minutes["food"],
    )
    slower = run_roads(one, cells, kept, offroad_max_km=1, road_speeds={"primary": 30})
    assert slower.baseline_minutes["food"][0] == 8.0  # the lines' own speed: no change
    walking = run_roads(one, cells, kept, offroad_max_km=9)
    assert walking.baseline_minutes["food"][0] == 8.0  # 8 km straight at 30: 16 > 8
    assert walking.baseline_minutes["food"][1] == 10.0
    assert len(network(*lines)._memo) == 0


def test_the_kept_values_are_bounded() -> None:
    """A network keeps at most _MEMO_SIZE values, the least recently used dropped."""
    from resilience.analysis.roads import _MEMO_SIZE

    roads = network([(0, 0), (1000, 0)])
    for key in range(_MEMO_SIZE + 5):
        assert roads.memo(("k", key), lambda key=key: key) == key
    assert len(roads._memo) == _MEMO_SIZE
    assert roads.memo(("k", _MEMO_SIZE + 4), lambda: -1) == _MEMO_SIZE + 4  # kept
    assert roads.memo(("k", 0), lambda: -1) == -1  # dropped, made again


def test_the_baseline_alone_is_the_computation_s_baseline() -> None:
    """baseline_minutes gives every service's baseline as compute() does for a scenario with
    the same parameters (an outage, snow and closures change nothing of it), over roads and
    in straight lines, NaN for the unpopulated cell; other parameters, another baseline."""
    lines = [[(0, 0), (4000, 0), (8000, 0)], [(4000, 0), (4000, 6000)]]
    cells = cells_table((0, 0, 5), (4000, 6000, 3), (8000, 0, 0), (9000, 500, 2))
    sites = sites_table(
        site("f", "food", "grocery", 8000, 0),
        site("c", "care", "hospital", 0, 0),
        site("s", "energy", "school", 4000, 6000, shelter_capacity=50),
    )
    outage = shapely.box(-1000, -1000, 1000, 1000)
    closure = shapely.box(5000, -500, 6000, 500)
    for roads in (network(*lines), None):
        for overrides in ({"offroad_max_km": 1}, {"offroad_max_km": 1, "speed_kmh": 35}):
            parameters = Parameters.from_overrides({**ROADS, **overrides})
            alone = baseline_minutes(sites, cells, parameters, roads)
            result = compute(
                sites,
                cells,
                MUNICIPALITIES,
                Scenario(outage=outage, parameters=parameters, road_closures=closure),
                roads=roads,
            )
            assert set(alone) == set(result.baseline_minutes)
            for service, minutes in alone.items():
                np.testing.assert_array_equal(minutes, result.baseline_minutes[service])
            assert np.isnan(alone["food"][2]) and np.isfinite(alone["food"][[0, 1, 3]]).all()
    straight = baseline_minutes(sites, cells, Parameters.from_overrides(ROADS))
    slower = baseline_minutes(sites, cells, Parameters.from_overrides({**ROADS, "speed_kmh": 35}))
    assert (slower["food"][[0, 1, 3]] > straight["food"][[0, 1, 3]]).all()
