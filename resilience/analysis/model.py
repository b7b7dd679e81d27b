"""Inputs of the coverage model, version 3 (shared/design/coverage-model.md).

Everything here is columnar and free of I/O: parallel NumPy arrays with one element per site
or per cell, Shapely geometries for the scenario, frozen dataclasses around them.

Units and CRS, throughout: coordinates are SWEREF 99 TM (EPSG:3006) metres, travel times are
minutes, outage, fuel and mobilisation times are hours, loads and capacities are kW.
A null number is NaN in a float64 column; "no municipality" is None in an object column.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from numbers import Real
from typing import Any, ClassVar, NamedTuple

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry.base import BaseGeometry

# The site vocabulary, shared with the ORM, the loaders and the exporters.
from resilience.vocabulary import CARE_PRIORITY as CARE_PRIORITY
from resilience.vocabulary import CARE_SERVICE_KINDS as CARE_SERVICE_KINDS
from resilience.vocabulary import CATEGORIES as CATEGORIES
from resilience.vocabulary import HEATING as HEATING
from resilience.vocabulary import KINDS as KINDS
from resilience.vocabulary import MOBILE_GENERATOR as MOBILE_GENERATOR
from resilience.vocabulary import POWERED_CATEGORIES as POWERED_CATEGORIES
from resilience.vocabulary import UTILITY as UTILITY

MODEL_VERSION = 3

# Warning levels in ascending severity: at a point the most severe zone wins.
SNOW_LEVELS: tuple[str, ...] = ("yellow", "orange", "red")
# The services of step 3, in the order the result document names them.
SERVICES: tuple[str, ...] = ("food", "care", "shelter")
# v3: road classes and their default speeds (km/h), "Roads (v3)"; the parameter road_speeds
# is merged onto them.
ROAD_SPEEDS: dict[str, float] = {
    "motorway": 110.0,
    "trunk": 90.0,
    "primary": 80.0,
    "secondary": 70.0,
    "tertiary": 60.0,
    "unclassified": 50.0,
    "residential": 40.0,
    "service": 20.0,
    "track": 20.0,
}

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
ObjectArray = NDArray[np.object_]

# The default of an optional column: left out (None), it is all null. __post_init__ turns
# it into an array, so the field is typed as the array every reader gets.
ALL_NULL: Any = None


def is_none(values: NDArray[Any]) -> BoolArray:
    """Where an object column holds None, elementwise."""
    null: BoolArray = np.equal(values, None)  # type: ignore[call-overload]  # stubs: no None
    return null


class Range(NamedTuple):
    """The plausible values of a scenario parameter, both ends included."""

    low: float
    high: float
    unit: str


# Every scenario parameter's plausible range: values outside are refused with the range in
# the message (a 400 in the API), and the scenario editor's inputs take min and max from
# here. Wide enough for any real scenario and for the model's tests; speed_factors applies
# to each level; duration_hours is the scenario's outage duration.
RANGES: dict[str, Range] = {
    "duration_hours": Range(0.1, 8_760.0, "h"),  # up to a year
    "speed_kmh": Range(1.0, 200.0, "km/h"),
    "circuity": Range(1.0, 3.0, ""),  # road distance is never shorter than the straight line
    "speed_factors": Range(0.01, 2.0, ""),  # times the road speed
    "food_minutes": Range(0.0, 1_440.0, "min"),  # up to 24 h
    "care_minutes": Range(0.0, 1_440.0, "min"),
    "shelter_minutes": Range(0.0, 1_440.0, "min"),
    "mobile_max_hours": Range(0.0, 8_760.0, "h"),
    "timeline_step_hours": Range(0.01, 168.0, "h"),  # with MAX_TIMELINE_INSTANTS
    "outdoor_c": Range(-60.0, 40.0, "°C"),
    "indoor_c": Range(-60.0, 40.0, "°C"),
    "cold_threshold_c": Range(-60.0, 40.0, "°C"),
    "food_stock_target_days": Range(0.0, 365.0, "days"),
    # v3: roads
    "access_speed_kmh": Range(1.0, 200.0, "km/h"),
    "offroad_max_km": Range(0.0, 1_000.0, "km"),
    "road_speeds": Range(1.0, 200.0, "km/h"),  # each class
}


def _number(name: str, value: Any, *, minimum: float = 0.0, strict: bool = False) -> float:
    """A finite real number >= minimum (> minimum when strict) and within its RANGES entry,
    or ValueError naming it."""
    # bool is an int in Python; true/false in a JSON scenario is a mistake, not 1/0.
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"parameter {name!r} must be a number, not {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"parameter {name!r} must be finite, not {value!r}")
    if number < minimum or (strict and number == minimum):
        relation = ">" if strict else ">="
        raise ValueError(f"parameter {name!r} must be {relation} {minimum:g}, not {value!r}")
    allowed = RANGES.get(name.split(".")[0])
    if allowed is not None and not allowed.low <= number <= allowed.high:
        unit = f" {allowed.unit}" if allowed.unit else ""
        raise ValueError(
            f"parameter {name!r} must be from {allowed.low:g} to {allowed.high:g}{unit}, "
            f"not {value!r}"
        )
    return number


@dataclass(frozen=True)
class SpeedFactors:
    """Travel speed multipliers inside snow zones, per warning level (no zone: 1.0)."""

    yellow: float = 0.7
    orange: float = 0.5
    red: float = 0.3

    def __post_init__(self) -> None:
        for level in SNOW_LEVELS:
            value = _number(f"speed_factors.{level}", getattr(self, level), strict=True)
            object.__setattr__(self, level, value)

    def of(self, level: str) -> float:
        """The factor of a warning level (yellow, orange or red)."""
        if level not in SNOW_LEVELS:
            raise ValueError(f"unknown snow level {level!r}; use one of {', '.join(SNOW_LEVELS)}")
        return float(getattr(self, level))

    def to_dict(self) -> dict[str, float]:
        return {level: self.of(level) for level in SNOW_LEVELS}


@dataclass(frozen=True)
class Parameters:
    """The scenario parameters of coverage-model.md with their defaults.

    speed_kmh: road speed without snow (km/h); circuity: road distance / straight distance;
    speed_factors: per snow level; food/care/shelter_minutes: coverage thresholds (minutes,
    covered when <=); mobile_max_hours: the latest useful arrival of a mobile generator (hours).
    v2: timeline_step_hours: spacing of the timeline's instants (hours, > 0); outdoor_c,
    indoor_c, cold_threshold_c: T_out, T_0, T_c of "Heat" (°C, T_out < T_c < T_0);
    food_stock_target_days: the food stock a municipality should hold (days).
    v3 (roads, used only with a road network): access_speed_kmh: speed of access and direct
    travel (km/h); offroad_max_km: the longest direct travel (km); closure_level: null, or
    the lowest snow level that closes roads (yellow, orange, red); road_speeds: speed per
    road class (km/h), the defaults ROAD_SPEEDS with the overrides merged onto them.
    """

    speed_kmh: float = 70.0
    circuity: float = 1.3
    speed_factors: SpeedFactors = field(default_factory=SpeedFactors)
    food_minutes: float = 30.0
    care_minutes: float = 60.0
    shelter_minutes: float = 30.0
    mobile_max_hours: float = 12.0
    timeline_step_hours: float = 1.0
    outdoor_c: float = -10.0
    indoor_c: float = 21.0
    cold_threshold_c: float = 18.0
    food_stock_target_days: float = 7.0
    access_speed_kmh: float = 30.0
    offroad_max_km: float = 5.0
    closure_level: str | None = None
    road_speeds: Mapping[str, float] = field(default_factory=lambda: dict(ROAD_SPEEDS), hash=False)

    # Not plain numbers: validated on their own.
    _SPECIAL: ClassVar[frozenset[str]] = frozenset(
        {"speed_factors", "closure_level", "road_speeds"}
    )
    # Temperatures may be negative; a zero step, speed or circuity would divide by zero
    # (zero thresholds are merely strict).
    _ANY_SIGN: ClassVar[frozenset[str]] = frozenset({"outdoor_c", "indoor_c", "cold_threshold_c"})
    _STRICT: ClassVar[frozenset[str]] = frozenset(
        {"speed_kmh", "circuity", "timeline_step_hours", "access_speed_kmh"}
    )

    def __post_init__(self) -> None:
        if not isinstance(self.speed_factors, SpeedFactors):
            raise ValueError("parameter 'speed_factors' must be a SpeedFactors")
        if self.closure_level is not None and self.closure_level not in SNOW_LEVELS:
            raise ValueError(
                f"parameter 'closure_level' must be null or one of {', '.join(SNOW_LEVELS)}, "
                f"not {self.closure_level!r}"
            )
        if not isinstance(self.road_speeds, Mapping):
            raise ValueError("parameter 'road_speeds' must be an object of class speeds")
        unknown = sorted(str(key) for key in self.road_speeds if key not in ROAD_SPEEDS)
        if unknown:
            raise ValueError(
                f"unknown road class {', '.join(map(repr, unknown))} in 'road_speeds'; "
                f"use {', '.join(ROAD_SPEEDS)}"
            )
        speeds = dict(ROAD_SPEEDS)
        for name, value in self.road_speeds.items():
            speeds[name] = _number(f"road_speeds.{name}", value, strict=True)
        object.__setattr__(self, "road_speeds", speeds)
        for item in fields(self):
            if item.name in self._SPECIAL:
                continue
            minimum = -math.inf if item.name in self._ANY_SIGN else 0.0
            strict = item.name in self._STRICT
            value = _number(item.name, getattr(self, item.name), minimum=minimum, strict=strict)
            object.__setattr__(self, item.name, value)
        if not self.outdoor_c < self.cold_threshold_c < self.indoor_c:
            raise ValueError(
                "parameters must satisfy outdoor_c < cold_threshold_c < indoor_c, not "
                f"outdoor_c {self.outdoor_c:g}, cold_threshold_c {self.cold_threshold_c:g}, "
                f"indoor_c {self.indoor_c:g}"
            )

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """Every parameter name, as a scenario's "parameters" object spells it."""
        return tuple(item.name for item in fields(cls))

    @classmethod
    def from_overrides(cls, overrides: Mapping[str, Any] | None) -> Parameters:
        """The defaults with a scenario's overrides applied (its "parameters" object).

        speed_factors may name only some levels: {"red": 0.2} keeps yellow and orange.
        Raises ValueError with a message fit for the user on an unknown key or a bad value.
        """
        if overrides is None:
            return cls()
        if not isinstance(overrides, Mapping):
            raise ValueError("'parameters' must be an object of parameter names and values")
        unknown = sorted(str(key) for key in overrides if key not in cls.names())
        if unknown:
            raise ValueError(
                f"unknown parameter {', '.join(map(repr, unknown))}; "
                f"known parameters are {', '.join(cls.names())}"
            )
        values: dict[str, Any] = {key: overrides[key] for key in overrides}
        if "speed_factors" in values:
            factors = values["speed_factors"]
            if not isinstance(factors, Mapping):
                raise ValueError(
                    "parameter 'speed_factors' must be an object such as "
                    '{"yellow": 0.7, "orange": 0.5, "red": 0.3}'
                )
            bad = sorted(str(level) for level in factors if level not in SNOW_LEVELS)
            if bad:
                raise ValueError(
                    f"unknown snow level {', '.join(map(repr, bad))} in 'speed_factors'; "
                    f"use {', '.join(SNOW_LEVELS)}"
                )
            values["speed_factors"] = SpeedFactors(**{str(k): v for k, v in factors.items()})
        if "road_speeds" in values and not isinstance(values["road_speeds"], Mapping):
            raise ValueError(
                'parameter \'road_speeds\' must be an object such as {"primary": 80, "track": 15}'
            )
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """Every effective parameter, defaults included, as plain JSON-able values."""
        return {
            "speed_kmh": self.speed_kmh,
            "circuity": self.circuity,
            "speed_factors": self.speed_factors.to_dict(),
            "food_minutes": self.food_minutes,
            "care_minutes": self.care_minutes,
            "shelter_minutes": self.shelter_minutes,
            "mobile_max_hours": self.mobile_max_hours,
            "timeline_step_hours": self.timeline_step_hours,
            "outdoor_c": self.outdoor_c,
            "indoor_c": self.indoor_c,
            "cold_threshold_c": self.cold_threshold_c,
            "food_stock_target_days": self.food_stock_target_days,
            "access_speed_kmh": self.access_speed_kmh,
            "offroad_max_km": self.offroad_max_km,
            "closure_level": self.closure_level,
            "road_speeds": dict(self.road_speeds),
        }

    @property
    def cold_after_ratio(self) -> float:
        """ln((T_0 - T_out) / (T_c - T_out)): t* = tau times this (hours per hour of tau)."""
        return math.log((self.indoor_c - self.outdoor_c) / (self.cold_threshold_c - self.outdoor_c))

    def threshold_minutes(self, service: str) -> float:
        """The coverage threshold of a service of step 3 (food, care or shelter), minutes."""
        if service not in SERVICES:
            raise ValueError(f"unknown service {service!r}; use one of {', '.join(SERVICES)}")
        return float(getattr(self, f"{service}_minutes"))


