"""What the warning parsers return: one WarningArea per warned area, already in EPSG:3006."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import shapely
from shapely import MultiPolygon
from shapely.geometry.base import BaseGeometry

SOURCE_IBWW = "smhi-ibww"
SOURCE_CAP = "cap"
LEVELS = ("message", "yellow", "orange", "red")  # lowest first
MAX_BYTES = 5_000_000  # a warning document is a few hundred kB at most; more is abuse or a bug
# Positions in one document, counted before any geometry is built (SMHI's whole feed has a
# few thousand); and in an invalid area, the most make_valid is asked to repair (a
# self-intersecting zigzag of 20,000 vertices took 21 s).
MAX_POSITIONS = 50_000
MAX_REPAIR_POSITIONS = 5_000
# A CAP <circle> radius past this is not a weather warning (Sweden is 1,600 km long).
MAX_RADIUS_KM = 2_000.0

# Wind in event names, in the languages that reach us (sv, en, no/da). "vindel" keeps
# Vindelälven and Vindeln out; thunderstorms are convective, not the wind-outage case.
_WIND_TEXT = re.compile(
    r"vind(?!el)|wind|(?<!thunder)storm|kuling|gale|orkan|hurricane|typhoon|tyfon|blåst",
    re.IGNORECASE,
)
_WIND_CODES = frozenset({"WIND", "GALE", "STORM", "HURRICANE"})


class WarningFormatError(ValueError):
    """The document is malformed or unsafe: nothing of it is used (an HTTP 400/422)."""

    def __init__(self, message: str, where: str | None = None, field: str | None = None) -> None:
        self.reason = message
        self.where = where
        self.field = field
        place = ", ".join(part for part in (where, field and f"field '{field}'") if part)
        super().__init__(f"{place}: {message}" if place else message)


@dataclass(frozen=True)
class WarningArea:
    """One warned area of one warning message: one stored warning row.

    Upsert by `identity`; a larger `version` (UTC ISO text, lexically ordered) is newer.
    """

    source: str  # SOURCE_IBWW | SOURCE_CAP
    identity: str  # stable across versions of the same area (see the package docstring)
    version: str  # IBWW published / CAP sent, "2021-09-16T08:47:36.540Z"
    level: str  # one of LEVELS
    event_code: str  # "WIND", "WIND/WIND_SNOW", "WIND_SEA/GALE_LOW"; CAP "WIND", "SNOW_ICE"
    event_sv: str | None
    event_en: str | None
    area_name_sv: str | None
    area_name_en: str | None
    starts: datetime | None  # UTC
    ends: datetime | None  # UTC; None = open-ended (IBWW without approximateEnd)
    published: datetime  # UTC
    geometry: MultiPolygon = field(repr=False)  # EPSG:3006, valid, never empty
    polygonal: bool  # False: parts were lines, points or zero circles buffered by LINE_BUFFER_M
    involves_wind: bool  # coverage model: orange/red wind warnings are also outage areas
    cancelled: bool  # CAP Cancel, responseType AllClear or urgency Past: end the area
    replaces: tuple[str, ...]  # identities this row supersedes (CAP Update/Cancel references)
    raw: dict[str, Any] = field(repr=False)  # IBWW warning with only this area, or {"xml": text}
    message: str  # the message this row came from: "ibww:<warning id>", "cap:<sender>:<id>"
    references: tuple[str, ...] = ()  # message keys (as `message`) an Update/Cancel supersedes

    def active_at(self, moment: datetime) -> bool:
        """In force at `moment` (aware): not cancelled, started, and not yet ended."""
        if self.cancelled:
            return False
        if self.starts is not None and moment < self.starts:
            return False
        return self.ends is None or moment < self.ends


@dataclass
class ParseResult:
    areas: list[WarningArea]
    refused: list[str]  # "<where>: <reason>" for each area or block left out on purpose
    # Messages that an Update or Cancel ends as a whole, as WarningArea.message keys: end their
    # stored rows even when the new message no longer lists an area (or has no <info>).
    supersedes: tuple[str, ...] = ()
    message: str | None = None  # this message's key (CAP: "cap:<sender>:<identifier>")
    cancel: bool = False  # a CAP Cancel: what it supersedes is cancelled, not only replaced


def intersects_county(area: WarningArea, county_3006: BaseGeometry) -> bool:
    """Whether the warned area touches the county polygon (both EPSG:3006)."""
    return bool(shapely.intersects(area.geometry, county_3006))


def is_wind(codes: tuple[str | None, ...], texts: tuple[str | None, ...]) -> bool:
    """Wind by code token (WIND, WIND_SEA, GALE_LOW, ...) or by wind words in event names."""
    tokens = {t for code in codes if code for t in re.split(r"[^A-Z]+", code.upper())}
    return bool(tokens & _WIND_CODES) or any(t and _WIND_TEXT.search(t) for t in texts)


def parse_time(value: Any, where: str, name: str, *, naive_is_utc: bool = False) -> datetime:
    """An ISO 8601 timestamp as an aware UTC datetime."""
    if not isinstance(value, str):
        raise WarningFormatError(f"expected an ISO 8601 timestamp, got {value!r}", where, name)
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise WarningFormatError(f"{value!r} is not an ISO 8601 timestamp", where, name) from None
    if moment.tzinfo is None:
        if not naive_is_utc:
            raise WarningFormatError(f"{value!r} has no UTC offset", where, name)
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def version_text(moment: datetime) -> str:
    """Fixed-width UTC text, so versions compare correctly as strings (and in SQL)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
