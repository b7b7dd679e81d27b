"""Every export in the audit log (action "export"): who exported what, when, with which
filters, format and CRS, and how (direct, background or download). Written by
services/audit.py, read back here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from resilience.models import AuditLog
from resilience.services import audit as audit_writer
from resilience.services.exports.plan import Plan

AUDIT_ACTION = "export"


def audit(
    session: Session,
    user: str | None,
    plan: Plan,
    mode: str,
    export_id: str | None = None,
) -> None:
    """Who exported what, when, with which filters, format and CRS. mode: direct (built in
    the request), background (a job was asked for) or download (a job's file fetched)."""
    request = plan.request.to_dict() | {"features": plan.features, "file": plan.file_name}
    row_id = export_id or plan.file_name
    _record(session, user, row_id, mode, request, plan.request.describe())


def audit_download(session: Session, user: str | None, record: dict[str, Any]) -> None:
    """A background export's file fetched (mode download), from its record."""
    request = record["request"] | {"features": record.get("features"), "file": record["file_name"]}
    _record(session, user, record["id"], "download", request, record.get("description"))


def _record(
    session: Session,
    user: str | None,
    row_id: str,
    mode: str,
    request: dict[str, Any],
    description: str | None,
) -> None:
    """The one shape of an export's audit row: the request with its features and file."""
    audit_writer.record(
        session,
        user=user,
        table="exports",
        row_id=row_id,
        action=AUDIT_ACTION,
        field=mode,
        new=request,
        context=description,
    )


def audit_entries(session: Session, limit: int = 500) -> list[AuditLog]:
    query = (
        select(AuditLog)
        .where(AuditLog.action == AUDIT_ACTION)
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def audit_json(entry: AuditLog) -> dict[str, Any]:
    return {
        "at": entry.at.isoformat() if entry.at else None,
        "user": entry.user_name,
        "mode": entry.field,
        "export": entry.row_id,
        "request": entry.new,
        "description": entry.context,
    }
