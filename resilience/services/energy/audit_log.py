"""The energy register's audit log: one row per changed field (who, when, old and new
value), and the changes read back."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from resilience.models import AuditLog


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value


def audit(
    session: Session,
    user: str | None,
    table: str,
    row_id: Any,
    action: str,
    changes: Mapping[str, tuple[Any, Any]],
    *,
    site_id: int | None = None,
    context: str | None = None,
) -> None:
    """One audit row per field whose value changed (old, new); an insert or delete without
    fields still gets one row."""
    rows = [
        AuditLog(
            user_name=user,
            table_name=table,
            row_id=str(row_id),
            site_id=site_id,
            action=action,
            field=name,
            old=_jsonable(old),
            new=_jsonable(new),
            context=context,
        )
        for name, (old, new) in changes.items()
        if old != new
    ]
    if not rows and action != "update":
        rows = [
            AuditLog(
                user_name=user,
                table_name=table,
                row_id=str(row_id),
                site_id=site_id,
                action=action,
                context=context,
            )
        ]
    session.add_all(rows)


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
