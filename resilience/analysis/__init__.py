"""Pure coverage computation (coverage-model.md, version 3): arrays in, arrays out, no I/O.

Coordinates EPSG:3006 metres; travel in minutes; outage, fuel and arrival in hours.
"""

from resilience.analysis.coverage import baseline_minutes, compute, distance_m, travel_minutes
from resilience.analysis.food import FoodStock
from resilience.analysis.model import (
    MODEL_VERSION,
    ROAD_SPEEDS,
    CellTable,
    OutageArea,
    Parameters,
    Scenario,
    SiteTable,
    SnowZone,
    SpeedFactors,
)
from resilience.analysis.plan import OBJECTIVES, Plan, PlanParameters, PlanStep, plan
from resilience.analysis.result import (
    STATUSES,
    AreaSummary,
    CountySummary,
    CoverageResult,
    MunicipalitySummary,
    RoadSummary,
    ServiceCounts,
    json_float,
)
from resilience.analysis.roads import RoadNetwork, RoadState, road_state
from resilience.analysis.spatial import (
    assign_municipality,
    covers_xy,
    outage_hours_xy,
    speed_factor_xy,
)
from resilience.analysis.timeline import Series, Timeline

__all__ = [
    "MODEL_VERSION",
    "OBJECTIVES",
    "ROAD_SPEEDS",
    "STATUSES",
    "AreaSummary",
    "CellTable",
    "CountySummary",
    "CoverageResult",
    "FoodStock",
    "MunicipalitySummary",
    "OutageArea",
    "Parameters",
    "Plan",
    "PlanParameters",
    "PlanStep",
    "RoadNetwork",
    "RoadState",
    "RoadSummary",
    "Scenario",
    "Series",
    "ServiceCounts",
    "SiteTable",
    "SnowZone",
    "SpeedFactors",
    "Timeline",
    "assign_municipality",
    "baseline_minutes",
    "compute",
    "covers_xy",
    "distance_m",
    "json_float",
    "outage_hours_xy",
    "plan",
    "road_state",
    "speed_factor_xy",
    "travel_minutes",
]
