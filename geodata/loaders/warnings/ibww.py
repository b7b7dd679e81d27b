"""SMHI impact-based weather warnings (IBWW): the JSON array of .../ibww/api/version/1/
warning.json, one WarningArea per warningArea.

The feed is a snapshot of what is in force: an area that disappears from it has ended, so
the poller should end stored IBWW rows whose identity is absent from the latest payload.
"""

from __future__ import annotations

import json
from typing import Any

import shapely

from geodata.loaders.warnings.areas import AreaCatalog, Refused, crs_of, to_sweref_area
from geodata.loaders.warnings.model import (
    MAX_BYTES,
    MAX_POSITIONS,
    SOURCE_IBWW,
    ParseResult,
    WarningArea,
    WarningFormatError,
    is_wind,
    parse_time,
    version_text,
)
from resilience import jsonio

_DEPTH = {"Polygon": 3, "MultiPolygon": 4}  # list nesting of their coordinates
_LEVELS = {"MESSAGE": "message", "YELLOW": "yellow", "ORANGE": "orange", "RED": "red"}


def parse_ibww(
    payload: bytes | str | list, areas: AreaCatalog, *, max_bytes: int = MAX_BYTES
) -> ParseResult:
    """Every warningArea of the payload in EPSG:3006; areas given only by affectedAreas
    ids take the catalog's polygons. Raises WarningFormatError for a malformed payload."""
    warnings = _load(payload, max_bytes)
    result = ParseResult([], [])
    for i, warning in enumerate(warnings):
        where = f"warning {i}"
        if not isinstance(warning, dict):
            raise WarningFormatError("expected an object", where)
        wid = _int(warning, "id", where)
        where = f"warning {i} (id {wid})"
        event = _obj(warning, "event", where)
        warning_areas = warning.get("warningAreas")
        if not isinstance(warning_areas, list):
            raise WarningFormatError("expected an array", where, "warningAreas")
        for j, area in enumerate(warning_areas):
            here = f"{where}, warningAreas[{j}]"
            if not isinstance(area, dict):
                raise WarningFormatError("expected an object", here)
            here = f"{here} (id {_int(area, 'id', here)})"
            try:
                result.areas.append(_area(warning, wid, event, area, here, areas))
            except Refused as refused:
                result.refused.append(f"{here}: {refused}")
    return result


def _area(
    warning: dict[str, Any],
    wid: int,
    event: dict[str, Any],
    area: dict[str, Any],
    where: str,
    catalog: AreaCatalog,
) -> WarningArea:
    level_code = _obj(area, "warningLevel", where).get("code")
    if level_code not in _LEVELS:
        raise WarningFormatError(
            f"unknown level {level_code!r}; expected one of {', '.join(_LEVELS)}",
            where,
            "warningLevel.code",
        )
    event_code = _text(event, "code", where, "event.code")
    described = area.get("eventDescription") or {}
    if not isinstance(described, dict):
        raise WarningFormatError("expected an object", where, "eventDescription")
    detail = described.get("code")
    if detail is not None and not isinstance(detail, str):
        raise WarningFormatError(f"expected a string, got {detail!r}", where, "eventDescription")
    code = event_code if not detail or detail == event_code else f"{event_code}/{detail}"
    published = parse_time(area.get("published"), where, "published", naive_is_utc=True)
    starts, ends = (
        parse_time(area[key], where, key, naive_is_utc=True) if area.get(key) else None
        for key in ("approximateStart", "approximateEnd")
    )
    affected = area.get("affectedAreas") or []
    if not isinstance(affected, list) or not all(isinstance(a, dict) for a in affected):
        raise WarningFormatError("expected an array of objects", where, "affectedAreas")
    geometry, polygonal, repaired = _geometry(area, affected, where, catalog)
    # The area's own name, else the warning's (FLOODING has it there), else its counties.
    names = area.get("areaName") or warning.get("areaName") or {}
    if not isinstance(names, dict):
        raise WarningFormatError(f"expected an object, got {names!r}", where, "areaName")
    # The specific description ("Vind i kombination med snöfall") names the event best.
    event_sv = described.get("sv") or event.get("sv")
    event_en = described.get("en") or event.get("en")
    return WarningArea(
        source=SOURCE_IBWW,
        identity=f"ibww:{wid}:{area['id']}",
        version=version_text(published),
        level=_LEVELS[level_code],
        event_code=code,
        event_sv=event_sv,
        event_en=event_en,
        area_name_sv=names.get("sv") or _joined(affected, "sv"),
        area_name_en=names.get("en") or _joined(affected, "en"),
        starts=starts,
        ends=ends,
        published=published,
        geometry=geometry,
        polygonal=polygonal,
        involves_wind=is_wind(
            (event_code, detail),
            (event.get("sv"), event.get("en"), described.get("sv"), described.get("en")),
        ),
        cancelled=False,
        replaces=(),
        # A self-intersecting drawn area is repaired (make_valid, as for CAP); the stored
        # document says so and why.
        raw={**warning, "warningAreas": [area], **({"repaired": repaired} if repaired else {})},
        message=f"ibww:{wid}",
    )


