"""The coverage model, version 3 (shared/design/coverage-model.md): power status of sites,
mobile generator dispatch, who can reach food, care and shelter, for a scenario and its
baseline in one call; (v2) the timeline, heat plants and indoor cooling, food stock; (v3)
each site's own outage duration D, home-care clients apart from residents, the unreachable
figures, and travel over a road network (roads.py) when one is given.

Pure and vectorised: NumPy arrays and Shapely geometries in, a CoverageResult out; no
database, no web. Coordinates are EPSG:3006 metres, travel in minutes, outages in hours.

Nearest by travel time, exactly: minutes(a, b) = d · circuity / (speed_kmh · f · 1000 / 60)
with f = min(f_a, f_b). Grouping candidate sites by their speed factor makes f constant for
a given cell within a group (min(f_cell, f_group)), so the nearest by distance in a group
is the fastest in that group, and the fastest overall is the minimum over the groups (at
most four: 1.0, yellow, orange, red). A k-d tree per group finds the nearest.

The timeline needs no search per instant: providers available throughout are those of
step 3, so a cell covered in step 3 is covered at every instant; a cell uncovered in step 3
can only be covered by a provider available part of the time within the threshold, and one
range search finds all such (cell, provider) pairs; coverage per instant is then a sparse
product with the providers' availability (see _covered_over_time). With roads, one search
per distinct set of available providers, bounded by the threshold (see _over_time).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.spatial import cKDTree

from resilience.analysis import shortest
from resilience.analysis.food import food_stock
from resilience.analysis.heat import (
    cold_figures,
    gaps,
    heated_windows,
    powered_windows,
    resolve_plants,
    time_constants,
    unheated_intervals,
)
from resilience.analysis.model import (
    CARE_PRIORITY,
    CARE_SERVICE_KINDS,
    MOBILE_GENERATOR,
    POWERED_CATEGORIES,
    SERVICES,
    BoolArray,
    CellTable,
    FloatArray,
    IntArray,
    ObjectArray,
    Parameters,
    Scenario,
    SiteTable,
    is_none,
    text_rank,
)
from resilience.analysis.result import (
    STATUSES,
    AreaSummary,
    CountySummary,
    CoverageResult,
    MunicipalitySummary,
    ServiceCounts,
)
from resilience.analysis.road_dispatch import (
    arrival_time,
    carries,
    dispatch_over_roads,
    in_time,
    road_generators,
    road_sites,
)
from resilience.analysis.roads import RoadNetwork, RoadState, baseline_state, road_state
from resilience.analysis.spatial import outage_hours_xy, speed_factor_xy
from resilience.analysis.timeline import Series, Timeline, after, area_series, during
from resilience.vocabulary import HOME_CARE_BASE, UTILITY

Progress = Callable[[float, str], None]

# Sites whose power status step 1 computes: v1's, and the heat plants of v2.
STEP1_CATEGORIES: tuple[str, ...] = (*POWERED_CATEGORIES, UTILITY)

# Below this many query points a k-d tree search stays on one thread: SciPy starts Python
# threads for workers != 1, which costs more than a small search.
_PARALLEL_QUERIES = 20_000

# Candidate care sites whose arrival times are computed at once in step 2: bounds the
# (sites × generators) matrix to about 2.5 MB per 300 generators.
_DISPATCH_BLOCK = 1024


def travel_minutes(
    metres: FloatArray | float, factor: FloatArray | float, parameters: Parameters
) -> FloatArray:
    """Travel minutes over a straight-line distance (metres) at a speed factor.

    Written in exactly the spec's order of operations, so that equal inputs give equal
    minutes wherever they are computed (the generator tie-break depends on it).
    """
    return np.asarray(metres * parameters.circuity / (parameters.speed_kmh * factor * 1000 / 60))


def distance_m(ax: FloatArray, ay: FloatArray, bx: FloatArray, by: FloatArray) -> FloatArray:
    """Euclidean distance in EPSG:3006 metres, as sqrt(dx·dx + dy·dy)."""
    dx = ax - bx
    dy = ay - by
    return np.sqrt(dx * dx + dy * dy)


def compute(
    sites: SiteTable,
    cells: CellTable,
    municipalities: Mapping[str, str],
    scenario: Scenario,
    progress: Progress | None = None,
    *,
    timeline: bool = True,
    roads: RoadNetwork | None = None,
) -> CoverageResult:
    """Run the coverage model for a scenario and its baseline: steps 1-3, Time, Heat and
    Food stock.

    municipalities maps every code used in sites and cells to its name; all of them get a
    summary, sorted by code. progress, if given, is called with a fraction 0..1 and a short
    step name. timeline=False skips the timeline (its instants are then empty), for callers
    that need only the per-site and per-area figures. roads (v3): the road network, None
    for straight-line travel (every version 2 figure). Raises ValueError on a municipality
    code missing from municipalities, or a heat_plant that names no plant.
    """
    report: Progress = progress if progress is not None else _silent
    parameters = scenario.parameters
    duration = scenario.outage_duration
    codes = sorted(municipalities)
    site_area = _area_index(sites.municipality, codes, "site")
    cell_area = _area_index(cells.municipality, codes, "cell")
    plant_index = resolve_plants(sites, site_area, len(codes))
    populated = cells.population > 0
    rows = np.flatnonzero(populated)
    cx, cy = cells.x[rows], cells.y[rows]
    providers = _providers(sites)
    # The baseline over the roads (its state and searches, both kept with the network)
    # needs nothing of this scenario: it starts now on another core, while this one builds
    # the scenario's state and runs step 2 (one core's work).
    baseline_ahead: dict[str, Future[FloatArray]] = {}
    if roads is not None:
        ahead = ThreadPoolExecutor(max_workers=1)
        for service, provider in providers.items():
            baseline_ahead[service] = ahead.submit(
                _baseline_minutes, roads, scenario, cx, cy, sites.x[provider], sites.y[provider]
            )
        ahead.shutdown(wait=False)  # its thread ends when they are done
    scenario_roads = road_state(roads, scenario) if roads is not None else None

    # Steps 1 and 2, then Time and Heat: the powered and heated windows of every site.
    report(0.0, "power status")
    steps = power_steps(sites, scenario, roads=scenario_roads)
    site_factor, stepped, in_outage = steps.site_factor, steps.stepped, steps.in_outage
    hours_before, hours_after = steps.hours_before, steps.hours_after
    generator_index, arrival_hours = steps.generator_index, steps.arrival_hours
    status = _status(stepped, in_outage, hours_before, steps.site_duration)
    report(0.15, "heat")
    plant_end = plant_power_end(steps, plant_index)
    heat_state = site_heat(
        in_outage & stepped,
        steps.own_hours,
        generator_index,
        arrival_hours,
        generator_fuel(sites, generator_index),
        plant_end,
        time_constants(sites),
        scenario,
        steps.gap_end(duration),
        plant_power_back(steps, plant_index),
    )
    unpowered_start, unpowered_end = heat_state.unpowered
    unheated_start, unheated_end = heat_state.unheated
    tstar, hours_cold = heat_state.cold_after_hours, heat_state.hours_cold
    first_cold, min_indoor = heat_state.first_cold_hour, heat_state.min_indoor_c
    hours = scenario.timeline_hours() if timeline else np.zeros(0)

    # Step 3: who can reach what, from every populated cell's centre. Shelters must also be
    # heated throughout: their plant, if any, never loses power.
    report(0.2, "snow zones")
    cell_factor = speed_factor_xy(scenario.snow_zones, parameters.speed_factors, cx, cy)
    operational = stepped & (hours_after == 0)
    heated_throughout = (plant_index < 0) | (hours_before[np.maximum(plant_index, 0)] == 0)
    available = {
        "food": operational,
        "care": operational,
        "shelter": operational & heated_throughout,
    }
    # The instants each site is without power (food, care) or heat (shelter).
    outages = {
        "food": (unpowered_start, unpowered_end),
        "care": (unpowered_start, unpowered_end),
        "shelter": (unheated_start, unheated_end),
    }
    size = len(codes) + 1
    weights = _AreaWeights(cell_area[rows], cells.population[rows], size)
    threshold_of = parameters.threshold_minutes

    def service_work(service: str, provider: IntArray) -> _ServiceResult:
        """Step 3 and the timeline of one service (independent of the others)."""
        if scenario_roads is None:
            base, scen = _service_minutes(
                cx,
                cy,
                cell_factor,
                sites.x[provider],
                sites.y[provider],
                site_factor[provider],
                available[service][provider],
                parameters,
            )
        else:
            live = provider[available[service][provider]]
            base = baseline_ahead[service].result()
            scen = scenario_roads.nearest(
                cx, cy, cell_factor, sites.x[live], sites.y[live], site_factor[live]
            )
        threshold = threshold_of(service)
        start, end = outages[service]
        changing, at, lost = _over_time(
            cx,
            cy,
            cell_factor,
            ~(scen <= threshold),
            sites.x[provider],
            sites.y[provider],
            site_factor[provider],
            available_at(hours, start[provider], end[provider]),
            available[service][provider],
            threshold,
            parameters,
            scenario_roads,
            weights,
        )
        return _ServiceResult(
            minutes=scen,
            baseline=base,
            changing_rows=rows[changing],
            covered_at=at,
            unreachable_at=lost,
        )

    # The services on every core: with roads, each is searches that let go of the GIL.
    report(0.25, "travel times")
    done = dict(
        zip(
            providers,
            shortest.parallel(lambda item: service_work(*item), list(providers.items())),
            strict=True,
        )
    )
    n_cells = cells.id.size
    minutes = {s: _spread(r.minutes, rows, n_cells, np.nan) for s, r in done.items()}
    baseline_minutes = {s: _spread(r.baseline, rows, n_cells, np.nan) for s, r in done.items()}
    covered = {
        s: _spread(r.minutes <= threshold_of(s), rows, n_cells, False) for s, r in done.items()
    }
    baseline_covered = {
        s: _spread(r.baseline <= threshold_of(s), rows, n_cells, False) for s, r in done.items()
    }
    changing_rows = {s: r.changing_rows for s, r in done.items()}
    covered_at = {s: r.covered_at for s, r in done.items()}
    unreachable_at = {s: r.unreachable_at for s, r in done.items()}

    report(0.95, "summaries")
    unreachable = {s: populated & np.isinf(minutes[s]) for s in SERVICES}
    baseline_unreachable = {s: populated & np.isinf(baseline_minutes[s]) for s in SERVICES}
    areas = _area_summaries(
        len(codes),
        sites,
        cells,
        site_area,
        cell_area,
        covered,
        baseline_covered,
        hours_after,
        generator_index,
        hours_cold,
        operational,
        parameters.food_stock_target_days,
        unreachable,
        baseline_unreachable,
    )
    summaries = tuple(
        MunicipalitySummary(**_fields(area), code=code, name=str(municipalities[code]))
        for code, area in zip(codes, areas[:-1], strict=True)
    )
    assigned = int((generator_index >= 0).sum())
    mobile = int(((sites.category == "power") & (sites.kind == MOBILE_GENERATOR)).sum())
    county = CountySummary(**_fields(_add_areas(areas)), generators_free=mobile - assigned)
    _, county_food = food_stock(
        sites,
        site_area,
        operational,
        np.asarray([area.population for area in areas], dtype=np.int64),
        parameters.food_stock_target_days,
    )
    county = dataclasses.replace(county, food=county_food)
    series = _timeline_series(
        len(codes),
        hours,
        sites,
        cells,
        site_area,
        cell_area,
        areas,
        changing_rows,
        covered_at,
        unpowered_start,
        unpowered_end,
        unheated_start,
        unheated_end,
        tstar,
        unreachable_at,
    )
    report(1.0, "done")
    return CoverageResult(
        parameters=parameters,
        duration_hours=duration,
        sites=sites,
        cells=cells,
        site_speed_factor=site_factor,
        in_outage=in_outage,
        status=status,
        hours_unpowered_before=hours_before,
        hours_unpowered=hours_after,
        generator_index=generator_index,
        arrival_hours=arrival_hours,
        plant_index=plant_index,
        unpowered_start=unpowered_start,
        unpowered_end=unpowered_end,
        unheated_start=unheated_start,
        unheated_end=unheated_end,
        cold_after_hours=tstar,
        hours_cold=hours_cold,
        first_cold_hour=first_cold,
        min_indoor_c=min_indoor,
        populated=populated,
        cell_speed_factor=_spread(cell_factor, rows, cells.id.size, np.nan),
        minutes=minutes,
        baseline_minutes=baseline_minutes,
        covered=covered,
        baseline_covered=baseline_covered,
        municipalities=summaries,
        no_municipality=areas[-1],
        county=county,
        timeline=Timeline(
            hours=hours,
            municipalities=dict(zip(codes, series[:-1], strict=True)),
            no_municipality=series[-1],
            county=Series.total(series),
            covered_rows=changing_rows,
            covered_at=covered_at,
        ),
        outage_hours=np.where(steps.stepped, steps.site_duration, np.nan),
        roads=None if scenario_roads is None else scenario_roads.summary(),
        generator_routes=steps.generator_routes,
    )


@dataclass(frozen=True, eq=False)
class PowerSteps:
    """Steps 1 and 2 of one scenario, per site (parallel to the SiteTable).

    own_hours is F of step 1 (hours); hours_before and hours_after are hours_unpowered
    after steps 1 and 2 (NaN for sites without a power status); generator_index is the
    row of the assigned generator (-1 for none), arrival_hours its arrival (NaN for none).
    v3: site_duration is each site's D (hours; 0 outside every outage polygon);
    generator_routes, with roads, each assigned site's (row's) way from its generator as
    x, y rows (EPSG:3006): along the road nodes of its shortest path, or straight when
    direct travel makes its arrival; empty without roads.
    """

    site_factor: FloatArray
    stepped: BoolArray
    in_outage: BoolArray
    own_hours: FloatArray
    hours_before: FloatArray
    generator_index: IntArray
    arrival_hours: FloatArray
    hours_after: FloatArray
    site_duration: FloatArray
    generator_routes: Mapping[int, FloatArray] = dataclasses.field(default_factory=dict)

    def gap_end(self, duration: float) -> FloatArray:
        """Where each site's unpowered intervals end at the latest: its own D inside the
        outage, the scenario's D (the end of the timeline) outside it."""
        end: FloatArray = np.where(self.in_outage, self.site_duration, duration)
        return end


