"""Scenario building: parse and validate a scenario file (coverage-model.md, "Scenario file")
into geometries in EPSG:3006, and back into a normalised definition for storage."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import shapely
from shapely.geometry import mapping, shape

from geodata.loaders.fields import MAX_EXTRA_CHARS, MAX_TEXT_CHARS, FieldError, storable
from geodata.messages import msg
from resilience import jsonio
from resilience.analysis import Parameters, Scenario, SnowZone
from resilience.analysis.model import RANGES, OutageArea
from resilience.config import LOCAL_TZ
from resilience.crs import parse_epsg, transformer
from resilience.vocabulary import SWEREF99TM, WGS84

LEVELS = ("yellow", "orange", "red")
DEFAULT_DURATION_HOURS = 24.0
# A drawn or uploaded scenario has far fewer; the outage and the snow zones together, as
# every vertex costs point-in-polygon work for every site and cell of a run.
MAX_VERTICES = 100_000
# SWEREF 99 TM's area of use, with a margin: outside it the CRS is surely wrong.
SWEDEN_3006 = shapely.box(100_000, 6_000_000, 1_100_000, 7_800_000)


class ScenarioError(ValueError):
    """The scenario file is malformed; the message (a text or a structured Message of
    geodata/messages.py, which the web layer translates) says where."""


@dataclass(frozen=True)
class ScenarioSpec:
    name: str
    duration_hours: float = DEFAULT_DURATION_HOURS
    outage: shapely.MultiPolygon | None = None  # EPSG:3006
    snow_zones: tuple[SnowZone, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict)  # overrides only
    description: str = ""
    # v3: when any outage area has its own duration, every outage area with its duration
    # (outage is then their union, for display); empty when all share duration_hours.
    outage_parts: tuple[OutageArea, ...] = ()
    road_closures: shapely.MultiPolygon | None = None  # EPSG:3006
    # When hour 0 is on the clock (optional; the pages then use the run's start).
    start: datetime | None = None

    def to_analysis(self) -> Scenario:
        """The pure model's view: geometries and effective parameters."""
        return Scenario(
            outage=None if self.outage_parts else self.outage,
            duration_hours=self.duration_hours,
            snow_zones=self.snow_zones,
            parameters=Parameters.from_overrides(self.parameters),
            outage_areas=self.outage_parts,
            road_closures=self.road_closures,
        )

    @property
    def outage_duration(self) -> float:
        """The scenario's D: the longest duration of its outage areas (duration_hours when
        it has none)."""
        if self.outage_parts:
            return max(part.duration_hours for part in self.outage_parts)
        return self.duration_hours

    def to_definition(self) -> dict[str, Any]:
        """The scenario file again, normalised: EPSG:3006, MultiPolygons, explicit duration
        (v3: a FeatureCollection with each area's duration_hours when they differ)."""
        areas: dict[str, Any] | None
        if self.outage_parts:
            areas = {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"duration_hours": part.duration_hours},
                        "geometry": mapping(part.geometry),
                    }
                    for part in self.outage_parts
                ],
            }
        else:
            areas = mapping(self.outage) if self.outage is not None else None
        definition: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "crs": f"EPSG:{SWEREF99TM}",
            "outage": {"duration_hours": self.duration_hours, "areas": areas},
            "snow_zones": [
                {"level": z.level, "geometry": mapping(z.geometry)} for z in self.snow_zones
            ],
            "parameters": dict(self.parameters),
        }
        if self.road_closures is not None:
            definition["road_closures"] = mapping(self.road_closures)
        if self.start is not None:
            definition["start"] = self.start.isoformat()
        return definition


