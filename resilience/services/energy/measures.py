"""A building's energy-saving measures: parsed from a form or JSON body, added, changed
and deleted, each change audited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from geodata.loaders.energy import parse_date
from geodata.loaders.fields import FieldError, is_blank, label
from resilience import energy_figures
from resilience.errors import BadInput
from resilience.models import EnergyMeasure
from resilience.services.audit import record_changes
from resilience.services.energy.editors import (
    Editor,
    check_scope,
    delete_audited,
    energy_site,
    field_errors,
    non_negative,
)
from resilience.services.lookup import get_or_404
from resilience.services.transactions import committed
from resilience.vocabulary import N_

# A measure's columns: what the forms edit, the importer reads and the CSV writes.
MEASURE_FIELDS = (
    "ref",
    "title",
    "status",
    "date",
    "expected_kwh_year",
    "verified_kwh_year",
    "cost_sek",
    "note",
)


def parse_measure(data: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """A measure's fields from a form or JSON body, validated as the importer does."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in MEASURE_FIELDS:
        if name not in data:
            continue
        raw = data[name]
        try:
            if name in ("ref", "title", "note"):
                values[name] = label(raw)
            elif name == "status":
                values[name] = (
                    energy_figures.normalise_status(str(raw)) if not is_blank(raw) else None
                )
            elif name == "date":
                values[name] = parse_date(raw)
            else:
                values[name] = non_negative(raw, name=name)
        except (FieldError, ValueError) as exc:
            errors[name] = str(exc)
    if not partial:
        for name in ("title", "status"):
            if values.get(name) is None and name not in errors:
                errors[name] = "required"
    field_errors(errors)
    return values


def _check_measure(m: EnergyMeasure) -> None:
    errors = {}
    if not m.title:
        errors["title"] = "required"
    if m.status not in energy_figures.MEASURE_STATUSES:
        errors["status"] = f"expected one of {', '.join(energy_figures.MEASURE_STATUSES)}"
    if m.status == "done" and m.date is None:
        # Marked for the catalog: a form shows it in the user's language next to the date.
        errors["date"] = N_("a done measure needs the date it was completed")
    field_errors(errors)


def _unique_ref(session: Session, site_id: int, wanted: str, measure_id: int | None) -> str:
    # No autoflush: a changed ref not yet checked must not be written by this very query (a
    # taken one would fail on the unique constraint instead of being refused here).
    with session.no_autoflush:
        taken = set(
            session.scalars(
                select(EnergyMeasure.ref).where(
                    EnergyMeasure.site_id == site_id, EnergyMeasure.id != (measure_id or 0)
                )
            )
        )
    ref, n = wanted, 1
    while ref in taken:
        n += 1
        ref = f"{wanted} ({n})"
    return ref


@committed
def add_measure(
    session: Session, site_id: int, values: Mapping[str, Any], editor: Editor
) -> EnergyMeasure:
    site = energy_site(session, site_id)
    check_scope(editor, site)
    measure = EnergyMeasure(site_id=site.id, source="web")
    for name in MEASURE_FIELDS:
        setattr(measure, name, values.get(name))
    if not measure.ref and measure.title:
        measure.ref = _unique_ref(session, site.id, measure.title, None)
    elif measure.ref and _unique_ref(session, site.id, measure.ref, None) != measure.ref:
        raise BadInput(f"ref: {site.name} has a measure {measure.ref!r} already")
    _check_measure(measure)
    session.add(measure)
    session.flush()
    changes = {n: (None, getattr(measure, n)) for n in MEASURE_FIELDS}
    record_changes(
        session, editor.name, "energy_measures", measure.id, "insert", changes, site_id=site.id
    )
    return measure


def get_measure(session: Session, measure_id: int) -> EnergyMeasure:
    return get_or_404(session, EnergyMeasure, measure_id, "measure")


@committed
def update_measure(
    session: Session, measure_id: int, values: Mapping[str, Any], editor: Editor
) -> EnergyMeasure:
    measure = get_measure(session, measure_id)
    check_scope(editor, energy_site(session, measure.site_id))
    diff = {}
    for name, new in values.items():
        if name == "ref" and not new:
            continue  # the ref is the import key: never emptied
        old = getattr(measure, name)
        if old != new:
            diff[name] = (old, new)
            setattr(measure, name, new)
    if "ref" in diff and _unique_ref(session, measure.site_id, measure.ref, measure.id) != (
        measure.ref
    ):
        raise BadInput(f"ref: the building has a measure {measure.ref!r} already")
    _check_measure(measure)
    session.flush()
    record_changes(
        session, editor.name, "energy_measures", measure.id, "update", diff, site_id=measure.site_id
    )
    return measure


@committed
def delete_measure(session: Session, measure_id: int, editor: Editor) -> int:
    """Delete a measure; returns its building's id."""
    measure = get_measure(session, measure_id)
    return delete_audited(session, editor, "energy_measures", measure, MEASURE_FIELDS)
