"""What a coverage computation returns: per-site and per-cell arrays, area summaries, and
the result document of coverage-model.md.

Units: hours for outage, fuel and arrival times; minutes for travel; people for population
and residents. Nothing is rounded here: rounding is for display only.

Null conventions in the arrays: NaN where a number does not apply (a power site has no
hours_unpowered; an unpopulated cell has no minutes; a site without a generator has no
arrival); math.inf minutes where a service is unreachable because no operational site of
that kind exists at all; -1 in generator_index where no generator is assigned. In the
result document every one of these becomes JSON null.

Version 2 adds, per site, the heat plant and the unpowered and unheated intervals with the
indoor figures of "Heat"; per area the cold and food stock figures; and the timeline.
Version 3 adds each site's outage_hours (its D), per area home_care_clients_unpowered and
the unreachable figures, the same per instant in the timeline, and the "roads" block.
Unheated intervals may be three per site when a plant's D differs from the site's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from resilience.analysis.food import FoodStock
from resilience.analysis.model import (
    MODEL_VERSION,
    SERVICES,
    BoolArray,
    CellTable,
    FloatArray,
    IntArray,
    ObjectArray,
    Parameters,
    SiteTable,
    is_none,
)
from resilience.analysis.timeline import Timeline


@dataclass(frozen=True)
class RoadSummary:
    """v3, the document's "roads": segments of the network, segments closed in the
    scenario, and closure areas (road_closures polygons plus snow zones at or above
    closure_level)."""

    edges: int
    closed_edges: int
    closure_areas: int

    def to_dict(self) -> dict[str, int]:
        return {
            "edges": self.edges,
            "closed_edges": self.closed_edges,
            "closure_areas": self.closure_areas,
        }


# Power status of step 1, in the order of coverage-model.md.
STATUSES: tuple[str, ...] = ("grid", "backup", "partial", "none")


def json_float(value: float) -> float | None:
    """A float for JSON: None for NaN and ±inf (not applicable, or unreachable)."""
    number = float(value)
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class ServiceCounts:
    """People in populated cells not covered, per service of step 3."""

    food: int
    care: int
    shelter: int

    def to_dict(self) -> dict[str, int]:
        return {"food": self.food, "care": self.care, "shelter": self.shelter}


@dataclass(frozen=True)
class AreaSummary:
    """Figures for one area: a municipality, what lies in none, or the county.

    population and the uncovered counts are people; care_sites_unpowered counts care sites
    with hours_unpowered > 0 after step 2, residents_unpowered their residents (null as 0);
    resident_hours_unpowered sums residents × hours_unpowered over care sites (person-hours);
    generators_assigned counts mobile generators assigned to the area's care sites (by the
    site's municipality, not the generator's).
    v3: residents of home-care bases are their clients and count 0 in every residents
    figure; home_care_clients_unpowered sums the clients of bases with hours_unpowered > 0;
    unreachable and baseline_unreachable count the people of populated cells with no finite
    minutes to any operational provider (per service).
    v2: care_sites_cold counts care sites with hours_cold > 0, residents_cold their
    residents, resident_hours_cold sums residents × hours_cold over care sites
    (person-hours), shelters_cold counts warm shelters with hours_cold > 0; food: see
    FoodStock (days None where the population is 0).
    """

    population: int
    uncovered: ServiceCounts
    baseline_uncovered: ServiceCounts
    care_sites_unpowered: int
    residents_unpowered: int
    resident_hours_unpowered: float
    generators_assigned: int
    care_sites_cold: int
    residents_cold: int
    resident_hours_cold: float
    shelters_cold: int
    food: FoodStock
    # v3 (keyword-only, so that the subclasses' fields may follow without defaults).
    home_care_clients_unpowered: int = field(default=0, kw_only=True)
    unreachable: ServiceCounts = field(default=ServiceCounts(0, 0, 0), kw_only=True)
    baseline_unreachable: ServiceCounts = field(default=ServiceCounts(0, 0, 0), kw_only=True)

    def v1_dict(self) -> dict[str, Any]:
        return {
            "population": self.population,
            "uncovered": self.uncovered.to_dict(),
            "baseline_uncovered": self.baseline_uncovered.to_dict(),
            "care_sites_unpowered": self.care_sites_unpowered,
            "residents_unpowered": self.residents_unpowered,
            "resident_hours_unpowered": self.resident_hours_unpowered,
            "generators_assigned": self.generators_assigned,
        }

    def v2_dict(self) -> dict[str, Any]:
        return {
            "care_sites_cold": self.care_sites_cold,
            "residents_cold": self.residents_cold,
            "resident_hours_cold": self.resident_hours_cold,
            "shelters_cold": self.shelters_cold,
            "food_stock_days": self.food.food_stock_days,
            "food_stock_days_baseline": self.food.food_stock_days_baseline,
            "food_stock_deficit_person_days": self.food.food_stock_deficit_person_days,
            "food_sites_stock_unknown": self.food.food_sites_stock_unknown,
        }

    def v3_dict(self) -> dict[str, Any]:
        return {
            "home_care_clients_unpowered": self.home_care_clients_unpowered,
            "unreachable": self.unreachable.to_dict(),
            "baseline_unreachable": self.baseline_unreachable.to_dict(),
        }

    def to_dict(self) -> dict[str, Any]:
        return {**self.v1_dict(), **self.v2_dict(), **self.v3_dict()}


@dataclass(frozen=True)
class MunicipalitySummary(AreaSummary):
    """An AreaSummary of one municipality (code: 4-digit kommun code as text)."""

    code: str
    name: str

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, **super().to_dict()}


@dataclass(frozen=True)
class CountySummary(AreaSummary):
    """The county: the municipalities plus what lies in none of them, exactly.

    generators_free: mobile generators not assigned to any care site.
    """

    generators_free: int

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.v1_dict(),
            "generators_free": self.generators_free,
            **self.v2_dict(),
            **self.v3_dict(),
        }


@dataclass(frozen=True, eq=False)
class CoverageResult:
    """The outcome of coverage.compute for one scenario and its baseline.

    Per-site arrays are parallel to `sites`, per-cell arrays to `cells`; the per-service
    dicts are keyed "food", "care", "shelter".
    """

    parameters: Parameters
    duration_hours: float
    sites: SiteTable
    cells: CellTable
    # Per site.
    site_speed_factor: FloatArray
    in_outage: BoolArray
    status: ObjectArray  # STATUSES for care, food and energy sites; None for power sites
    hours_unpowered_before: FloatArray  # after step 1, hours; NaN for power sites
    hours_unpowered: FloatArray  # after step 2, hours; NaN for power sites
    generator_index: IntArray  # row in `sites` of the assigned generator, -1 if none
    arrival_hours: FloatArray  # arrival of the assigned generator, hours; NaN if none
    # Per site, v2 (Time and Heat). Intervals are (sites, 2) arrays of [start, end) hours
    # within [0, D), an empty one (D, D); (D, D) too for sites without a power status.
    plant_index: IntArray  # row in `sites` of the heat plant it depends on, -1 if none
    unpowered_start: FloatArray
    unpowered_end: FloatArray
    unheated_start: FloatArray  # maximal unheated intervals (care and energy sites)
    unheated_end: FloatArray
    cold_after_hours: FloatArray  # t* per site; NaN for sites not followed indoors
    hours_cold: FloatArray  # NaN for sites other than care and energy
    first_cold_hour: FloatArray  # NaN where never cold (and for sites not followed)
    min_indoor_c: FloatArray  # °C; NaN for sites not followed
    # Per cell.
    populated: BoolArray
    cell_speed_factor: FloatArray  # NaN for unpopulated cells
    minutes: dict[str, FloatArray]  # scenario; NaN unpopulated, inf unreachable
    baseline_minutes: dict[str, FloatArray]
    covered: dict[str, BoolArray]  # minutes <= threshold; False for unpopulated cells
    baseline_covered: dict[str, BoolArray]
    # Summaries.
    municipalities: tuple[MunicipalitySummary, ...]  # sorted by code
    no_municipality: AreaSummary  # sites and cells outside every municipality
    county: CountySummary
    timeline: Timeline
    model_version: int = MODEL_VERSION
    # v3: each site's D (hours; 0 outside every outage polygon, NaN for sites without a
    # power status), and the road figures of the document (None without roads).
    outage_hours: FloatArray | None = None
    roads: RoadSummary | None = None
    # v3: with roads, each assigned site's (row's) way from its generator, x, y rows
    # (EPSG:3006) along the road nodes of the route that makes its arrival (straight when
    # direct travel does); empty without roads.
    generator_routes: Mapping[int, FloatArray] = field(default_factory=dict)

    def site_outage_hours(self) -> FloatArray:
        """Each site's D: outage_hours, or (without it) the duration inside the outage."""
        if self.outage_hours is not None:
            return self.outage_hours
        hours: FloatArray = np.where(self.in_outage, self.duration_hours, 0.0)
        return hours

    @property
    def generator_id(self) -> IntArray:
        """Site id of the assigned generator, -1 where none (ids are positive)."""
        ids = np.full(self.generator_index.shape, -1, dtype=np.int64)
        assigned = self.generator_index >= 0
        ids[assigned] = self.sites.id[self.generator_index[assigned]]
        return ids

    @property
    def generator_source_id(self) -> ObjectArray:
        """source_id of the assigned generator, None where none."""
        source_ids = np.full(self.generator_index.shape, None, dtype=object)
        assigned = self.generator_index >= 0
        source_ids[assigned] = self.sites.source_id[self.generator_index[assigned]]
        return source_ids

    @property
    def heat_plant_source_id(self) -> ObjectArray:
        """source_id of the heat plant each site depends on, None where none."""
        source_ids = np.full(self.plant_index.shape, None, dtype=object)
        depends = self.plant_index >= 0
        source_ids[depends] = self.sites.source_id[self.plant_index[depends]]
        return source_ids

    def unpowered_at(self, hour: float) -> BoolArray:
        """Sites without power at instant `hour` (0 <= hour < D; False outside)."""
        inside = (self.unpowered_start <= hour) & (hour < self.unpowered_end)
        return np.asarray(inside.any(axis=1))  # typed bool | array: axis=1 gives an array

    def cold_at(self, hour: float) -> BoolArray:
        """Care and energy sites cold at instant `hour`: in an unheated interval [a, b)
        with a + t* < hour < b."""
        tstar = self.cold_after_hours[:, None]
        with np.errstate(invalid="ignore"):
            inside = (self.unheated_start + tstar < hour) & (hour < self.unheated_end)
        return np.asarray(inside.any(axis=1))  # typed bool | array: axis=1 gives an array

    def covered_at(self, service: str, k: int) -> BoolArray:
        """Cells covered for a service at the timeline's instant k (False if unpopulated)."""
        covered = self.covered[service].copy()
        covered[self.timeline.covered_rows[service]] = self.timeline.covered_at[service][:, k]
        return covered

    @property
    def operational(self) -> BoolArray:
        """Care, food and energy sites with hours_unpowered 0 after step 2."""
        operational: BoolArray = self.hours_unpowered == 0
        return operational

    @property
    def care_gaps(self) -> BoolArray:
        """Care sites with hours_unpowered > 0 after step 2."""
        gaps: BoolArray = (self.sites.category == "care") & (self.hours_unpowered > 0)
        return gaps

    def gaps(self) -> dict[str, BoolArray]:
        """Populated cells not covered in the scenario, per service."""
        return {s: self.populated & ~self.covered[s] for s in SERVICES}

    def new_gaps(self) -> dict[str, BoolArray]:
        """Gaps of the scenario that were covered in the baseline, per service."""
        return {s: self.populated & ~self.covered[s] & self.baseline_covered[s] for s in SERVICES}

    def site_records(self) -> list[dict[str, Any]]:
        """The "sites" of the result document: care, food, energy and utility sites by id."""
        sites = self.sites
        rows = np.flatnonzero(~is_none(self.status))
        rows = rows[np.argsort(sites.id[rows], kind="stable")]
        generator = self.generator_index[rows]
        assigned = generator >= 0
        generator_rows = generator[assigned]
        generator_id: list[int | None] = [None] * rows.size
        generator_source: list[str | None] = [None] * rows.size
        for position, gid, gsource in zip(
            np.flatnonzero(assigned).tolist(),
            sites.id[generator_rows].tolist(),
            sites.source_id[generator_rows].tolist(),
            strict=True,
        ):
            generator_id[position] = gid
            generator_source[position] = gsource
        # tolist() turns NumPy scalars into the plain int/float/str json.dumps accepts.
        columns = zip(
            sites.id[rows].tolist(),
            sites.source_id[rows].tolist(),
            sites.category[rows].tolist(),
            sites.kind[rows].tolist(),
            sites.municipality[rows].tolist(),
            self.status[rows].tolist(),
            self.site_outage_hours()[rows].tolist(),
            self.hours_unpowered_before[rows].tolist(),
            self.hours_unpowered[rows].tolist(),
            generator_id,
            generator_source,
            self.arrival_hours[rows].tolist(),
            self.heat_plant_source_id[rows].tolist(),
            self.hours_cold[rows].tolist(),
            self.first_cold_hour[rows].tolist(),
            self.min_indoor_c[rows].tolist(),
            strict=True,
        )
        return [
            {
                "id": site_id,
                "source_id": source_id,
                "category": category,
                "kind": kind,
                "municipality": municipality,
                "status": status,
                "outage_hours": outage,
                "hours_unpowered_before": before,
                "hours_unpowered": after,
                "generator_id": gid,
                "generator_source_id": gsource,
                "arrival_hours": json_float(arrival),
                "heat_plant_source_id": plant,
                "hours_cold": json_float(cold),
                "first_cold_hour": json_float(first),
                "min_indoor_c": json_float(coldest),
            }
            for (
                site_id,
                source_id,
                category,
                kind,
                municipality,
                status,
                outage,
                before,
                after,
                gid,
                gsource,
                arrival,
                plant,
                cold,
                first,
                coldest,
            ) in columns
        ]

    def to_document(self) -> dict[str, Any]:
        """The result document of coverage-model.md as plain JSON-able Python (no NaN)."""
        return {
            "model_version": self.model_version,
            "parameters": self.parameters.to_dict(),
            "sites": self.site_records(),
            "municipalities": [m.to_dict() for m in self.municipalities],
            "county": self.county.to_dict(),
            "timeline": self.timeline.to_dict(),
            "roads": None if self.roads is None else self.roads.to_dict(),
        }
