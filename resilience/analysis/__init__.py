"""Pure coverage computation (coverage-model.md, version 2): arrays in, arrays out, no I/O.

Coordinates EPSG:3006 metres; travel in minutes; outage, fuel and arrival in hours.
"""

from resilience.analysis.coverage import compute, distance_m, travel_minutes
from resilience.analysis.food import FoodStock
from resilience.analysis.model import (
    MODEL_VERSION,
    CellTable,
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
    ServiceCounts,
    json_float,
)
from resilience.analysis.spatial import assign_municipality, covers_xy, speed_factor_xy
from resilience.analysis.timeline import Series, Timeline

__all__ = [
    "MODEL_VERSION",
    "OBJECTIVES",
    "STATUSES",
    "AreaSummary",
    "CellTable",
    "CountySummary",
    "CoverageResult",
    "FoodStock",
    "MunicipalitySummary",
    "Parameters",
    "Plan",
    "PlanParameters",
    "PlanStep",
    "Scenario",
    "Series",
    "ServiceCounts",
    "SiteTable",
    "SnowZone",
    "SpeedFactors",
    "Timeline",
    "assign_municipality",
    "compute",
    "covers_xy",
    "distance_m",
    "json_float",
    "plan",
    "speed_factor_xy",
    "travel_minutes",
]
