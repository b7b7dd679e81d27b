"""The energy register's audit log read back: the changes, newest first. The rows are written
by services/audit.py (`record_changes`: one row per changed field)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from resilience.models import AuditLog


def audit_entries(
    session: Session, *, site_id: int | None = None, limit: int = 200
) -> list[AuditLog]:
    # Changes only: GIS exports share the table (services/exports/audit_log.py) but change nothing.
    query = (
        select(AuditLog)
        .where(AuditLog.action != "export")
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
        .limit(limit)
    )
    if site_id is not None:
        query = query.where(AuditLog.site_id == site_id)
    return list(session.scalars(query))
