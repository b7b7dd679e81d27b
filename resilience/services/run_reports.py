"""Read-side summaries for the scenario and run pages: the scenarios with their latest run, a
run's table per municipality (result document, coverage-model.md) and two runs compared."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from resilience.analysis.causes import Cause, FreeGenerator, SiteFacts, site_causes
from resilience.analysis.model import SERVICES
from resilience.analysis.roads import road_state
from resilience.models import Run, Scenario
from resilience.services.run_inputs import run_inputs
from resilience.services.scenarios import spec_of
from resilience.vocabulary import HOME_CARE_BASE, RESIDENTIAL_CARE

KIND_ORDER = {"builtin": 0, "live": 1, "user": 2}
# The columns of a municipality row, flattened from the result document's nested counts.
METRICS = (
    "population",
    *SERVICES,
    *(f"baseline_{s}" for s in SERVICES),
    "care_sites_unpowered",
    "residents_unpowered",
    "home_care_clients_unpowered",
    "resident_hours_unpowered",
    "care_sites_cold",
    "residents_cold",
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
    ("home_care_clients_unpowered", True),
    ("resident_hours_unpowered", True),
    ("care_sites_cold", True),
    ("residents_cold", True),
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
        # Model v3's figure; 0 in a run computed before v3.
        "home_care_clients_unpowered": area.get("home_care_clients_unpowered", 0),
        "resident_hours_unpowered": area["resident_hours_unpowered"],
        # Model v2's heat figures (issue 20, item 6: a heat-only event shows them in every
        # table); 0 in a run computed before v2.
        "care_sites_cold": area.get("care_sites_cold", 0),
        "residents_cold": area.get("residents_cold", 0),
        "generators_assigned": area["generators_assigned"],
    }
    for service in SERVICES:
        values[service] = area["uncovered"][service]
        values[f"baseline_{service}"] = area["baseline_uncovered"][service]
    return values


def area_rows(summary: dict[str, Any]) -> list[AreaRow]:
    """A run's summary ({"municipalities": [...], "county": {...}}; the pages pass it
    as stored: model v3's residents apart from home-care clients) as table rows: the
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


# --- v2: care sites in time, food stock, the situation report (lägesbild) ----------------


# Worst first (README, "Scenarios and runs"): the earliest to go cold, then the longest
# without power after the generators, then the longest before them, then the most
# residents, then the name. Cold is what harms residents first; without v2 inputs no site
# goes cold and the hours without power decide.
_SITES_SQL = (
    "SELECT s.id, s.name, s.category, s.kind, s.source_id, r.municipality_code,"
    " m.name AS municipality,"
    " s.residents, r.status, r.outage_hours, r.hours_unpowered_before, r.hours_unpowered,"
    " g.name AS generator_name, gm.name AS generator_municipality,"
    " ST_Distance(g.geom, s.geom) / 1000.0 AS generator_distance_km,"
    " r.arrival_hours, r.first_cold_hour, r.hours_cold,"
    " r.min_indoor_c, r.heat_plant_id, h.name AS heat_plant_name, r.unpowered_intervals,"
    " ST_X(s.geom) AS x, ST_Y(s.geom) AS y,"
    " s.critical_load_kw, s.backup_kw, s.fuel_hours,"
    " hp.unpowered_intervals AS heat_plant_unpowered_intervals,"
    " (r.status <> 'grid' OR coalesce(r.hours_cold, 0) > 0) AS affected,"
    " (r.hours_unpowered > 0 OR coalesce(r.hours_cold, 0) > 0) AS new,"
    " ST_Y(ST_Transform(s.geom, 4326)) AS lat, ST_X(ST_Transform(s.geom, 4326)) AS lon"
    " FROM run_sites r JOIN sites s ON s.id = r.site_id"
    " LEFT JOIN municipalities m ON m.code = r.municipality_code"
    " LEFT JOIN sites g ON g.id = r.generator_id"
    " LEFT JOIN municipalities gm ON gm.code = g.municipality_code"
    " LEFT JOIN sites h ON h.id = r.heat_plant_id"
    " LEFT JOIN run_sites hp ON hp.run_id = r.run_id AND hp.site_id = r.heat_plant_id"
)
_CARE_SITES_SQL = text(
    _SITES_SQL + " WHERE r.run_id = :run AND s.category = 'care'"
    " ORDER BY r.first_cold_hour NULLS LAST, r.hours_unpowered DESC,"
    " r.hours_unpowered_before DESC, s.residents DESC NULLS LAST, s.name, s.id"
)
# The other sites the run's map draws (run_layers.gap_sites): without power after step 2
# or cold at some hour.
_OTHER_GAP_SITES_SQL = text(
    _SITES_SQL + " WHERE r.run_id = :run AND s.category <> 'care'"
    " AND (r.hours_unpowered > 0 OR coalesce(r.hours_cold, 0) > 0) ORDER BY s.id"
)


