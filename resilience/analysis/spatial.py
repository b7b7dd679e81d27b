"""Vectorised point-in-polygon for the coverage model: boundary counts as inside.

All coordinates are EPSG:3006 metres. "Inside" is Shapely's intersects between a point and a
polygon, which is covers: interior or boundary. (contains_xy would drop the boundary.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from resilience.analysis.model import (
    SNOW_LEVELS,
    BoolArray,
    FloatArray,
    ObjectArray,
    Scenario,
    SnowZone,
    SpeedFactors,
    polygon_parts,
)

# Up to this many polygons a bounding-box filter per polygon is cheapest; beyond it an
# STRtree over the polygons avoids scanning every point once per polygon.
_FEW_POLYGONS = 16


def _bbox_mask(bounds: NDArray[np.float64], x: FloatArray, y: FloatArray) -> BoolArray:
    xmin, ymin, xmax, ymax = bounds
    mask: BoolArray = (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)
    return mask


def covers_xy(geometry: BaseGeometry | None, x: FloatArray, y: FloatArray) -> BoolArray:
    """Whether each point (x, y) lies in any polygon of geometry, boundary included.

    Each polygon is tested on its own rather than after a union: a union renodes the
    edges and could move a point that lay exactly on an original edge off the boundary.
    """
    return covers_parts_xy(polygon_parts(geometry), x, y)


def covers_parts_xy(parts: NDArray[np.object_], x: FloatArray, y: FloatArray) -> BoolArray:
    """covers_xy for polygons given as an array of polygons (polygon_parts)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    inside = np.zeros(x.shape, dtype=bool)
    if parts.size == 0 or x.size == 0:
        return inside
    if parts.size <= _FEW_POLYGONS:
        for part in parts:
            candidates = np.flatnonzero(_bbox_mask(shapely.bounds(part), x, y) & ~inside)
            if candidates.size:
                shapely.prepare(part)
                inside[candidates] = shapely.intersects_xy(part, x[candidates], y[candidates])
        return inside
    tree = shapely.STRtree(parts)
    point_index, _ = tree.query(shapely.points(x, y), predicate="intersects")
    inside[point_index] = True
    return inside


def outage_hours_xy(scenario: Scenario, x: FloatArray, y: FloatArray) -> FloatArray:
    """v3: each point's D, hours: the largest duration of the outage polygons covering it
    (boundary included); 0 outside every one."""
    parts, hours = scenario.outage_polygons()
    duration = np.zeros(np.shape(x), dtype=np.float64)
    for value in np.unique(hours):
        inside = covers_parts_xy(parts[hours == value], x, y)
        duration[inside] = value  # ascending: a longer duration overwrites a shorter one
    return duration


def speed_factor_xy(
    zones: Sequence[SnowZone], factors: SpeedFactors, x: FloatArray, y: FloatArray
) -> FloatArray:
    """The speed factor at each point: that of the most severe zone covering it, else 1.0.

    Severity is by warning level (red > orange > yellow), whatever the factors' values.
    """
    factor = np.ones(np.shape(x), dtype=np.float64)
    # Writing in ascending severity lets a more severe zone overwrite a milder one.
    for level in SNOW_LEVELS:
        geometries = [zone.geometry for zone in zones if zone.level == level]
        if not geometries:
            continue
        inside = np.zeros(factor.shape, dtype=bool)
        for geometry in geometries:
            inside |= covers_xy(geometry, x, y)
        factor[inside] = factors.of(level)
    return factor


def assign_municipality(
    x: FloatArray, y: FloatArray, boundaries: Mapping[str, BaseGeometry]
) -> ObjectArray:
    """The municipality code of each point (x, y): the one covering it, boundary included.

    The lowest code (as text) wins where several cover a point; None where none does.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    result = np.full(x.shape, None, dtype=object)
    codes = sorted(boundaries)
    if not codes or x.size == 0:
        return result
    part_geometries: list[NDArray[np.object_]] = []
    part_rank: list[NDArray[np.int64]] = []
    for rank, code in enumerate(codes):
        parts = polygon_parts(boundaries[code])
        part_geometries.append(parts)
        part_rank.append(np.full(parts.size, rank, dtype=np.int64))
    geometries = np.concatenate(part_geometries)
    ranks = np.concatenate(part_rank)
    if geometries.size == 0:
        return result
    tree = shapely.STRtree(geometries)
    point_index, part_index = tree.query(shapely.points(x, y), predicate="intersects")
    best = np.full(x.shape, len(codes), dtype=np.int64)
    np.minimum.at(best, point_index, ranks[part_index])
    found = best < len(codes)
    result[found] = np.asarray(codes, dtype=object)[best[found]]
    return result
