"""Small look-ups every service needs, each written once: a row by its key or NotFound (the
domain's 404), and the municipalities' names."""

from __future__ import annotations

from typing import Literal, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from resilience.errors import NotFound
from resilience.models import Base, Municipality

T = TypeVar("T", bound=Base)


def get_or_404(session: Session, model: type[T], key: object, what: str) -> T:
    """The row of `model` with primary key `key`, or NotFound ("no <what> with id <key>")."""
    row = session.get(model, key)
    if row is None:
        raise NotFound(f"no {what} with id {key}")
    return row


def municipality_names(session: Session) -> dict[str, str]:
    """Every municipality's name by its code."""
    rows = session.execute(select(Municipality.code, Municipality.name))
    return {code: name for code, name in rows}


def municipality_name(session: Session, code: str | None) -> str | None:
    """One municipality's name; None for no code or an unknown one."""
    if not code:
        return None
    found = session.get(Municipality, code)
    return found.name if found is not None else None


def municipality_choices(
    session: Session, order: Literal["code", "name"] = "code"
) -> list[tuple[str, str]]:
    """(code, name) of every municipality, by code or by name: a form's choices."""
    key = Municipality.code if order == "code" else Municipality.name
    rows = session.execute(select(Municipality.code, Municipality.name).order_by(key))
    return [(code, name) for code, name in rows]
