"""Write validated records to PostGIS. Each function runs inside the caller's transaction and
upserts by natural key, so importing the same source twice changes nothing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import shapely
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from geodata.loaders.fields import FieldError, storable
from geodata.records import BoundaryRecord, CellRecord, SiteRecord
from resilience.errors import BadInput
from resilience.models import DataImport, DataVersion, Municipality, PopulationCell, Site
from resilience.vocabulary import DISTRICT_HEATING_PLANT, SITE_NUMBERS, SWEREF99TM

BATCH = 2000


@dataclass(frozen=True)
class ImportSummary:
    kind: str
    inserted: int
    updated: int
    skipped: int = 0

    def __str__(self) -> str:
        return f"{self.kind}: {self.inserted} inserted, {self.updated} updated" + (
            f", {self.skipped} skipped" if self.skipped else ""
        )


def _ewkb(geom: shapely.Geometry) -> str:
    return shapely.to_wkb(shapely.set_srid(geom, SWEREF99TM), hex=True, include_srid=True)


def _chunks(rows: Sequence[dict], size: int = BATCH) -> Iterable[Sequence[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _upsert(session: Session, table: type, rows: list[dict], keys: list[str]) -> tuple[int, int]:
    """INSERT … ON CONFLICT DO UPDATE; returns (inserted, updated) from xmax. One statement
    executed for all rows: SQLAlchemy batches it ("insertmanyvalues") without compiling a
    new statement per chunk."""
    base = insert(table)
    cols = {c: base.excluded[c] for c in rows[0] if c not in keys}
    stmt = base.on_conflict_do_update(index_elements=keys, set_=cols).returning(
        text("(xmax = 0) AS inserted"), sort_by_parameter_order=True
    )
    inserted = updated = 0
    for chunk in _chunks(rows):
        for (was_inserted,) in session.execute(stmt, list(chunk)):
            inserted += bool(was_inserted)
            updated += not was_inserted
    return inserted, updated


_SITE_MUNICIPALITY = (
    "UPDATE sites s SET municipality_code = ("
    " SELECT m.code FROM municipalities m WHERE ST_Covers(m.geom, s.geom)"
    " ORDER BY m.code LIMIT 1)"
)
_CELL_MUNICIPALITY = (
    "UPDATE population_cells c SET municipality_code = ("
    " SELECT m.code FROM municipalities m WHERE ST_Covers(m.geom, ST_Centroid(c.geom))"
    " ORDER BY m.code LIMIT 1)"
)


def assign_municipalities(
    session: Session, site_sources: list[str] | None = None, cell_source: str | None = None
) -> None:
    """A site belongs to the municipality covering its point, a cell to the one covering its
    centre; the lowest code when several do, none when outside all (coverage-model.md).
    Without filters every site and cell is reassigned (after a boundary import)."""
    if site_sources is None and cell_source is None:
        session.execute(text(_SITE_MUNICIPALITY))
        session.execute(text(_CELL_MUNICIPALITY))
        return
    if site_sources:
        session.execute(
            text(_SITE_MUNICIPALITY + " WHERE s.source IN :sources").bindparams(
                bindparam("sources", expanding=True)
            ),
            {"sources": site_sources},
        )
    if cell_source is not None:
        session.execute(
            text(_CELL_MUNICIPALITY + " WHERE c.source = :source"), {"source": cell_source}
        )


def record_import(
    session: Session,
    kind: str,
    source: str,
    filename: str | None,
    s: ImportSummary,
    user: str | None,
    digest: str | None = None,
) -> None:
    """Record an import, in the caller's transaction, with its file's content digest
    (geodata's content_digest) when known. Every import ends here, so here its
    source and file name (from a form, `--source` or the file's name) are checked as the
    rows' texts are: no NUL, at most 1,000 characters; else BadInput, and the caller's
    transaction is rolled back with everything the import wrote."""
    for name, value in (("source", source), ("file name", filename)):
        try:
            storable(value or "")
        except FieldError as exc:
            raise BadInput(f"the {name} {exc}") from None
    session.add(
        DataImport(
            kind=kind,
            source=source,
            filename=filename,
            inserted=s.inserted,
            updated=s.updated,
            user_name=user,
            content_sha256=digest,
        )
    )


@dataclass(frozen=True)
class EarlierImport:
    """An import of the same content as a file at hand."""

    filename: str | None
    source: str
    user_name: str | None
    created_at: datetime


def earlier_import(session: Session, kind: str, digest: str) -> EarlierImport | None:
    """The newest import of `kind` whose file had this content digest, if any."""
    row = session.scalars(
        select(DataImport)
        .where(DataImport.kind == kind, DataImport.content_sha256 == digest)
        .order_by(DataImport.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return EarlierImport(row.filename, row.source, row.user_name, row.created_at)


def import_boundaries(
    session: Session,
    records: Sequence[BoundaryRecord],
    source: str,
    filename: str | None = None,
    user: str | None = None,
) -> ImportSummary:
    rows = [
        {"code": r.code, "name": r.name, "geom": _ewkb(r.geom), "source": source} for r in records
    ]
    ins, upd = _upsert(session, Municipality, rows, ["code"]) if rows else (0, 0)
    assign_municipalities(session)
    summary = ImportSummary("municipalities", ins, upd)
    record_import(session, "boundaries", source, filename, summary, user)
    return summary


def import_population(
    session: Session,
    records: Sequence[CellRecord],
    source: str,
    filename: str | None = None,
    user: str | None = None,
) -> ImportSummary:
    rows = []
    for r in records:
        cell = shapely.box(r.x_ll, r.y_ll, r.x_ll + r.cell_size, r.y_ll + r.cell_size)
        rows.append(
            {
                "x_ll": r.x_ll,
                "y_ll": r.y_ll,
                "cell_size": r.cell_size,
                "population": r.population,
                "geom": _ewkb(cell),
                "source": source,
            }
        )
    ins, upd = (
        _upsert(session, PopulationCell, rows, ["x_ll", "y_ll", "cell_size"]) if rows else (0, 0)
    )
    assign_municipalities(session, cell_source=source)
    summary = ImportSummary("population cells", ins, upd)
    record_import(session, "population", source, filename, summary, user)
    return summary


def site_row(r: SiteRecord, default_source: str) -> dict:
    row: dict[str, Any] = {
        "category": r.category,
        "kind": r.kind,
        "name": r.name,
        "source": r.source or default_source,
        "source_id": r.source_id,
        "geom": _ewkb(shapely.Point(r.x, r.y)),
        "owner": r.owner,
        "heating": r.heating,
        "heat_plant": r.heat_plant,
        "attributes": r.attributes,
    }
    row.update({k: r.numbers.get(k) for k in SITE_NUMBERS})
    return row


def import_sites(
    session: Session,
    records: Sequence[SiteRecord],
    source: str,
    filename: str | None = None,
    user: str | None = None,
    digest: str | None = None,
) -> ImportSummary:
    rows = [site_row(r, source) for r in records]
    ins, upd = _upsert(session, Site, rows, ["source", "source_id"]) if rows else (0, 0)
    assign_municipalities(session, site_sources=sorted({row["source"] for row in rows}))
    summary = ImportSummary("sites", ins, upd)
    record_import(session, "sites", source, filename, summary, user, digest)
    return summary


def stored_plants(session: Session) -> frozenset[str]:
    """The source_ids of the district heating plants stored, which a heat_plant may name."""
    query = select(Site.source_id).where(
        Site.category == "utility", Site.kind == DISTRICT_HEATING_PLANT
    )
    return frozenset(session.scalars(query))


def database_is_empty(session: Session) -> bool:
    return not (
        session.scalar(select(func.count()).select_from(Municipality))
        or session.scalar(select(func.count()).select_from(Site))
    )


def data_version(session: Session) -> int:
    """The data version (migration 0018): it moves with every change of the inputs of runs
    (sites, population cells, municipalities, roads), imports or not; runs and plans record
    it so their inputs can be traced. 0 before the first change."""
    return session.scalar(select(func.coalesce(func.max(DataVersion.version), 0))) or 0