def baseline_minutes(
    sites: SiteTable,
    cells: CellTable,
    parameters: Parameters,
    roads: RoadNetwork | None = None,
) -> dict[str, FloatArray]:
    """Per service, the baseline's minutes from every cell (NaN where not populated): the
    baseline_minutes of compute() for every scenario with these parameters, without
    computing a scenario. With roads, the searches are kept with the network, so the next
    computation with these parameters finds them done."""
    rows = np.flatnonzero(cells.population > 0)
    cx, cy = cells.x[rows], cells.y[rows]
    out: dict[str, FloatArray] = {}
    for service, provider in _providers(sites).items():
        sx, sy = sites.x[provider], sites.y[provider]
        if roads is None:  # compute's own straight-line search; no provider is down
            ones, none = np.ones(cx.size), np.zeros(sx.size, dtype=bool)
            base = _service_minutes(cx, cy, ones, sx, sy, np.ones(sx.size), none, parameters)[0]
        else:
            base = _baseline_minutes(roads, Scenario(parameters=parameters), cx, cy, sx, sy)
        out[service] = _spread(base, rows, cells.id.size, np.nan)
    return out


def _baseline_minutes(
    roads: RoadNetwork,
    scenario: Scenario,
    cx: FloatArray,
    cy: FloatArray,
    sx: FloatArray,
    sy: FloatArray,
) -> FloatArray:
    """The baseline's minutes over the roads from each cell to its nearest provider."""
    return baseline_state(roads, scenario).baseline_nearest(cx, cy, sx, sy)


