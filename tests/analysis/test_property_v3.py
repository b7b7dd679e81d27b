"""compute() against a naive reference of version 3, written straight from the text of
coverage-model.md: outage areas with their own durations, and travel over a road network
("Roads (v3)") with snow factors, closures, access nodes found by brute force, all-pairs
shortest paths (Floyd-Warshall) and direct travel; steps 1-3, the unreachable figures and
the timeline instant by instant.

Small random data on a 2 km lattice, so that roads share vertices, cross without one,
and points tie for their access node. No heat plants (heated is then powered).

And the v2 property: with roads=None, one duration and no home-care bases, v3 is v2: the
outage given as areas of one duration gives the very same document as the plain outage, and
the v2 references (test_property, test_property_v2) hold unchanged for such cases.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point

from resilience.analysis import (
    ROAD_SPEEDS,
    CellTable,
    OutageArea,
    Parameters,
    RoadNetwork,
    Scenario,
    SiteTable,
    compute,
)
from tests.analysis.reference import (
    CODES,
    DEFAULT_PRIORITY,
    SEVERITY,
    boxes,
    cases_v2,
    clients,
    figure_residents,
    maybe,
    ref_factor,
    site_records,
)

SERVICES = ("food", "care", "shelter")
LEVELS = ("yellow", "orange", "red")

# Reference ------------------------------------------------------------------------------------


class RefRoads:
    """The road graph of one computation, naively: Floyd-Warshall over open edges."""

    def __init__(self, roads: list[dict], zones: list, closures: list, p: dict) -> None:
        self.p = p
        vertices = sorted({v for road in roads for v in road["vertices"]})
        index = {v: i for i, v in enumerate(vertices)}
        self.nodes = vertices
        n = len(vertices)
        self.dist = np.full((n, n), math.inf)
        np.fill_diagonal(self.dist, 0.0)
        has_open = [False] * n
        self.edges = 0
        self.closed_edges = 0
        speeds = {**ROAD_SPEEDS, **p.get("road_speeds", {})}
        level = p.get("closure_level")
        closing = list(closures)
        if level is not None:
            closing += [g for lv, g in zones if SEVERITY[lv] >= SEVERITY[level]]
        for road in roads:
            speed = road["speed"] if road["speed"] is not None else speeds[road["class"]]
            vs = road["vertices"]
            for a, b in itertools.pairwise(vs):
                if a == b:
                    continue
                self.edges += 1
                segment = LineString([a, b])
                if any(segment.intersects(g) for g in closing):
                    self.closed_edges += 1
                    continue
                best = None
                for lv, g in zones:
                    if segment.intersects(g) and (best is None or SEVERITY[lv] > SEVERITY[best]):
                        best = lv
                f = 1.0 if best is None else p["speed_factors"][best]
                dx, dy = a[0] - b[0], a[1] - b[1]
                minutes = math.sqrt(dx * dx + dy * dy) / (speed * f * 1000 / 60)
                i, j = index[a], index[b]
                has_open[i] = has_open[j] = True
                self.dist[i, j] = min(self.dist[i, j], minutes)
                self.dist[j, i] = min(self.dist[j, i], minutes)
        for k in range(n):
            self.dist = np.minimum(self.dist, self.dist[:, k : k + 1] + self.dist[k : k + 1, :])
        self.open_nodes = [i for i in range(n) if has_open[i]]

    def access(self, q: dict) -> tuple[int | None, float]:
        best = None
        for i in self.open_nodes:
            x, y = self.nodes[i]
            dx, dy = q["x"] - x, q["y"] - y
            key = (math.sqrt(dx * dx + dy * dy), x, y)
            if best is None or key < best[0]:
                best = (key, i)
        if best is None:
            return None, math.inf
        p = self.p
        d = best[0][0]
        return best[1], d * p["circuity"] / (p["access_speed_kmh"] * q["f"] * 1000 / 60)

    def minutes(self, a: dict, b: dict) -> float:
        p = self.p
        na, access_a = self.access(a)
        nb, access_b = self.access(b)
        route = math.inf
        if na is not None and nb is not None:
            route = access_a + float(self.dist[na, nb]) + access_b
        dx, dy = a["x"] - b["x"], a["y"] - b["y"]
        d = math.sqrt(dx * dx + dy * dy)
        direct = math.inf
        if d <= p["offroad_max_km"] * 1000:
            f = min(a["f"], b["f"])
            direct = d * p["circuity"] / (p["access_speed_kmh"] * f * 1000 / 60)
        return min(route, direct)


def provides(s: dict, service: str) -> bool:
    if service == "food":
        return s["category"] == "food"
    if service == "care":
        return s["category"] == "care" and s["kind"] in ("hospital", "health_centre")
    return s["category"] == "energy" and (s["shelter_capacity"] or 0) > 0


def reference_v3(case: dict) -> dict:
    p = case["parameters"]
    zones = case["zones"]
    areas = [(g, case["duration"]) for g in case["outage"]] + case["areas"]
    D = max((h for _, h in areas), default=case["duration"])
    sites = [dict(s) for s in case["sites"]]
    cells = [dict(c) for c in case["cells"]]
    roads = RefRoads(case["roads"], zones, case["closures"], p)
    base_roads = RefRoads(case["roads"], [], [], p)
    for s in sites:
        s["f"] = ref_factor(s["x"], s["y"], zones, p["speed_factors"])

    for s in sites:  # Step 1, each site with its own D.
        s["D"] = max((h for g, h in areas if g.covers(Point(s["x"], s["y"]))), default=0.0)
        if s["category"] == "power":
            s["status"] = s["before"] = None
            continue
        backup = (s["backup_kw"] or 0) > 0 and (s["fuel_hours"] or 0) > 0
        load = s["critical_load_kw"]
        s["F"] = s["fuel_hours"] if backup and (load is None or s["backup_kw"] >= load) else 0.0
        if s["D"] == 0:
            s["before"], s["status"] = 0.0, "grid"
        else:
            h = max(0.0, s["D"] - s["F"])
            s["before"] = h
            s["status"] = "backup" if h == 0 else ("partial" if h < s["D"] else "none")
        s["after"], s["generator"], s["arrival"] = s["before"], None, None

    generators = [s for s in sites if s["category"] == "power" and s["kind"] == "mobile_generator"]
    taken: set[int] = set()

    def priority(s: dict) -> float:
        return s["priority"] if s["priority"] is not None else DEFAULT_PRIORITY[s["kind"]]

    candidates = [s for s in sites if s["category"] == "care" and s["before"] > 0]
    candidates.sort(key=lambda s: (priority(s), -(s["residents"] or 0), s["source_id"], s["id"]))
    for s in candidates:  # Step 2 over the roads.
        best = None
        for g in generators:
            if g["id"] in taken:
                continue
            if (
                s["critical_load_kw"] is not None
                and (g["capacity_kw"] or 0) < s["critical_load_kw"]
            ):
                continue
            A = (g["mobilization_hours"] or 0) + roads.minutes(g, s) / 60
            if math.isinf(A):
                continue
            key = (A, g["source_id"], g["id"])
            if best is None or key < best[0]:
                best = (key, g)
        if best is None:
            continue
        (arrival, _, _), g = best
        site_d = s["D"]
        if arrival <= p["mobile_max_hours"] and arrival < site_d:
            taken.add(g["id"])
            F, G = s["F"], math.inf if g["fuel_hours"] is None else g["fuel_hours"]
            s["after"] = max(0, min(site_d, arrival) - F) + max(0, site_d - max(arrival, F) - G)
            s["generator"], s["arrival"] = g["id"], arrival

    def powered(s: dict, t: float) -> bool:
        if s["D"] == 0 or t >= s["D"] or t < s["F"]:
            return True
        if s.get("generator") is not None:
            g = next(x for x in sites if x["id"] == s["generator"])
            G = math.inf if g["fuel_hours"] is None else g["fuel_hours"]
            start = max(s["arrival"], s["F"])
            return start <= t < start + G
        return False

    def fastest(c: dict, service: str, ok: Any, graph: RefRoads = roads) -> float:
        return min(
            (graph.minutes(c, s) for s in sites if provides(s, service) and ok(s)),
            default=math.inf,
        )

    def fastest_baseline(c: dict, service: str) -> float:  # no snow: every factor 1
        return min(
            (base_roads.minutes(c, dict(s, f=1.0)) for s in sites if provides(s, service)),
            default=math.inf,
        )

    for c in cells:  # Step 3.
        c["f"] = ref_factor(c["x"], c["y"], zones, p["speed_factors"])
        base = dict(c, f=1.0)
        c["minutes"], c["baseline"] = {}, {}
        for service in SERVICES:
            if c["population"] <= 0:
                c["minutes"][service] = c["baseline"][service] = math.nan
                continue
            c["minutes"][service] = fastest(c, service, lambda s: s["after"] == 0)
            c["baseline"][service] = fastest_baseline(base, service)

    hours = []
    k = 0
    while k * p["timeline_step_hours"] < D:
        hours.append(k * p["timeline_step_hours"])
        k += 1
    summary: dict[str | None, dict] = {}
    for code in [*sorted(CODES), None]:
        mine = [c for c in cells if c["municipality"] == code and c["population"] > 0]
        care = [s for s in sites if s["category"] == "care" and s["municipality"] == code]
        unpowered = [s for s in care if s["after"] > 0]

        def people(test: Any, mine: list[dict] = mine) -> dict[str, int]:
            return {v: sum(c["population"] for c in mine if test(c, v)) for v in SERVICES}

        series: dict[str, Any] = {
            "care_sites_unpowered": [],
            "residents_unpowered": [],
            "home_care_clients_unpowered": [],
            "uncovered": {v: [] for v in SERVICES},
            "unreachable": {v: [] for v in SERVICES},
        }
        for t in hours:
            off = [s for s in care if not powered(s, t)]
            series["care_sites_unpowered"].append(len(off))
            series["residents_unpowered"].append(sum(figure_residents(s) for s in off))
            series["home_care_clients_unpowered"].append(sum(clients(s) for s in off))
            for v in SERVICES:
                now = [fastest(c, v, lambda s, t=t: powered(s, t)) for c in mine]
                limit = p[f"{v}_minutes"]
                series["uncovered"][v].append(
                    sum(c["population"] for c, m in zip(mine, now, strict=True) if not m <= limit)
                )
                series["unreachable"][v].append(
                    sum(c["population"] for c, m in zip(mine, now, strict=True) if math.isinf(m))
                )
        summary[code] = {
            "uncovered": people(lambda c, v: not c["minutes"][v] <= p[f"{v}_minutes"]),
            "baseline_uncovered": people(lambda c, v: not c["baseline"][v] <= p[f"{v}_minutes"]),
            "unreachable": people(lambda c, v: math.isinf(c["minutes"][v])),
            "baseline_unreachable": people(lambda c, v: math.isinf(c["baseline"][v])),
            "care_sites_unpowered": len(unpowered),
            "residents_unpowered": sum(figure_residents(s) for s in unpowered),
            "home_care_clients_unpowered": sum(clients(s) for s in unpowered),
            "resident_hours_unpowered": sum(figure_residents(s) * s["after"] for s in care),
            "generators_assigned": sum(1 for s in care if s["generator"] is not None),
            "series": series,
        }
    return {
        "sites": sites,
        "cells": cells,
        "areas": summary,
        "hours": hours,
        "D": D,
        "roads": {
            "edges": roads.edges,
            "closed_edges": roads.closed_edges,
            "closure_areas": len(case["closures"])
            + (
                0
                if p.get("closure_level") is None
                else sum(1 for lv, _ in zones if SEVERITY[lv] >= SEVERITY[p["closure_level"]])
            ),
        },
    }


# Data -----------------------------------------------------------------------------------------

grid = st.integers(0, 10).map(lambda k: k * 2000.0)
point = st.one_of(grid, grid, st.floats(0, 20_000, allow_nan=False))


@st.composite
def roads_case(draw: st.DrawFn) -> dict:
    groups = ["care"] * 3 + ["food", "energy", "power", "power"]
    records = draw(st.lists(st.sampled_from(groups).flatmap(site_records), max_size=10))
    for index, record in enumerate(records):
        record["id"] = index + 1
        record["x"] = draw(point)
        record["y"] = draw(point)
    cells = [
        {
            "id": index + 1,
            "x": draw(point),
            "y": draw(point),
            "population": draw(st.sampled_from([0, 1, 3, 10])),
            "municipality": draw(st.sampled_from([None, "2401", "2403"])),
        }
        for index in range(draw(st.integers(0, 6)))
    ]
    vertex = st.tuples(grid, grid)
    roads = [
        {
            "vertices": draw(st.lists(vertex, min_size=2, max_size=4)),
            "class": draw(st.sampled_from(list(ROAD_SPEEDS))),
            "speed": draw(maybe([30.0, 90.0])),
        }
        for _ in range(draw(st.integers(0, 6)))
    ]
    factor = st.sampled_from([0.25, 0.5, 0.7, 1.0])
    parameters = {
        "circuity": draw(st.sampled_from([1.0, 1.3])),
        "speed_factors": {"yellow": draw(factor), "orange": draw(factor), "red": draw(factor)},
        "food_minutes": draw(st.sampled_from([0, 10, 30])),
        "care_minutes": draw(st.sampled_from([10, 60])),
        "shelter_minutes": draw(st.sampled_from([5, 30])),
        "mobile_max_hours": draw(st.sampled_from([0.5, 1, 12])),
        "timeline_step_hours": draw(st.sampled_from([1, 2.5])),
        "access_speed_kmh": draw(st.sampled_from([10, 30, 60])),
        "offroad_max_km": draw(st.sampled_from([0, 1, 5, 30])),
        "closure_level": draw(st.sampled_from([None, "yellow", "orange", "red"])),
        "road_speeds": draw(st.sampled_from([{}, {"track": 5.0, "primary": 100.0}])),
    }
    duration = st.sampled_from([0.5, 3, 6, 12, 24, 48])
    return {
        "sites": records,
        "cells": cells,
        "roads": roads,
        "outage": draw(st.lists(boxes(), max_size=1)),
        "areas": draw(st.lists(st.tuples(boxes(), duration), max_size=2)),
        "zones": draw(st.lists(st.tuples(st.sampled_from(LEVELS), boxes()), max_size=2)),
        "closures": draw(st.lists(boxes(), max_size=2)),
        "duration": draw(duration),
        "parameters": parameters,
    }


def run_case(case: dict) -> Any:
    sites = SiteTable.from_records(case["sites"])
    c = case["cells"]
    cells = CellTable(
        id=np.asarray([r["id"] for r in c], dtype=np.int64),
        x=[r["x"] for r in c],
        y=[r["y"] for r in c],
        population=np.asarray([r["population"] for r in c], dtype=np.int64),
        municipality=[r["municipality"] for r in c],
    )
    roads = RoadNetwork.from_lines(
        [LineString(r["vertices"]) for r in case["roads"]],
        [r["class"] for r in case["roads"]],
        [math.nan if r["speed"] is None else r["speed"] for r in case["roads"]],
    )
    scenario = Scenario(
        outage=shapely.GeometryCollection(case["outage"]),
        duration_hours=case["duration"],
        snow_zones=case["zones"],
        parameters=Parameters.from_overrides(case["parameters"]),
        outage_areas=tuple(OutageArea(g, h) for g, h in case["areas"]),
        road_closures=shapely.GeometryCollection(case["closures"]),
    )
    return compute(sites, cells, CODES, scenario, roads=roads)


def close(actual: list[float | None], expected: list[float | None]) -> None:
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected, strict=True):
        if e is None or (isinstance(e, float) and math.isnan(e)):
            assert a is None or math.isnan(a), (a, e)
        elif math.isinf(e):
            assert math.isinf(a), (a, e)
        else:
            assert math.isclose(a, e, rel_tol=1e-9, abs_tol=1e-9), (a, e)


# The properties -------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(roads_case())
def test_v3_matches_the_naive_reference(case: dict) -> None:
    expected = reference_v3(case)
    result = run_case(case)
    sites = expected["sites"]
    assert result.duration_hours == expected["D"]
    close(result.site_outage_hours().tolist(), [s["D"] if s["status"] else None for s in sites])
    assert result.status.tolist() == [s["status"] for s in sites]
    close(result.hours_unpowered_before.tolist(), [s["before"] for s in sites])
    close(result.hours_unpowered.tolist(), [s.get("after") for s in sites])
    assert result.generator_id.tolist() == [
        -1 if s.get("generator") is None else s["generator"] for s in sites
    ]
    close(result.arrival_hours.tolist(), [s.get("arrival") for s in sites])
    for service in SERVICES:
        close(result.minutes[service].tolist(), [c["minutes"][service] for c in expected["cells"]])
        close(
            result.baseline_minutes[service].tolist(),
            [c["baseline"][service] for c in expected["cells"]],
        )
    assert result.to_document()["roads"] == expected["roads"]
    assert result.timeline.hours.tolist() == expected["hours"]
    summaries = [*result.municipalities, result.no_municipality]
    lines = [*result.timeline.municipalities.values(), result.timeline.no_municipality]
    for summary, line, code in zip(summaries, lines, [*sorted(CODES), None], strict=True):
        wanted = dict(expected["areas"][code])
        series = wanted.pop("series")
        got = line.to_dict()
        for key, value in series.items():
            assert got[key] == value, key
        document = summary.to_dict()
        assert math.isclose(
            document.pop("resident_hours_unpowered"),
            wanted.pop("resident_hours_unpowered"),
            rel_tol=1e-12,
            abs_tol=1e-9,
        )
        for key, value in wanted.items():
            assert document[key] == value, key


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases_v2())
def test_one_duration_without_roads_is_version_2(case: dict) -> None:
    """roads=None, one duration, no home-care bases: the outage as areas of the scenario's
    duration gives the very document of the plain outage (whose v2 figures the v2
    references check), and no residents figure differs from the v2 rule."""
    case = dict(case, sites=[s for s in case["sites"] if s["kind"] != "home_care_base"])
    sites = SiteTable.from_records(case["sites"])
    c = case["cells"]
    cells = CellTable(
        id=np.asarray([r["id"] for r in c], dtype=np.int64),
        x=[r["x"] for r in c],
        y=[r["y"] for r in c],
        population=np.asarray([r["population"] for r in c], dtype=np.int64),
        municipality=[r["municipality"] for r in c],
    )
    parameters = Parameters.from_overrides(case["parameters"])
    plain = Scenario(
        outage=shapely.GeometryCollection(case["outage"]),
        duration_hours=case["duration"],
        snow_zones=case["zones"],
        parameters=parameters,
    )
    as_areas = Scenario(
        duration_hours=case["duration"],
        snow_zones=case["zones"],
        parameters=parameters,
        outage_areas=tuple(OutageArea(g, case["duration"]) for g in case["outage"]),
    )
    first = compute(sites, cells, CODES, plain)
    second = compute(sites, cells, CODES, as_areas)
    assert first.to_document() == second.to_document()
    document = first.to_document()
    assert document["roads"] is None
    assert document["county"]["home_care_clients_unpowered"] == 0
    # v2's residents rule: every care site's residents (null as 0).
    care = sites.category == "care"
    residents = np.nan_to_num(sites.residents, nan=0.0)
    assert document["county"]["residents_unpowered"] == int(
        residents[care & (first.hours_unpowered > 0)].sum()
    )