# A timeline beyond this many instants is refused: its document would be unreasonably big.
MAX_TIMELINE_INSTANTS = 2_000


class SnowZone(NamedTuple):
    """A snow zone: a warning level and its (multi)polygon in EPSG:3006."""

    level: str
    geometry: BaseGeometry


def polygon_parts(geometry: BaseGeometry | None) -> NDArray[np.object_]:
    """The non-empty parts of a geometry, multi-geometries and collections opened."""
    if geometry is None or geometry.is_empty:
        return np.empty(0, dtype=object)
    parts = shapely.get_parts(geometry)
    while True:  # GeometryCollections may nest multi-geometries
        nested = np.isin(shapely.get_type_id(parts), (4, 5, 6, 7))  # Multi*, collections
        if not nested.any():
            break
        parts = np.concatenate([parts[~nested], shapely.get_parts(parts[nested])])
    return parts[~shapely.is_empty(parts)]


def check_polygonal(name: str, geometry: BaseGeometry | None) -> None:
    """ValueError unless geometry is None, empty, or made of polygons only."""
    if geometry is not None and not isinstance(geometry, BaseGeometry):
        raise ValueError(f"{name} must be a Shapely geometry, not {type(geometry).__name__}")
    parts = polygon_parts(geometry)
    if not (shapely.get_type_id(parts) == 3).all():  # 3: Polygon
        raise ValueError(f"{name} must be made of polygons")


