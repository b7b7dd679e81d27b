"""compute() against a deliberately naive reference written straight from coverage-model.md:
plain Python loops over sites, generators and cells, one Shapely predicate per point.

Random small data sets: coordinates often on a 1 km lattice so that points fall on polygon
edges and distances tie; random nulls; random parameters, outages and snow zones.
"""

from __future__ import annotations

import math
from unittest import mock

from hypothesis import HealthCheck, given, settings

from resilience.analysis import coverage
from tests.analysis.reference import (
    CODES,
    cases,
    close,
    reference,
    run,
)

# Reference -----------------------------------------------------------------------------------


# Data ---------------------------------------------------------------------------------------


# The property ---------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_compute_matches_the_naive_reference(case: dict) -> None:
    check_against_reference(case)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_small_dispatch_blocks_and_threaded_search_change_nothing(case: dict) -> None:
    """The paths that only big inputs take: several dispatch blocks (generators taken in one
    block are gone in the next) and the multi-threaded k-d tree search."""
    with (
        mock.patch.object(coverage, "_DISPATCH_BLOCK", 2),
        mock.patch.object(coverage, "_PARALLEL_QUERIES", 0),
    ):
        check_against_reference(case)


def check_against_reference(case: dict) -> None:
    expected = reference(case)
    result = run(case)
    sites = expected["sites"]

    assert result.status.tolist() == [s["status"] for s in sites]
    close(result.hours_unpowered_before.tolist(), [s["before"] for s in sites])
    close(result.hours_unpowered.tolist(), [s.get("after") for s in sites])
    assert result.generator_id.tolist() == [
        -1 if s.get("generator") is None else s["generator"] for s in sites
    ]
    close(result.arrival_hours.tolist(), [s.get("arrival") for s in sites])

    cells = expected["cells"]
    params = case["parameters"]
    for service in ("food", "care", "shelter"):
        close(result.minutes[service].tolist(), [c["minutes"][service] for c in cells])
        close(result.baseline_minutes[service].tolist(), [c["baseline"][service] for c in cells])
        limit = params[f"{service}_minutes"]
        assert result.covered[service].tolist() == [c["minutes"][service] <= limit for c in cells]
        assert result.new_gaps()[service].tolist() == [
            c["population"] > 0
            and not c["minutes"][service] <= limit
            and c["baseline"][service] <= limit
            for c in cells
        ]

    summaries = [*result.municipalities, result.no_municipality]
    for summary, code in zip(summaries, [*sorted(CODES), None], strict=True):
        actual = summary.v1_dict()
        wanted = dict(expected["areas"][code])
        assert summary.v3_dict() == {
            key: wanted.pop(key)
            for key in ("home_care_clients_unpowered", "unreachable", "baseline_unreachable")
        }
        assert math.isclose(
            actual.pop("resident_hours_unpowered"),
            wanted.pop("resident_hours_unpowered"),
            rel_tol=1e-12,
            abs_tol=1e-9,
        )
        assert actual == wanted

    # The sum rule: county = municipalities + no municipality, exactly for the counts.
    county = result.county.to_dict()
    parts = [s.to_dict() for s in summaries]
    for key in ("population", "care_sites_unpowered", "residents_unpowered"):
        assert county[key] == sum(part[key] for part in parts)
    for key in ("uncovered", "baseline_uncovered"):
        for service in ("food", "care", "shelter"):
            assert county[key][service] == sum(part[key][service] for part in parts)
    assert county["resident_hours_unpowered"] == math.fsum(
        part["resident_hours_unpowered"] for part in parts
    )
    assert county["generators_assigned"] == sum(part["generators_assigned"] for part in parts)
    assert county["generators_free"] == expected["free"]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_input_order_does_not_matter(case: dict) -> None:
    """Reversing the site and cell order changes nothing in the result document."""
    reversed_case = {**case, "sites": case["sites"][::-1], "cells": case["cells"][::-1]}
    assert run(reversed_case).to_document() == run(case).to_document()
