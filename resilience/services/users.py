"""Accounts and API tokens. Passwords are hashed (werkzeug scrypt); tokens stored as SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from resilience.errors import BadInput, Conflict, NotFound
from resilience.models import ROLES, ApiToken, User

ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}
MIN_PASSWORD_LENGTH = 10


def has_role(user: User, role: str) -> bool:
    """Roles are ordered: viewer < planner < editor < admin."""
    return ROLE_RANK[user.role] >= ROLE_RANK[role]


def create_user(
    session: Session, name: str, password: str, role: str, municipality: str | None = None
) -> User:
    name = name.strip()
    if not name:
        raise BadInput("user name must not be empty")
    if role not in ROLES:
        raise BadInput(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadInput(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(User).where(User.name == name)) is not None:
        raise Conflict(f"user {name!r} exists already")
    user = User(
        name=name,
        password_hash=generate_password_hash(password),
        role=role,
        municipality_code=municipality,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, name: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.name == name.strip()))
    if user is None or not check_password_hash(user.password_hash, password):
        return None
    return user


def count_admins(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User).where(User.role == "admin")) or 0


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user_name: str) -> str:
    """Returns the token in clear text once; only its digest is kept."""
    user = session.scalar(select(User).where(User.name == user_name))
    if user is None:
        raise NotFound(f"no user named {user_name!r}")
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_sha256=_digest(token)))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == _digest(token)))
    if row is None:
        return None
    row.last_used_at = datetime.now(UTC)
    return session.get(User, row.user_id)
