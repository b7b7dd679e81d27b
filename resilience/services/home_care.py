"""Home-care clients apart from residents (README, "Scenarios and runs"): a run's home-care
bases per municipality and for the county, and the run's summary and timeline with them
split out. Read by the run pages, the situation report and the live banner."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from resilience.vocabulary import HOME_CARE_BASE

_HOME_CARE_SQL = text(
    "SELECT r.municipality_code, coalesce(s.residents, 0) AS clients, r.hours_unpowered,"
    " coalesce(r.hours_cold, 0) AS hours_cold, r.unpowered_intervals, r.cold_intervals"
    " FROM run_sites r JOIN sites s ON s.id = r.site_id"
    " WHERE r.run_id = :run AND s.category = 'care' AND s.kind = :kind"
    " ORDER BY r.municipality_code NULLS LAST, s.id"
)


@dataclass(frozen=True)
class HomeCare:
    """A run's home-care bases of one area, from its stored per-site rows: the clients of
    those without power after the generators, clients × hours without power, and the same
    for bases cold at some hour."""

    bases_unpowered: int = 0
    clients_unpowered: int = 0
    client_hours_unpowered: float = 0.0
    clients_cold: int = 0
    client_hours_cold: float = 0.0


@dataclass(frozen=True)
class HomeCareSplit:
    """Home care per municipality code (None: in no municipality) and for the county, and
    the county's clients without power and cold at each instant of a timeline."""

    areas: dict[str | None, HomeCare]
    county: HomeCare
    sites: list[tuple[int, list[float], list[float]]]  # residents, unpowered, cold intervals

    def of(self, code: str | None) -> HomeCare:
        return self.areas.get(code, HomeCare())

    def at(self, hours: list[float]) -> dict[str, list[int]]:
        """Clients of bases without power ([a, b)) and cold ((a, b)) at each instant."""

        def inside(intervals: list[float], t: float, open_start: bool) -> bool:
            pairs = zip(intervals[::2], intervals[1::2], strict=True)
            return any((a < t if open_start else a <= t) and t < b for a, b in pairs)

        return {
            "unpowered": [
                sum(n for n, dark, _cold in self.sites if inside(dark, t, False)) for t in hours
            ],
            "cold": [
                sum(n for n, _dark, cold in self.sites if inside(cold, t, True)) for t in hours
            ],
        }


def home_care_split(session: Session, run_id: int) -> HomeCareSplit:
    """The home-care bases of a run apart (their residents are clients at home)."""
    rows = session.execute(_HOME_CARE_SQL, {"run": run_id, "kind": HOME_CARE_BASE}).all()

    def total(chosen: Sequence[Any]) -> HomeCare:
        dark = [r for r in chosen if r.hours_unpowered > 0]
        cold = [r for r in chosen if r.hours_cold > 0]
        return HomeCare(
            len(dark),
            sum(r.clients for r in dark),
            math.fsum(r.clients * r.hours_unpowered for r in chosen),
            sum(r.clients for r in cold),
            math.fsum(r.clients * r.hours_cold for r in chosen),
        )

    codes = {r.municipality_code for r in rows}
    areas = {code: total([r for r in rows if r.municipality_code == code]) for code in codes}
    sites = [
        (int(r.clients), list(r.unpowered_intervals or []), list(r.cold_intervals or []))
        for r in rows
    ]
    return HomeCareSplit(areas, total(rows), sites)


def split_area(area: dict[str, Any], home_care: HomeCare) -> dict[str, Any]:
    """A summary area (municipality or county) as the pages show it: residents without
    power or cold, and their resident-hours, without the home-care clients, who get their
    own figure (home_care_clients_unpowered)."""
    shown = dict(area)
    shown["residents_unpowered"] = area["residents_unpowered"] - home_care.clients_unpowered
    shown["resident_hours_unpowered"] = max(
        0.0, area["resident_hours_unpowered"] - home_care.client_hours_unpowered
    )
    if area.get("residents_cold") is not None:
        shown["residents_cold"] = area["residents_cold"] - home_care.clients_cold
    if area.get("resident_hours_cold") is not None:
        shown["resident_hours_cold"] = max(
            0.0, area["resident_hours_cold"] - home_care.client_hours_cold
        )
    shown["home_care_clients_unpowered"] = home_care.clients_unpowered
    shown["home_care_bases_unpowered"] = home_care.bases_unpowered
    return shown


def split_summary(summary: dict[str, Any], split: HomeCareSplit) -> dict[str, Any]:
    """A run's summary with every area split (split_area)."""
    return {
        **summary,
        "municipalities": [
            split_area(m, split.of(m["code"])) for m in summary.get("municipalities", [])
        ],
        "county": split_area(summary["county"], split.county),
    }


def split_timeline(timeline: dict[str, Any], split: HomeCareSplit) -> dict[str, Any]:
    """The county's timeline with residents_unpowered and residents_cold without the
    home-care clients, who get their own series (home_care_clients_unpowered)."""
    county = timeline.get("county")
    if not county:
        return timeline
    clients = split.at(timeline["hours"])
    shown = dict(county)
    shown["residents_unpowered"] = [
        n - c for n, c in zip(county["residents_unpowered"], clients["unpowered"], strict=True)
    ]
    shown["residents_cold"] = [
        n - c for n, c in zip(county["residents_cold"], clients["cold"], strict=True)
    ]
    shown["home_care_clients_unpowered"] = clients["unpowered"]
    return {**timeline, "county": shown}
