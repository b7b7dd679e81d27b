"""Warned areas as EPSG:3006 MultiPolygons, and the catalog of named warning regions.

Coordinates that cannot be WGS 84 at all (latitude 123, NaN) make the document malformed.
Valid coordinates far from Sweden are not an error, just not ours: the area is clipped to
REGION (Sweden and its neighbours) and refused when nothing is left, so a Macao or
Chukotka CAP alert is reported rather than crashing the transverse Mercator projection.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely import MultiPolygon
from shapely.geometry.base import BaseGeometry

from geodata.loaders.geometry import lonlat_extent, to_sweref
from geodata.loaders.geometry import polygonal as polygon_parts
from geodata.loaders.warnings.model import MAX_REPAIR_POSITIONS, WarningFormatError
from resilience import jsonio
from resilience.crs import parse_epsg, transformer
from resilience.vocabulary import WGS84

# A line (river, coast) or a point is widened to this so it can intersect counties and
# sites; the WarningArea says polygonal=False so the map can still draw it as issued.
LINE_BUFFER_M = 1_000.0
# EPSG:3006 stays accurate well beyond its area of use; 5° more keeps Norwegian, Finnish
# and Baltic areas next to Sweden while the projection is still sane.
REGION_MARGIN_DEG = 5.0
_POLYGON = 3  # shapely geometry type ids
_POLYGONS = (3, 6)  # Polygon, MultiPolygon
_NO_SURFACE = "the area has no surface (a degenerate polygon)"
_COLLECTIONS = (4, 5, 6, 7)  # Multi* and GeometryCollection


class Refused(Exception):
    """A well-formed area this service cannot use; the message is the reason."""


@cache
def region() -> tuple[float, float, float, float]:
    """(west, south, east, north) in degrees where warned areas are kept."""
    west, south, east, north = lonlat_extent()
    m = REGION_MARGIN_DEG
    return (west - m, south - m, east + m, north + m)


def _check_lonlat(xy: np.ndarray, where: str, name: str) -> None:
    if not np.isfinite(xy).all():
        raise WarningFormatError("coordinates are not finite numbers", where, name)
    for axis, label, limit in ((1, "latitude", 90.0), (0, "longitude", 180.0)):
        bad = np.flatnonzero(np.abs(xy[:, axis]) > limit)
        if len(bad):
            i = int(bad[0])
            raise WarningFormatError(
                f"{label} {xy[i, axis]:g} (point {i + 1}) is outside ±{limit:g}°", where, name
            )


def _outside_reason(xy: np.ndarray) -> str:
    west, south, east, north = region()
    lon, lat = xy[0]
    swapped = west <= lat <= east and south <= lon <= north
    hint = "; latitude and longitude look swapped" if swapped else ""
    return (
        f"lies outside the region this service covers (e.g. lon {lon:g}, lat {lat:g}; kept: "
        f"lon {west:.1f}…{east:.1f}, lat {south:.1f}…{north:.1f}){hint}"
    )


def to_sweref_area(
    geoms: Sequence[BaseGeometry],
    where: str,
    name: str,
    *,
    src: int = WGS84,
    radii_m: Sequence[float] | None = None,
) -> tuple[MultiPolygon, bool]:
    """The union of `geoms` (in EPSG:`src`) as one valid EPSG:3006 MultiPolygon, and whether
    it was polygonal as given. `radii_m[i]` > 0 buffers geoms[i] (a CAP circle's centre)."""
    arr = shapely.force_2d(np.asarray(geoms, dtype=object))
    if src != WGS84:
        project = transformer(src, WGS84)
        arr = shapely.transform(arr, lambda xy: np.column_stack(project.transform(*xy.T)))
    xy = shapely.get_coordinates(arr)
    _check_lonlat(xy, where, name)
    invalid = ~shapely.is_valid(arr)
    if invalid.any():
        broken = int(shapely.get_num_coordinates(arr[invalid]).sum())
        if broken > MAX_REPAIR_POSITIONS:
            raise Refused(
                f"an invalid (self-intersecting) area of {broken:,} vertices; at most "
                f"{MAX_REPAIR_POSITIONS:,} are repaired"
            )
        # Repair before clipping (clip_by_rect wants valid input); a polygon that collapses
        # to a line is a broken polygon, not a line warning, so only its surface is kept.
        repaired = shapely.make_valid(arr[invalid])
        was_polygon = np.isin(shapely.get_type_id(arr[invalid]), _POLYGONS)
        repaired[was_polygon] = [polygon_parts(g) for g in repaired[was_polygon]]
        arr[invalid] = repaired
    if shapely.is_empty(arr).all():
        raise Refused(_NO_SURFACE)
    clipped = shapely.clip_by_rect(arr, *region())
    if shapely.is_empty(clipped).all():
        raise Refused(_outside_reason(xy))
    sweref = to_sweref(clipped, WGS84)
    if not np.isfinite(shapely.get_coordinates(sweref)).all():
        raise Refused("cannot be projected to SWEREF 99 TM (EPSG:3006)")
    if radii_m is not None:
        radii = np.asarray(radii_m, dtype=float)
        circle = radii > 0
        sweref[circle] = shapely.buffer(sweref[circle], radii[circle])
    return polygonize(sweref)


def polygonize(geoms: np.ndarray) -> tuple[MultiPolygon, bool]:
    """Polygons repaired, other parts buffered by LINE_BUFFER_M, all unioned (EPSG:3006)."""
    parts = shapely.get_parts(geoms)
    while np.isin(shapely.get_type_id(parts), _COLLECTIONS).any():
        parts = shapely.get_parts(parts)
    parts = parts[~shapely.is_empty(parts)]
    is_polygon = shapely.get_type_id(parts) == _POLYGON
    polygons = shapely.make_valid(parts[is_polygon])
    widened = shapely.buffer(parts[~is_polygon], LINE_BUFFER_M)
    merged = polygon_parts(shapely.union_all(np.concatenate([polygons, widened])))
    if merged.is_empty:
        raise Refused(_NO_SURFACE)
    return merged, bool(is_polygon.all())


@dataclass(frozen=True)
class CatalogArea:
    key: str  # IBWW area id ("24") or EMMA_ID ("SE032")
    name_sv: str | None
    name_en: str | None
    geometry: MultiPolygon = field(repr=False)  # EPSG:3006


class AreaCatalog:
    """Named warning regions: SMHI IBWW area ids (21 counties 1–25, sea districts 41–58)
    and MeteoAlarm EMMA_ID codes (SE001–SE040, SE801–SE813), all in EPSG:3006."""

    def __init__(
        self,
        ibww: Mapping[int, CatalogArea] | None = None,
        emma: Mapping[str, CatalogArea] | None = None,
    ) -> None:
        self.ibww: dict[int, CatalogArea] = dict(ibww or {})
        self.emma: dict[str, CatalogArea] = {k.upper(): v for k, v in (emma or {}).items()}

    @classmethod
    def from_files(
        cls, ibww_areas_path: str | Path | None, emma_path: str | Path | None
    ) -> AreaCatalog:
        """Read SMHI's metadata/area.json (or a FeatureCollection with properties id, sv,
        en) and a MeteoAlarm EMMA_ID FeatureCollection (properties code, name). Build it
        once per process: it projects every region."""
        ibww = _read_regions(ibww_areas_path, "id") if ibww_areas_path else []
        emma = _read_regions(emma_path, "code") if emma_path else []
        return cls(
            {int(area.key): area for area in ibww}, {area.key.upper(): area for area in emma}
        )

    def __repr__(self) -> str:
        return f"AreaCatalog({len(self.ibww)} IBWW areas, {len(self.emma)} EMMA_IDs)"

    def resolve_ibww(self, ids: Iterable[int]) -> tuple[MultiPolygon | None, list[int]]:
        """Union of the known areas (None if none is known), and the unknown ids."""
        return _union(self.ibww, list(ids))

    def resolve_emma(self, codes: Iterable[str]) -> tuple[MultiPolygon | None, list[str]]:
        """Union of the known EMMA_ID regions (None if none is known), and the unknown codes."""
        return _union(self.emma, [code.strip().upper() for code in codes])


def _union(table: Mapping[Any, CatalogArea], keys: list[Any]) -> tuple[MultiPolygon | None, list]:
    known = [table[k].geometry for k in keys if k in table]
    unknown = [k for k in keys if k not in table]
    if not known:
        return None, unknown
    return polygon_parts(shapely.union_all(known)), unknown


def _read_regions(path: str | Path, key_field: str) -> list[CatalogArea]:
    """Both shapes SMHI and MeteoAlarm use: [{id, sv, en, area: Feature}] or a
    FeatureCollection. Each feature may carry its own GeoJSON `crs` member."""
    try:
        data = jsonio.loads(Path(path).read_bytes())
        if isinstance(data, list):  # SMHI metadata/area.json
            items = [(item, item["area"]) for item in data]
            file_crs = None
        else:
            items = [(f["properties"], f) for f in data["features"]]
            file_crs = data.get("crs")
        rows = [
            (
                str(props[key_field]),
                props.get("sv", props.get("name")),
                props.get("en", props.get("name")),
                json.dumps(feature["geometry"]),
                crs_of(feature.get("crs") or file_crs, str(path)),
            )
            for props, feature in items
        ]
        geoms = shapely.from_geojson([row[3] for row in rows])
    except (OSError, ValueError, KeyError, TypeError, shapely.errors.GEOSException) as exc:
        raise ValueError(f"{path}: not a readable warning-area file ({exc!r})") from exc
    epsg = np.array([row[4] for row in rows])
    for code in np.unique(epsg).tolist():
        here = epsg == code
        geoms[here] = to_sweref(geoms[here], code)
    invalid = ~shapely.is_valid(geoms)
    geoms[invalid] = shapely.make_valid(geoms[invalid])
    return [
        CatalogArea(key, sv, en, polygon_parts(geom))
        for (key, sv, en, _, _), geom in zip(rows, geoms.tolist(), strict=True)
    ]


def crs_of(member: Any, where: str = "document") -> int:
    """EPSG code of a GeoJSON (2008) `crs` member; absent means WGS 84 lon,lat."""
    if member is None:
        return WGS84
    name = member.get("properties", {}).get("name") if isinstance(member, dict) else None
    if not isinstance(name, str):
        raise WarningFormatError(f"expected a named CRS, got {member!r}", where, "crs")
    try:
        return parse_epsg(name)
    except ValueError as exc:
        raise WarningFormatError(str(exc), where, "crs") from None