class OutageArea(NamedTuple):
    """v3: an outage (multi)polygon in EPSG:3006 with its own duration (hours, > 0)."""

    geometry: BaseGeometry
    duration_hours: float


@dataclass(frozen=True)
class Scenario:
    """What happens: outage polygons, snow zones, road closures, parameters.

    outage: a Polygon, MultiPolygon or GeometryCollection of polygons in EPSG:3006, or None
    (no outage), lasting duration_hours. Each polygon is tested on its own, so overlapping
    parts are fine.
    duration_hours: the scenario's duration (hours, > 0): that of the polygons of outage,
    and D when there is no outage polygon at all.
    snow_zones: (level, geometry) pairs, level yellow, orange or red.
    v3: outage_areas: (geometry, duration_hours) pairs, outage polygons with their own
    duration; road_closures: polygons where every road is closed (None: none).
    A site's D is the largest duration of the outage polygons containing it (0 outside all);
    the scenario's D (outage_duration) the largest of all polygons.
    """

    outage: BaseGeometry | None = None
    duration_hours: float = 24.0
    snow_zones: tuple[SnowZone, ...] = ()
    parameters: Parameters = field(default_factory=Parameters)
    outage_areas: tuple[OutageArea, ...] = ()
    road_closures: BaseGeometry | None = None

    def __post_init__(self) -> None:
        check_polygonal("the outage", self.outage)
        duration = _number("duration_hours", self.duration_hours, strict=True)
        object.__setattr__(self, "duration_hours", duration)
        zones: list[SnowZone] = []
        for entry in self.snow_zones:
            level, geometry = entry
            if level not in SNOW_LEVELS:
                raise ValueError(
                    f"unknown snow level {level!r}; use one of {', '.join(SNOW_LEVELS)}"
                )
            check_polygonal(f"a {level} snow zone", geometry)
            zones.append(SnowZone(str(level), geometry))
        object.__setattr__(self, "snow_zones", tuple(zones))
        areas: list[OutageArea] = []
        for area in self.outage_areas:
            shape, hours = area
            check_polygonal("an outage area", shape)
            areas.append(OutageArea(shape, _number("duration_hours", hours, strict=True)))
        object.__setattr__(self, "outage_areas", tuple(areas))
        check_polygonal("the road closures", self.road_closures)
        if not isinstance(self.parameters, Parameters):
            raise ValueError("the scenario's parameters must be a Parameters")
        instants = self.outage_duration / self.parameters.timeline_step_hours
        if instants > MAX_TIMELINE_INSTANTS:
            raise ValueError(
                f"the timeline would have {math.ceil(instants)} instants "
                f"(duration_hours / timeline_step_hours); at most {MAX_TIMELINE_INSTANTS}"
            )

    def outage_polygons(self) -> tuple[NDArray[np.object_], FloatArray]:
        """(every outage polygon, its duration in hours): those of outage with
        duration_hours, then those of each outage area with its own."""
        parts = [polygon_parts(self.outage)]
        hours = [np.full(parts[0].size, self.duration_hours)]
        for area in self.outage_areas:
            mine = polygon_parts(area.geometry)
            parts.append(mine)
            hours.append(np.full(mine.size, area.duration_hours))
        return np.concatenate(parts), np.concatenate(hours)

    @property
    def outage_duration(self) -> float:
        """The scenario's D (hours): the largest duration of its outage polygons, its
        duration_hours when it has none. The timeline ends there."""
        _, hours = self.outage_polygons()
        return float(hours.max()) if hours.size else self.duration_hours

    def timeline_hours(self) -> FloatArray:
        """The instants t_k = k · timeline_step_hours, k = 0, 1, ..., while t_k < D (hours)."""
        step = self.parameters.timeline_step_hours
        duration = self.outage_duration
        count = math.ceil(duration / step) + 1
        hours = np.arange(count, dtype=np.float64) * step
        return hours[hours < duration]

    def baseline(self) -> Scenario:
        """The same parameters and D with no outage, no snow zones and no road closures."""
        return Scenario(None, self.outage_duration, (), self.parameters)


