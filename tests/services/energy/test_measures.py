"""services/energy/measures.py: a building's energy-saving measures parsed, added (with a
ref of their own per building), changed and deleted, each change audited and committed,
against PostGIS."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from resilience.errors import BadInput, Forbidden, NotFound
from resilience.models import AuditLog, EnergyMeasure
from resilience.services.energy import measures
from resilience.services.energy.editors import Editor
from tests.helpers.energy import energy_county

EVA = Editor("eva")


def test_parse_a_measure() -> None:
    parsed = measures.parse_measure(
        {"title": " LED ", "status": "planned", "date": "2025-03-01", "cost_sek": "12000"}
    )
    assert parsed == {
        "title": "LED",
        "status": "planned",
        "date": dt.date(2025, 3, 1),
        "cost_sek": 12_000.0,
    }
    with pytest.raises(BadInput) as refused:
        measures.parse_measure({"status": "someday", "expected_kwh_year": "-1"})
    assert sorted(refused.value.details) == ["expected_kwh_year", "status", "title"]
    assert refused.value.details["title"] == "required"
    # A change names only what it changes.
    assert measures.parse_measure({"note": "checked"}, partial=True) == {"note": "checked"}


def test_added_with_a_ref_of_its_own_and_audited(db_session: Session) -> None:
    site_id = energy_county(db_session)["e-a1"]
    values = {"title": "LED", "status": "planned"}
    first = measures.add_measure(db_session, site_id, values, EVA)
    second = measures.add_measure(db_session, site_id, values, EVA)
    assert (first.ref, second.ref) == ("LED", "LED (2)")
    db_session.rollback()  # committed: nothing to undo
    assert len(db_session.scalars(select(EnergyMeasure)).all()) == 2
    with pytest.raises(BadInput, match="has a measure 'LED' already"):
        measures.add_measure(db_session, site_id, {**values, "ref": "LED"}, EVA)
    inserted = db_session.scalars(
        select(AuditLog).where(AuditLog.row_id == str(first.id), AuditLog.action == "insert")
    ).all()
    assert {(r.field, r.new) for r in inserted} == {
        ("ref", "LED"),
        ("title", "LED"),
        ("status", "planned"),
    }


def test_a_done_measure_needs_its_date(db_session: Session) -> None:
    site_id = energy_county(db_session)["e-a1"]
    with pytest.raises(BadInput, match="a done measure needs the date"):
        measures.add_measure(db_session, site_id, {"title": "LED", "status": "done"}, EVA)
    assert db_session.scalars(select(EnergyMeasure)).all() == []  # rolled back


def test_changed_and_deleted(db_session: Session) -> None:
    ids = energy_county(db_session)
    measure = measures.add_measure(
        db_session, ids["e-a2"], {"title": "Fönster", "status": "planned"}, EVA
    )
    other = measures.add_measure(
        db_session, ids["e-a2"], {"title": "Tak", "status": "planned"}, EVA
    )
    done = {"status": "done", "date": dt.date(2024, 5, 1), "ref": ""}  # an empty ref is kept
    changed = measures.update_measure(db_session, measure.id, done, EVA)
    assert (changed.status, changed.date, changed.ref) == ("done", dt.date(2024, 5, 1), "Fönster")
    with pytest.raises(BadInput, match="has a measure 'Tak' already"):
        measures.update_measure(db_session, measure.id, {"ref": "Tak"}, EVA)
    with pytest.raises(BadInput, match="a done measure needs the date"):
        measures.update_measure(db_session, measure.id, {"date": None}, EVA)
    assert measures.get_measure(db_session, measure.id).date == dt.date(2024, 5, 1)
    with pytest.raises(Forbidden):
        measures.update_measure(db_session, measure.id, {"note": "x"}, Editor("oskar", "2403"))

    assert measures.delete_measure(db_session, other.id, EVA) == ids["e-a2"]
    with pytest.raises(NotFound, match="no measure with id"):
        measures.get_measure(db_session, other.id)
    updates = db_session.scalars(
        select(AuditLog).where(AuditLog.row_id == str(measure.id), AuditLog.action == "update")
    ).all()
    assert {(r.field, r.old, r.new) for r in updates} == {
        ("status", "planned", "done"),
        ("date", None, "2024-05-01"),
    }
