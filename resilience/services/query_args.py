"""Query arguments, read once for every resource of /api/v1 and of /ogc, without Flask (the
views pass `request.args`): whole numbers, an EPSG code, and the one bounding box (`BBox`,
`parse_bbox`) with its filter on a stored EPSG:3006 geometry."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from resilience.crs import SWEREF_DOMAIN, SWEREF_DOMAIN_M, parse_epsg
from resilience.errors import BadInput
from resilience.vocabulary import SWEREF99TM, WGS84

Args = Mapping[str, str]
_WHOLE = re.compile(r"[+-]?[0-9]+")


def whole(
    args: Args,
    name: str,
    default: int,
    *,
    minimum: int = 0,
    maximum: int | None = None,
    clamp: bool = False,
) -> int:
    """`name` as a whole number (`default` when not given; given but empty is refused). Below
    `minimum`: 400. Above `maximum`: lowered to it with `clamp`, else 400."""
    value = args.get(name)
    if value is None:
        return default
    text = value.strip()
    if not _WHOLE.fullmatch(text):
        raise BadInput(f"{name} must be a whole number")
    try:
        number = int(text)
    except ValueError:  # more digits than Python converts
        raise BadInput(f"{name} must be a whole number") from None
    if number < minimum:
        raise BadInput(f"{name} must be at least {minimum}")
    if maximum is not None and number > maximum:
        if not clamp:
            raise BadInput(f"{name} must be at most {maximum}")
        number = maximum
    return number


def epsg(args: Args, name: str = "crs", default: int = WGS84) -> int:
    """An EPSG code (`crs=4326`, `EPSG:3006`, the OGC URI); `default` when not given."""
    try:
        return parse_epsg(args.get(name), default=default)
    except ValueError as exc:
        raise BadInput(str(exc)) from exc


# A lon/lat box is densified every this many degrees before it is transformed, so its
# edges follow the meridians and parallels in SWEREF 99 TM (as /ogc does): clipped to
# SWEREF_DOMAIN that is at most ~2,400 vertices, whatever the box.
DENSIFY_DEGREES = 0.05
BBOX_CRSES = (WGS84, SWEREF99TM)


@dataclass(frozen=True)
class BBox:
    """A bounding box in `srid`, x before y (lon/lat for 4326, easting/northing for 3006).
    A lon/lat box whose minx is above its maxx crosses the antimeridian (OGC only)."""

    minx: float
    miny: float
    maxx: float
    maxy: float
    srid: int = WGS84

    @classmethod
    def parse(cls, value: str | None, srid: int = WGS84) -> BBox | None:
        """The API's `bbox` (None when not given) in `srid`, its `bbox-crs`."""
        if not value:
            return None
        if srid not in BBOX_CRSES:
            raise BadInput("bbox-crs must be EPSG:4326 (lon/lat) or EPSG:3006 (SWEREF 99 TM)")
        return parse_bbox(value, srid)

    def sql(self) -> tuple[str, dict[str, Any]]:
        """A filter on `geom` (EPSG:3006) that can use the GiST index. The box is clipped to
        where SWEREF 99 TM is defined (nothing is stored outside it), so its cost is bounded
        whatever its size."""
        domain = SWEREF_DOMAIN_M if self.srid == SWEREF99TM else SWEREF_DOMAIN
        x0, y0 = max(self.minx, domain[0]), max(self.miny, domain[1])
        x1, y1 = min(self.maxx, domain[2]), min(self.maxy, domain[3])
        if x0 > x1 or y0 > y1:
            return "FALSE", {}
        params = {"bx0": x0, "by0": y0, "bx1": x1, "by1": y1}
        if self.srid == SWEREF99TM:
            return "geom && ST_MakeEnvelope(:bx0, :by0, :bx1, :by1, :bstored)", params | {
                "bstored": SWEREF99TM
            }
        clause = (
            "geom && ST_Transform(ST_Segmentize(ST_MakeEnvelope(:bx0, :by0, :bx1, :by1, :blonlat),"
            " :bseg), :bstored)"
        )
        return clause, params | {"blonlat": WGS84, "bseg": DENSIFY_DEGREES, "bstored": SWEREF99TM}


def bbox(args: Args) -> BBox | None:
    """The API's `bbox` in its `bbox-crs` (EPSG:4326 or 3006; a bad one is refused even
    without a bbox); None when no bbox is given."""
    return BBox.parse(args.get("bbox"), srid=epsg(args, "bbox-crs"))


def parse_bbox(
    value: str,
    srid: int = WGS84,
    *,
    northing_first: bool = False,
    heights: bool = False,
    antimeridian: bool = False,
) -> BBox:
    """`minx,miny,maxx,maxy` in `srid`; 400 for anything else. OGC API - Features allows
    more: `northing_first` (EPSG:3006 given in its axis order, swapped here), `heights`
    (six numbers, the heights dropped) and `antimeridian` (a lon/lat box may cross it)."""
    shape = "4 (or 6) numbers" if heights else "4 numbers"
    malformed = f"bbox must be {shape} separated by commas: minx,miny,maxx,maxy"
    try:
        numbers = [float(p) for p in value.split(",")]
    except ValueError:
        raise BadInput(malformed) from None
    if heights and len(numbers) == 6:  # lower corner x, y, z, upper corner x, y, z
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise BadInput(malformed)
    if northing_first:
        numbers = [numbers[1], numbers[0], numbers[3], numbers[2]]
    minx, miny, maxx, maxy = numbers
    crosses = antimeridian and srid == WGS84
    if miny > maxy or (minx > maxx and not crosses):
        raise BadInput("bbox: the lower corner must come first (minimum values, then maximum)")
    if srid == WGS84 and not (
        -180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= maxy <= 90
    ):
        raise BadInput("bbox is outside lon/lat range; is it in EPSG:3006 (bbox-crs)?")
    return BBox(minx, miny, maxx, maxy, srid)