@dataclass(frozen=True)
class _ServiceResult:
    """One service's step 3 over the populated cells (minutes and baseline minutes), and
    its timeline: the rows of the cells covered at some instant although uncovered in step
    3, whether each is covered at each instant, the people unreachable per area and
    instant."""

    minutes: FloatArray
    baseline: FloatArray
    changing_rows: IntArray
    covered_at: BoolArray
    unreachable_at: FloatArray


def power_steps(
    sites: SiteTable,
    scenario: Scenario,
    own_hours: FloatArray | None = None,
    roads: RoadState | None = None,
) -> PowerSteps:
    """Steps 1 and 2: power status of every care, food, energy and utility site, then
    mobile generators to care sites (never to utility sites).

    own_hours replaces F of step 1 (default: from the sites' backup), as the backup-power
    plan does when it equips sites. roads: the road network under this scenario (v3),
    None for straight-line travel.
    """
    site_factor = speed_factor_xy(
        scenario.snow_zones, scenario.parameters.speed_factors, sites.x, sites.y
    )
    stepped = np.isin(sites.category, STEP1_CATEGORIES)
    site_duration = outage_hours_xy(scenario, sites.x, sites.y)
    in_outage = site_duration > 0
    own = _own_backup_hours(sites) if own_hours is None else own_hours
    return redispatch(sites, scenario, site_factor, stepped, in_outage, own, site_duration, roads)


def redispatch(
    sites: SiteTable,
    scenario: Scenario,
    site_factor: FloatArray,
    stepped: BoolArray,
    in_outage: BoolArray,
    own_hours: FloatArray,
    site_duration: FloatArray | None = None,
    roads: RoadState | None = None,
) -> PowerSteps:
    """Steps 1 and 2 from the speed factors, outage membership and D of power_steps, with
    F = own_hours: what changes when only F changes. site_duration None: the scenario's
    duration_hours inside the outage (one duration, as in version 2)."""
    if site_duration is None:
        site_duration = np.where(in_outage, scenario.duration_hours, 0.0)
    hours_before = np.where(
        stepped, np.where(in_outage, np.maximum(0.0, site_duration - own_hours), 0.0), np.nan
    )
    generator_index, arrival_hours, hours_after, routes = _dispatch(
        sites, site_factor, own_hours, hours_before, site_duration, scenario.parameters, roads
    )
    return PowerSteps(
        site_factor=site_factor,
        stepped=stepped,
        in_outage=in_outage,
        own_hours=own_hours,
        hours_before=hours_before,
        generator_index=generator_index,
        arrival_hours=arrival_hours,
        hours_after=hours_after,
        site_duration=site_duration,
        generator_routes=routes,
    )


def generator_fuel(sites: SiteTable, generator_index: IntArray) -> FloatArray:
    """G per site: the fuel_hours of its assigned generator, inf for null (refuelled) and
    for sites without a generator (then unused)."""
    fuel = sites.fuel_hours[np.maximum(generator_index, 0)]
    return np.where(np.isnan(fuel), np.inf, fuel)


