"""Building an export's file: the layers' rows read in Arrow batches with a server-side
cursor and written by geodata.exporters, with progress."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import text
from sqlalchemy.orm import Session

from geodata import exporters
from geodata.exporters import Layer
from resilience.services.exports.plan import Plan
from resilience.services.exports.source import Source

BATCH_ROWS = 10_000  # rows per Arrow batch, and between two progress reports

Progress = Callable[[float, str], None]


def _batches(
    session: Session, source: Source, params: dict[str, Any], done: Callable[[int], None]
) -> Iterator[pa.RecordBatch]:
    """The rows of a layer as Arrow batches, read with a server-side cursor."""
    schema = source.schema
    result = session.execute(
        text(source.select), params, execution_options={"yield_per": BATCH_ROWS}
    )
    for rows in result.partitions():
        columns = list(zip(*rows, strict=True))
        by_name = {f.name: columns[i] for i, f in enumerate(schema.fields)}
        yield exporters.record_batch(schema, by_name, columns[-1])
        done(len(rows))


def build(session: Session, plan: Plan, directory: Path, progress: Progress | None = None) -> Path:
    """Write the plan's layers into `directory`; returns the file. Progress is reported
    as 0..100 % of the rows read, with the layer being written as the step."""
    total = max(plan.features, 1)
    state = {"done": 0}
    layers = []
    for source, count in zip(plan.sources, plan.counts, strict=True):

        def done(rows: int, source: Source = source, count: int = count) -> None:
            # A gap layer reads a few dissolved rows for many cells: count the cells.
            state["done"] += count if source.single_row_batches else rows
            if progress is not None:
                progress(min(99.0, 100.0 * state["done"] / total), source.schema.name)

        layers.append(Layer(source.schema, _batches(session, source, plan.params, done)))
    request = plan.request
    return exporters.write(
        request.format,
        layers,
        directory,
        plan.basename,
        request.crs,
        csv_geometry=request.csv_geometry,
    )


def build_bytes(session: Session, plan: Plan) -> bytes:
    """A small export in memory, for answering the request directly."""
    with tempfile.TemporaryDirectory(prefix="export-") as tmp:
        return build(session, plan, Path(tmp)).read_bytes()


def media_type(name: str) -> str:
    return exporters.MEDIA_TYPES[name.rsplit(".", 1)[-1]]
