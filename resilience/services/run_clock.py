"""A run's hours on the clock (issue 20, item 3): its hour 0 (a live run's is the earliest
start of its warnings, coverage-model.md; a saved scenario may set its `start`; else the
run's start), and the instants the pages show of its timeline: the start, a live run's
current instant ("now"), the peak, fixed hours and when power returns."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from resilience.analysis.model import SERVICES
from resilience.models import LiveState, Run, WeatherWarning
from resilience.scenarios import ScenarioError, parse_start

# The fixed hours the situation report shows besides the start, now, peak and power back.
REPORT_HOURS = (0, 6, 12, 24, 48)


def report_warnings(session: Session, run: Run) -> list[WeatherWarning]:
    """The warnings behind a live run (none for any other: a planning scenario is not the
    current situation)."""
    state = session.scalar(select(LiveState).where(LiveState.run_id == run.id))
    if state is None:
        return []
    ids = list(state.warning_ids or [])
    return list(
        session.scalars(
            select(WeatherWarning).where(WeatherWarning.id.in_(ids)).order_by(WeatherWarning.id)
        )
    )


def run_hour_zero(session: Session, run: Run) -> datetime:
    """A run's hour 0 on the clock (hour_zero)."""
    return hour_zero(run, report_warnings(session, run))[0]


def hour_zero(run: Run, warnings: list[WeatherWarning]) -> tuple[datetime, str]:
    """When a run's hour 0 is, and on what it rests: `warnings` (a live run: the earliest
    start of its warnings, coverage-model.md), `scenario` (a saved scenario's `start`) or
    `run` (else the run's start)."""
    starts = [w.starts or w.published for w in warnings]
    if starts:
        return min(starts), "warnings"
    try:
        start = parse_start((run.scenario_snapshot or {}).get("start"))
    except ScenarioError:
        start = None
    if start is not None:
        return start, "scenario"
    return run.started_at or run.created_at or datetime.now(UTC), "run"


def clock(zero: datetime, hour: float) -> datetime:
    """Hour `hour` of a run whose hour 0 is `zero`, as an instant to the nearest minute
    (7.33 h after 06:00 is 13:20)."""
    return zero + timedelta(minutes=round(hour * 60))


@dataclass(frozen=True)
class Instant:
    """One column of the report's figures: key start (hour 0), now (a live run's current
    instant), peak (the instant most residents are without power or cold), hour (a fixed
    hour) or back (hour D, the grid back everywhere); values None once the grid is back."""

    key: str
    hour: float
    at: datetime
    values: dict[str, int] | None


def _values_at(timeline: dict[str, Any], k: int) -> dict[str, int]:
    county = timeline["county"]
    hours = timeline["hours"]
    return {
        "care_sites_unpowered": county["care_sites_unpowered"][k],
        "residents_unpowered": county["residents_unpowered"][k],
        "home_care_clients_unpowered": (
            county.get("home_care_clients_unpowered") or [0] * len(hours)
        )[k],
        "care_sites_cold": county["care_sites_cold"][k],
        "residents_cold": county["residents_cold"][k],
        **{s: county["uncovered"][s][k] for s in SERVICES},
    }


def peak_index(timeline: dict[str, Any]) -> int | None:
    """The instant t_k of the peak: the most residents without power or in cold buildings
    (the two counted together), the earliest of equals; where no resident is hit, the most
    people without food, care or warm shelter; None when nothing is hit at any instant."""
    county = timeline.get("county")
    if not county or not timeline["hours"]:
        return None
    n = len(timeline["hours"])
    residents = [county["residents_unpowered"][k] + county["residents_cold"][k] for k in range(n)]
    people = [sum(county["uncovered"][s][k] for s in SERVICES) for k in range(n)]
    for series in (residents, people):
        if max(series) > 0:
            return max(range(n), key=lambda k: (series[k], -k))
    return None


_SAME_HOUR = 1e-6
_ORDER = {"start": 0, "now": 1, "peak": 2, "hour": 3, "back": 4}


def report_instants(
    timeline: dict[str, Any],
    duration_hours: float,
    zero: datetime,
    now_hour: float | None,
    wanted: tuple[int, ...] = REPORT_HOURS,
) -> list[Instant]:
    """The columns of the report's figures, in time order: hour 0, the current instant of a
    live run (`now_hour`, when within the outage), the peak, the fixed hours within the
    outage, and hour D when the grid is back everywhere. Each instant shows the figures of
    the last t_k at or before it."""
    hours = timeline["hours"]
    if not timeline.get("county") or not hours:
        return [Instant("back", duration_hours, clock(zero, duration_hours), None)]

    def at(key: str, hour: float) -> Instant:
        k = bisect.bisect_right(hours, hour + _SAME_HOUR) - 1
        shown = None if k < 0 or hour >= duration_hours else _values_at(timeline, k)
        return Instant(key, hour, clock(zero, hour), shown)

    chosen = [at("start", 0.0)]
    if now_hour is not None and 0 < now_hour < duration_hours:
        chosen.append(at("now", now_hour))
    peak = peak_index(timeline)
    if peak is not None and hours[peak] < duration_hours:
        chosen.append(at("peak", hours[peak]))
    for hour in wanted:
        if 0 < hour < duration_hours and all(abs(i.hour - hour) > _SAME_HOUR for i in chosen):
            chosen.append(at("hour", float(hour)))
    chosen.append(Instant("back", duration_hours, clock(zero, duration_hours), None))
    return sorted(chosen, key=lambda i: (i.hour, _ORDER[i.key]))


def instant_at(
    timeline: dict[str, Any], duration_hours: float, zero: datetime, key: str, hour: float
) -> Instant:
    """The figures of the county at one hour (the last t_k at or before it); None before
    hour 0 (nothing has happened yet) and at or after D (the grid is back)."""
    hours = timeline.get("hours") or []
    if not timeline.get("county") or not hours or hour < 0:
        return Instant(key, hour, clock(zero, hour), None)
    k = max(0, bisect.bisect_right(hours, hour + _SAME_HOUR) - 1)
    shown = None if hour >= duration_hours else _values_at(timeline, k)
    return Instant(key, hour, clock(zero, hour), shown)


def now_and_peak(
    timeline: dict[str, Any], duration_hours: float, zero: datetime, now: datetime | None = None
) -> tuple[Instant, Instant | None]:
    """A live run's current instant ("now": the figures at this moment, None once the grid
    is back) and its peak (None when nothing is hit)."""
    hour = ((now or datetime.now(UTC)) - zero).total_seconds() / 3600
    current = instant_at(timeline, duration_hours, zero, "now", hour)
    k = peak_index(timeline)
    peak = (
        None
        if k is None
        else instant_at(timeline, duration_hours, zero, "peak", timeline["hours"][k])
    )
    return current, peak