def plant_power_end(steps: PowerSteps, plant_index: IntArray) -> FloatArray:
    """P per site: the hour its heat plant loses power (its F inside the outage), inf for
    a plant outside every outage and for sites on no plant. Plants get step 1 only."""
    plant = np.maximum(plant_index, 0)
    end = np.where(steps.in_outage[plant] & steps.stepped[plant], steps.own_hours[plant], np.inf)
    return np.where(plant_index >= 0, end, np.inf)


def plant_power_back(steps: PowerSteps, plant_index: IntArray) -> FloatArray:
    """v3, per site: the hour its heat plant has power again (the plant's own D); 0 where
    there is no plant (then unused: its P is inf)."""
    plant = np.maximum(plant_index, 0)
    return np.where(plant_index >= 0, steps.site_duration[plant], 0.0)


@dataclass(frozen=True, eq=False)
class HeatState:
    """Time and Heat of some sites: windows (e1, s2, e2), gaps (start, end) of shape
    (n, 2), and the cold figures of cold_figures (hours, °C)."""

    power: tuple[FloatArray, FloatArray, FloatArray]
    heat: tuple[FloatArray, FloatArray, FloatArray]
    unpowered: tuple[FloatArray, FloatArray]
    unheated: tuple[FloatArray, FloatArray]
    cold_after_hours: FloatArray
    hours_cold: FloatArray
    first_cold_hour: FloatArray
    min_indoor_c: FloatArray


def site_heat(
    inside: BoolArray,
    own_hours: FloatArray,
    generator_index: IntArray,
    arrival_hours: FloatArray,
    fuel: FloatArray,
    plant_end: FloatArray,
    tau: FloatArray,
    scenario: Scenario,
    gap_end: FloatArray | None = None,
    plant_back: FloatArray | None = None,
) -> HeatState:
    """Time and Heat in closed form for the sites given as parallel arrays (any subset):
    inside the outage with a power status, F, generator row, arrival, G, plant end P, tau.

    v3: gap_end is each site's D inside the outage (the scenario's D outside it; see
    PowerSteps.gap_end), plant_back its plant's D; None: the scenario's D for both (v2)."""
    duration = scenario.outage_duration
    if gap_end is None:
        gap_end = np.full(inside.shape, duration)
    if plant_back is None:
        plant_back = np.full(inside.shape, duration)
    power = powered_windows(inside, own_hours, generator_index, arrival_hours, fuel)
    heat = heated_windows(*power, plant_end)
    unpowered = gaps(*power, gap_end)
    unheated = unheated_intervals(*unpowered, plant_end, plant_back, gap_end)
    tstar, hours_cold, first_cold, min_indoor = cold_figures(*unheated, tau, scenario.parameters)
    return HeatState(
        power=power,
        heat=heat,
        unpowered=unpowered,
        unheated=unheated,
        cold_after_hours=tstar,
        hours_cold=hours_cold,
        first_cold_hour=first_cold,
        min_indoor_c=min_indoor,
    )


def _silent(fraction: float, step: str) -> None:
    """The progress callback when none is given."""


def _area_index(values: ObjectArray, codes: list[str], what: str) -> IntArray:
    """Position of each code in the sorted codes; len(codes) for None (no municipality)."""
    index = np.full(values.shape, len(codes), dtype=np.int64)
    known = ~is_none(values)
    if not known.any():
        return index
    present = values[known].astype(str)
    table = np.asarray(codes, dtype=str)
    position = np.searchsorted(table, present)
    found = position < table.size
    found[found] = table[position[found]] == present[found]
    if not found.all():
        raise ValueError(
            f"{what} municipality {present[~found][0]!r} is not among the municipalities"
        )
    index[known] = position
    return index


def _own_backup_hours(sites: SiteTable) -> FloatArray:
    """F of step 1, hours: fuel_hours when the backup exists and carries the load, else 0.

    A site has backup power when backup_kw > 0 and fuel_hours > 0 (NaN compares False, so a
    null in either means none); an unknown critical load is carried by any backup.
    """
    has_backup = (sites.backup_kw > 0) & (sites.fuel_hours > 0)
    carries = np.isnan(sites.critical_load_kw) | (sites.backup_kw >= sites.critical_load_kw)
    return np.where(has_backup & carries, sites.fuel_hours, 0.0)


def _status(
    powered: BoolArray, in_outage: BoolArray, hours: FloatArray, duration: FloatArray
) -> ObjectArray:
    """Status labels of step 1 (duration: each site's D); None for power sites."""
    code = np.select(
        [~in_outage, hours == 0, hours < duration],
        [0, 1, 2],
        default=3,
    )
    status: ObjectArray = np.asarray(STATUSES, dtype=object)[code]
    status[~powered] = None
    return status


def care_priority(sites: SiteTable, rows: IntArray) -> FloatArray:
    """Priority of the given care sites: the site's own, else its kind's default."""
    kind = sites.kind[rows]
    default = np.zeros(rows.size, dtype=np.float64)
    for name, value in CARE_PRIORITY.items():
        default[kind == name] = value
    own = sites.priority[rows]
    return np.where(np.isnan(own), default, own)


def _visiting_order(sites: SiteTable, candidates: IntArray) -> IntArray:
    """Candidates ordered by priority ascending (the site's own, else its kind's default),
    residents descending (null as 0), source_id ascending as text, then id."""
    priority = care_priority(sites, candidates)
    residents = np.nan_to_num(sites.residents[candidates], nan=0.0)
    source = text_rank(sites.source_id[candidates])
    # lexsort sorts by the last key first.
    order = np.lexsort((sites.id[candidates], source, -residents, priority))
    return candidates[order]


def dispatch_order(sites: SiteTable, hours_before: FloatArray) -> tuple[IntArray, IntArray]:
    """(care sites step 2 visits, in visiting order; mobile generators in tie-break order,
    source_id as text then id): rows into sites."""
    candidates = np.flatnonzero((sites.category == "care") & (hours_before > 0))
    generators = np.flatnonzero((sites.category == "power") & (sites.kind == MOBILE_GENERATOR))
    generators = generators[
        np.lexsort((sites.id[generators], text_rank(sites.source_id[generators])))
    ]
    return _visiting_order(sites, candidates), generators


