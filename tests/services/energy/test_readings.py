"""services/energy/readings.py: a building's meter readings (a year or a month) parsed, put
(inserted, replaced or the same) and deleted, each change audited, against PostGIS."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from resilience.errors import BadInput, Forbidden, NotFound
from resilience.models import AuditLog, MeterReading
from resilience.services.energy import readings
from resilience.services.energy.editors import Editor
from tests.helpers.energy import energy_county

EVA = Editor("eva")


def test_parse_a_reading() -> None:
    assert readings.parse_reading({"year": "2024", "kwh": "1234,5"}) == (2024, None, 1234.5)
    assert readings.parse_reading({"year": 2024, "month": "2", "kwh": 10}) == (2024, 2, 10.0)
    with pytest.raises(BadInput) as refused:
        readings.parse_reading({"year": "1900", "month": "13", "kwh": ""})
    assert sorted(refused.value.details) == ["kwh", "month", "year"]
    assert refused.value.details["kwh"] == "required"
    with pytest.raises(BadInput, match="kwh"):
        readings.parse_reading({"year": "2024", "kwh": "-1"})


def test_put_inserts_then_replaces_a_period(db_session: Session) -> None:
    site_id = energy_county(db_session)["e-a1"]
    year, inserted = readings.put_reading(db_session, site_id, 2024, None, 90_000.0, EVA)
    assert inserted == "insert" and (year.year, year.month, year.kwh) == (2024, None, 90_000.0)
    january, _ = readings.put_reading(db_session, site_id, 2024, 1, 12_000.0, EVA)
    assert january.id != year.id  # a month is another period than its year
    assert readings.put_reading(db_session, site_id, 2024, None, 90_000.0, EVA) == (year, "same")
    replaced, action = readings.put_reading(
        db_session, site_id, 2024, None, 95_000.0, EVA, source="import", context="file.csv"
    )
    assert (replaced.id, action, replaced.kwh, replaced.source) == (
        year.id,
        "update",
        95_000.0,
        "import",
    )
    rows = db_session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    assert [(r.row_id, r.action, r.field, r.old, r.new, r.context) for r in rows] == [
        (str(year.id), "insert", "year", None, 2024, None),
        (str(year.id), "insert", "kwh", None, 90_000.0, None),
        (str(january.id), "insert", "year", None, 2024, None),
        (str(january.id), "insert", "month", None, 1, None),
        (str(january.id), "insert", "kwh", None, 12_000.0, None),
        (str(year.id), "update", "kwh", 90_000.0, 95_000.0, "file.csv"),
    ]


def test_only_an_editor_of_the_buildings_municipality(db_session: Session) -> None:
    ids = energy_county(db_session)
    with pytest.raises(Forbidden):
        readings.put_reading(db_session, ids["e-o1"], 2024, None, 1.0, Editor("ola", "2401"))
    with pytest.raises(NotFound):
        readings.put_reading(db_session, 999_999, 2024, None, 1.0, EVA)
    assert db_session.scalars(select(MeterReading)).all() == []


def test_saved_and_deleted_in_transactions_of_their_own(db_session: Session) -> None:
    site_id = energy_county(db_session)["e-a2"]
    reading, _ = readings.save_reading(db_session, site_id, 2023, None, 400_000.0, EVA)
    db_session.rollback()  # committed: nothing to undo
    assert db_session.get(MeterReading, reading.id) is not None
    with pytest.raises(Forbidden):
        readings.delete_reading(db_session, reading.id, Editor("oskar", "2403"))
    assert readings.delete_reading(db_session, reading.id, EVA) == site_id
    db_session.rollback()
    assert db_session.scalars(select(MeterReading)).all() == []
    deleted = db_session.scalars(select(AuditLog).where(AuditLog.action == "delete")).all()
    assert {(r.field, r.old) for r in deleted} == {("year", 2023), ("kwh", 400_000.0)}
    with pytest.raises(NotFound, match="no meter reading with id"):
        readings.delete_reading(db_session, reading.id, EVA)
