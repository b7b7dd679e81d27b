"""services/energy/audit_log.py: the energy register's changes read back, newest first, per
building, without the GIS exports that share the table."""

from __future__ import annotations

from sqlalchemy.orm import Session

from resilience.services import audit
from resilience.services.energy.audit_log import audit_entries


def test_changes_newest_first_per_building_without_exports(db_session: Session) -> None:
    audit.record(db_session, user="eva", table="sites", row_id=1, action="update", site_id=1)
    audit.record(
        db_session, user="eva", table="energy_measures", row_id=7, action="insert", site_id=2
    )
    audit.record(db_session, user="gis", table="exports", row_id="exp-1", action="export")
    audit.record(
        db_session, user="ola", table="meter_readings", row_id=3, action="delete", site_id=1
    )
    db_session.flush()
    # One transaction: equal times, so the id orders them.
    assert [(e.user_name, e.row_id) for e in audit_entries(db_session)] == [
        ("ola", "3"),
        ("eva", "7"),
        ("eva", "1"),
    ]
    assert [e.row_id for e in audit_entries(db_session, site_id=1)] == ["3", "1"]
    assert [e.row_id for e in audit_entries(db_session, limit=1)] == ["3"]
    assert audit_entries(db_session, site_id=99) == []