def arrival_matrix(
    sites: SiteTable,
    rows: IntArray,
    generators: IntArray,
    site_factor: FloatArray,
    parameters: Parameters,
    roads: RoadState | None = None,
) -> FloatArray:
    """A = mobilization_hours + minutes(generator, site) / 60 (hours) for each care site of
    rows (axis 0) and generator (axis 1); inf where the generator's capacity cannot carry
    the site's critical load (a null capacity is 0, an unknown load any capacity), and
    (v3, roads) where the minutes are infinite."""
    if roads is None:
        gx, gy = sites.x[generators][None, :], sites.y[generators][None, :]
        sx, sy = sites.x[rows][:, None], sites.y[rows][:, None]
        factor = np.minimum(site_factor[generators][None, :], site_factor[rows][:, None])
        minutes = travel_minutes(distance_m(gx, gy, sx, sy), factor, parameters)
    else:
        minutes = roads.pair_minutes(
            sites.x[rows],
            sites.y[rows],
            site_factor[rows],
            sites.x[generators],
            sites.y[generators],
            site_factor[generators],
        )
    return _arrival_hours(sites, rows, generators, minutes)


def _arrival_hours(
    sites: SiteTable, rows: IntArray, generators: IntArray, minutes: FloatArray
) -> FloatArray:
    """mobilization_hours + minutes / 60 of each site of rows (axis 0) and generator (axis
    1); inf where the generator cannot carry the site's critical load."""
    mobilization = np.nan_to_num(sites.mobilization_hours[generators], nan=0.0)
    capacity = np.nan_to_num(sites.capacity_kw[generators], nan=0.0)
    arrival: FloatArray = np.where(
        carries(capacity, sites.critical_load_kw[rows]),
        arrival_time(mobilization[None, :], minutes),
        np.inf,
    )
    return arrival


def generator_hours(
    duration: FloatArray | float,
    arrival: FloatArray | float,
    own_hours: FloatArray | float,
    fuel: FloatArray | float,
) -> FloatArray:
    """hours_unpowered of a site assigned a generator arriving at A with G hours of fuel
    (inf: unlimited) and F hours of its own: max(0, min(D, A) - F) + max(0, D - max(A, F) - G)."""
    return np.asarray(
        np.maximum(0.0, np.minimum(duration, arrival) - own_hours)
        + np.maximum(0.0, duration - np.maximum(arrival, own_hours) - fuel)
    )


def _dispatch(
    sites: SiteTable,
    site_factor: FloatArray,
    own_hours: FloatArray,
    hours_before: FloatArray,
    site_duration: FloatArray,
    parameters: Parameters,
    roads: RoadState | None = None,
) -> tuple[IntArray, FloatArray, FloatArray, dict[int, FloatArray]]:
    """Step 2: (generator row per site or -1, arrival hours or NaN, hours_unpowered after,
    routes: with roads, each assigned site's route from its generator, see _dispatch_roads).
    site_duration: D per site (v3).

    The visit is sequential by nature (each assignment takes a generator away from later
    sites), so the loop is over candidate sites; arrival times are computed a block of
    sites at a time against all generators.
    """
    generator_index = np.full(len(sites), -1, dtype=np.int64)
    arrival_hours = np.full(len(sites), np.nan)
    hours_after = hours_before.copy()
    visit, generators = dispatch_order(sites, hours_before)
    if visit.size == 0 or generators.size == 0:
        return generator_index, arrival_hours, hours_after, {}
    if roads is not None:
        routes = _dispatch_roads(
            sites,
            visit,
            generators,
            site_factor,
            site_duration,
            parameters,
            roads,
            generator_index,
            arrival_hours,
        )
        taken = np.flatnonzero(generator_index >= 0)
        hours_after[taken] = generator_hours(
            site_duration[taken],
            arrival_hours[taken],
            own_hours[taken],
            generator_fuel(sites, generator_index[taken]),
        )
        return generator_index, arrival_hours, hours_after, routes
    # Columns in tie-break order, so that argmin's first minimum is the lowest source_id.
    g_fuel = generator_fuel(sites, generators)
    free = np.ones(generators.size, dtype=bool)
    n_free = generators.size
    latest = parameters.mobile_max_hours

    for start in range(0, visit.size, _DISPATCH_BLOCK):
        if n_free == 0:
            break
        block = visit[start : start + _DISPATCH_BLOCK]
        # inf marks a generator this site cannot take: too small, or already assigned.
        arrival = arrival_matrix(sites, block, generators, site_factor, parameters)
        arrival[:, ~free] = np.inf
        for row, site in enumerate(block.tolist()):
            column = int(arrival[row].argmin())
            earliest = float(arrival[row, column])
            duration = float(site_duration[site])
            if not in_time(earliest, duration, latest):
                continue
            generator_index[site] = generators[column]
            arrival_hours[site] = earliest
            hours_after[site] = float(
                generator_hours(duration, earliest, float(own_hours[site]), float(g_fuel[column]))
            )
            free[column] = False
            n_free -= 1
            arrival[row + 1 :, column] = np.inf
            if n_free == 0:
                break
    return generator_index, arrival_hours, hours_after, {}


def _dispatch_roads(
    sites: SiteTable,
    visit: IntArray,
    generators: IntArray,
    site_factor: FloatArray,
    site_duration: FloatArray,
    parameters: Parameters,
    roads: RoadState,
    generator_index: IntArray,
    arrival_hours: FloatArray,
) -> dict[int, FloatArray]:
    """Step 2 over the roads (v3), of _dispatch's visited sites and generators: fills in
    generator_index and arrival_hours, and returns the route of each assignment (site row:
    x, y rows from the generator to the site, along the roads when the route is what makes
    its arrival)."""
    assigned = dispatch_over_roads(
        roads,
        road_sites(
            roads,
            sites.x[visit],
            sites.y[visit],
            site_factor[visit],
            sites.critical_load_kw[visit],
            site_duration[visit],
            parameters.mobile_max_hours,
        ),
        road_generators(
            roads,
            sites.x[generators],
            sites.y[generators],
            site_factor[generators],
            sites.mobilization_hours[generators],
            sites.capacity_kw[generators],
        ),
    )
    taken = np.flatnonzero(assigned.column >= 0)
    generator_index[visit[taken]] = generators[assigned.column[taken]]
    arrival_hours[visit[taken]] = assigned.arrival[taken]
    return {int(visit[row]): assigned.routes[int(row)] for row in taken}


