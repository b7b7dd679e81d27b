"""A building's meter readings (a year, or a month of it): parsed from a form or JSON body,
put (inserted or replaced) and deleted, each change audited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from geodata.loaders.fields import FieldError
from geodata.loaders.fields import whole as parse_whole
from resilience.errors import NotFound
from resilience.models import MeterReading
from resilience.services.energy.audit_log import audit
from resilience.services.energy.editors import (
    Editor,
    check_scope,
    energy_site,
    field_errors,
    non_negative,
    parse_year,
)
from resilience.services.transactions import committed


def parse_reading(data: Mapping[str, Any]) -> tuple[int, int | None, float]:
    """(year, month or None, kWh) from a form or JSON body."""
    errors: dict[str, str] = {}
    year = month = kwh = None
    try:
        year = parse_year(data.get("year"))
    except FieldError as exc:
        errors["year"] = str(exc)
    try:
        month = parse_whole(data.get("month"))
        if month is not None and not 1 <= month <= 12:
            raise FieldError("a month 1-12, or empty for the whole year")
    except FieldError as exc:
        errors["month"] = str(exc)
    try:
        kwh = non_negative(data.get("kwh"), name="kwh")
        if kwh is None:
            raise FieldError("required")
    except FieldError as exc:
        errors["kwh"] = str(exc)
    field_errors(errors)
    assert year is not None and kwh is not None
    return year, month, float(kwh)


def _find_reading(
    session: Session, site_id: int, year: int, month: int | None
) -> MeterReading | None:
    return session.scalar(
        select(MeterReading).where(
            MeterReading.site_id == site_id,
            MeterReading.year == year,
            MeterReading.month.is_(None) if month is None else MeterReading.month == month,
        )
    )


def put_reading(
    session: Session,
    site_id: int,
    year: int,
    month: int | None,
    kwh: float,
    editor: Editor,
    *,
    source: str = "web",
    context: str | None = None,
) -> tuple[MeterReading, str]:
    """Insert or replace the reading of a period; returns it and "insert", "update" or
    "same"."""
    site = energy_site(session, site_id)
    check_scope(editor, site)
    reading = _find_reading(session, site_id, year, month)
    if reading is None:
        reading = MeterReading(site_id=site_id, year=year, month=month, kwh=kwh, source=source)
        session.add(reading)
        session.flush()
        changes = {"year": (None, year), "month": (None, month), "kwh": (None, kwh)}
        audit(
            session,
            editor.name,
            "meter_readings",
            reading.id,
            "insert",
            changes,
            site_id=site_id,
            context=context,
        )
        return reading, "insert"
    if reading.kwh == kwh:
        return reading, "same"
    audit(
        session,
        editor.name,
        "meter_readings",
        reading.id,
        "update",
        {"kwh": (reading.kwh, kwh)},
        site_id=site_id,
        context=context,
    )
    reading.kwh, reading.source = kwh, source
    session.flush()
    return reading, "update"


save_reading = committed(put_reading)  # one reading from a form or the API, its own transaction


@committed
def delete_reading(session: Session, reading_id: int, editor: Editor) -> int:
    reading = session.get(MeterReading, reading_id)
    if reading is None:
        raise NotFound(f"no meter reading with id {reading_id}")
    check_scope(editor, energy_site(session, reading.site_id))
    changes = {
        "year": (reading.year, None),
        "month": (reading.month, None),
        "kwh": (reading.kwh, None),
    }
    audit(
        session,
        editor.name,
        "meter_readings",
        reading.id,
        "delete",
        changes,
        site_id=reading.site_id,
    )
    site_id = reading.site_id
    session.delete(reading)
    session.flush()
    return site_id
