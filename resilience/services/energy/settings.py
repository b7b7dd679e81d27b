"""The energy pages' settings: saving targets per owner (and municipality) and the
energy class limits per kind, each change audited."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from geodata.loaders.fields import FieldError, is_blank, label
from geodata.loaders.fields import number as parse_number
from geodata.loaders.fields import whole as parse_whole
from resilience import energy_figures
from resilience.errors import BadInput, Forbidden
from resilience.models import EnergyClassLimits, EnergyTarget, Municipality
from resilience.services.audit import record_changes
from resilience.services.energy.editors import Editor, field_errors, owner_code, parse_year
from resilience.services.lookup import get_or_404
from resilience.services.transactions import committed


def targets(session: Session) -> list[EnergyTarget]:
    return list(
        session.scalars(
            select(EnergyTarget).order_by(
                EnergyTarget.owner.nulls_first(), EnergyTarget.municipality_code.nulls_first()
            )
        )
    )


def parse_target(data: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    owner = str(data.get("owner") or "").strip().lower() or None
    code = str(data.get("municipality_code") or "").strip() or None
    try:
        if owner is not None:
            owner_code(owner)
    except FieldError as exc:
        errors["owner"] = str(exc)
    if owner is None and code is not None:
        errors["municipality_code"] = "a municipality's target is for one owner: choose one"
    values["owner"], values["municipality_code"] = owner, code
    try:
        pct = parse_number(data.get("reduction_percent"), decimal_comma=True)
        if pct is None or not 0 < pct < 100:
            raise FieldError("a percentage above 0 and below 100")
        values["reduction_percent"] = pct
    except FieldError as exc:
        errors["reduction_percent"] = str(exc)
    try:
        values["base_year"] = parse_year(data.get("base_year"))
    except FieldError as exc:
        errors["base_year"] = str(exc)
    try:
        target_year = parse_whole(data.get("target_year"))
        if target_year is not None and target_year <= values.get("base_year", 0):
            raise FieldError("after the base year, or empty")
        values["target_year"] = target_year
    except FieldError as exc:
        errors["target_year"] = str(exc)
    values["note"] = label(data.get("note")) if not is_blank(data.get("note")) else None
    field_errors(errors)
    return values


TARGET_FIELDS = (
    "owner",
    "municipality_code",
    "reduction_percent",
    "base_year",
    "target_year",
    "note",
)


def _check_target_scope(editor: Editor, municipality_code: str | None) -> None:
    """A municipality's editor sets only their municipality's targets."""
    if editor.municipality is not None and municipality_code != editor.municipality:
        raise Forbidden(f"you set targets for municipality {editor.municipality} only")


@committed
def save_target(session: Session, values: Mapping[str, Any], editor: Editor) -> EnergyTarget:
    """Set the target of a scope (owner, municipality), creating it or replacing it. A
    municipality's editor may set only their municipality's targets."""
    code = values.get("municipality_code")
    _check_target_scope(editor, code)
    if code is not None and session.get(Municipality, code) is None:
        raise BadInput(f"municipality_code: no municipality {code}", {"municipality_code": code})
    row = session.scalar(
        select(EnergyTarget).where(
            EnergyTarget.owner.is_(None)
            if values["owner"] is None
            else EnergyTarget.owner == values["owner"],
            EnergyTarget.municipality_code.is_(None)
            if code is None
            else EnergyTarget.municipality_code == code,
        )
    )
    if row is None:
        row = EnergyTarget(**{k: values.get(k) for k in TARGET_FIELDS})
        session.add(row)
        session.flush()
        changes = {k: (None, getattr(row, k)) for k in TARGET_FIELDS}
        record_changes(session, editor.name, "energy_targets", row.id, "insert", changes)
        return row
    diff = {}
    for k in TARGET_FIELDS:
        if getattr(row, k) != values.get(k):
            diff[k] = (getattr(row, k), values.get(k))
            setattr(row, k, values.get(k))
    session.flush()
    record_changes(session, editor.name, "energy_targets", row.id, "update", diff)
    return row


@committed
def delete_target(session: Session, target_id: int, editor: Editor) -> None:
    row = get_or_404(session, EnergyTarget, target_id, "target")
    _check_target_scope(editor, row.municipality_code)
    changes = {k: (getattr(row, k), None) for k in TARGET_FIELDS}
    record_changes(session, editor.name, "energy_targets", row.id, "delete", changes)
    session.delete(row)
    session.flush()


@committed
def save_class_limits(
    session: Session, kind: str, limits: Sequence[Any] | None, editor: Editor
) -> None:
    """Store the upper limits of A..F for a kind (kWh/m² and year); None: back to the
    default. County-wide editors only: the classes must mean the same everywhere."""
    if editor.municipality is not None:
        raise Forbidden("class limits are set for the whole county")
    if kind not in energy_figures.ENERGY_KINDS:
        raise BadInput(
            f"unknown kind {kind!r}; expected one of {', '.join(energy_figures.ENERGY_KINDS)}"
        )
    row = session.get(EnergyClassLimits, kind)
    old = list(row.limits) if row else None
    if limits is None:
        if row is not None:
            session.delete(row)
            record_changes(
                session, editor.name, "energy_class_limits", kind, "delete", {"limits": (old, None)}
            )
        return
    try:
        parsed = [parse_number(v, decimal_comma=True) for v in limits]
        checked = list(
            energy_figures.check_class_limits([v if v is not None else -1 for v in parsed])
        )
    except (FieldError, ValueError) as exc:
        raise BadInput(f"limits: {exc}", {"limits": str(exc)}) from exc
    if row is None:
        session.add(EnergyClassLimits(kind=kind, limits=checked))
        record_changes(
            session, editor.name, "energy_class_limits", kind, "insert", {"limits": (None, checked)}
        )
    elif old != checked:
        row.limits = checked
        record_changes(
            session, editor.name, "energy_class_limits", kind, "update", {"limits": (old, checked)}
        )
    session.flush()
