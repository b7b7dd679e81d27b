"""Query arguments read the same way by every resource of the API."""

from __future__ import annotations

from flask import request

from resilience.crs import parse_epsg
from resilience.errors import BadInput
from resilience.vocabulary import WGS84


def crs_arg(name: str = "crs") -> int:
    """An EPSG code (`crs=4326`, `EPSG:3006`, the OGC URI); WGS 84 when not given."""
    try:
        return parse_epsg(request.args.get(name), default=WGS84)
    except ValueError as exc:
        raise BadInput(str(exc)) from exc


def int_arg(name: str, default: int, maximum: int) -> int:
    """A whole number of at most `maximum` (a larger one is lowered to it)."""
    value = request.args.get(name)
    if value is None:
        return default
    if not (value.isascii() and value.isdigit()):
        raise BadInput(f"{name} must be a whole number")
    return min(int(value), maximum)
