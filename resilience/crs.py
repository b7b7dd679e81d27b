"""Coordinate reference systems: what we store in and what we serve."""

from __future__ import annotations

from functools import cache

from pyproj import CRS, Transformer

from resilience.vocabulary import WGS84

# Where SWEREF 99 TM is defined well enough to transform to: query boxes are clipped to this
# first (a whole-world box would fail, a huge one costs memory). The importers accept only
# geometries within EPSG:3006's area of use (10.03-24.17 E, 54.96-69.07 N); these are that
# with a wide margin, in lon/lat and in EPSG:3006 metres.
SWEREF_DOMAIN = (0.0, 50.0, 35.0, 75.0)
SWEREF_DOMAIN_M = (-1_500_000.0, 5_000_000.0, 2_500_000.0, 9_000_000.0)


@cache
def transformer(src: int, dst: int) -> Transformer:
    """An always_xy transformer: (lon, lat) or (easting, northing) in, the same out."""
    return Transformer.from_crs(CRS.from_epsg(src), CRS.from_epsg(dst), always_xy=True)


def parse_epsg(value: str | int | None, default: int = WGS84) -> int:
    """Accept 3006, "3006", "EPSG:3006", "urn:ogc:def:crs:EPSG::3006", CRS84 URIs."""
    if value is None or value == "":
        return default
    text = str(value).strip()
    if text.upper().endswith("CRS84"):
        return WGS84
    tail = text.rsplit(":", 1)[-1]
    if not tail.isdigit():
        raise ValueError(f"unknown CRS {text!r}; use an EPSG code such as EPSG:3006")
    code = int(tail)
    try:
        CRS.from_epsg(code)
    except Exception as exc:  # pyproj raises CRSError; say it in the user's terms
        raise ValueError(f"unknown CRS EPSG:{code}") from exc
    return code
