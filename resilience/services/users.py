"""Accounts and API tokens. Passwords are hashed (werkzeug scrypt); tokens stored as SHA-256."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from resilience.errors import BadInput, Conflict, NotFound
from resilience.models import ROLES, ApiToken, User
from resilience.services.transactions import committed

ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}
MIN_PASSWORD_LENGTH = 10


def has_role(user: User, role: str) -> bool:
    """Roles are ordered: viewer < planner < editor < admin."""
    return ROLE_RANK[user.role] >= ROLE_RANK[role]


MAX_NAME_LENGTH = 64  # users.name is VARCHAR(64)


def create_user(
    session: Session, name: str, password: str, role: str, municipality: str | None = None
) -> User:
    name = name.strip()
    if not name:
        raise BadInput("user name must not be empty")
    if len(name) > MAX_NAME_LENGTH or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise BadInput(
            f"a user name has at most {MAX_NAME_LENGTH} characters and no control characters"
        )
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


@cache
def _dummy_hash() -> str:
    """A hash of nothing anyone knows, made like the real ones (same method and cost)."""
    return generate_password_hash(secrets.token_hex(16))


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The user, when the name and password match and the user is not disabled. An unknown
    name is checked against a dummy hash, so it takes as long as a wrong password: the time
    of the answer does not tell which names exist."""
    name = name.strip()
    # A name no user can have (a NUL, which PostgreSQL refuses, or too long) is unknown too.
    possible = "\x00" not in name and len(name) <= MAX_NAME_LENGTH
    user = session.scalar(select(User).where(User.name == name)) if possible else None
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password) or user.disabled:
        return None
    return user


def _user(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name.strip()))
    if user is None:
        raise NotFound(f"no user named {name!r}")
    return user


# --- sessions: a cookie names the user and their session generation --------------------------


def session_id(user: User) -> str:
    """What a session cookie carries: `<id>:<generation>`. Raising the generation (logout,
    a new password, disabling) makes every cookie issued before it worthless."""
    return f"{user.id}:{user.session_generation}"


def user_for_session(session: Session, value: str) -> User | None:
    """The user of a session cookie's id, when its generation is current and the user is
    not disabled; else None (the session has ended)."""
    user_id, _sep, generation = value.partition(":")
    if not (user_id.isascii() and user_id.isdigit() and generation.isascii()):
        return None
    if not generation.isdigit():
        return None
    user = session.get(User, int(user_id))
    if user is None or user.disabled or user.session_generation != int(generation):
        return None
    return user


def end_sessions(session: Session, user: User) -> None:
    """Log the user out everywhere: every session cookie issued so far stops working."""
    user.session_generation += 1
    session.flush()


def set_password(session: Session, name: str, password: str) -> User:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadInput(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    user = _user(session, name)
    user.password_hash = generate_password_hash(password)
    end_sessions(session, user)
    return user


def set_disabled(session: Session, name: str, disabled: bool) -> User:
    """A disabled user cannot log in; their sessions end and their tokens stop working."""
    user = _user(session, name)
    user.disabled = disabled
    end_sessions(session, user)
    return user


def count_admins(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User).where(User.role == "admin")) or 0


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


TOKEN_NAME_MAX = 100  # api_tokens.name
TOKEN_DAYS_MAX = 3650
# What secrets.token_urlsafe(32) makes: 43 URL-safe characters. A password of another shape
# sent as a token is not one (a login password, most likely), which can be said without
# checking it against the password hash (no way to guess passwords through the API).
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


def looks_like_token(value: str) -> bool:
    return bool(_TOKEN_SHAPE.fullmatch(value))


def token_name(name: str) -> str:
    """A token's name, stripped: 1 to TOKEN_NAME_MAX characters, no control characters."""
    name = name.strip()
    if not name or len(name) > TOKEN_NAME_MAX or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise BadInput(
            f"a token's name has 1 to {TOKEN_NAME_MAX} characters and no control characters"
        )
    return name


def create_token(
    session: Session, user_name: str, days: int | None = None, name: str = "API token"
) -> str:
    """Returns the token in clear text once; only its digest is kept. With `days` it
    expires that many days from now."""
    user = _user(session, user_name)
    if days is not None and not 1 <= days <= TOKEN_DAYS_MAX:
        raise BadInput(f"a token lasts 1 to {TOKEN_DAYS_MAX} days")
    expires = datetime.now(UTC) + timedelta(days=days) if days is not None else None
    token = secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id, token_sha256=_digest(token), expires_at=expires, name=token_name(name)
    )
    session.add(row)
    session.flush()
    return token


def tokens_of(session: Session, user_id: int) -> list[ApiToken]:
    """A user's tokens, newest first (expired ones too, until revoked)."""
    query = (
        select(ApiToken)
        .where(ApiToken.user_id == user_id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return list(session.scalars(query))


def revoke_token(session: Session, user_id: int, token_id: int) -> ApiToken:
    """Delete one of the user's own tokens: it stops working at once. NotFound for another
    user's token or none."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user_id:
        raise NotFound(f"no token {token_id} of yours")
    session.delete(row)
    session.flush()
    return row


def revoke_tokens(session: Session, user_name: str) -> int:
    """Delete every API token of the user; returns how many there were."""
    user = _user(session, user_name)
    return session.execute(  # type: ignore[attr-defined]  # DML gives a CursorResult
        delete(ApiToken).where(ApiToken.user_id == user.id)
    ).rowcount


def expire_tokens(session: Session, user_name: str, days: int) -> int:
    """Make every token of the user expire within `days` (0: now) unless it does sooner."""
    user = _user(session, user_name)
    when = datetime.now(UTC) + timedelta(days=days)
    return session.execute(  # type: ignore[attr-defined]  # DML gives a CursorResult
        update(ApiToken)
        .where(
            ApiToken.user_id == user.id,
            or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > when),
        )
        .values(expires_at=when)
    ).rowcount


TOKEN_USE_RESOLUTION = timedelta(minutes=1)  # how exactly api_tokens.last_used_at is kept


def user_for_token(session: Session, token: str) -> User | None:
    """The token's user, unless the token is unknown or expired or the user disabled."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == _digest(token)))
    now = datetime.now(UTC)
    if row is None or (row.expires_at is not None and row.expires_at <= now):
        return None
    user = session.get(User, row.user_id)
    if user is None or user.disabled:
        return None
    # At most one write a minute per token: QGIS sends thousands of reads.
    if row.last_used_at is None or now - row.last_used_at >= TOKEN_USE_RESOLUTION:
        row.last_used_at = now
    return user


def use_token(session: Session, token: str, user_name: str | None = None) -> User | None:
    """The token's user, with its use recorded and committed (user_for_token). With
    `user_name` (HTTP Basic) the token must be that user's: a token sent under another
    name is not a use of it, and nothing is recorded."""
    user = user_for_token(session, token)
    if user_name is not None and (user is None or user.name != user_name):
        session.rollback()
        return None
    if user is None:
        return None
    session.commit()  # last_used_at
    return user


def log_out(session: Session, user_id: int) -> None:
    """End every session of the user (end_sessions), committed; an unknown id ends none."""
    user = session.get(User, user_id)
    if user is not None:
        end_sessions(session, user)
        session.commit()


# --- a user's own tokens, from /tokens: each one transaction --------------------------------


def _create_own_token(session: Session, user_name: str, name: str, days: int | None) -> str:
    return create_token(session, user_name, days, name)


create_own_token = committed(_create_own_token)
revoke_own_token = committed(revoke_token)
