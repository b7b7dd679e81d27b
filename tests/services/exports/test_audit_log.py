"""services/exports/audit_log.py: every export written to the audit log (who, what, how)
and read back newest first, without the register's changes that share the table."""

from __future__ import annotations

from sqlalchemy.orm import Session

from resilience.services import audit as audit_writer
from resilience.services.exports import audit_log
from resilience.services.exports.plan import ExportRequest, plan_export
from tests.factories import small_county


def test_an_export_is_audited_and_read_back(db_session: Session) -> None:
    small_county(db_session)
    request = ExportRequest("csv", layers=("care",), municipality="2401", category="care")
    plan = plan_export(db_session, request)
    audit_log.audit(db_session, "åsa", plan, "direct")
    db_session.flush()
    (entry,) = audit_log.audit_entries(db_session)
    shown = audit_log.audit_json(entry)
    assert shown["user"] == "åsa" and shown["mode"] == "direct"
    assert shown["export"] == plan.file_name  # a direct export has no id: its file names it
    assert shown["request"] == request.to_dict() | {"features": 1, "file": plan.file_name}
    assert shown["description"] == request.describe()
    assert shown["at"] is not None


def test_a_background_export_and_its_download(db_session: Session) -> None:
    small_county(db_session)
    plan = plan_export(db_session, ExportRequest(layers=("population",)))
    export_id = "export-" + "a" * 24
    audit_log.audit(db_session, "örjan", plan, "background", export_id)
    record = {
        "id": export_id,
        "request": plan.request.to_dict(),
        "features": 3,
        "file_name": plan.file_name,
        "description": "Befolkning i Östervik",
    }
    audit_log.audit_download(db_session, None, record)
    db_session.flush()
    entries = [audit_log.audit_json(e) for e in audit_log.audit_entries(db_session)]
    # One transaction: equal times, so the id orders them, newest first.
    assert [(e["mode"], e["user"], e["export"]) for e in entries] == [
        ("download", None, export_id),
        ("background", "örjan", export_id),
    ]
    assert entries[0]["request"]["file"] == plan.file_name
    assert entries[0]["description"] == "Befolkning i Östervik"
    assert [e.field for e in audit_log.audit_entries(db_session, limit=1)] == ["download"]


def test_other_audit_rows_are_not_exports(db_session: Session) -> None:
    audit_writer.record(db_session, user="eva", table="sites", row_id=1, action="update", site_id=1)
    db_session.flush()
    assert audit_log.audit_entries(db_session) == []
