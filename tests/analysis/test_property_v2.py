"""compute() against a naive reference of the v2 sections of coverage-model.md (Time, Heat,
Food stock), written straight from the text: power and heat evaluated instant by instant,
maximal unheated intervals found by sweeping the breakpoints, every cell against every
provider at every instant of the timeline.

Steps 1-2 come from the v1 reference of test_property.py (already checked against it).
Random small data sets as there, plus heat plants (on lattice points, so that distances tie),
heating, heat_plant references, time constants, food stocks and v2 parameters.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from tests.analysis.reference import (
    CODES,
    cases_v2,
    clients,
    figure_residents,
    ref_minutes,
    reference,
)
from tests.analysis.reference import run as run_case

TAU = {
    ("care", "hospital"): 96,
    ("care", "health_centre"): 48,
    ("care", "elderly_home"): 72,
    ("care", "group_home"): 48,
    ("care", "home_care_base"): 36,
    ("energy", "school"): 60,
    ("energy", "office"): 48,
    ("energy", "sports_hall"): 36,
    ("energy", "swimming_pool"): 96,
    ("energy", "hospital"): 96,
    ("energy", "care_home"): 72,
    ("energy", "other"): 48,
}
SERVICES = ("food", "care", "shelter")
FOOD_FLOATS = ("food_stock_days", "food_stock_days_baseline", "food_stock_deficit_person_days")


# Reference -----------------------------------------------------------------------------------


def powered(s: dict, t: float, generators: dict[int, dict]) -> bool:
    """Time (v2): powered at t when outside the outage, t < F, or in the generator's window."""
    if not s["inside"]:
        return True
    if t < s["F"]:
        return True
    if s.get("generator") is not None:
        g = generators[s["generator"]]
        G = math.inf if g["fuel_hours"] is None else g["fuel_hours"]
        start = max(s["arrival"], s["F"])
        if start <= t < start + G:
            return True
    return False


def plant_of(s: dict, sites: list[dict]) -> dict | None:
    if s["category"] not in ("care", "food", "energy") or s.get("heating") != "district_heating":
        return None
    plants = [p for p in sites if p["category"] == "utility"]
    if s.get("heat_plant") is not None:
        return next(p for p in plants if p["source_id"] == s["heat_plant"])
    if s["municipality"] is None:
        return None
    mine = [p for p in plants if p["municipality"] == s["municipality"]]
    if not mine:
        return None
    return min(
        mine,
        key=lambda p: (math.hypot(p["x"] - s["x"], p["y"] - s["y"]), p["source_id"], p["id"]),
    )


def heated(s: dict, t: float, generators: dict[int, dict]) -> bool:
    plant = s["plant"]
    return powered(s, t, generators) and (plant is None or powered(plant, t, generators))


def unheated_intervals(s: dict, D: float, generators: dict[int, dict]) -> list[tuple]:
    """Maximal unheated intervals in [0, D): the state is constant between breakpoints
    (every condition is t < c or c <= t), so test each piece at its start and merge."""
    points = {0.0, D}
    for site in (s, s["plant"]):
        if site is None:
            continue
        points.add(site["F"])
        if site.get("generator") is not None:
            g = generators[site["generator"]]
            start = max(site["arrival"], site["F"])
            points.add(start)
            points.add(start + (math.inf if g["fuel_hours"] is None else g["fuel_hours"]))
    cuts = sorted(p for p in points if 0 <= p <= D)
    intervals: list[list[float]] = []
    for a, b in itertools.pairwise(cuts):
        if a == b or heated(s, a, generators):
            continue
        if intervals and intervals[-1][1] == a:
            intervals[-1][1] = b
        else:
            intervals.append([a, b])
    return [tuple(i) for i in intervals]