def _providers(sites: SiteTable) -> dict[str, IntArray]:
    """Rows of the sites that provide each service when operational."""
    food = sites.category == "food"
    care = (sites.category == "care") & np.isin(sites.kind, CARE_SERVICE_KINDS)
    shelter = (sites.category == "energy") & (sites.shelter_capacity > 0)
    masks = {"food": food, "care": care, "shelter": shelter}
    return {service: np.flatnonzero(masks[service]) for service in SERVICES}


def _nearest(sx: FloatArray, sy: FloatArray, qx: FloatArray, qy: FloatArray) -> IntArray:
    """Index of the nearest site (by Euclidean distance) to each query point."""
    tree = cKDTree(np.column_stack((sx, sy)), balanced_tree=False)
    workers = -1 if qx.size >= _PARALLEL_QUERIES else 1
    _, index = tree.query(np.column_stack((qx, qy)), workers=workers)
    return np.asarray(index, dtype=np.int64)


def _fastest(
    qx: FloatArray,
    qy: FloatArray,
    q_factor: FloatArray,
    sx: FloatArray,
    sy: FloatArray,
    s_factor: FloatArray,
    parameters: Parameters,
) -> FloatArray:
    """Minutes from each query point to the fastest-reached site; inf when there is none."""
    best = np.full(qx.size, np.inf)
    if qx.size == 0:
        return best
    for value in np.unique(s_factor):
        group = np.flatnonzero(s_factor == value)
        near = group[_nearest(sx[group], sy[group], qx, qy)]
        factor = np.minimum(q_factor, value)
        candidate = travel_minutes(distance_m(qx, qy, sx[near], sy[near]), factor, parameters)
        np.minimum(best, candidate, out=best)
    return best


def _service_minutes(
    cx: FloatArray,
    cy: FloatArray,
    c_factor: FloatArray,
    sx: FloatArray,
    sy: FloatArray,
    s_factor: FloatArray,
    operational: BoolArray,
    parameters: Parameters,
) -> tuple[FloatArray, FloatArray]:
    """(baseline, scenario) minutes from each cell centre to one service's providers.

    Baseline: every provider is operational and every factor is 1.0, so the nearest
    provider is the fastest. Scenario: a cell is settled without another search when its
    baseline nearest provider is operational and reached at the best factor any operational
    provider could offer that cell, min(f_cell, max f_site): no provider is nearer, none is
    faster per metre. The other cells search each factor group of operational providers.
    """
    base = np.full(cx.size, np.inf)
    scen = np.full(cx.size, np.inf)
    if cx.size == 0 or sx.size == 0:
        return base, scen
    nearest = _nearest(sx, sy, cx, cy)
    d0 = distance_m(cx, cy, sx[nearest], sy[nearest])
    base = travel_minutes(d0, 1.0, parameters)
    if not operational.any():
        return base, scen
    f0 = np.minimum(c_factor, s_factor[nearest])
    bound = np.minimum(c_factor, s_factor[operational].max())
    settled = operational[nearest] & (f0 == bound)
    scen[settled] = travel_minutes(d0[settled], f0[settled], parameters)
    rest = np.flatnonzero(~settled)
    if rest.size:
        scen[rest] = _fastest(
            cx[rest],
            cy[rest],
            c_factor[rest],
            sx[operational],
            sy[operational],
            s_factor[operational],
            parameters,
        )
    return base, scen


def _spread(values: NDArray[Any], rows: IntArray, size: int, fill: float | bool) -> NDArray[Any]:
    """Values of the populated cells placed into an array over all cells."""
    out = np.full(size, fill, dtype=values.dtype)
    out[rows] = values
    return out


def _int_sums(index: IntArray, values: IntArray, size: int) -> IntArray:
    """Integer sums per area (exact, unlike bincount's float64 weights)."""
    out = np.zeros(size, dtype=np.int64)
    np.add.at(out, index, values)
    return out


def _area_summaries(
    n_codes: int,
    sites: SiteTable,
    cells: CellTable,
    site_area: IntArray,
    cell_area: IntArray,
    covered: dict[str, BoolArray],
    baseline_covered: dict[str, BoolArray],
    hours_after: FloatArray,
    generator_index: IntArray,
    hours_cold: FloatArray,
    operational: BoolArray,
    target_days: float,
    unreachable: dict[str, BoolArray],
    baseline_unreachable: dict[str, BoolArray],
) -> list[AreaSummary]:
    """One summary per municipality (sorted codes), then one for no municipality.

    v3: a home-care base's residents are its clients: 0 in every residents figure, counted
    in home_care_clients_unpowered instead."""
    size = n_codes + 1
    population = _int_sums(cell_area, cells.population, size)
    people = cells.population  # an unpopulated cell adds 0 whether covered or not
    uncovered = {s: _int_sums(cell_area, people * ~covered[s], size) for s in SERVICES}
    baseline = {s: _int_sums(cell_area, people * ~baseline_covered[s], size) for s in SERVICES}
    lost = {s: _int_sums(cell_area, people * unreachable[s], size) for s in SERVICES}
    lost_baseline = {
        s: _int_sums(cell_area, people * baseline_unreachable[s], size) for s in SERVICES
    }
    care = sites.category == "care"
    residents = resident_counts(sites)
    unpowered = care & (hours_after > 0)
    clients = home_care_clients(sites)
    clients_unpowered = _int_sums(site_area[unpowered], clients[unpowered].astype(np.int64), size)
    sites_unpowered = np.bincount(site_area[unpowered], minlength=size)
    residents_unpowered = _int_sums(
        site_area[unpowered], residents[unpowered].astype(np.int64), size
    )
    # Summed in id order, so that the float sum does not depend on the order of the rows.
    care_rows = np.flatnonzero(care)
    care_rows = care_rows[np.argsort(sites.id[care_rows], kind="stable")]
    resident_hours = np.bincount(
        site_area[care_rows],
        weights=residents[care_rows] * hours_after[care_rows],
        minlength=size,
    )
    generators = np.bincount(site_area[generator_index >= 0], minlength=size)
    cold = care & (hours_cold > 0)
    sites_cold = np.bincount(site_area[cold], minlength=size)
    residents_cold = _int_sums(site_area[cold], residents[cold].astype(np.int64), size)
    resident_hours_cold = np.bincount(
        site_area[care_rows],
        weights=residents[care_rows] * hours_cold[care_rows],
        minlength=size,
    )
    shelters = (sites.category == "energy") & (sites.shelter_capacity > 0) & (hours_cold > 0)
    shelters_cold = np.bincount(site_area[shelters], minlength=size)
    food, _ = food_stock(sites, site_area, operational, population, target_days)
    return [
        AreaSummary(
            population=int(population[a]),
            uncovered=ServiceCounts(*(int(uncovered[s][a]) for s in SERVICES)),
            baseline_uncovered=ServiceCounts(*(int(baseline[s][a]) for s in SERVICES)),
            care_sites_unpowered=int(sites_unpowered[a]),
            residents_unpowered=int(residents_unpowered[a]),
            resident_hours_unpowered=float(resident_hours[a]),
            generators_assigned=int(generators[a]),
            care_sites_cold=int(sites_cold[a]),
            residents_cold=int(residents_cold[a]),
            resident_hours_cold=float(resident_hours_cold[a]),
            shelters_cold=int(shelters_cold[a]),
            food=food[a],
            home_care_clients_unpowered=int(clients_unpowered[a]),
            unreachable=ServiceCounts(*(int(lost[s][a]) for s in SERVICES)),
            baseline_unreachable=ServiceCounts(*(int(lost_baseline[s][a]) for s in SERVICES)),
        )
        for a in range(size)
    ]


