"""Validated records, the common currency between file readers, the demo builder and the
database. Every geometry here is already in SWEREF 99 TM (EPSG:3006)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shapely import MultiPolygon

from geodata.messages import Message


@dataclass(frozen=True)
class BoundaryRecord:
    code: str  # 4-digit kommun code, text ("2480")
    name: str
    geom: MultiPolygon  # EPSG:3006


@dataclass(frozen=True)
class CellRecord:
    """A population grid cell by its lower-left corner (EPSG:3006 metres)."""

    x_ll: int
    y_ll: int
    population: int
    cell_size: int = 1000


@dataclass(frozen=True)
class SiteRecord:
    source_id: str
    name: str
    category: str  # one of resilience.vocabulary.CATEGORIES
    kind: str  # one of resilience.vocabulary.KINDS[category]
    x: float  # EPSG:3006 easting, metres
    y: float  # EPSG:3006 northing, metres
    # The coverage model's numeric attributes (resilience.vocabulary.SITE_NUMBERS); absent = null.
    numbers: dict[str, float | int | None] = field(default_factory=dict)
    owner: str | None = None  # state | region | municipality (energy sites)
    attributes: dict[str, Any] = field(default_factory=dict)  # free extra fields, JSON-able
    source: str | None = None  # overrides the import's source name when set
    heating: str | None = None  # v2: one of resilience.vocabulary.HEATING (care, food, energy)
    heat_plant: str | None = None  # v2: source_id of the district_heating_plant heating it


@dataclass
class RecordError:
    """One problem in an input file, naming where (feature index or CSV line) and the field.
    `message` is English; `code` and `params`, when set, let the web layer say it in the
    user's language (geodata/messages.py)."""

    where: str  # "feature 12", "line 7"
    field: str | None
    message: str
    code: str | None = None
    params: dict[str, Any] | None = None

    @classmethod
    def of(cls, where: str, field: str | None, message: str | Message) -> RecordError:
        """From a plain English message or a structured one."""
        if isinstance(message, Message):
            return cls(where, field, str(message), message.code, message.params)
        return cls(where, field, message)

    def __str__(self) -> str:
        place = f"{self.where}, field '{self.field}'" if self.field else self.where
        return f"{place}: {self.message}"


class ImportValidationError(ValueError):
    """The input was refused as a whole; nothing was written."""

    def __init__(self, errors: list[RecordError], summary: str | None = None) -> None:
        self.errors = errors
        head = summary or f"{len(errors)} error(s) in the input; nothing was imported"
        super().__init__(head + "".join(f"\n  - {e}" for e in errors[:50]))
