"""A building's energy fields (columns of sites and attributes in JSONB): parsed from a
form or JSON body, changed and audited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from geodata.loaders.fields import FieldError, is_blank
from geodata.loaders.fields import whole as parse_whole
from resilience import energy_figures
from resilience.services.energy.audit_log import audit
from resilience.services.energy.editors import (
    Editor,
    check_scope,
    energy_site,
    field_errors,
    non_negative,
    owner_code,
)
from resilience.services.transactions import committed
from resilience.vocabulary import SITE_INTEGERS

# Columns of sites that the energy pages edit, and attributes (JSONB) they edit.
SITE_FIELDS = (
    "owner",
    "heated_area_m2",
    "energy_kwh_year",
    "backup_kw",
    "fuel_hours",
    "shelter_capacity",
    "heating",
)
SITE_ATTRIBUTES = ("styrel_priority", "peak_kw")


def parse_building_changes(data: Mapping[str, Any]) -> dict[str, Any]:
    """The energy fields of a form or JSON body, validated; absent keys are left out and
    blank values clear the field."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in SITE_FIELDS + SITE_ATTRIBUTES:
        if name not in data:
            continue
        raw = data[name]
        try:
            if is_blank(raw):
                values[name] = None
            elif name == "owner":
                values[name] = owner_code(raw)
            elif name == "heating":
                values[name] = energy_figures.normalise_heating(str(raw))
            elif name == "styrel_priority":
                priority = parse_whole(raw)
                if priority not in energy_figures.STYREL_CLASSES:
                    raise FieldError(f"{raw!r} is not a Styrel priority class 1 (highest) to 8")
                values[name] = priority
            else:
                values[name] = non_negative(raw, integer=name in SITE_INTEGERS, name=name)
        except (FieldError, ValueError) as exc:
            errors[name] = str(exc)
    field_errors(errors)
    return values


@committed
def update_building(
    session: Session, site_id: int, changes: Mapping[str, Any], editor: Editor
) -> list[str]:
    """Apply validated changes (parse_building_changes) and audit them; returns the names of
    the fields that changed."""
    site = energy_site(session, site_id)
    check_scope(editor, site)
    attributes = dict(site.attributes or {})
    diff: dict[str, tuple[Any, Any]] = {}
    for name, new in changes.items():
        if name in SITE_ATTRIBUTES:
            old = attributes.get(name)
            if old != new:
                diff[name] = (old, new)
                if new is None:
                    attributes.pop(name, None)
                else:
                    attributes[name] = new
        elif name in SITE_FIELDS:
            old = getattr(site, name)
            if old != new:
                diff[name] = (old, new)
                setattr(site, name, new)
    site.attributes = attributes
    audit(session, editor.name, "sites", site.id, "update", diff, site_id=site.id)
    session.flush()
    return list(diff)