def _geometry(
    area: dict[str, Any], affected: list[dict[str, Any]], where: str, catalog: AreaCatalog
) -> tuple[shapely.MultiPolygon, bool, str | None]:
    """The drawn area (Feature, FeatureCollection or bare geometry, any type), else the
    union of the affectedAreas' catalog polygons; and what was repaired in the drawn area
    (None when it was valid)."""
    drawn = area.get("area")
    if drawn:
        if not isinstance(drawn, dict):
            raise WarningFormatError("expected a GeoJSON object", where, "area")
        kind = drawn.get("type")
        if kind == "FeatureCollection":
            features = drawn.get("features")
            if not isinstance(features, list) or not all(isinstance(f, dict) for f in features):
                raise WarningFormatError("expected an array of features", where, "area.features")
        else:
            features = [drawn]
        raw = [f.get("geometry") if f.get("type") == "Feature" else f for f in features]
        raw = [g for g in raw if g]
        if raw:
            crs = {crs_of(f.get("crs") or drawn.get("crs"), where) for f in features}
            if len(crs) > 1:
                raise WarningFormatError("features in different CRSs", where, "area")
            try:
                geoms = shapely.from_geojson([json.dumps(_nested(g)) for g in raw])
            except (shapely.errors.GEOSException, TypeError, ValueError) as exc:
                raise WarningFormatError(f"not valid GeoJSON: {exc}", where, "area") from None
            reasons = [shapely.is_valid_reason(g) for g in geoms if not shapely.is_valid(g)]
            repaired = (
                f"invalid area ({'; '.join(reasons)}) repaired with make_valid" if reasons else None
            )
            return (*to_sweref_area(list(geoms), where, "area", src=crs.pop()), repaired)
    ids: list[Any] = [a.get("id") for a in affected]  # as given: unknown ones are reported
    if not ids:
        raise Refused("no area geometry and no affectedAreas")
    geometry, unknown = catalog.resolve_ibww(ids)
    if geometry is None:
        raise Refused(f"no area geometry, and affectedAreas {unknown} are not in the area catalog")
    return geometry, True, None


def _nested(geometry: Any) -> Any:
    """SMHI's feed has Polygons written as a bare ring ([[15, 56], ...], one level short):
    wrap those once, as the ring is unambiguous; anything else goes to GEOS as it is."""
    if not isinstance(geometry, dict) or geometry.get("type") not in _DEPTH:
        return geometry
    coords = geometry.get("coordinates")
    depth, inner = 0, coords
    while isinstance(inner, list | tuple) and inner:
        depth, inner = depth + 1, inner[0]
    if depth == _DEPTH[geometry["type"]] - 1:
        return {**geometry, "coordinates": [coords]}
    return geometry


def _load(payload: bytes | str | list, max_bytes: int) -> list[Any]:
    if isinstance(payload, str | bytes):
        size = len(payload) if isinstance(payload, bytes) else len(payload.encode())
        if size > max_bytes:
            raise WarningFormatError(
                f"the payload is {size} bytes; at most {max_bytes} are accepted", "document"
            )
        try:
            payload = jsonio.loads(payload)
        except jsonio.JSONError as exc:
            raise WarningFormatError(str(exc), "document") from None
    if not isinstance(payload, list):
        raise WarningFormatError(
            "expected a JSON array of warnings (the body of ibww/api/version/1/warning.json)",
            "document",
        )
    # Counted before any geometry is built.
    if (
        jsonio.count_positions(payload, MAX_POSITIONS) > MAX_POSITIONS
    ):  # before any geometry is built
        raise WarningFormatError(
            f"more than {MAX_POSITIONS:,} positions in the areas; at most {MAX_POSITIONS:,} "
            "are accepted",
            "document",
        )
    return payload


def _obj(parent: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = parent.get(key)
    if not isinstance(value, dict):
        raise WarningFormatError(f"expected an object, got {value!r}", where, key)
    return value


def _int(parent: dict[str, Any], key: str, where: str) -> int:
    value = parent.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise WarningFormatError(f"expected an integer, got {value!r}", where, key)
    return value


def _text(parent: dict[str, Any], key: str, where: str, name: str) -> str:
    value = parent.get(key)
    if not isinstance(value, str) or not value.strip():
        raise WarningFormatError(f"expected a non-empty string, got {value!r}", where, name)
    return value.strip()


def _joined(affected: list[dict[str, Any]], lang: str) -> str | None:
    return ", ".join(str(a[lang]) for a in affected if a.get(lang)) or None