def _floats(name: str, values: ArrayLike | None, n: int, *, whole: bool = False) -> FloatArray:
    """A float64 column of length n, NaN for null, checked >= 0 (and whole numbers)."""
    if values is None:
        return np.full(n, np.nan)
    # dtype float64 turns None into NaN, so a list with nulls needs no special case.
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    if array.shape != (n,):
        raise ValueError(f"column {name!r} has {array.size} values, expected {n}")
    if (array < 0).any():
        raise ValueError(f"column {name!r} has negative values")
    if np.isinf(array).any():
        raise ValueError(f"column {name!r} must hold finite numbers or null")
    if whole and (array != np.floor(array))[~np.isnan(array)].any():
        raise ValueError(f"column {name!r} must hold whole numbers")
    return array


def _texts(name: str, values: ArrayLike | None, n: int, *, nullable: bool) -> ObjectArray:
    """An object column of str (or None where nullable) of length n."""
    if values is None:
        if not nullable:
            raise ValueError(f"column {name!r} is required")
        return np.full(n, None, dtype=object)
    array = np.empty(n, dtype=object)
    source = np.asarray(values, dtype=object).reshape(-1)
    if source.shape != (n,):
        raise ValueError(f"column {name!r} has {source.size} values, expected {n}")
    null = is_none(source)
    if null.any() and not nullable:
        raise ValueError(f"column {name!r} has null values")
    array[:] = source
    # str() of every non-null value: ids read as numbers still compare as text.
    array[~null] = source[~null].astype(str)
    return array