def reference_v2(case: dict) -> dict:
    p = case["parameters"]
    D = case["duration"]
    ref = reference(case)  # steps 1-3 of v1 (shelter is redone below)
    sites = ref["sites"]
    cells = ref["cells"]
    generators = {s["id"]: s for s in sites if s["category"] == "power"}
    by_id = {s["id"]: s for s in sites}
    for s in sites:
        s["inside"] = any(poly.covers(_point(s)) for poly in case["outage"])
        s.setdefault("F", 0.0)
    for s in sites:
        plant = plant_of(s, sites)
        s["plant"] = None if plant is None else by_id[plant["id"]]

    t_out, t_0, t_c = p["outdoor_c"], p["indoor_c"], p["cold_threshold_c"]
    ratio = math.log((t_0 - t_out) / (t_c - t_out))
    for s in sites:
        s["intervals"] = []
        s["hours_cold"] = s["first_cold"] = s["min_indoor"] = None
        if s["category"] not in ("care", "energy"):
            continue
        tau = s["thermal_time_constant_hours"] or TAU[(s["category"], s["kind"])]
        tstar = tau * ratio
        intervals = unheated_intervals(s, D, generators)
        s["intervals"], s["tstar"] = intervals, tstar
        s["hours_cold"] = sum(max(0.0, (b - a) - tstar) for a, b in intervals)
        onsets = [a + tstar for a, b in intervals if b - a > tstar]
        s["first_cold"] = min(onsets) if onsets else None
        if intervals:
            L = max(b - a for a, b in intervals)
            s["min_indoor"] = t_out + (t_0 - t_out) * math.exp(-L / tau)
        else:
            s["min_indoor"] = t_0

    def cold(s: dict, t: float) -> bool:
        return any(a + s["tstar"] < t < b for a, b in s["intervals"])

    def provides(s: dict, service: str) -> bool:
        if service == "food":
            return s["category"] == "food"
        if service == "care":
            return s["category"] == "care" and s["kind"] in ("hospital", "health_centre")
        return s["category"] == "energy" and (s["shelter_capacity"] or 0) > 0

    def fastest(c: dict, service: str, available: Any) -> float:
        return min(
            (ref_minutes(c, s, p) for s in sites if provides(s, service) and available(s)),
            default=math.inf,
        )

    # Step 3, shelter: operational and heated throughout.
    for c in cells:
        if c["population"] > 0:
            c["minutes"]["shelter"] = fastest(
                c, "shelter", lambda s: s["after"] == 0 and not s["intervals"]
            )

    step = p["timeline_step_hours"]
    hours = []
    k = 0
    while k * step < D:
        hours.append(k * step)
        k += 1

    areas: dict[str | None, dict] = {}
    population = {code: 0 for code in [*sorted(CODES), None]}
    for c in cells:
        population[c["municipality"]] += c["population"]
    for code in [*sorted(CODES), None]:
        mine = [c for c in cells if c["municipality"] == code and c["population"] > 0]
        care = [s for s in sites if s["category"] == "care" and s["municipality"] == code]
        food = [s for s in sites if s["category"] == "food" and s["municipality"] == code]
        shelters = [
            s
            for s in sites
            if s["municipality"] == code
            and s["category"] == "energy"
            and (s["shelter_capacity"] or 0) > 0
        ]
        series: dict[str, Any] = {
            "care_sites_unpowered": [],
            "residents_unpowered": [],
            "care_sites_cold": [],
            "residents_cold": [],
            "home_care_clients_unpowered": [],
            "uncovered": {service: [] for service in SERVICES},
            "unreachable": {service: [] for service in SERVICES},
        }
        for t in hours:
            off = [s for s in care if not powered(s, t, generators)]
            chilled = [s for s in care if cold(s, t)]
            series["care_sites_unpowered"].append(len(off))
            series["residents_unpowered"].append(sum(figure_residents(s) for s in off))
            series["care_sites_cold"].append(len(chilled))
            series["residents_cold"].append(sum(figure_residents(s) for s in chilled))
            series["home_care_clients_unpowered"].append(sum(clients(s) for s in off))
            for service in SERVICES:

                def now(s: dict, service: str = service, t: float = t) -> bool:
                    if service == "shelter":
                        return heated(s, t, generators)
                    return powered(s, t, generators)

                limit = p[f"{service}_minutes"]
                series["uncovered"][service].append(
                    sum(c["population"] for c in mine if not fastest(c, service, now) <= limit)
                )
                series["unreachable"][service].append(
                    sum(c["population"] for c in mine if math.isinf(fastest(c, service, now)))
                )
        cold_care = [s for s in care if s["hours_cold"] > 0]
        areas[code] = {
            "care_sites_cold": len(cold_care),
            "residents_cold": sum(figure_residents(s) for s in cold_care),
            "resident_hours_cold": sum(figure_residents(s) * s["hours_cold"] for s in care),
            "shelters_cold": sum(1 for s in shelters if s["hours_cold"] > 0),
            **food_figures(food, population[code], p["food_stock_target_days"]),
            "series": series,
        }
    every_food = [s for s in sites if s["category"] == "food"]
    county_food = food_figures(every_food, sum(population.values()), p["food_stock_target_days"])
    return {"sites": sites, "cells": cells, "areas": areas, "hours": hours, "county": county_food}


