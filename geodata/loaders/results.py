"""What a loader returns, and how it gathers every problem before refusing a file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, NoReturn, TypeVar

from geodata.messages import Message
from geodata.records import ImportValidationError, RecordError

T = TypeVar("T")


@dataclass
class LoadResult(Generic[T]):
    """Validated records in EPSG:3006, ready for the transactional upsert."""

    records: list[T]
    crs: int  # EPSG code the input was read in (detected, or the crs argument)
    skipped: list[RecordError]  # rows left out on purpose, each with its reason
    format: str  # "geojson" | "gpkg" | "csv"
    # Things the importer decided for the user, e.g. a CSV read as cp1252 or a repaired polygon.
    notes: list[str] = field(default_factory=list)
    # Where each record was in the file ("feature 3", "line 7"), in the order of `records`.
    wheres: list[str] = field(default_factory=list)
    # Per-row mode only (read_sites(per_row=True)): every problem of the rows left out,
    # in file order; a row may have several.
    refused: list[RecordError] = field(default_factory=list)


def refuse(where: str, message: str | Message, field: str | None = None) -> NoReturn:
    """Refuse the whole file for one reason (too big, malformed, ambiguous)."""
    raise ImportValidationError([RecordError.of(where, field, message)])


class Problems:
    """Errors and skips of one file, reported in file order whatever step found them."""

    def __init__(self, wheres: Sequence[str]) -> None:
        self._wheres = wheres
        self._errors: list[tuple[int, RecordError]] = []
        self._skipped: list[tuple[int, RecordError]] = []

    def where(self, row: int | None) -> str:
        return "file" if row is None else self._wheres[row]

    def error(self, row: int | None, field: str | None, message: str | Message) -> None:
        """`row` None is a problem of the file as a whole; it is listed first."""
        self._errors.append(
            (-1 if row is None else row, RecordError.of(self.where(row), field, message))
        )

    def skip(self, row: int, field: str | None, message: str | Message) -> None:
        self._skipped.append((row, RecordError.of(self.where(row), field, message)))

    @property
    def skipped(self) -> list[RecordError]:
        return [e for _, e in sorted(self._skipped, key=lambda item: item[0])]

    @property
    def rows_in_error(self) -> set[int]:
        """The rows with at least one error (problems of the whole file not counted)."""
        return {row for row, _ in self._errors if row >= 0}

    def row_errors(self) -> list[RecordError]:
        """The errors of rows, in file order (problems of the whole file left out)."""
        return [e for row, e in self._sorted() if row >= 0]

    def raise_if_any(self, *, file_only: bool = False) -> None:
        """Refuse the file if anything is wrong; with `file_only`, only if the file as a
        whole is (rows with errors are then the caller's to leave out)."""
        errors = [e for row, e in self._sorted() if row < 0 or not file_only]
        if errors:
            raise ImportValidationError(errors)

    def _sorted(self) -> list[tuple[int, RecordError]]:
        return sorted(self._errors, key=lambda item: item[0])