def care_sites(session: Session, run_id: int) -> list[dict[str, Any]]:
    """The care sites of a run, worst first, from its stored per-site rows: each with its
    power status, hours without power before and after the generators, the generator (its
    name, its municipality, its straight-line distance in km in EPSG:3006) and arrival
    hour, the v2 heat figures, its position in WGS 84 (lat, lon), `affected` (inside an
    outage area or cold at some hour) and `new` (without power after the generators or
    cold: in normal conditions, the baseline, every care site has power and heat)."""
    return [dict(r) for r in session.execute(_CARE_SITES_SQL, {"run": run_id}).mappings()]


@dataclass(frozen=True)
class CareFilter:
    """Which care sites a run's table shows: every one affected, or only those of a
    municipality (code), a kind, a power status, or new compared with normal."""

    municipality: str | None = None
    kind: str | None = None
    status: str | None = None
    new: bool = False

    def keeps(self, site: dict[str, Any]) -> bool:
        return (
            bool(site["affected"])
            and (self.municipality is None or site["municipality_code"] == self.municipality)
            and (self.kind is None or site["kind"] == self.kind)
            and (self.status is None or site["status"] == self.status)
            and (not self.new or bool(site["new"]))
        )


def affected_care_sites(
    session: Session, run_id: int, chosen: CareFilter | None = None
) -> list[dict[str, Any]]:
    """The care sites a run affects (CareFilter.keeps), residential care first, each group
    worst first, each with `clients`:
    True for a home-care base, whose residents are clients living at home."""
    chosen = chosen or CareFilter()
    kept = [
        s | {"clients": s["kind"] == HOME_CARE_BASE}
        for s in care_sites(session, run_id)
        if chosen.keeps(s)
    ]
    # Worst first, residential care (where people live in the building) before the rest,
    # home-care bases (their clients live at home) last; the order stays worst first within.
    return sorted(kept, key=lambda s: _care_group(s["kind"]))


def _care_group(kind: str) -> int:
    return 0 if kind in RESIDENTIAL_CARE else 2 if kind == HOME_CARE_BASE else 1


_FREE_GENERATORS_SQL = text(
    "SELECT g.name, g.capacity_kw, ST_X(g.geom) AS x, ST_Y(g.geom) AS y FROM sites g"
    " WHERE g.category = 'power' AND g.kind = 'mobile_generator' AND NOT EXISTS ("
    "  SELECT 1 FROM run_sites r WHERE r.run_id = :run AND r.generator_id = g.id)"
    " ORDER BY g.id"
)