def food_figures(food: list[dict], P: int, target: float) -> dict:
    stock = sum(s["stock_person_days"] or 0 for s in food)
    working = sum(s["stock_person_days"] or 0 for s in food if s["after"] == 0)
    return {
        "food_stock_days": working / P if P > 0 else None,
        "food_stock_days_baseline": stock / P if P > 0 else None,
        "food_stock_deficit_person_days": max(0.0, target * P - working),
        "food_sites_stock_unknown": sum(1 for s in food if s["stock_person_days"] is None),
    }


def _point(s: dict) -> Any:
    from shapely.geometry import Point

    return Point(s["x"], s["y"])


# Checks -------------------------------------------------------------------------------------


def close(actual: list[float | None], expected: list[float | None]) -> None:
    a = np.asarray([np.nan if v is None else v for v in actual], dtype=np.float64)
    e = np.asarray([np.nan if v is None else v for v in expected], dtype=np.float64)
    np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12, equal_nan=True)


# The property ---------------------------------------------------------------------------------


@pytest.mark.slow
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases_v2())
def test_v2_matches_the_instant_by_instant_reference(case: dict) -> None:
    expected = reference_v2(case)
    result = run_case(case)
    sites = expected["sites"]

    plant_source = [None if s["plant"] is None else s["plant"]["source_id"] for s in sites]
    assert result.heat_plant_source_id.tolist() == plant_source
    close(result.hours_cold.tolist(), [s["hours_cold"] for s in sites])
    close(result.first_cold_hour.tolist(), [s["first_cold"] for s in sites])
    close(result.min_indoor_c.tolist(), [s["min_indoor"] for s in sites])

    close(result.minutes["shelter"].tolist(), [c["minutes"]["shelter"] for c in expected["cells"]])

    assert result.timeline.hours.tolist() == expected["hours"]
    summaries = [*result.municipalities, result.no_municipality]
    series = [*result.timeline.municipalities.values(), result.timeline.no_municipality]
    for summary, line, code in zip(summaries, series, [*sorted(CODES), None], strict=True):
        wanted = dict(expected["areas"][code])
        assert line.to_dict() == wanted.pop("series")
        actual = summary.v2_dict()
        assert math.isclose(
            actual.pop("resident_hours_cold"),
            wanted.pop("resident_hours_cold"),
            rel_tol=1e-12,
            abs_tol=1e-9,
        )
        for key in (
            "food_stock_days",
            "food_stock_days_baseline",
            "food_stock_deficit_person_days",
        ):
            close([actual.pop(key)], [wanted.pop(key)])
        assert actual == wanted

    # County: the sum of the parts for counts and series; its own food figures.
    county = result.county.to_dict()
    parts = [s.v2_dict() for s in summaries]
    for key in ("care_sites_cold", "residents_cold", "shelters_cold"):
        assert county[key] == sum(part[key] for part in parts)
    assert county["resident_hours_cold"] == math.fsum(p["resident_hours_cold"] for p in parts)
    for key, value in expected["county"].items():
        close([county[key]], [value])
    total = result.timeline.county.to_dict()
    lines = [line.to_dict() for line in series]
    for key in ("care_sites_unpowered", "residents_unpowered", "care_sites_cold", "residents_cold"):
        assert total[key] == [sum(v) for v in zip(*(line[key] for line in lines), strict=True)]
    for service in SERVICES:
        assert total["uncovered"][service] == [
            sum(v) for v in zip(*(line["uncovered"][service] for line in lines), strict=True)
        ]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases_v2())
def test_v2_input_order_does_not_matter(case: dict) -> None:
    reversed_case = {**case, "sites": case["sites"][::-1], "cells": case["cells"][::-1]}
    assert run_case(reversed_case).to_document() == run_case(case).to_document()
