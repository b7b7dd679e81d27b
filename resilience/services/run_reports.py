"""Read-side summaries for the scenario and run pages: the scenarios with their latest run, a
run's table per municipality (result document, coverage-model.md) and two runs compared."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from resilience.models import Run, Scenario

KIND_ORDER = {"builtin": 0, "live": 1, "user": 2}
SERVICES = ("food", "care", "shelter")
# The columns of a municipality row, flattened from the result document's nested counts.
METRICS = (
    "population",
    *SERVICES,
    *(f"baseline_{s}" for s in SERVICES),
    "care_sites_unpowered",
    "residents_unpowered",
    "resident_hours_unpowered",
    "generators_assigned",
)
# Compared between runs; for all of them but the generators fewer is better. Generators
# assigned is neither: more means more dispatch, but also more sites that needed it.
COMPARED: tuple[tuple[str, bool], ...] = (
    ("food", True),
    ("care", True),
    ("shelter", True),
    ("care_sites_unpowered", True),
    ("residents_unpowered", True),
    ("resident_hours_unpowered", True),
    ("generators_assigned", False),
)
_EPSILON = 1e-9  # float noise in county minus the sum of municipalities


def scenarios_with_latest_run(session: Session) -> list[tuple[Scenario, Run | None]]:
    """Every scenario, built-in first, then live, then the users' own (oldest first), each
    with its latest run or None."""
    scenarios = session.scalars(select(Scenario)).all()
    newest = select(func.max(Run.id)).group_by(Run.scenario_id)
    latest = session.scalars(select(Run).where(Run.id.in_(newest))).all()
    by_scenario = {run.scenario_id: run for run in latest}
    ordered = sorted(scenarios, key=lambda s: (KIND_ORDER.get(s.kind, 9), s.id))
    return [(s, by_scenario.get(s.id)) for s in ordered]


@dataclass(frozen=True)
class AreaRow:
    """One row of the municipality table. kind: municipality, outside (in no municipality)
    or county."""

    kind: str
    code: str | None
    name: str
    values: dict[str, float]


def _flat(area: dict[str, Any]) -> dict[str, float]:
    values = {
        "population": area["population"],
        "care_sites_unpowered": area["care_sites_unpowered"],
        "residents_unpowered": area["residents_unpowered"],
        "resident_hours_unpowered": area["resident_hours_unpowered"],
        "generators_assigned": area["generators_assigned"],
    }
    for service in SERVICES:
        values[service] = area["uncovered"][service]
        values[f"baseline_{service}"] = area["baseline_uncovered"][service]
    return values


def area_rows(summary: dict[str, Any]) -> list[AreaRow]:
    """A run's summary ({"municipalities": [...], "county": {...}}) as table rows: the
    municipalities by code, what lies in no municipality (only when there is some), and the
    county total, which equals the sum of the rows above it."""
    rows = [
        AreaRow("municipality", m["code"], m["name"], _flat(m))
        for m in sorted(summary["municipalities"], key=lambda m: m["code"])
    ]
    county = _flat(summary["county"])
    outside = {k: county[k] - sum(r.values[k] for r in rows) for k in METRICS}
    outside = {k: 0 if abs(v) < _EPSILON else v for k, v in outside.items()}
    if any(outside.values()):
        rows.append(AreaRow("outside", None, "", outside))
    rows.append(AreaRow("county", None, "", county))
    return rows


@dataclass(frozen=True)
class Difference:
    a: float | None
    b: float | None
    delta: float | None  # b − a
    verdict: str  # better | worse | same | "" (not comparable, or neither better nor worse)


@dataclass(frozen=True)
class ComparedRow:
    kind: str
    code: str | None
    name: str
    cells: dict[str, Difference]


def _difference(a: float | None, b: float | None, lower_is_better: bool) -> Difference:
    if a is None or b is None:
        return Difference(a, b, None, "")
    delta = b - a
    if abs(delta) < _EPSILON:
        return Difference(a, b, 0, "same")
    if not lower_is_better:
        return Difference(a, b, delta, "")
    return Difference(a, b, delta, "better" if delta < 0 else "worse")


def compare(summary_a: dict[str, Any], summary_b: dict[str, Any]) -> list[ComparedRow]:
    """Run B against run A per municipality (matched by code) and for the county: each
    compared metric's values, B − A, and whether B is better or worse."""
    rows_a = {(r.kind, r.code): r for r in area_rows(summary_a)}
    rows_b = {(r.kind, r.code): r for r in area_rows(summary_b)}
    rank = {"municipality": 0, "outside": 1, "county": 2}
    keys = sorted(set(rows_a) | set(rows_b), key=lambda k: (rank[k[0]], k[1] or ""))
    compared = []
    for key in keys:
        a, b = rows_a.get(key), rows_b.get(key)
        if key[0] == "outside":  # left out of a run's table because it was all zero
            zero = AreaRow("outside", None, "", dict.fromkeys(METRICS, 0))
            a, b = a or zero, b or zero
        name = (b or a).name  # type: ignore[union-attr]  # a key of one of them
        cells = {
            metric: _difference(
                a.values[metric] if a else None, b.values[metric] if b else None, lower
            )
            for metric, lower in COMPARED
        }
        compared.append(ComparedRow(key[0], key[1], name, cells))
    return compared
