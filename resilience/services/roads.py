"""The road network (coverage-model.md, "Roads (v3)"): an import replaces it whole, in the
caller's transaction, and is recorded like every import (so the data version increases);
load_network reads it back for the analysis; summary describes it for the /roads page.

Lines are written with COPY, batch by batch as the file streams (geodata/loaders/roads.py),
so a county extract needs no more memory than one batch."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import numpy as np
import shapely
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from geodata.loaders.roads import FORMAT_NAMES, RoadFile, RoadRecord, open_roads
from geodata.loaders.sources import MAX_BYTES
from geodata.records import ImportValidationError
from resilience.analysis.model import ROAD_SPEEDS
from resilience.analysis.roads import RoadNetwork
from resilience.errors import BadInput, DomainError
from resilience.models import DataImport
from resilience.services.imports import ImportSummary, data_version, record_import
from resilience.services.transactions import committed
from resilience.vocabulary import SWEREF99TM

IMPORT_KIND = "roads"
_COPY = "COPY roads (source_id, name, road_class, speed_kmh, geom) FROM STDIN"


class InvalidRoadFile(DomainError):
    """The file as a whole was refused (unreadable, no lines, no road, wrong CRS)."""

    status, code = 422, "invalid_file"


def _copy(session: Session, records: list[RoadRecord]) -> int:
    geoms = shapely.set_srid(np.array([r.geom for r in records], dtype=object), SWEREF99TM)
    ewkb = shapely.to_wkb(geoms, hex=True, include_srid=True).tolist()
    raw = session.connection().connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(_COPY) as copy:
        for record, geom in zip(records, ewkb, strict=True):
            copy.write_row(
                (record.source_id, record.name, record.road_class, record.speed_kmh, geom)
            )
    return len(records)


def replace_network(
    session: Session,
    batches: Iterable[list[RoadRecord]],
    source: str,
    filename: str | None = None,
    user: str | None = None,
) -> int:
    """Delete every road and write those of `batches`, in the caller's transaction, and
    record the import (the data version increases). Returns the number of lines written."""
    session.execute(text("DELETE FROM roads"))
    inserted = 0
    for batch in batches:
        if batch:
            inserted += _copy(session, batch)
    record_import(session, IMPORT_KIND, source, filename, ImportSummary("roads", inserted, 0), user)
    session.flush()
    return inserted


def import_roads(
    session: Session,
    road_file: RoadFile,
    source: str,
    filename: str | None = None,
    user: str | None = None,
) -> dict[str, Any]:
    """Replace the whole network by the roads of `road_file`, in the caller's transaction
    (which the caller must roll back when this raises: ImportValidationError for a file
    refused as a whole). Returns the report: what was kept per class, dropped per reason
    (OSM highway values that are no road per value), the refused lines with why."""
    inserted = replace_network(session, road_file.batches(), source, filename, user)
    report = road_file.tally.as_dict()
    report.update(
        source=source,
        filename=filename,
        format_name=FORMAT_NAMES[road_file.format],
        inserted=inserted,
        data_version=data_version(session),
    )
    return report


def import_path(
    session: Session,
    path: Path,
    *,
    source: str | None = None,
    filename: str | None = None,
    crs: str | None = None,
    layer: str | None = None,
    user: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> dict[str, Any]:
    """Open, read and import a road file in one transaction, committed; nothing is written
    when it is refused (InvalidRoadFile, 422, with every reason in `details`)."""
    name = filename or path.name
    try:
        road_file = open_roads(path, crs, layer=layer, max_bytes=max_bytes)
        return _import_committed(session, road_file, source or _stem(name), name, user)
    except ImportValidationError as err:
        session.rollback()
        errors = [{"where": e.where, "field": e.field, "message": e.message} for e in err.errors]
        raise InvalidRoadFile(
            "; ".join(f"{e.where}: {e.message}" for e in err.errors[:5]), {"errors": errors}
        ) from None


_import_committed: Callable[..., dict[str, Any]] = committed(import_roads)


def import_upload(
    session: Session,
    stream: IO[bytes],
    filename: str,
    *,
    source: str | None = None,
    crs: str | None = None,
    layer: str | None = None,
    user: str | None = None,
    max_bytes: int,
) -> dict[str, Any]:
    """An uploaded file (a stream, e.g. a multipart field) saved under its own name in a
    temporary folder (GDAL chooses the driver by the extension), then import_path."""
    safe = Path(filename).name.replace("\x00", "")
    if not safe or safe.startswith("."):
        raise BadInput("the file needs a name with its extension (.osm.pbf, .gpkg, .zip, .geojson)")
    with tempfile.TemporaryDirectory(prefix="roads-") as folder:
        path = Path(folder) / safe
        with path.open("wb") as out:
            size = 0
            while chunk := stream.read(1 << 20):
                size += len(chunk)
                if size > max_bytes:
                    raise InvalidRoadFile(
                        f"the file is larger than the limit of {max_bytes / 1e6:.1f} MB"
                    )
                out.write(chunk)
        return import_path(
            session,
            path,
            source=source,
            filename=safe,
            crs=crs,
            layer=layer,
            user=user,
            max_bytes=max_bytes,
        )


def _stem(name: str) -> str:
    for suffix in (".osm.pbf", ".pbf", ".osm", ".gpkg", ".zip", ".shp", ".geojson", ".json"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)] or name
    return name


def load_network(session: Session) -> RoadNetwork | None:
    """The stored network as the analysis' RoadNetwork (in id order); None without roads."""
    rows = session.execute(
        text("SELECT ST_AsBinary(geom), road_class, speed_kmh FROM roads ORDER BY id")
    ).all()
    if not rows:
        return None
    geoms = shapely.from_wkb(np.array([bytes(r[0]) for r in rows], dtype=object))
    classes = np.array([r[1] for r in rows], dtype=object)
    speeds = np.array([np.nan if r[2] is None else r[2] for r in rows], dtype=np.float64)
    return RoadNetwork.from_lines(geoms, classes, speeds)


@dataclass(frozen=True)
class ClassSummary:
    road_class: str
    lines: int
    segments: int
    km: float
    default_speed_kmh: float | None


@dataclass(frozen=True)
class NetworkSummary:
    lines: int
    segments: int
    km: float
    classes: list[ClassSummary]
    source: str | None
    filename: str | None
    imported_at: datetime | None
    imported_by: str | None


def summary(session: Session) -> NetworkSummary:
    """The stored network per class (lines, segments, km) and its last import."""
    rows = session.execute(
        text(
            "SELECT road_class, count(*), sum(ST_NPoints(geom) - 1), sum(ST_Length(geom)) / 1000"
            " FROM roads GROUP BY road_class"
        )
    ).all()
    order = list(ROAD_SPEEDS)
    classes = sorted(
        (
            ClassSummary(r[0], int(r[1]), int(r[2] or 0), float(r[3] or 0.0), ROAD_SPEEDS.get(r[0]))
            for r in rows
        ),
        key=lambda c: (
            order.index(c.road_class) if c.road_class in order else len(order),
            c.road_class,
        ),
    )
    last = session.scalars(
        select(DataImport)
        .where(DataImport.kind == IMPORT_KIND)
        .order_by(DataImport.id.desc())
        .limit(1)
    ).first()
    return NetworkSummary(
        lines=sum(c.lines for c in classes),
        segments=sum(c.segments for c in classes),
        km=sum(c.km for c in classes),
        classes=classes,
        source=last.source if last else None,
        filename=last.filename if last else None,
        imported_at=last.created_at if last else None,
        imported_by=last.user_name if last else None,
    )