def _polygons(value: Any, where: str, src: int) -> shapely.MultiPolygon:
    """Polygon, MultiPolygon, Feature or FeatureCollection → one valid MultiPolygon in 3006."""
    if not isinstance(value, dict) or "type" not in value:
        raise ScenarioError(f"{where}: expected a GeoJSON geometry, Feature or FeatureCollection")
    if value["type"] == "FeatureCollection":
        features = value.get("features")
        if not isinstance(features, list):
            raise ScenarioError(f"{where}: a FeatureCollection needs a 'features' list")
        parts = [_polygons(f, f"{where}.features[{i}]", src) for i, f in enumerate(features)]
        return _as_multi(shapely.union_all(parts), where) if parts else shapely.MultiPolygon()
    if value["type"] == "Feature":
        return _polygons(value.get("geometry"), f"{where}.geometry", src)
    if value["type"] not in ("Polygon", "MultiPolygon"):
        raise ScenarioError(f"{where}: expected Polygon or MultiPolygon, got {value['type']}")
    _check_positions(value.get("coordinates"), where)
    try:
        geom = shape(value)
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        raise ScenarioError(f"{where}: malformed {value['type']} coordinates ({exc})") from exc
    if shapely.get_num_coordinates(geom) > MAX_VERTICES:
        raise ScenarioError(f"{where}: more than {MAX_VERTICES} vertices")
    coords = shapely.get_coordinates(geom)
    if not all(math.isfinite(c) for c in coords.ravel()):
        raise ScenarioError(f"{where}: coordinates must be finite numbers")
    if src == WGS84 and (abs(coords[:, 0]).max() > 180 or abs(coords[:, 1]).max() > 90):
        raise ScenarioError(
            f'{where}: coordinates are not longitude/latitude; set "crs": "EPSG:3006" '
            "for SWEREF 99 TM metres"
        )
    if src != SWEREF99TM:
        geom = shapely.transform(geom, lambda xy: _project(xy, src), interleaved=True)
    if not geom.is_valid:
        raise ScenarioError(f"{where}: invalid polygon ({shapely.is_valid_reason(geom)})")
    if geom.is_empty:
        raise ScenarioError(f"{where}: empty polygon")
    if not SWEDEN_3006.contains(geom):
        raise ScenarioError(f"{where}: the polygon lies outside Sweden; is the crs right?")
    return _as_multi(geom, where)


def _check_positions(coordinates: Any, where: str) -> None:
    """Every position of a (Multi)Polygon's coordinates is 2 or 3 finite numbers, checked
    before shapely sees them (a NaN warns inside GEOS; null or a bare number raises there)."""
    if not isinstance(coordinates, list | tuple):
        raise ScenarioError(f"{where}: coordinates must be a list of rings")
    stack: list[Any] = [coordinates]
    while stack:
        item = stack.pop()
        if not isinstance(item, list | tuple):
            raise ScenarioError(f"{where}: coordinates must be nested lists of positions")
        if item and not isinstance(item[0], list | tuple):
            if not 2 <= len(item) <= 3 or not all(
                isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c)
                for c in item
            ):
                raise ScenarioError(
                    f"{where}: coordinates must be finite numbers, [x, y]; got {item!r:.60}"
                )
        else:
            stack.extend(item)


def _outage_areas(
    value: Any, where: str, src: int, duration: float
) -> tuple[shapely.MultiPolygon | None, tuple[OutageArea, ...]]:
    """The outage areas: (their union, or None; every area with its duration when any
    Feature's properties.duration_hours gives its own, else ()). v3."""
    if isinstance(value, dict) and value.get("type") in ("Feature", "FeatureCollection"):
        if value["type"] == "Feature":
            features: Any = [value]
            paths = [where]
        else:
            features = value.get("features")
            if not isinstance(features, list):
                raise ScenarioError(f"{where}: a FeatureCollection needs a 'features' list")
            paths = [f"{where}.features[{i}]" for i in range(len(features))]
        parts: list[OutageArea] = []
        own = False
        for feature, path in zip(features, paths, strict=True):
            geometry = _polygons(feature, path, src)
            hours = duration
            properties = feature.get("properties") if isinstance(feature, dict) else None
            if isinstance(properties, dict) and properties.get("duration_hours") is not None:
                hours = _number(properties["duration_hours"], f"{path}.properties.duration_hours")
                own = True
            if not geometry.is_empty:
                parts.append(OutageArea(geometry, hours))
        if not parts:
            return None, ()
        union = _as_multi(shapely.union_all([p.geometry for p in parts]), where)
        return union, tuple(parts) if own else ()
    outage = _polygons(value, where, src)
    return (None if outage.is_empty else outage), ()


