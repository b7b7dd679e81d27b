"""services/audit.py: the one writer of audit_log rows, in the transaction of the change it
records (so it commits and rolls back with it)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from resilience.models import AuditLog
from resilience.services import audit


def _rows(session: Session) -> list[tuple[object, ...]]:
    found = session.scalars(select(AuditLog).order_by(AuditLog.id))
    return [
        (r.user_name, r.table_name, r.row_id, r.action, r.field, r.old, r.new, r.context, r.site_id)
        for r in found
    ]


def test_an_entry_is_not_added_until_asked(db_session: Session) -> None:
    row = audit.entry(user="eva", table="sites", row_id=7, action="delete")
    assert row.row_id == "7"  # every key as text: sites' ids and exports' strings alike
    db_session.flush()
    assert _rows(db_session) == []
    db_session.add(row)
    db_session.flush()
    assert _rows(db_session) == [("eva", "sites", "7", "delete", None, None, None, None, None)]


def test_record_writes_one_row_with_its_time(db_session: Session) -> None:
    audit.record(
        db_session,
        user="eva",
        table="energy_measures",
        row_id=3,
        action="update",
        field="status",
        old="planned",
        new="done",
        context="import",
        site_id=12,
    )
    db_session.flush()
    assert _rows(db_session) == [
        ("eva", "energy_measures", "3", "update", "status", "planned", "done", "import", 12)
    ]
    stamped = db_session.scalars(select(AuditLog)).one()
    assert stamped.at is not None


def test_record_changes_one_row_per_changed_field(db_session: Session) -> None:
    changes = {
        "status": ("planned", "done"),
        "cost_sek": (1000, 1000),  # unchanged: no row
        "done_on": (None, date(2024, 2, 1)),  # dates as ISO text
        "title": ("LED", None),
    }
    audit.record_changes(db_session, "eva", "energy_measures", 5, "update", changes, site_id=9)
    db_session.flush()
    assert _rows(db_session) == [
        ("eva", "energy_measures", "5", "update", "status", "planned", "done", None, 9),
        ("eva", "energy_measures", "5", "update", "done_on", None, "2024-02-01", None, 9),
        ("eva", "energy_measures", "5", "update", "title", "LED", None, None, 9),
    ]


def test_an_update_that_changes_nothing_writes_nothing(db_session: Session) -> None:
    audit.record_changes(db_session, "eva", "sites", 1, "update", {"name": ("A", "A")})
    audit.record_changes(db_session, "eva", "sites", 1, "update", {})
    db_session.flush()
    assert _rows(db_session) == []


def test_an_insert_or_delete_without_fields_gets_one_row(db_session: Session) -> None:
    audit.record_changes(db_session, None, "users", "kim", "insert", {}, context="cli")
    audit.record_changes(db_session, "eva", "users", "kim", "delete", {"role": ("x", "x")})
    db_session.flush()
    assert _rows(db_session) == [
        (None, "users", "kim", "insert", None, None, None, "cli", None),
        ("eva", "users", "kim", "delete", None, None, None, None, None),
    ]


def test_the_rows_roll_back_with_the_change(db_session: Session) -> None:
    audit.record(db_session, user="eva", table="sites", row_id=1, action="insert")
    db_session.flush()
    db_session.rollback()
    assert _rows(db_session) == []
    audit.record(db_session, user="eva", table="sites", row_id=2, action="insert")
    db_session.commit()
    assert [row[2] for row in _rows(db_session)] == ["2"]
