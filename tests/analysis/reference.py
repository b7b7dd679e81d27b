"""The naive reference of compute(), written straight from coverage-model.md (plain Python
loops over sites, generators and cells, one Shapely predicate per point), and the Hypothesis
strategies of random small data sets: shared by test_property.py, test_property_v2.py and
test_property_v3.py."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from hypothesis import strategies as st
from shapely.geometry import Point

from resilience.analysis import CellTable, Parameters, Scenario, SiteTable, compute

CODES = {"2401": "Åbacka", "2403": "Östervik"}


SEVERITY = {"yellow": 1, "orange": 2, "red": 3}


DEFAULT_PRIORITY = {
    "hospital": 1,
    "elderly_home": 2,
    "group_home": 2,
    "health_centre": 3,
    "home_care_base": 4,
}


SERVICE_KINDS = {
    "care": [("care", k) for k in ("hospital", "health_centre", "elderly_home", "group_home")],
    "food": [("food", k) for k in ("supermarket", "grocery")],
    "energy": [("energy", k) for k in ("school", "sports_hall")],
    "power": [("power", k) for k in ("mobile_generator", "mobile_generator", "fixed_generator")],
}


def figure_residents(s: dict) -> float:
    """v3: residents in every residents figure; a home-care base's are clients (0 here)."""
    return 0 if s["kind"] == "home_care_base" else s["residents"] or 0


def clients(s: dict) -> float:
    """v3: the clients of a home-care base (its residents), 0 for other sites."""
    return s["residents"] or 0 if s["kind"] == "home_care_base" else 0


def ref_factor(x: float, y: float, zones: list[tuple[str, Any]], factors: dict) -> float:
    """The speed factor of the most severe zone containing the point (boundary inside)."""
    best = None
    for level, geometry in zones:
        if geometry.covers(Point(x, y)) and (best is None or SEVERITY[level] > SEVERITY[best]):
            best = level
    return 1.0 if best is None else factors[best]


def ref_minutes(a: dict, b: dict, p: dict) -> float:
    """minutes(a, b) = d · circuity / (speed_kmh · f · 1000 / 60), f the lower factor."""
    dx = a["x"] - b["x"]
    dy = a["y"] - b["y"]
    d = math.sqrt(dx * dx + dy * dy)
    f = min(a["f"], b["f"])
    return d * p["circuity"] / (p["speed_kmh"] * f * 1000 / 60)


