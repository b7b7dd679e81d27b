"""Login rate limit and lockout, per account and per client address, counted in Redis so
that every gunicorn worker and host applies the same limits.

Each failed login adds one to two counters, the account's and the address's, that expire
WINDOW after the first failure. At ACCOUNT_LIMIT failures the account, at ADDRESS_LIMIT
the address, is locked until its counter expires: every login attempt (right password too)
is refused meanwhile. A successful login clears the account's counter. An admin lists and
clears the locks on /admin/logins (each unlock written to audit_log) or with `flask users
locked` and `flask users unlock`.

With Redis down, logins are not limited (and a warning is logged): the crisis team must be
able to log in during an outage of the queue.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.orm import Session

from resilience.models import AuditLog
from resilience.services import audit
from resilience.services.transactions import committed

WINDOW_SECONDS = 15 * 60
ACCOUNT_LIMIT = 5  # failures per account in the window
ADDRESS_LIMIT = 20  # failures per client address in the window (an office shares one)
_PREFIX = "resilience:login-failures:"
KINDS = ("account", "address")
# audit_log rows of unlocks: this table name, action "delete", field the kind.
AUDIT_TABLE = "login_limits"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lock:
    kind: str  # "account" | "address"
    key: str  # the user name (lower case) or the address
    failures: int
    seconds_left: int


def _key(kind: str, value: str) -> str:
    return f"{_PREFIX}{kind}:{value.strip().lower() if kind == 'account' else value}"


def _limit(kind: str) -> int:
    return ACCOUNT_LIMIT if kind == "account" else ADDRESS_LIMIT


def locked(redis: Redis, name: str, address: str) -> Lock | None:
    """The lock that refuses this attempt, if any."""
    try:
        for kind, value in (("account", name), ("address", address)):
            key = _key(kind, value)
            count = int(redis.get(key) or 0)
            if count >= _limit(kind):
                return Lock(kind, value, count, max(int(redis.ttl(key)), 1))
    except RedisError as exc:
        log.warning("login limits not checked, Redis is down: %s", exc)
    return None


def record_failure(redis: Redis, name: str, address: str) -> None:
    try:
        pipe = redis.pipeline()
        for kind, value in (("account", name), ("address", address)):
            key = _key(kind, value)
            pipe.incr(key)
            pipe.expire(key, WINDOW_SECONDS, nx=True)  # the window starts at the first failure
        pipe.execute()
    except RedisError as exc:
        log.warning("login failure not counted, Redis is down: %s", exc)


def record_success(redis: Redis, name: str) -> None:
    try:
        redis.delete(_key("account", name))
    except RedisError as exc:
        log.warning("login failures not cleared, Redis is down: %s", exc)


def locks(redis: Redis) -> list[Lock]:
    """Every account and address locked now (for an admin)."""
    found = []
    for raw in redis.scan_iter(f"{_PREFIX}*"):
        key = raw.decode() if isinstance(raw, bytes) else str(raw)
        kind, _, value = key.removeprefix(_PREFIX).partition(":")
        count = int(redis.get(key) or 0)
        if count >= _limit(kind):
            found.append(Lock(kind, value, count, max(int(redis.ttl(key)), 1)))
    return sorted(found, key=lambda lock: (lock.kind, lock.key))


def unlock_all(redis: Redis) -> int:
    """Clear every counter (tests; `flask users unlock --all`)."""
    keys = list(redis.scan_iter(f"{_PREFIX}*"))
    return int(redis.delete(*keys)) if keys else 0


def unlock(redis: Redis, *, name: str | None = None, address: str | None = None) -> int:
    """Clear the failures of an account and/or an address; the number of counters cleared."""
    keys = [_key("account", name)] if name else []
    keys += [_key("address", address)] if address else []
    return int(redis.delete(*keys)) if keys else 0


def lock_of(redis: Redis, kind: str, key: str) -> Lock | None:
    """The lock of one account or address now, if it is locked."""
    if kind not in KINDS:
        raise ValueError(f"unknown lock kind {kind!r}")
    redis_key = _key(kind, key)
    count = int(redis.get(redis_key) or 0)
    if count < _limit(kind):
        return None
    return Lock(kind, key, count, max(int(redis.ttl(redis_key)), 1))


def unlock_audited(
    session: Session, redis: Redis, kind: str, key: str, user: str | None
) -> Lock | None:
    """Clear the failures of one account or address and write who did it to audit_log (in
    the caller's transaction). Returns the lock that was cleared; None when it was not
    locked (any failures still counting are cleared all the same, nothing is audited)."""
    lock = lock_of(redis, kind, key)
    redis.delete(_key(kind, key))
    if lock is not None:
        audit.record(
            session,
            user=user,
            table=AUDIT_TABLE,
            row_id=f"{kind}:{lock.key}",
            action="delete",
            field=kind,
            old={"failures": lock.failures, "seconds_left": lock.seconds_left},
            context=f"unlock {kind} {lock.key}",
        )
        session.flush()
    return lock


# The admin page's unlock, one transaction (the command line's --all audits many in one).
unlock_committed = committed(unlock_audited)


def unlock_entries(session: Session, limit: int = 50) -> list[AuditLog]:
    """The latest unlocks, newest first."""
    query = (
        select(AuditLog)
        .where(AuditLog.table_name == AUDIT_TABLE)
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