def with_causes(session: Session, run: Run, sites: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The care sites (care_sites' rows) each with `causes`: why it has a gap
    (analysis.causes), from the run's stored rows, the sites' inputs and the generators
    the run left free."""
    free = [
        FreeGenerator(r.name, r.capacity_kw, r.x, r.y)
        for r in session.execute(_FREE_GENERATORS_SQL, {"run": run.id})
    ]
    parameters = run.parameters or {}
    duration = float(parameters.get("duration_hours", 0.0))
    latest = float(parameters.get("mobile_max_hours", duration))
    reachable = _reachable_generators(session, run, sites, free)

    def facts(s: dict[str, Any]) -> SiteFacts:
        plant = s.get("heat_plant_unpowered_intervals") or []
        return SiteFacts(
            x=s["x"],
            y=s["y"],
            status=s["status"],
            outage_hours=float(s.get("outage_hours") or duration),
            critical_load_kw=s.get("critical_load_kw"),
            backup_kw=s.get("backup_kw"),
            fuel_hours=s.get("fuel_hours"),
            hours_unpowered_before=s["hours_unpowered_before"],
            hours_unpowered=s["hours_unpowered"],
            generator_name=s["generator_name"],
            arrival_hours=s["arrival_hours"],
            heat_plant_name=s["heat_plant_name"],
            heat_plant_unpowered_from=float(plant[0]) if plant else None,
            first_cold_hour=s["first_cold_hour"],
            hours_cold=s["hours_cold"],
            reachable_generators=reachable.get(s["id"]) if reachable is not None else None,
            dispatched=s.get("category", "care") == "care",
        )

    return [s | {"causes": site_causes(facts(s), free, latest)} for s in sites]


_LATEST_GAP_SQL = text(
    "SELECT r.run_id FROM run_sites r JOIN runs u ON u.id = r.run_id"
    " WHERE r.site_id = :site AND u.status = 'finished'"
    " AND (r.status <> 'grid' OR coalesce(r.hours_cold, 0) > 0)"
    " ORDER BY u.finished_at DESC NULLS LAST, u.id DESC LIMIT 1"
)
_ONE_SITE_SQL = text(_SITES_SQL + " WHERE r.run_id = :run AND s.id = :site")


@dataclass(frozen=True)
class SiteGap:
    """A site's gap in one run: the run, the causes (analysis.causes) in order, and the
    heating plant the run had it depend on (id, name), if any."""

    run: Run
    causes: list[Cause]
    plant: tuple[int, str] | None = None


def latest_site_gap(session: Session, site_id: int) -> SiteGap | None:
    """The site's gap in the newest finished run that affected it (inside an outage area
    or cold at some hour), a live run or a scenario's; None when no run ever did."""
    run_id = session.scalar(_LATEST_GAP_SQL, {"site": site_id})
    if run_id is None:
        return None
    run = session.get(Run, run_id)
    assert run is not None  # the row just read references it
    row = session.execute(_ONE_SITE_SQL, {"run": run_id, "site": site_id}).mappings().one()
    plant = (
        (int(row["heat_plant_id"]), str(row["heat_plant_name"]))
        if row["heat_plant_id"] is not None
        else None
    )
    return SiteGap(run, with_causes(session, run, [dict(row)])[0]["causes"], plant)


def heat_plant_of(session: Session, source_id: str | None) -> tuple[int, str] | None:
    """The district heating plant a site's heat_plant (a source_id) names: its id and
    name; None when it names none (the lowest id if two sources share the source_id)."""
    if not source_id:
        return None
    found = session.execute(
        text(
            "SELECT id, name FROM sites WHERE category = 'utility'"
            " AND kind = 'district_heating_plant' AND source_id = :source ORDER BY id LIMIT 1"
        ),
        {"source": source_id},
    ).first()
    return None if found is None else (int(found.id), str(found.name or source_id))


def gap_site_causes(session: Session, run: Run) -> dict[int, list[Cause]]:
    """Site id → the causes of its gap, for every site of the run's map (care sites
    affected, other sites without power after step 2 or cold): what each popup says."""
    care = [s for s in care_sites(session, run.id) if s["affected"]]
    other = [dict(r) for r in session.execute(_OTHER_GAP_SITES_SQL, {"run": run.id}).mappings()]
    return {s["id"]: s["causes"] for s in with_causes(session, run, care + other)}


def _reachable_generators(
    session: Session, run: Run, sites: list[dict[str, Any]], free: list[FreeGenerator]
) -> dict[int, frozenset[str]] | None:
    """v3: per site left without a generator, the free generators with a way to it over the
    roads the run's scenario leaves open (analysis RoadState.reachable); None when the run
    had no roads or no such site."""
    waiting = [
        s
        for s in sites
        if s.get("category", "care") == "care"  # step 2 sends generators to care sites only
        and not s["generator_name"]
        and s["hours_unpowered_before"] > 0
    ]
    if not waiting or not free or not (run.summary or {}).get("roads"):
        return None
    network = run_inputs(session).roads
    if network is None:
        return None
    state = road_state(network, spec_of(run.scenario_snapshot).to_analysis())
    xy = np.array([(s["x"], s["y"]) for s in waiting], dtype=np.float64)
    gxy = np.array([(g.x, g.y) for g in free], dtype=np.float64)
    ways = state.reachable(xy[:, 0], xy[:, 1], gxy[:, 0], gxy[:, 1], np.eye(len(free), dtype=bool))
    return {
        s["id"]: frozenset(g.name for g, way in zip(free, row, strict=True) if way)
        for s, row in zip(waiting, ways, strict=True)
    }


@dataclass(frozen=True)
class FoodRow:
    """Food stock of one municipality or the county (days None where nobody lives)."""

    code: str | None
    name: str
    population: int
    days: float | None
    days_baseline: float | None
    deficit_person_days: float
    sites_stock_unknown: int


def _food_row(code: str | None, name: str, area: dict[str, Any]) -> FoodRow:
    return FoodRow(
        code,
        name,
        area["population"],
        area.get("food_stock_days"),
        area.get("food_stock_days_baseline"),
        area.get("food_stock_deficit_person_days") or 0.0,
        area.get("food_sites_stock_unknown") or 0,
    )


def food_rows(summary: dict[str, Any]) -> list[FoodRow]:
    """Food stock per municipality by code, then the county (the last row, code None)."""
    rows = [
        _food_row(m["code"], m["name"], m)
        for m in sorted(summary["municipalities"], key=lambda m: m["code"])
    ]
    return [*rows, _food_row(None, "", summary["county"])]


def live_run_id(session: Session) -> int | None:
    """The newest finished run of the live (warnings) scenario, or None."""
    return session.scalar(
        select(Run.id)
        .join(Scenario, Scenario.id == Run.scenario_id)
        .where(Scenario.kind == "live", Run.status == "finished")
        .order_by(Run.id.desc())
        .limit(1)
    )
