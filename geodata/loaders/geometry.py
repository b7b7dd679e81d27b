"""Coordinates: into SWEREF 99 TM in one vectorised call, then checked against Sweden.

The sanity check is what catches a wrong CRS: metres read as degrees, or latitude and
longitude swapped, land outside Sweden (or at infinity, which PROJ returns for latitudes
beyond 90°), and the message says which CRS the numbers look like instead.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import shapely
from pyproj import CRS
from shapely import MultiPolygon, Polygon

from resilience.crs import transformer
from resilience.vocabulary import SWEREF99TM, WGS84

GeometryArray = np.ndarray  # object array of shapely geometries (None allowed)


@cache
def lonlat_extent() -> tuple[float, float, float, float]:
    """EPSG:3006's area of use, Sweden on- and offshore: (west, south, east, north) degrees."""
    area = CRS.from_epsg(SWEREF99TM).area_of_use
    assert area is not None  # EPSG:3006 always has one
    return area.bounds


@cache
def sweref_extent() -> tuple[float, float, float, float]:
    """The same area in EPSG:3006 metres, about x 182 000–1 086 000, y 6 090 000–7 690 000."""
    return transformer(WGS84, SWEREF99TM).transform_bounds(*lonlat_extent(), densify_pts=51)


def _within(x: np.ndarray | float, y: np.ndarray | float, box: tuple[float, ...]) -> np.ndarray:
    # NaN and infinity compare False, so they count as outside.
    return np.asarray((x >= box[0]) & (x <= box[2]) & (y >= box[1]) & (y <= box[3]))


def looks_like_sweref(x: np.ndarray, y: np.ndarray) -> bool:
    """Whether all these (finite) coordinates lie in Sweden in SWEREF 99 TM metres."""
    return bool(len(x)) and bool(_within(x, y, sweref_extent()).all())


def to_sweref(geoms: GeometryArray, src: int) -> GeometryArray:
    """Transform every geometry from EPSG:`src` to EPSG:3006 with one PROJ call."""
    if src == SWEREF99TM:
        return geoms
    project = transformer(src, SWEREF99TM)

    def apply(coords: np.ndarray) -> np.ndarray:
        x, y = project.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, apply)


def _fmt(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    if abs(value) >= 1000:
        return f"{value:.0f}" if value.is_integer() else f"{value:.2f}"
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _hint(x: float, y: float, src: int) -> str:
    """Guess what the coordinates are, from where they would land in Sweden."""
    sweref, lonlat = sweref_extent(), lonlat_extent()
    if src != SWEREF99TM and _within(x, y, sweref):
        return "wrong CRS? try --crs EPSG:3006"
    if src != SWEREF99TM and _within(y, x, sweref):
        return "wrong CRS? they look like SWEREF 99 TM metres with x and y swapped (EPSG:3006)"
    if src != WGS84 and _within(x, y, lonlat):
        return "wrong CRS? try --crs EPSG:4326"
    if _within(y, x, lonlat):
        swap = "latitude and longitude look swapped: longitude comes first"
        return swap if src == WGS84 else f"wrong CRS? {swap}, in EPSG:4326"
    if src == SWEREF99TM and _within(y, x, sweref):
        return "x and y look swapped: x is the easting (about 200 000–1 000 000 m)"
    return "wrong CRS? pass --crs with the file's EPSG code"


def wrong_crs_hint(x: float, y: float, src: int) -> str:
    """What coordinates (x, y) read in EPSG:`src` that land outside Sweden probably are."""
    return _hint(x, y, src)


def check_in_sweden(
    src_geoms: GeometryArray, dst_geoms: GeometryArray, src: int
) -> list[tuple[int, str]]:
    """(position, message) for each geometry with a NaN/infinite coordinate, or a vertex
    outside Sweden after transformation; the first bad vertex is named, as in the file."""
    src_xy, index = shapely.get_coordinates(src_geoms, return_index=True)
    dst_xy = shapely.get_coordinates(dst_geoms)
    nonfinite = ~np.isfinite(src_xy).all(axis=1)
    outside = ~nonfinite & ~_within(dst_xy[:, 0], dst_xy[:, 1], sweref_extent())
    found: dict[int, str] = {}
    for flags in (nonfinite, outside):
        positions, first = np.unique(index[flags], return_index=True)
        rows_xy = src_xy[flags][first]
        for pos, (x, y) in zip(positions.tolist(), rows_xy.tolist(), strict=True):
            if pos in found:
                continue
            if not (math.isfinite(x) and math.isfinite(y)):
                found[pos] = "coordinates are not finite numbers (NaN or infinity)"
            else:
                found[pos] = (
                    f"coordinates ({_fmt(x)}, {_fmt(y)}) fall outside Sweden in "
                    f"EPSG:{src} — {_hint(x, y, src)}"
                )
    return sorted(found.items())


def invalid_reasons(geoms: GeometryArray) -> dict[int, str]:
    """Position → shapely.is_valid_reason for each invalid (non-null) geometry."""
    valid = shapely.is_valid(geoms)
    bad = np.flatnonzero(~valid & ~shapely.is_missing(geoms))
    return {int(i): shapely.is_valid_reason(geoms[i]) for i in bad}


def polygonal(geom: shapely.Geometry) -> MultiPolygon:
    """The polygons of a geometry as one MultiPolygon (what make_valid leaves may be mixed)."""
    parts = shapely.get_parts(geom)
    polygons: list[Polygon] = []
    for part in parts.tolist():
        if isinstance(part, Polygon):
            polygons.append(part)
        elif isinstance(part, MultiPolygon) or part.geom_type == "GeometryCollection":
            polygons.extend(polygonal(part).geoms)
    return MultiPolygon(polygons)