def reference(case: dict) -> dict:
    p = case["parameters"]
    D = case["duration"]
    outage = case["outage"]
    zones = case["zones"]
    sites = [dict(s) for s in case["sites"]]
    cells = [dict(c) for c in case["cells"]]
    for s in sites:
        s["f"] = ref_factor(s["x"], s["y"], zones, p["speed_factors"])

    # Step 1.
    for s in sites:
        if s["category"] == "power":
            s["status"] = None
            s["before"] = None
            continue
        inside = any(poly.covers(Point(s["x"], s["y"])) for poly in outage)
        backup = (s["backup_kw"] or 0) > 0 and (s["fuel_hours"] or 0) > 0
        load = s["critical_load_kw"]
        if backup and (load is None or s["backup_kw"] >= load):
            s["F"] = s["fuel_hours"]
        else:
            s["F"] = 0.0
        if not inside:
            s["before"] = 0.0
            s["status"] = "grid"
        else:
            h = max(0.0, D - s["F"])
            s["before"] = h
            s["status"] = "backup" if h == 0 else ("partial" if h < D else "none")
        s["after"] = s["before"]
        s["generator"] = None
        s["arrival"] = None

    # Step 2.
    generators = [s for s in sites if s["category"] == "power" and s["kind"] == "mobile_generator"]
    taken: set[int] = set()

    def priority(s: dict) -> float:
        return s["priority"] if s["priority"] is not None else DEFAULT_PRIORITY[s["kind"]]

    candidates = [s for s in sites if s["category"] == "care" and s["before"] > 0]
    candidates.sort(key=lambda s: (priority(s), -(s["residents"] or 0), s["source_id"], s["id"]))
    for s in candidates:
        best = None
        for g in generators:
            if g["id"] in taken:
                continue
            if (
                s["critical_load_kw"] is not None
                and (g["capacity_kw"] or 0) < s["critical_load_kw"]
            ):
                continue
            A = (g["mobilization_hours"] or 0) + ref_minutes(g, s, p) / 60
            key = (A, g["source_id"], g["id"])
            if best is None or key < best[0]:
                best = (key, g)
        if best is None:
            continue
        (arrival, _, _), g = best
        if arrival <= p["mobile_max_hours"] and arrival < D:
            taken.add(g["id"])
            F = s["F"]
            G = math.inf if g["fuel_hours"] is None else g["fuel_hours"]
            A = arrival
            s["after"] = max(0, min(D, A) - F) + max(0, D - max(A, F) - G)
            s["generator"] = g["id"]
            s["arrival"] = A

    # Step 3.
    def provides(s: dict, service: str) -> bool:
        if service == "food":
            return s["category"] == "food"
        if service == "care":
            return s["category"] == "care" and s["kind"] in ("hospital", "health_centre")
        return s["category"] == "energy" and (s["shelter_capacity"] or 0) > 0

    for c in cells:
        c["f"] = ref_factor(c["x"], c["y"], zones, p["speed_factors"])
        c["minutes"] = {}
        c["baseline"] = {}
        for service in ("food", "care", "shelter"):
            if c["population"] <= 0:
                c["minutes"][service] = math.nan
                c["baseline"][service] = math.nan
                continue
            best = math.inf
            base = math.inf
            for s in sites:
                if not provides(s, service):
                    continue
                base = min(base, ref_minutes({**c, "f": 1.0}, {**s, "f": 1.0}, p))
                if s["after"] == 0:
                    best = min(best, ref_minutes(c, s, p))
            c["minutes"][service] = best
            c["baseline"][service] = base

    # Summaries: municipalities, then None.
    areas: dict[str | None, dict] = {}
    for code in [*sorted(CODES), None]:
        mine = [c for c in cells if c["municipality"] == code]
        care = [s for s in sites if s["category"] == "care" and s["municipality"] == code]
        unpowered = [s for s in care if s["after"] > 0]

        def uncovered(key: str, mine: list[dict] = mine) -> dict[str, int]:
            return {
                service: sum(
                    c["population"]
                    for c in mine
                    if c["population"] > 0 and not c[key][service] <= p[f"{service}_minutes"]
                )
                for service in ("food", "care", "shelter")
            }

        def unreachable(key: str, mine: list[dict] = mine) -> dict[str, int]:
            return {
                service: sum(
                    c["population"]
                    for c in mine
                    if c["population"] > 0 and math.isinf(c[key][service])
                )
                for service in ("food", "care", "shelter")
            }

        areas[code] = {
            "population": sum(c["population"] for c in mine),
            "uncovered": uncovered("minutes"),
            "baseline_uncovered": uncovered("baseline"),
            "care_sites_unpowered": len(unpowered),
            "residents_unpowered": sum(figure_residents(s) for s in unpowered),
            "resident_hours_unpowered": sum(figure_residents(s) * s["after"] for s in care),
            "generators_assigned": sum(1 for s in care if s["generator"] is not None),
            # v3
            "home_care_clients_unpowered": sum(clients(s) for s in unpowered),
            "unreachable": unreachable("minutes"),
            "baseline_unreachable": unreachable("baseline"),
        }
    return {"sites": sites, "cells": cells, "areas": areas, "free": len(generators) - len(taken)}


# Data ---------------------------------------------------------------------------------------

lattice = st.integers(0, 20).map(lambda k: k * 1000.0)


coordinate = st.one_of(lattice, lattice, st.floats(0, 20_000, allow_nan=False))


