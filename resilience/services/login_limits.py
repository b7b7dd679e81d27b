"""Login rate limit and lockout, per account and per client address, counted in Redis so
that every gunicorn worker and host applies the same limits.

Each failed login adds one to two counters, the account's and the address's, that expire
WINDOW after the first failure. At ACCOUNT_LIMIT failures the account, at ADDRESS_LIMIT
the address, is locked until its counter expires: every login attempt (right password too)
is refused meanwhile. A successful login clears the account's counter. An admin lists and
clears the locks (`flask users locked`, `flask users unlock`).

With Redis down, logins are not limited (and a warning is logged): the crisis team must be
able to log in during an outage of the queue.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from redis import Redis
from redis.exceptions import RedisError

WINDOW_SECONDS = 15 * 60
ACCOUNT_LIMIT = 5  # failures per account in the window
ADDRESS_LIMIT = 20  # failures per client address in the window (an office shares one)
_PREFIX = "resilience:login-failures:"

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
