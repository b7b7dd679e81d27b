"""Home-care clients apart from residents (README, "Scenarios and runs"). Model v3 computes
them: a run's stored summary and timeline carry home_care_clients_unpowered, and every
residents figure already leaves the clients out, so the stored v3 figures are the one
source. This module only gives the pages those figures in one shape. A run computed before
v3 keeps its stored figures as they were (the clients counted as residents of their base)
with home_care_clients_unpowered 0, and `counts_clients_apart` says so."""

from __future__ import annotations

from typing import Any

from resilience.models import Run

HOME_CARE_CLIENTS = "home_care_clients_unpowered"


def counts_clients_apart(run: Run) -> bool:
    """Whether the run's residents figures leave the home-care clients out (model v3)."""
    return (run.model_version or 0) >= 3


def shown_area(area: dict[str, Any]) -> dict[str, Any]:
    """A summary area (municipality or county) as the pages show it: as stored, with
    home_care_clients_unpowered (0 in a run before v3)."""
    return {HOME_CARE_CLIENTS: 0, **area}


def shown_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """A run's summary with every area as shown_area."""
    return {
        **summary,
        "municipalities": [shown_area(m) for m in summary.get("municipalities", [])],
        "county": shown_area(summary.get("county") or {}),
    }


def shown_timeline(timeline: dict[str, Any]) -> dict[str, Any]:
    """The timeline document as stored, its county's home_care_clients_unpowered series
    filled with zeros in a run before v3."""
    county = timeline.get("county")
    if not county:
        return timeline
    zeros = [0] * len(timeline.get("hours", []))
    return {**timeline, "county": {HOME_CARE_CLIENTS: zeros, **county}}
