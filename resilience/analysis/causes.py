"""Why a site has a gap (issue 20, item 4): the facts of one affected site, in the
order they happen, from a run's stored result and its inputs. Pure: the web turns each
Cause into words in the reader's language, with names, never ids.

The facts, each only when it applies:
- outage: inside an outage area, without grid power for its D hours;
- own_backup: its own backup power carries the load for fuel_hours; backup_too_small: it
  has some, below the critical load; no_backup: none;
- generator: a mobile generator arrives at hour A; no_generator: none was sent although it
  needed one (care sites only: step 2 dispatches to no other category); every generator
  still free that carries its load arrives too late (after the latest useful hour,
  min(mobile_max_hours, D)), the nearest of them named with its
  straight-line distance; all_generators_taken: no free generator carries its load;
- no_open_road (v3, roads): free generators carry its load, but the closed roads leave
  none of them a way to it (no route over open roads, none within offroad_max_km);
- heat_plant: the district heating plant it depends on is without power from hour h;
- cold: indoors below the cold threshold from hour t for so many hours.

A generator still free after the dispatch was free when the site's turn came, so had one
of them arrived in time the site would have had it (coverage-model.md, step 2)."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class FreeGenerator:
    """A mobile generator no site of the run was given: its name, kW and position (m)."""

    name: str
    capacity_kw: float | None
    x: float
    y: float


@dataclass(frozen=True)
class SiteFacts:
    """What is stored of one site in a run and its own inputs. x, y in metres (EPSG:3006);
    hours as in the result document; None where unknown or not applicable."""

    x: float
    y: float
    status: str  # grid | backup | partial | none
    outage_hours: float  # its D
    critical_load_kw: float | None
    backup_kw: float | None
    fuel_hours: float | None
    hours_unpowered_before: float
    hours_unpowered: float
    generator_name: str | None = None
    arrival_hours: float | None = None
    heat_plant_name: str | None = None
    heat_plant_unpowered_from: float | None = None  # None: the plant keeps its power
    first_cold_hour: float | None = None
    hours_cold: float | None = None
    # v3: the names of the free generators with a way to it over open roads; None when the
    # run had no roads (every free generator counts as reachable).
    reachable_generators: frozenset[str] | None = None
    # Step 2 sends mobile generators to care sites only: a food, energy or utility site
    # gets no generator fact.
    dispatched: bool = True


@dataclass(frozen=True)
class Cause:
    """One fact. kind is one of the module docstring's; hours, kw, name and km as it uses
    them (outage: hours = D; own_backup: hours = fuel; backup_too_small: kw = backup,
    needed_kw = load; generator: name, hours = arrival; no_generator: needed_kw, hours =
    the latest useful hour, name and km of the nearest free one; all_generators_taken:
    needed_kw; no_open_road: needed_kw; heat_plant: name, hours = from; cold: hours =
    from, duration = hours cold)."""

    kind: str
    hours: float | None = None
    name: str | None = None
    kw: float | None = None
    needed_kw: float | None = None
    km: float | None = None
    duration: float | None = None


def _known(value: float | None) -> bool:
    return value is not None and not math.isnan(value)


def site_causes(site: SiteFacts, free: list[FreeGenerator], mobile_max_hours: float) -> list[Cause]:
    """The causes of one site's gap, in the order they happen; empty when it has none."""
    causes: list[Cause] = []
    inside = site.status != "grid"
    load = site.critical_load_kw if _known(site.critical_load_kw) else None
    if inside:
        causes.append(Cause("outage", hours=site.outage_hours))
        backup = site.backup_kw if _known(site.backup_kw) else None
        fuel = site.fuel_hours if _known(site.fuel_hours) else None
        if backup is not None and fuel is not None and backup > 0 and fuel > 0:
            if load is None or backup >= load:
                causes.append(Cause("own_backup", hours=fuel))
            else:
                causes.append(Cause("backup_too_small", kw=backup, needed_kw=load))
        else:
            causes.append(Cause("no_backup"))
        if site.generator_name:
            causes.append(Cause("generator", name=site.generator_name, hours=site.arrival_hours))
        elif site.dispatched and site.hours_unpowered_before > 0:
            able = [g for g in free if load is None or (g.capacity_kw or 0.0) >= load]
            reachable = site.reachable_generators
            by_road = able if reachable is None else [g for g in able if g.name in reachable]
            if not able:
                causes.append(Cause("all_generators_taken", needed_kw=load))
            elif not by_road:
                causes.append(Cause("no_open_road", needed_kw=load))
            else:
                able = by_road
                nearest = min(able, key=lambda g: (math.hypot(g.x - site.x, g.y - site.y), g.name))
                causes.append(
                    Cause(
                        "no_generator",
                        hours=min(mobile_max_hours, site.outage_hours),
                        needed_kw=load,
                        name=nearest.name,
                        km=math.hypot(nearest.x - site.x, nearest.y - site.y) / 1000,
                    )
                )
    if site.heat_plant_name and site.heat_plant_unpowered_from is not None:
        causes.append(
            Cause("heat_plant", name=site.heat_plant_name, hours=site.heat_plant_unpowered_from)
        )
    if site.first_cold_hour is not None:
        causes.append(Cause("cold", hours=site.first_cold_hour, duration=site.hours_cold))
    return causes
