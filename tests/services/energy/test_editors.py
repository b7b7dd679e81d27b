"""services/energy/editors.py: who may change which energy building, the checks of submitted
values, and a measure deleted with an audit row per field, against PostGIS."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from geodata.loaders.fields import FieldError
from resilience.errors import BadInput, Forbidden, NotFound
from resilience.models import AuditLog, EnergyMeasure, Site
from resilience.services.energy import editors
from resilience.services.energy.editors import Editor
from tests.factories import small_county


def _site(session: Session, source_id: str) -> Site:
    return session.scalars(select(Site).where(Site.source_id == source_id)).one()


def test_only_energy_buildings(db_session: Session) -> None:
    small_county(db_session)  # energy-1: a school in Åbacka (2401); care-1 is no building
    school = _site(db_session, "energy-1")
    assert editors.energy_site(db_session, school.id) is school
    with pytest.raises(NotFound, match="no energy building with id"):
        editors.energy_site(db_session, _site(db_session, "care-1").id)
    with pytest.raises(NotFound):
        editors.energy_site(db_session, 999_999)


def test_an_editor_of_one_municipality(db_session: Session) -> None:
    small_county(db_session)
    school = _site(db_session, "energy-1")
    editors.check_scope(Editor("eva"), school)  # the whole county
    editors.check_scope(Editor("ola", "2401"), school)
    with pytest.raises(Forbidden, match=r"municipality 2403 only; .* is in 2401"):
        editors.check_scope(Editor("oskar", "2403"), school)
    school.municipality_code = None
    with pytest.raises(Forbidden, match="is in no municipality"):
        editors.check_scope(Editor("ola", "2401"), school)


def test_field_errors_name_every_field() -> None:
    editors.field_errors({})  # none: nothing raised
    with pytest.raises(BadInput) as refused:
        editors.field_errors({"year": "a year", "kwh": "negative"})
    assert str(refused.value) == "year: a year; kwh: negative"
    assert refused.value.details == {"year": "a year", "kwh": "negative"}


def test_numbers_years_and_owners() -> None:
    assert editors.non_negative("1234,5") == 1234.5  # a decimal comma
    assert editors.non_negative("") is None
    assert editors.non_negative("12", integer=True) == 12
    with pytest.raises(FieldError, match="is negative"):
        editors.non_negative("-1")
    with pytest.raises(FieldError, match=r"heated_area_m2 .* is out of range"):
        editors.non_negative("20000000", name="heated_area_m2")
    with pytest.raises(FieldError):
        editors.non_negative("1,5", integer=True)
    assert editors.parse_year("2024") == 2024
    for bad in ("1989", "2101", "", "20x4"):
        with pytest.raises(FieldError):
            editors.parse_year(bad)
    assert editors.owner_code(" Municipality ") == "municipality"
    with pytest.raises(FieldError, match="unknown owner 'kyrkan'"):
        editors.owner_code("kyrkan")


def test_a_measure_deleted_with_its_audit(db_session: Session) -> None:
    small_county(db_session)
    school = _site(db_session, "energy-1")
    measure = EnergyMeasure(
        site_id=school.id,
        ref="m-1",
        title="LED",
        status="done",
        date=dt.date(2024, 2, 1),
        expected_kwh_year=5_000.0,
    )
    db_session.add(measure)
    db_session.flush()
    with pytest.raises(Forbidden):
        editors.delete_audited(
            db_session, Editor("oskar", "2403"), "energy_measures", measure, ["title"]
        )
    assert db_session.get(EnergyMeasure, measure.id) is measure  # not deleted

    fields = ["title", "status", "date", "expected_kwh_year", "cost_sek"]
    site_id = editors.delete_audited(
        db_session, Editor("ola", "2401"), "energy_measures", measure, fields
    )
    assert site_id == school.id
    assert db_session.scalars(select(EnergyMeasure)).all() == []
    rows = db_session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    # One row per field it had; cost_sek was empty, so nothing changed there.
    assert [(r.field, r.old, r.new, r.action, r.site_id, r.user_name) for r in rows] == [
        ("title", "LED", None, "delete", school.id, "ola"),
        ("status", "done", None, "delete", school.id, "ola"),
        ("date", "2024-02-01", None, "delete", school.id, "ola"),
        ("expected_kwh_year", 5000.0, None, "delete", school.id, "ola"),
    ]