def _project(xy: Any, src: int) -> Any:
    import numpy as np

    x, y = transformer(src, SWEREF99TM).transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def _as_multi(geom: shapely.Geometry, where: str) -> shapely.MultiPolygon:
    if isinstance(geom, shapely.MultiPolygon):
        return geom
    if isinstance(geom, shapely.Polygon):
        return shapely.MultiPolygon([geom])
    polys = [g for g in shapely.get_parts(geom) if isinstance(g, shapely.Polygon)]
    if not polys:
        raise ScenarioError(f"{where}: no polygon area")
    return shapely.MultiPolygon(polys)


def _number(value: Any, where: str, minimum: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScenarioError(msg("scenario_number", where=where))
    if value <= minimum:
        raise ScenarioError(msg("scenario_minimum", where=where, minimum=f"{minimum:g}"))
    allowed = RANGES[where.rsplit(".", 1)[-1]]
    if not allowed.low <= value <= allowed.high:
        raise ScenarioError(
            msg(
                "scenario_range",
                where=where,
                low=f"{allowed.low:g}",
                high=f"{allowed.high:g}",
                unit=allowed.unit,
                value=repr(value),
            )
        )
    return float(value)


def parse_scenario(document: Any) -> ScenarioSpec:
    """Validate a scenario document (already JSON-decoded). Raises ScenarioError."""
    from resilience.analysis import Parameters

    if not isinstance(document, dict):
        raise ScenarioError(msg("scenario_object"))
    # Count before computing: no shape is built or unioned from more than the bound.
    geometry_parts = [document.get(k) for k in ("outage", "snow_zones", "road_closures")]
    if jsonio.count_positions(geometry_parts, MAX_VERTICES) > MAX_VERTICES:
        raise ScenarioError(
            "the outage, snow zones and road closures hold together more than "
            f"{MAX_VERTICES} vertices"
        )
    unknown = set(document) - {
        "name",
        "description",
        "crs",
        "outage",
        "snow_zones",
        "road_closures",
        "parameters",
        "start",
    }
    if unknown:
        raise ScenarioError(msg("scenario_unknown_keys", keys=sorted(unknown)))
    name = document.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError(msg("scenario_name"))
    try:
        src = parse_epsg(document.get("crs"), default=WGS84)
    except ValueError as exc:
        raise ScenarioError(f"crs: {exc}") from exc

    outage_doc = document.get("outage") or {}
    if not isinstance(outage_doc, dict):
        raise ScenarioError("outage: expected an object with duration_hours and areas")
    duration = _number(
        outage_doc.get("duration_hours", DEFAULT_DURATION_HOURS), "outage.duration_hours"
    )
    areas = outage_doc.get("areas")
    outage: shapely.MultiPolygon | None = None
    outage_parts: tuple[OutageArea, ...] = ()
    if areas:
        outage, outage_parts = _outage_areas(areas, "outage.areas", src, duration)
    closures_doc = document.get("road_closures")
    road_closures = _polygons(closures_doc, "road_closures", src) if closures_doc else None
    if road_closures is not None and road_closures.is_empty:
        road_closures = None

    zones_doc = document.get("snow_zones") or []
    if not isinstance(zones_doc, list):
        raise ScenarioError("snow_zones: expected a list")
    zones = []
    for i, zone in enumerate(zones_doc):
        where = f"snow_zones[{i}]"
        if not isinstance(zone, dict):
            raise ScenarioError(f"{where}: expected an object with level and geometry")
        level = zone.get("level")
        if level not in LEVELS:
            raise ScenarioError(
                msg("scenario_level", where=where, allowed=list(LEVELS), group="level")
            )
        zones.append(SnowZone(level, _polygons(zone.get("geometry"), f"{where}.geometry", src)))

    vertices = sum(
        int(shapely.get_num_coordinates(g))
        for g in (outage, road_closures, *(z.geometry for z in zones))
        if g is not None
    )
    if vertices > MAX_VERTICES:
        raise ScenarioError(
            f"the outage, snow zones and road closures have {vertices:,} vertices together; "
            f"at most {MAX_VERTICES:,}"
        )
    overrides = document.get("parameters") or {}
    try:  # the parameters, and the timeline they give with this duration
        Scenario(
            duration_hours=max([duration, *(p.duration_hours for p in outage_parts)]),
            parameters=Parameters.from_overrides(overrides),
        )
    except (ValueError, TypeError) as exc:
        raise ScenarioError(f"parameters: {exc}") from exc
    description = document.get("description") or ""
    if not isinstance(description, str):
        raise ScenarioError("description: expected a text")
    # Stored texts, bounded as every stored text is (a name as a site's, a description as
    # a row's other properties).
    texts = (("name", name, MAX_TEXT_CHARS), ("description", description, MAX_EXTRA_CHARS))
    for key, text, limit in texts:
        try:
            storable(text.strip(), limit)
        except FieldError as exc:
            raise ScenarioError(f"{key}: {exc}") from None
    return ScenarioSpec(
        name.strip(),
        duration,
        outage,
        tuple(zones),
        dict(overrides),
        description,
        outage_parts=outage_parts,
        road_closures=road_closures,
        start=parse_start(document.get("start")),
    )


def parse_start(value: Any) -> datetime | None:
    """A scenario's `start`: when its hour 0 is, ISO 8601 ("2026-12-24T06:00", local time
    in Sweden unless it names its offset); None when not given."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ScenarioError("start: expected a date and time such as 2026-12-24T06:00")
    try:
        start = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ScenarioError(
            f"start: {value!r} is not a date and time such as 2026-12-24T06:00"
        ) from None
    return start if start.tzinfo is not None else start.replace(tzinfo=LOCAL_TZ)


def parse_scenario_json(raw: bytes | str) -> ScenarioSpec:
    try:
        document = jsonio.loads(raw)
    except jsonio.JSONError as exc:
        raise ScenarioError(msg("scenario_json", detail=str(exc))) from exc
    return parse_scenario(document)


# --- Warning-driven scenarios (coverage-model.md) -----------------------------------------

# Outage duration for wind warnings by level; yellow wind gives snow only.
WIND_OUTAGE_HOURS = {"orange": 12.0, "red": 48.0}


@dataclass(frozen=True)
class ActiveWarning:
    """What the live scenario needs of an active warning area (geometry in EPSG:3006)."""

    level: str  # yellow | orange | red (message-level notices make no zone)
    involves_wind: bool
    geometry: shapely.Geometry
    label: str = ""


def live_scenario(
    warnings: list[ActiveWarning], name: str = "Live: aktiva vädervarningar"
) -> ScenarioSpec:
    """Every active warning area becomes a snow zone at its level; wind warnings at orange
    or red are also outage polygons, each with its own duration (v3: 12 h orange, 48 h
    red); duration_hours is the longest of them."""
    zones: list[SnowZone] = []
    outages: list[shapely.Geometry] = []
    parts: list[OutageArea] = []
    duration = DEFAULT_DURATION_HOURS
    for warning in warnings:
        if warning.level not in LEVELS:
            continue
        area = _as_polygonal(warning.geometry)
        if area is None:
            continue
        zones.append(SnowZone(warning.level, area))
        if warning.involves_wind and warning.level in WIND_OUTAGE_HOURS:
            outages.append(area)
            parts.append(OutageArea(area, WIND_OUTAGE_HOURS[warning.level]))
    if outages:
        duration = max(
            WIND_OUTAGE_HOURS[w.level]
            for w in warnings
            if w.involves_wind and w.level in WIND_OUTAGE_HOURS
        )
    outage = _as_multi(shapely.union_all(outages), "live outage") if outages else None
    labels = sorted({w.label for w in warnings if w.label})
    return ScenarioSpec(
        name=name,
        duration_hours=duration,
        outage=outage,
        snow_zones=tuple(zones),
        description="; ".join(labels),
        outage_parts=tuple(parts),
    )


def _as_polygonal(geom: shapely.Geometry) -> shapely.MultiPolygon | None:
    polys = [
        g for g in shapely.get_parts(geom) if isinstance(g, shapely.Polygon) and not g.is_empty
    ]
    return shapely.MultiPolygon(polys) if polys else None