def text_rank(values: ObjectArray) -> IntArray:
    """Rank of each string in code-point order (equal strings share a rank): the model's
    ties break on source_id as text."""
    if values.size == 0:
        return np.zeros(0, dtype=np.int64)
    return np.unique(values.astype(str), return_inverse=True)[1].astype(np.int64)


def _codes(name: str, values: ArrayLike | None, n: int) -> ObjectArray:
    array = _texts(name, values, n, nullable=True)
    if (array == "").any():
        raise ValueError(f"column {name!r} has an empty municipality code; use None")
    return array


def _coordinates(name: str, values: ArrayLike, n: int) -> FloatArray:
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    if array.shape != (n,):
        raise ValueError(f"column {name!r} has {array.size} values, expected {n}")
    if not np.isfinite(array).all():
        raise ValueError(f"column {name!r} must hold finite EPSG:3006 coordinates")
    return array


def _ids(values: ArrayLike) -> IntArray:
    array = np.asarray(values, dtype=np.int64).reshape(-1)
    if np.unique(array).size != array.size:
        raise ValueError("column 'id' has duplicate values")
    return array


@dataclass(frozen=True, eq=False)
class SiteTable:
    """Sites of every category as parallel columns (one element per site).

    id: int64, unique; source_id: str (ordering ties break on it as text); category, kind:
    str from CATEGORIES / KINDS; x, y: EPSG:3006 metres; municipality: code or None.
    Numbers are float64 with NaN for null: residents (people), critical_load_kw, backup_kw,
    capacity_kw (kW), fuel_hours, mobilization_hours (hours), priority (1 highest),
    shelter_capacity (people). Every number is finite and >= 0; residents, priority and
    shelter_capacity are whole. Columns left None are all null.
    v2: category may also be "utility" (kind district_heating_plant); heating (one of
    HEATING) and heat_plant (a utility site's source_id) are str or None;
    thermal_time_constant_hours (hours, > 0) and stock_person_days (person-days) are numbers.
    """

    id: IntArray
    source_id: ObjectArray
    category: ObjectArray
    kind: ObjectArray
    x: FloatArray
    y: FloatArray
    municipality: ObjectArray = ALL_NULL
    residents: FloatArray = ALL_NULL
    critical_load_kw: FloatArray = ALL_NULL
    backup_kw: FloatArray = ALL_NULL
    fuel_hours: FloatArray = ALL_NULL
    priority: FloatArray = ALL_NULL
    capacity_kw: FloatArray = ALL_NULL
    mobilization_hours: FloatArray = ALL_NULL
    shelter_capacity: FloatArray = ALL_NULL
    heating: ObjectArray = ALL_NULL
    heat_plant: ObjectArray = ALL_NULL
    thermal_time_constant_hours: FloatArray = ALL_NULL
    stock_person_days: FloatArray = ALL_NULL

    NUMBERS: ClassVar[tuple[str, ...]] = (
        "residents",
        "critical_load_kw",
        "backup_kw",
        "fuel_hours",
        "priority",
        "capacity_kw",
        "mobilization_hours",
        "shelter_capacity",
    )
    WHOLE: ClassVar[frozenset[str]] = frozenset({"residents", "priority", "shelter_capacity"})
    # The columns version 2 adds, apart from NUMBERS, whose order the database loader uses.
    V2_NUMBERS: ClassVar[tuple[str, ...]] = ("thermal_time_constant_hours", "stock_person_days")
    V2_TEXTS: ClassVar[tuple[str, ...]] = ("heating", "heat_plant")

    def __post_init__(self) -> None:
        ids = _ids(self.id)
        n = ids.size
        set_ = object.__setattr__
        set_(self, "id", ids)
        set_(self, "source_id", _texts("source_id", self.source_id, n, nullable=False))
        category = _texts("category", self.category, n, nullable=False)
        kind = _texts("kind", self.kind, n, nullable=False)
        known = np.isin(category, CATEGORIES)
        if not known.all():
            raise ValueError(
                f"unknown category {category[~known][0]!r}; use one of {', '.join(CATEGORIES)}"
            )
        for name, kinds in KINDS.items():
            wrong = (category == name) & ~np.isin(kind, kinds)
            if wrong.any():
                raise ValueError(
                    f"unknown {name} kind {kind[wrong][0]!r}; use one of {', '.join(kinds)}"
                )
        set_(self, "category", category)
        set_(self, "kind", kind)
        set_(self, "x", _coordinates("x", self.x, n))
        set_(self, "y", _coordinates("y", self.y, n))
        set_(self, "municipality", _codes("municipality", self.municipality, n))
        for name in self.NUMBERS + self.V2_NUMBERS:
            set_(self, name, _floats(name, getattr(self, name), n, whole=name in self.WHOLE))
        if (self.thermal_time_constant_hours == 0).any():
            raise ValueError("column 'thermal_time_constant_hours' must hold values > 0")
        heating = _texts("heating", self.heating, n, nullable=True)
        bad = ~is_none(heating) & ~np.isin(heating, HEATING)
        if bad.any():
            raise ValueError(
                f"unknown heating {heating[bad][0]!r}; use one of {', '.join(HEATING)}"
            )
        set_(self, "heating", heating)
        set_(self, "heat_plant", _texts("heat_plant", self.heat_plant, n, nullable=True))

    def __len__(self) -> int:
        return int(self.id.size)

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]]) -> SiteTable:
        """Build from dicts with the column names as keys; missing numbers are null."""
        rows = list(records)
        columns: dict[str, Any] = {}
        for name in ("id", "source_id", "category", "kind", "x", "y"):
            columns[name] = [row[name] for row in rows]
        columns["municipality"] = [row.get("municipality") for row in rows]
        for name in cls.NUMBERS + cls.V2_NUMBERS + cls.V2_TEXTS:
            columns[name] = [row.get(name) for row in rows]
        if not rows:  # np.asarray([]) is float64; ids must still be int64
            columns["id"] = np.zeros(0, dtype=np.int64)
        return cls(**columns)


