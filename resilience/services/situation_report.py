"""The situation report (lägesbild) of a finished run: what it is (a planning scenario or the
live situation, with the warnings behind it, their sources and the SMHI feed's health), the
county's figures over the whole outage on the clock, residential care first with the cause
of each gap, its map as SVG from our own data (it prints without internet), the generators
dispatched, the municipalities worst hit and food stock."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import shapely
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from resilience.models import Run, Scenario, User, WeatherWarning
from resilience.scenarios import ScenarioError
from resilience.services.home_care import shown_summary, shown_timeline
from resilience.services.run_clock import (
    Instant,
    hour_zero,
    report_instants,
    report_warnings,
)
from resilience.services.run_reports import (
    SERVICES,
    FoodRow,
    care_sites,
    food_rows,
    with_causes,
)
from resilience.services.run_results import timeline_document
from resilience.services.scenarios import spec_of
from resilience.services.warning_banner import FeedHealth, feed_health
from resilience.vocabulary import HOME_CARE_BASE, RESIDENTIAL_CARE

REPORT_CARE_SITES = 10
REPORT_MUNICIPALITIES = 5


def worst_municipalities(
    summary: dict[str, Any], limit: int = REPORT_MUNICIPALITIES
) -> list[dict[str, Any]]:
    """The municipalities worst hit: by resident-hours without power plus resident-hours
    cold, then people without a service; only those hit at all."""

    def people_without(m: dict[str, Any]) -> int:
        return sum(m["uncovered"][s] - m["baseline_uncovered"][s] for s in SERVICES)

    def weight(m: dict[str, Any]) -> tuple[float, int]:
        hours = m["resident_hours_unpowered"] + (m.get("resident_hours_cold") or 0.0)
        return (hours, people_without(m))

    hit = [m for m in summary["municipalities"] if weight(m) > (0.0, 0)]
    ranked = sorted(hit, key=lambda m: (-weight(m)[0], -weight(m)[1], m["code"]))
    return [m | {"people_without": people_without(m)} for m in ranked[:limit]]


@dataclass(frozen=True)
class WarningSource:
    """Where a stored warning came from. channel: poll (SMHI's feed, polled), api (posted
    to /api/v1/warnings) or file (`flask warnings ingest`); format: smhi-ibww or cap; by:
    who posted it or ingested its file (None for the polls)."""

    channel: str
    format: str
    by: str | None


def warning_sources(session: Session, warnings: list[WeatherWarning]) -> dict[int, WarningSource]:
    """Each warning's source by id. A push names the account that posted it; a file names
    the operating-system user who ingested it, which no account needs to match: a poster
    that is an account is read as the API, any other as a file."""
    posters = {w.posted_by for w in warnings if w.posted_by}
    accounts = (
        set(session.scalars(select(User.name).where(User.name.in_(posters)))) if posters else set()
    )

    def channel(w: WeatherWarning) -> str:
        if not w.posted_by:
            return "poll"
        return "api" if w.posted_by in accounts else "file"

    return {w.id: WarningSource(channel(w), w.source, w.posted_by) for w in warnings}


# --- The report's map: our own data as SVG, so it prints without internet ------------------

_MAP_SIMPLIFY_M = 1000.0
_MUNICIPALITY_SHAPES_SQL = text(
    "SELECT code, ST_AsBinary(ST_SimplifyPreserveTopology(geom, :tolerance)) AS wkb"
    " FROM municipalities ORDER BY code"
)


def _svg_path(geom: shapely.Geometry) -> str:
    """SVG path data of a geometry's polygons, in km, y up made y down."""
    rings = []
    for part in shapely.get_parts(geom):
        if part.geom_type == "MultiPolygon":
            polygons = list(part.geoms)
        elif part.geom_type == "Polygon":
            polygons = [part]
        else:
            continue
        for polygon in polygons:
            for ring in (polygon.exterior, *polygon.interiors):
                points = " ".join(f"{x / 1000:.1f},{-y / 1000:.1f}" for x, y in ring.coords)
                rings.append(f"M{points}Z")
    return "".join(rings)


@dataclass(frozen=True)
class MapSite:
    x: float  # km east, SVG
    y: float  # km south (−northing), SVG
    rank: int | None  # its row in the residential care table, else None
    cold: bool
    clients: bool  # a home-care base


@dataclass(frozen=True)
class ReportMap:
    """The report's map: the municipalities (our own stored boundaries), the outage areas
    with their hours and the snow zones of the run's snapshot, and the affected care sites."""

    view_box: str
    municipalities: list[str]
    outage: list[tuple[str, float]]
    snow: list[tuple[str, str]]
    sites: list[MapSite]
    width_km: float


