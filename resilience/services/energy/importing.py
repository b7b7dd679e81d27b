"""Files into the energy register: buildings, measures and meter readings read,
validated, resolved to their buildings and upserted, every change audited."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from geodata.loaders.energy import (
    BuildingRef,
    MeasureRecord,
    ReadingRecord,
    read_measures,
    read_readings,
    read_register,
)
from geodata.loaders.results import LoadResult
from geodata.records import ImportValidationError, RecordError, SiteRecord
from resilience.errors import BadInput, DomainError, Forbidden
from resilience.models import EnergyMeasure, Site
from resilience.services import imports
from resilience.services.audit import record_changes
from resilience.services.energy.buildings import SITE_ATTRIBUTES, SITE_FIELDS
from resilience.services.energy.editors import Editor
from resilience.services.energy.measures import MEASURE_FIELDS
from resilience.services.energy.readings import put_reading


def resolve_buildings(
    session: Session, refs: Sequence[tuple[str, BuildingRef]], field: str = "source_id"
) -> dict[BuildingRef, Site]:
    """The energy site each reference names; ImportValidationError listing every row whose
    building is missing or ambiguous."""
    unique = {ref for _w, ref in refs}
    ids = [r.site_id for r in unique if r.site_id is not None]
    sids = [r.source_id for r in unique if r.source_id is not None]
    sites = list(
        session.scalars(
            select(Site).where(
                Site.category == "energy",
                or_(Site.id.in_(ids), Site.source_id.in_(sids)),
            )
        )
    )
    by_id = {s.id: s for s in sites}
    by_sid: dict[str, list[Site]] = {}
    for s in sites:
        by_sid.setdefault(s.source_id, []).append(s)
    found: dict[BuildingRef, Site] = {}
    errors: list[RecordError] = []
    for where, ref in refs:
        if ref in found:
            continue
        if ref.site_id is not None:
            site = by_id.get(ref.site_id)
            if site is None:
                errors.append(RecordError(where, "site_id", f"no energy building with {ref}"))
            else:
                found[ref] = site
            continue
        candidates = [
            s for s in by_sid.get(ref.source_id or "", []) if ref.source in (None, s.source)
        ]
        if len(candidates) == 1:
            found[ref] = candidates[0]
        elif not candidates:
            errors.append(RecordError(where, field, f"no energy building with {ref}"))
        else:
            sources = ", ".join(sorted(s.source for s in candidates))
            message = f"{ref} is in several sources ({sources}); add a source column"
            errors.append(RecordError(where, field, message))
    if errors:
        raise ImportValidationError(errors)
    return found


def _scope_rows(editor: Editor, rows: Iterable[tuple[str, Site]]) -> None:
    if editor.municipality is None:
        return
    errors = [
        RecordError(where, None, f"{site.name} is not in municipality {editor.municipality}")
        for where, site in rows
        if site.municipality_code != editor.municipality
    ]
    if errors:
        raise ImportValidationError(errors, "you may import for your own municipality only")


def import_measures(
    session: Session,
    records: Sequence[MeasureRecord],
    source: str,
    editor: Editor,
    filename: str | None = None,
) -> imports.ImportSummary:
    """Upsert measures by (building, ref), auditing every changed field. All or nothing:
    the caller's transaction rolls back on any error."""
    sites = resolve_buildings(session, [(r.where, r.building) for r in records])
    _scope_rows(editor, [(r.where, sites[r.building]) for r in records])
    context = f"import {filename or source}"
    keys = {(sites[r.building].id, r.ref) for r in records}
    existing = {
        (m.site_id, m.ref): m
        for m in session.scalars(
            select(EnergyMeasure).where(EnergyMeasure.site_id.in_(sorted({k[0] for k in keys})))
        )
    }
    inserted = updated = 0
    for r in records:
        site = sites[r.building]
        values = {n: getattr(r, n) for n in MEASURE_FIELDS}
        measure = existing.get((site.id, r.ref))
        if measure is None:
            measure = EnergyMeasure(site_id=site.id, source=source, **values)
            session.add(measure)
            session.flush()
            existing[(site.id, r.ref)] = measure
            changes = {n: (None, v) for n, v in values.items()}
            record_changes(
                session,
                editor.name,
                "energy_measures",
                measure.id,
                "insert",
                changes,
                site_id=site.id,
                context=context,
            )
            inserted += 1
            continue
        diff = {n: (getattr(measure, n), v) for n, v in values.items() if getattr(measure, n) != v}
        if diff:
            for n, (_old, v) in diff.items():
                setattr(measure, n, v)
            measure.source = source
            record_changes(
                session,
                editor.name,
                "energy_measures",
                measure.id,
                "update",
                diff,
                site_id=site.id,
                context=context,
            )
            updated += 1
    session.flush()
    summary = imports.ImportSummary("energy measures", inserted, updated)
    imports.record_import(session, "energy-measures", source, filename, summary, editor.name)
    return summary


def import_readings(
    session: Session,
    records: Sequence[ReadingRecord],
    source: str,
    editor: Editor,
    filename: str | None = None,
) -> imports.ImportSummary:
    """Upsert readings by (building, year, month), auditing every change."""
    sites = resolve_buildings(session, [(r.where, r.building) for r in records])
    _scope_rows(editor, [(r.where, sites[r.building]) for r in records])
    context = f"import {filename or source}"
    inserted = updated = 0
    for r in records:
        _reading, action = put_reading(
            session,
            sites[r.building].id,
            r.year,
            r.month,
            r.kwh,
            editor,
            source=source,
            context=context,
        )
        inserted += action == "insert"
        updated += action == "update"
    summary = imports.ImportSummary("meter readings", inserted, updated)
    imports.record_import(session, "energy-readings", source, filename, summary, editor.name)
    return summary