@st.composite
def boxes(draw: st.DrawFn) -> shapely.Polygon:
    x0, x1 = sorted(draw(st.lists(st.integers(0, 20), min_size=2, max_size=2, unique=True)))
    y0, y1 = sorted(draw(st.lists(st.integers(0, 20), min_size=2, max_size=2, unique=True)))
    return shapely.box(x0 * 1000.0, y0 * 1000.0, x1 * 1000.0, y1 * 1000.0)


def maybe(values: list[float]) -> st.SearchStrategy[float | None]:
    return st.one_of(st.none(), st.sampled_from(values))


@st.composite
def site_records(draw: st.DrawFn, group: str) -> dict:
    category, kind = draw(st.sampled_from(SERVICE_KINDS[group]))
    return {
        "source_id": draw(st.sampled_from(["a", "b", "s-9", "s-10", "gen-9", "gen-10"])),
        "category": category,
        "kind": kind,
        "x": draw(coordinate),
        "y": draw(coordinate),
        "municipality": draw(st.sampled_from([None, "2401", "2403"])),
        "residents": draw(maybe([0, 1, 5, 20])),
        "critical_load_kw": draw(maybe([0, 10, 50, 100])),
        "backup_kw": draw(maybe([0, 10, 50, 100])),
        "fuel_hours": draw(maybe([0, 1, 2.5, 6, 12, 24, 48])),
        "priority": draw(maybe([1, 2, 3, 5])),
        "capacity_kw": draw(maybe([0, 10, 50, 100])),
        "mobilization_hours": draw(maybe([0, 0.25, 0.5, 1, 11.75])),
        "shelter_capacity": draw(maybe([0, 10])),
    }


@st.composite
def cases(draw: st.DrawFn) -> dict:
    groups = ["care"] * 3 + ["food", "energy", "power", "power"]
    records = draw(st.lists(st.sampled_from(groups).flatmap(site_records), max_size=12))
    for index, record in enumerate(records):
        record["id"] = index + 1
    cells = [
        {
            "id": index + 1,
            "x": draw(coordinate),
            "y": draw(coordinate),
            "population": draw(st.sampled_from([0, 1, 3, 10])),
            "municipality": draw(st.sampled_from([None, "2401", "2403"])),
        }
        for index in range(draw(st.integers(0, 8)))
    ]
    factor = st.sampled_from([0.1, 0.25, 0.3, 0.5, 0.7, 1.0, 1.2])
    parameters = {
        "speed_kmh": draw(st.sampled_from([30, 60, 70])),
        "circuity": draw(st.sampled_from([1.0, 1.3])),
        "speed_factors": {"yellow": draw(factor), "orange": draw(factor), "red": draw(factor)},
        "food_minutes": draw(st.sampled_from([0, 5, 10, 20, 30])),
        "care_minutes": draw(st.sampled_from([0, 10, 30, 60])),
        "shelter_minutes": draw(st.sampled_from([0, 5, 10, 30])),
        "mobile_max_hours": draw(st.sampled_from([0, 0.5, 1, 12])),
    }
    return {
        "sites": records,
        "cells": cells,
        "outage": draw(st.lists(boxes(), max_size=2)),
        "zones": draw(st.lists(st.tuples(st.sampled_from(list(SEVERITY)), boxes()), max_size=3)),
        "duration": draw(st.one_of(st.sampled_from([0.5, 1, 6, 24]), st.floats(0.1, 72))),
        "parameters": parameters,
    }