def report_map(
    session: Session, run: Run, residential: list[dict[str, Any]], home_care: list[dict[str, Any]]
) -> ReportMap:
    rows = session.execute(_MUNICIPALITY_SHAPES_SQL, {"tolerance": _MAP_SIMPLIFY_M}).all()
    shapes = [shapely.from_wkb(bytes(r.wkb)) for r in rows if r.wkb is not None]
    try:
        spec = spec_of(run.scenario_snapshot)
    except ScenarioError:
        spec = None
    outage: list[tuple[str, float]] = []
    snow: list[tuple[str, str]] = []
    if spec is not None:
        if spec.outage_parts:
            outage = [(_svg_path(p.geometry), p.duration_hours) for p in spec.outage_parts]
        elif spec.outage is not None:
            outage = [(_svg_path(spec.outage), spec.duration_hours)]
        snow = [(_svg_path(z.geometry), z.level) for z in spec.snow_zones]
    everything = [*shapes, *(p.geometry for p in (spec.outage_parts if spec else ()))]
    if spec is not None and spec.outage is not None:
        everything.append(spec.outage)
    sites = [
        MapSite(s["x"] / 1000, -s["y"] / 1000, i + 1, s["first_cold_hour"] is not None, False)
        for i, s in enumerate(residential)
    ] + [
        MapSite(s["x"] / 1000, -s["y"] / 1000, None, s["first_cold_hour"] is not None, True)
        for s in home_care
    ]
    points = [shapely.Point(s.x * 1000, -s.y * 1000) for s in sites]
    bounds = shapely.GeometryCollection([*everything, *points]).bounds
    if any(math.isnan(v) for v in bounds):  # nothing to draw
        bounds = (400_000.0, 7_000_000.0, 800_000.0, 7_400_000.0)  # the county, roughly
    pad = 5_000.0
    x0, y0, x1, y1 = bounds[0] - pad, bounds[1] - pad, bounds[2] + pad, bounds[3] + pad
    view_box = f"{x0 / 1000:.1f} {-y1 / 1000:.1f} {(x1 - x0) / 1000:.1f} {(y1 - y0) / 1000:.1f}"
    return ReportMap(
        view_box,
        [_svg_path(g) for g in shapes],
        outage,
        snow,
        sites,
        (x1 - x0) / 1000,
    )


# --- The situation report ---------------------------------------------------------------


@dataclass(frozen=True)
class SituationReport:
    """What the situation report (lägesbild) of a run shows. A planning scenario's (every
    run that is not live) is marked as a scenario and lists no warnings."""

    run: Run
    live: bool
    warnings: list[WeatherWarning]
    sources: dict[int, WarningSource]
    feed: FeedHealth | None  # the SMHI feed's health, on a live report
    zero: datetime  # hour 0 on the clock
    zero_basis: str  # warnings | scenario | run (hour_zero)
    now_hour: float | None  # a live run's current instant, hours after hour 0
    instants: list[Instant]
    county: dict[str, Any]
    residential: list[dict[str, Any]]  # residential care affected, first cold first
    residential_total: int
    home_care: list[dict[str, Any]]  # home-care bases affected, most clients first
    home_care_clients: int  # clients of the affected bases
    other_care: list[dict[str, Any]]  # other care sites affected (health centres)
    generators: list[dict[str, Any]]
    worst: list[dict[str, Any]]
    food: list[FoodRow]
    duration_hours: float
    timeline: dict[str, Any]
    map: ReportMap

    @property
    def peak(self) -> Instant | None:
        return next((i for i in self.instants if i.key == "peak"), None)

    @property
    def back(self) -> Instant:
        return self.instants[-1]


def _first_unpowered(site: dict[str, Any]) -> float | None:
    intervals = site.get("unpowered_intervals") or []
    return float(intervals[0]) if intervals else None


def situation_report(
    session: Session, run: Run, poll_seconds: int, now: datetime | None = None
) -> SituationReport:
    """The situation report of a finished run (its summary and stored timeline)."""
    now = now or datetime.now(UTC)
    summary = shown_summary(run.summary or {})
    duration = float((run.parameters or {}).get("duration_hours", 0.0))
    sites = [
        s | {"first_unpowered_hour": _first_unpowered(s), "clients": s["kind"] == HOME_CARE_BASE}
        for s in care_sites(session, run.id)
    ]
    affected = with_causes(
        session, run, [s for s in sites if s["affected"] and (s["new"] or s["status"] != "grid")]
    )
    scenario = session.get(Scenario, run.scenario_id)
    live = scenario is not None and scenario.kind == "live"
    warnings = report_warnings(session, run) if live else []
    zero, basis = hour_zero(run, warnings)
    now_hour = (now - zero).total_seconds() / 3600 if live else None
    timeline = shown_timeline(timeline_document(session, run.id))
    residential = [s for s in affected if s["kind"] in RESIDENTIAL_CARE]
    home_care = sorted(
        (s for s in affected if s["clients"]), key=lambda s: (-(s["residents"] or 0), s["name"])
    )
    shown = residential[:REPORT_CARE_SITES]
    return SituationReport(
        run=run,
        live=live,
        warnings=warnings,
        sources=warning_sources(session, warnings),
        feed=feed_health(session, poll_seconds, now) if live else None,
        zero=zero,
        zero_basis=basis,
        now_hour=now_hour,
        instants=report_instants(timeline, duration, zero, now_hour),
        county=summary["county"],
        residential=shown,
        residential_total=len(residential),
        home_care=home_care,
        home_care_clients=sum(s["residents"] or 0 for s in home_care),
        other_care=[s for s in affected if s["kind"] not in RESIDENTIAL_CARE and not s["clients"]],
        generators=sorted(
            (s for s in sites if s["generator_name"]),
            key=lambda s: (s["arrival_hours"], s["id"]),
        ),
        worst=worst_municipalities(summary),
        food=food_rows(summary),
        duration_hours=duration,
        timeline=timeline,
        map=report_map(session, run, shown, home_care),
    )