def _keyed(keys: Iterable[tuple[str, str]]) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The sites whose source and source_id are among the keys' (every pair of them: the
    callers keep the pairs they asked for)."""
    wanted = list(keys)
    return (
        Site.source.in_(sorted({k[0] for k in wanted})),
        Site.source_id.in_(sorted({k[1] for k in wanted})),
    )


def _register_snapshot(
    session: Session, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """The audited values of the sites with these (source, source_id), read from the table
    itself (not the session's identity map, which an upsert in SQL does not refresh)."""
    wanted = set(keys)
    if not wanted:
        return {}
    columns = [Site.id, Site.source, Site.source_id, Site.category, Site.kind, Site.name]
    columns += [getattr(Site, n) for n in SITE_FIELDS]
    columns += [Site.municipality_code, Site.attributes]
    query = select(*columns).where(*_keyed(wanted))
    snapshot = {}
    for row in session.execute(query).mappings():
        if (row["source"], row["source_id"]) not in wanted:
            continue
        values = {n: row[n] for n in ("id", "category", "kind", "name", *SITE_FIELDS)}
        values.update({n: (row["attributes"] or {}).get(n) for n in SITE_ATTRIBUTES})
        values["municipality_code"] = row["municipality_code"]
        snapshot[(row["source"], row["source_id"])] = values
    return snapshot


def _kept(
    session: Session, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], tuple[dict[str, Any], str | None]]:
    """The stored attributes and heating of these buildings."""
    if not keys:
        return {}
    query = select(Site.source, Site.source_id, Site.attributes, Site.heating).where(*_keyed(keys))
    return {
        (src, sid): (dict(attrs or {}), heating)
        for src, sid, attrs, heating in session.execute(query)
    }


def import_register(
    session: Session,
    records: Sequence[SiteRecord],
    source: str,
    editor: Editor,
    filename: str | None = None,
) -> imports.ImportSummary:
    """Upsert the buildings (imports.import_sites) and audit what changed in them."""
    keys = [(r.source or source, r.source_id) for r in records]
    before = _register_snapshot(session, keys)
    for key, values in before.items():
        if values["category"] != "energy":
            raise BadInput(
                f"source_id {key[1]!r} of source {key[0]!r} is a {values['category']} site, "
                "not a building of the energy register"
            )
    # A building's attributes and heating the file does not give are kept (import_sites
    # replaces them), as when heating was an attribute.
    kept = _kept(session, keys)
    records = [
        dataclasses.replace(
            r,
            attributes={**kept.get(k, ({}, None))[0], **r.attributes},
            heating=r.heating or kept.get(k, ({}, None))[1],
        )
        for r, k in zip(records, keys, strict=True)
    ]
    summary = imports.import_sites(session, records, source, filename=filename, user=editor.name)
    session.flush()
    after = _register_snapshot(session, keys)
    if editor.municipality is not None:
        outside = [k for k, v in after.items() if v["municipality_code"] != editor.municipality]
        if outside:
            raise Forbidden(
                f"{len(outside)} building(s) lie outside municipality {editor.municipality}, "
                f"e.g. source_id {outside[0][1]!r}; nothing was imported"
            )
    context = f"import {filename or source}"
    fields = ("name", "kind", *SITE_FIELDS, *SITE_ATTRIBUTES)
    for key, new in after.items():
        old = before.get(key)
        changes = {n: (None if old is None else old[n], new[n]) for n in fields}
        action = "insert" if old is None else "update"
        record_changes(
            session,
            editor.name,
            "sites",
            new["id"],
            action,
            changes,
            site_id=new["id"],
            context=context,
        )
    session.flush()
    return summary


def import_file(
    session: Session,
    kind: str,
    data: bytes,
    filename: str,
    crs: str | None,
    layer: str | None,
    editor: Editor,
) -> dict[str, Any]:
    """Read, validate and write one file (`kind`: register, measures or readings) in one
    transaction, committed. Returns a report: inserted, updated, notes, or errors (each with
    where, field, message) when nothing was written."""
    source = filename.rsplit(".", 1)[0] or kind
    try:
        result: LoadResult[Any]
        # The file name goes along: its extension must agree with the content (a .gpkg that
        # is not SQLite is refused, not read as CSV).
        if kind == "register":
            plants = imports.stored_plants(session)
            result = read_register(
                data, crs or None, layer=layer or None, stored_plants=plants, filename=filename
            )
        elif kind == "measures":
            result = read_measures(data, layer=layer or None, filename=filename)
        else:
            result = read_readings(data, layer=layer or None, filename=filename)
        writers: dict[str, Callable[..., Any]] = {
            "register": import_register,
            "measures": import_measures,
            "readings": import_readings,
        }
        writer = writers[kind]
        summary = writer(session, result.records, source, editor, filename=filename)
        session.commit()
    except ImportValidationError as err:
        session.rollback()
        return {
            "ok": False,
            "errors": [
                {"where": e.where, "field": e.field, "message": e.message} for e in err.errors
            ],
        }
    except DomainError:
        session.rollback()
        raise
    return {
        "ok": True,
        "kind": kind,
        "format": result.format,
        "inserted": summary.inserted,
        "updated": summary.updated,
        "notes": result.notes,
    }