def resident_counts(sites: SiteTable) -> FloatArray:
    """Residents per site for every residents figure (null as 0; v3: 0 for home-care bases,
    whose residents are clients living in their own homes)."""
    residents: FloatArray = np.nan_to_num(sites.residents, nan=0.0)
    residents[(sites.category == "care") & (sites.kind == HOME_CARE_BASE)] = 0.0
    return residents


def home_care_clients(sites: SiteTable) -> FloatArray:
    """v3: the clients (residents) of each home-care base (null as 0); 0 for other sites."""
    base = (sites.category == "care") & (sites.kind == HOME_CARE_BASE)
    clients: FloatArray = np.where(base, np.nan_to_num(sites.residents, nan=0.0), 0.0)
    return clients


def _add_areas(areas: list[AreaSummary]) -> AreaSummary:
    """The sum of area summaries: exact for counts; math.fsum (correctly rounded) for the
    person-hours, so the county is the sum of the parts however they are ordered. The food
    figures are not sums: the caller replaces them with the county's own."""

    def counts(attribute: str) -> ServiceCounts:
        return ServiceCounts(
            *(sum(getattr(getattr(a, attribute), s) for a in areas) for s in SERVICES)
        )

    return AreaSummary(
        population=sum(a.population for a in areas),
        uncovered=counts("uncovered"),
        baseline_uncovered=counts("baseline_uncovered"),
        care_sites_unpowered=sum(a.care_sites_unpowered for a in areas),
        residents_unpowered=sum(a.residents_unpowered for a in areas),
        resident_hours_unpowered=math.fsum(a.resident_hours_unpowered for a in areas),
        generators_assigned=sum(a.generators_assigned for a in areas),
        care_sites_cold=sum(a.care_sites_cold for a in areas),
        residents_cold=sum(a.residents_cold for a in areas),
        resident_hours_cold=math.fsum(a.resident_hours_cold for a in areas),
        shelters_cold=sum(a.shelters_cold for a in areas),
        food=areas[-1].food,
        home_care_clients_unpowered=sum(a.home_care_clients_unpowered for a in areas),
        unreachable=counts("unreachable"),
        baseline_unreachable=counts("baseline_unreachable"),
    )


def _fields(area: AreaSummary) -> dict[str, Any]:
    """An AreaSummary's fields by name, to build its subclasses from it."""
    return {item.name: getattr(area, item.name) for item in dataclasses.fields(AreaSummary)}


def available_at(hours: FloatArray, start: FloatArray, end: FloatArray) -> BoolArray:
    """(sites × instants): whether each site is outside all of its intervals [start, end)
    (shape (sites, m)) at each instant."""
    n, n_hours = start.shape[0], hours.size
    if n == 0 or n_hours == 0:
        return np.ones((n, n_hours), dtype=bool)
    k0, k1 = during(hours, start, end)
    held = k1 > k0
    width = n_hours + 1
    base = (np.arange(n, dtype=np.int64) * width)[:, None]
    index = np.concatenate([(base + k0)[held], (base + k1)[held]])
    values = np.concatenate([np.ones(int(held.sum())), -np.ones(int(held.sum()))])
    diff = np.bincount(index, weights=values, minlength=n * width)
    inside = np.cumsum(diff.reshape(n, width), axis=1)[:, :n_hours] > 0.5
    return ~inside


class _AreaWeights:
    """Populated cells' areas and people: sums of people per area of cells marked."""

    def __init__(self, area: IntArray, people: IntArray, size: int) -> None:
        self.matrix = sparse.csr_matrix(
            (people.astype(np.float64), (area, np.arange(area.size))), shape=(size, area.size)
        )
        self.totals = np.bincount(area, weights=people.astype(np.float64), minlength=size)

    def people(self, marked: BoolArray) -> FloatArray:
        """(areas × columns): the people of the cells marked in each column of marked."""
        out: FloatArray = np.asarray(self.matrix @ marked.astype(np.float64), dtype=np.float64)
        return out


