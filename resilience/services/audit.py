"""The one writer of audit rows (table audit_log): who changed which row of which table, when,
and the old and new values. Services call `record` in the transaction of the change."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from resilience.models import AuditLog


def entry(
    *,
    user: str | None,
    table: str,
    row_id: object,
    action: str,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
    context: str | None = None,
    site_id: int | None = None,
) -> AuditLog:
    """One audit row, not yet added (for `session.add_all`)."""
    return AuditLog(
        user_name=user,
        table_name=table,
        row_id=str(row_id),
        site_id=site_id,
        action=action,
        field=field,
        old=old,
        new=new,
        context=context,
    )


def record(
    session: Session,
    *,
    user: str | None,
    table: str,
    row_id: object,
    action: str,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
    context: str | None = None,
    site_id: int | None = None,
) -> None:
    """Add one audit row to the session's transaction: it commits or rolls back with the
    change it records."""
    session.add(
        entry(
            user=user,
            table=table,
            row_id=row_id,
            action=action,
            field=field,
            old=old,
            new=new,
            context=context,
            site_id=site_id,
        )
    )
