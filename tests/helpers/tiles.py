"""Where a point of ours lands among the XYZ tiles: for the tests of the base map's tiles."""

from __future__ import annotations

import math

from resilience.crs import transformer
from resilience.vocabulary import SWEREF99TM, WGS84


def lonlat(x: float, y: float) -> tuple[float, float]:
    """An EPSG:3006 point in WGS 84 (lon, lat)."""
    lon, lat = transformer(SWEREF99TM, WGS84).transform(x, y)
    return float(lon), float(lat)


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The XYZ tile (x, y) holding lon/lat at zoom z (the slippy-map formula)."""
    n = 1 << z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y