@st.composite
def cases_v2(draw: st.DrawFn) -> dict:
    """A case of cases() plus v2's inputs: heat plants (on lattice points, so that distances
    tie), heating and heat_plant references, time constants, food stocks, backed-up
    providers and v2 parameters (test_property_v2.py and test_property_v3.py)."""
    case = draw(cases())
    plants = [
        {
            "source_id": f"dh-{index}",
            "category": "utility",
            "kind": "district_heating_plant",
            "x": draw(lattice),
            "y": draw(lattice),
            "municipality": draw(st.sampled_from([None, "2401", "2403"])),
            "critical_load_kw": draw(maybe([0, 10, 50])),
            "backup_kw": draw(maybe([0, 10, 50])),
            "fuel_hours": draw(maybe([0, 1, 2.5, 6, 24])),
        }
        for index in draw(st.lists(st.sampled_from([1, 2, 3, 10]), max_size=3, unique=True))
    ]
    names = [plant["source_id"] for plant in plants]
    for record in case["sites"]:
        if record["category"] in ("care", "food", "energy"):
            record["heating"] = draw(
                st.sampled_from([None, "district_heating", "district_heating", "heat_pump"])
            )
            if names:
                record["heat_plant"] = draw(st.one_of(st.none(), st.sampled_from(names)))
        if record["category"] in ("care", "energy"):
            record["thermal_time_constant_hours"] = draw(maybe([0.25, 1, 2.5, 10]))
        if record["category"] == "food":
            record["stock_person_days"] = draw(maybe([0, 2.5, 10, 40]))
    # Providers that run on their backup for part of the outage, so that coverage changes.
    backed = [
        {
            "source_id": f"b-{index}",
            "category": category,
            "kind": kind,
            "x": draw(lattice),
            "y": draw(lattice),
            "municipality": draw(st.sampled_from([None, "2401", "2403"])),
            "critical_load_kw": None,
            "backup_kw": 10,
            "fuel_hours": draw(st.sampled_from([0.5, 1, 2.5, 6])),
            "shelter_capacity": 10 if category == "energy" else None,
            "heating": draw(st.sampled_from([None, "district_heating"])),
            "heat_plant": None,
        }
        for index, (category, kind) in enumerate(
            draw(
                st.lists(
                    st.sampled_from(
                        [("food", "grocery"), ("care", "hospital"), ("energy", "school")]
                    ),
                    max_size=3,
                )
            )
        )
    ]
    records = case["sites"] + plants + backed
    for index, record in enumerate(records):
        record["id"] = index + 1
        for key in ("heating", "heat_plant", "thermal_time_constant_hours", "stock_person_days"):
            record.setdefault(key, None)
        for key in ("residents", "priority", "capacity_kw", "mobilization_hours"):
            record.setdefault(key, None)
        record.setdefault("shelter_capacity", None)
    case["sites"] = draw(st.permutations(records))
    if draw(st.booleans()):
        # Everything in the outage: providers with some backup cover cells for a while, so
        # the timeline's coverage changes from instant to instant.
        case["outage"] = [shapely.box(-1.0, -1.0, 20_001.0, 20_001.0)]
    temperatures = draw(st.sampled_from([(-10, 21, 18), (-20, 20, 15), (0, 10, 9.5)]))
    case["parameters"] |= {
        "timeline_step_hours": draw(st.sampled_from([0.25, 0.5, 0.7, 1, 3])),
        "outdoor_c": temperatures[0],
        "indoor_c": temperatures[1],
        "cold_threshold_c": temperatures[2],
        "food_stock_target_days": draw(st.sampled_from([0, 7, 2.5])),
    }
    return case


def run(case: dict):  # type: ignore[no-untyped-def]
    sites = SiteTable.from_records(case["sites"])
    c = case["cells"]
    cells = CellTable(
        id=np.asarray([r["id"] for r in c], dtype=np.int64),
        x=[r["x"] for r in c],
        y=[r["y"] for r in c],
        population=np.asarray([r["population"] for r in c], dtype=np.int64),
        municipality=[r["municipality"] for r in c],
    )
    scenario = Scenario(
        outage=shapely.GeometryCollection(case["outage"]),
        duration_hours=case["duration"],
        snow_zones=case["zones"],
        parameters=Parameters.from_overrides(case["parameters"]),
    )
    return compute(sites, cells, CODES, scenario)


def close(actual: list[float | None], expected: list[float | None]) -> None:
    a = np.asarray([np.nan if v is None else v for v in actual], dtype=np.float64)
    e = np.asarray([np.nan if v is None else v for v in expected], dtype=np.float64)
    np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12, equal_nan=True)