@dataclass(frozen=True, eq=False)
class CellTable:
    """Population grid cells as parallel columns (one element per cell).

    id: int64; x, y: the cell CENTRE in EPSG:3006 metres (not the lower-left corner that
    identifies an SCB cell); population: int64 people >= 0; municipality: code or None.
    """

    id: IntArray
    x: FloatArray
    y: FloatArray
    population: IntArray
    municipality: ObjectArray = ALL_NULL

    def __post_init__(self) -> None:
        ids = _ids(self.id)
        n = ids.size
        set_ = object.__setattr__
        set_(self, "id", ids)
        set_(self, "x", _coordinates("x", self.x, n))
        set_(self, "y", _coordinates("y", self.y, n))
        population = np.asarray(self.population).reshape(-1)
        if population.shape != (n,):
            raise ValueError(f"column 'population' has {population.size} values, expected {n}")
        if population.dtype.kind == "f" and not (
            np.isfinite(population).all() and (population == np.floor(population)).all()
        ):
            raise ValueError("column 'population' must hold whole numbers")
        population = population.astype(np.int64)
        if (population < 0).any():
            raise ValueError("column 'population' has negative values")
        set_(self, "population", population)
        set_(self, "municipality", _codes("municipality", self.municipality, n))

    def __len__(self) -> int:
        return int(self.id.size)
