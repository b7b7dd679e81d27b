"""What an exported layer is (Source: its schema and the SQL that reads it) and the SQL
fragments every layer's query is made of."""

from __future__ import annotations

from dataclasses import dataclass

from geodata.exporters import Field, LayerSchema


@dataclass(frozen=True)
class Source:
    """One exported layer: its schema and the SQL that reads it. `select` returns the
    schema's fields in order and then the geometry as WKB in :crs; `count` the number of
    rows it reads (for gaps: the cells dissolved)."""

    id: str
    schema: LayerSchema
    select: str
    count: str
    single_row_batches: bool = False  # gaps: a few big polygons, read at once


def wkb(column: str) -> str:
    """The geometry column as WKB in the requested CRS (the bound parameter :crs)."""
    return f"ST_AsBinary(ST_Transform({column}, CAST(:crs AS integer)))"


def sql_where(*clauses: str | None) -> str:
    """The clauses given (None and "" left out) as ' WHERE a AND b', or '' when none."""
    kept = [c for c in clauses if c]
    return " WHERE " + " AND ".join(kept) if kept else ""


# The municipality column of every layer that has one.
MUNICIPALITY_CODE = Field("municipality_code", "text", "muni_code", "kommun code")