def _over_time(
    cx: FloatArray,
    cy: FloatArray,
    c_factor: FloatArray,
    uncovered: BoolArray,
    sx: FloatArray,
    sy: FloatArray,
    s_factor: FloatArray,
    open_at: BoolArray,
    always: BoolArray,
    threshold: float,
    parameters: Parameters,
    roads: RoadState | None,
    weights: _AreaWeights,
) -> tuple[IntArray, BoolArray, FloatArray]:
    """The timeline of one service: (positions among the cells given of the cells that are
    covered at some instant although uncovered in step 3, whether each is covered at each
    instant, the people unreachable per area at each instant (areas × instants)).

    open_at: whether each provider is available at each instant (providers × instants).
    Without roads, every provider is reached in finite time, so a cell is unreachable
    exactly when no provider is available. With roads, one search per distinct set of
    available providers (the set of step 3 needs none).
    """
    n_hours = open_at.shape[1]
    if roads is None:
        changing, at = _covered_over_time(
            cx, cy, c_factor, uncovered, sx, sy, s_factor, open_at, always, threshold, parameters
        )
        nobody = ~np.asarray(open_at.any(axis=0), dtype=bool)
        return changing, at, weights.totals[:, None] * nobody[None, :]
    if n_hours == 0:  # no timeline: no cell changes, nobody to count
        nothing = np.zeros((0, 0), dtype=bool)
        return np.zeros(0, dtype=np.int64), nothing, np.zeros((weights.totals.size, 0))
    candidates = np.flatnonzero(uncovered)
    at = np.zeros((candidates.size, n_hours), dtype=bool)
    sets, inverse = np.unique(open_at.T, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    lost = weights.people(~roads.reachable(cx, cy, sx, sy, sets.T))[:, inverse]
    for number, chosen in enumerate(sets):
        instants = np.flatnonzero(inverse == number)
        if candidates.size == 0 or np.array_equal(chosen, always) or not chosen.any():
            continue  # the providers of step 3: the cells uncovered there stay uncovered
        # Step 3's providers leave every candidate beyond the threshold, so a candidate is
        # covered now exactly when one of the others available now is within it.
        extra = chosen & ~always if not (always & ~chosen).any() else chosen
        fastest = roads.nearest(
            cx[candidates],
            cy[candidates],
            c_factor[candidates],
            sx[extra],
            sy[extra],
            s_factor[extra],
            limit=threshold,
        )
        at[:, instants] = (fastest <= threshold)[:, None]
    sometimes = at.any(axis=1)
    return candidates[sometimes], at[sometimes], lost


def _covered_over_time(
    cx: FloatArray,
    cy: FloatArray,
    c_factor: FloatArray,
    uncovered: BoolArray,
    sx: FloatArray,
    sy: FloatArray,
    s_factor: FloatArray,
    open_at: BoolArray,
    always: BoolArray,
    threshold: float,
    parameters: Parameters,
) -> tuple[IntArray, BoolArray]:
    """Which cells uncovered in step 3 are covered at each instant of the timeline, with
    straight-line travel.

    A cell covered by the always-available providers (those of step 3) stays covered at
    every instant, so only the cells uncovered in step 3 can change, and only through a
    provider available at some instant within the threshold. Those pairs are found at once
    by a k-d tree range search with the largest distance the threshold allows, then checked
    with the exact travel time.

    Returns (positions among the cells given of the cells that are covered at some
    instant, whether each is covered at each instant (cells × instants)).
    """
    n_hours = open_at.shape[1]
    sometimes = np.flatnonzero(~always & open_at.any(axis=1))
    candidates = np.flatnonzero(uncovered)
    none = (np.zeros(0, dtype=np.int64), np.zeros((0, n_hours), dtype=bool))
    if candidates.size == 0 or sometimes.size == 0 or n_hours == 0:
        return none
    qx, qy, qf = cx[candidates], cy[candidates], c_factor[candidates]
    # minutes <= threshold implies d <= threshold · speed · f_cell · 1000 / 60 / circuity
    # (f = min(f_cell, f_site) <= f_cell); the margin keeps rounding from losing a pair.
    reach = threshold * parameters.speed_kmh * float(qf.max()) * 1000 / 60 / parameters.circuity
    reach = reach * (1 + 1e-9) + 1e-6
    pairs = cKDTree(np.column_stack((qx, qy))).sparse_distance_matrix(
        cKDTree(np.column_stack((sx[sometimes], sy[sometimes]))), reach, output_type="ndarray"
    )
    i = np.asarray(pairs["i"], dtype=np.int64)
    j = np.asarray(pairs["j"], dtype=np.int64)
    p = sometimes[j]
    factor = np.minimum(qf[i], s_factor[p])
    near = travel_minutes(distance_m(qx[i], qy[i], sx[p], sy[p]), factor, parameters) <= threshold
    i, j = i[near], j[near]
    if i.size == 0:
        return none
    changing, local = np.unique(i, return_inverse=True)
    local = np.asarray(local).reshape(-1)
    links = sparse.csr_matrix((np.ones(i.size), (local, j)), shape=(changing.size, sometimes.size))
    holding = np.asarray(links @ open_at[sometimes].astype(np.float64))
    return candidates[changing], holding > 0.5


def _timeline_series(
    n_codes: int,
    hours: FloatArray,
    sites: SiteTable,
    cells: CellTable,
    site_area: IntArray,
    cell_area: IntArray,
    areas: list[AreaSummary],
    changing_rows: dict[str, IntArray],
    covered_at: dict[str, BoolArray],
    unpowered_start: FloatArray,
    unpowered_end: FloatArray,
    unheated_start: FloatArray,
    unheated_end: FloatArray,
    tstar: FloatArray,
    unreachable_at: dict[str, FloatArray],
) -> list[Series]:
    """The timeline's series per municipality (sorted codes), then for no municipality.

    Care sites unpowered at t_k: in an unpowered interval, a <= t_k < b; cold: in an
    unheated interval with a + t* < t_k < b. Uncovered people at t_k: those uncovered in
    step 3, less the people of the cells covered at t_k by a provider available then.
    """
    size = n_codes + 1
    n_hours = hours.size
    care = np.flatnonzero(sites.category == "care")
    area = site_area[care]
    ones = np.ones(care.size)
    residents = resident_counts(sites)[care]
    clients = home_care_clients(sites)[care]
    k0, k1 = during(hours, unpowered_start[care], unpowered_end[care])
    c0, c1 = after(hours, unheated_start[care] + tstar[care][:, None], unheated_end[care])
    uncovered: dict[str, FloatArray] = {}
    for service in SERVICES:
        rows = changing_rows[service]
        # people of the changing cells covered at each instant, per area
        weights = sparse.csr_matrix(
            (cells.population[rows].astype(np.float64), (cell_area[rows], np.arange(rows.size))),
            shape=(size, rows.size),
        )
        gained = weights @ covered_at[service].astype(np.float64)
        still = np.asarray([getattr(a.uncovered, service) for a in areas], dtype=np.float64)
        uncovered[service] = still[:, None] - gained
    return Series.rows(
        area_series(area, k0, k1, ones, size, n_hours),
        area_series(area, k0, k1, residents, size, n_hours),
        area_series(area, c0, c1, ones, size, n_hours),
        area_series(area, c0, c1, residents, size, n_hours),
        uncovered,
        area_series(area, k0, k1, clients, size, n_hours),
        unreachable_at,
    )
