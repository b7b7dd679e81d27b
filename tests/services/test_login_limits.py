"""services/login_limits.py: failed logins counted per account and per address in the real
Redis (the test process's db, flushed around each test), locks, unlocks and their audit rows;
with Redis gone, logins are not limited."""

from __future__ import annotations

import logging
import socket

import pytest
from redis import Redis
from sqlalchemy.orm import Session

from resilience.services import login_limits
from resilience.services.login_limits import ACCOUNT_LIMIT, ADDRESS_LIMIT, WINDOW_SECONDS, Lock
from workers.queue import fail_fast_redis

HERE = "10.0.0.1"


def _fail(redis: Redis, name: str, address: str, times: int) -> None:
    for _ in range(times):
        login_limits.record_failure(redis, name, address)


def test_an_account_locks_at_its_limit_whatever_the_case(redis_conn: Redis) -> None:
    _fail(redis_conn, "Anna", HERE, ACCOUNT_LIMIT - 1)
    assert login_limits.locked(redis_conn, "anna", HERE) is None
    login_limits.record_failure(redis_conn, " ANNA ", "10.0.0.2")  # one account, any spelling
    lock = login_limits.locked(redis_conn, "anna", "10.0.0.3")
    assert lock is not None
    assert (lock.kind, lock.key, lock.failures) == ("account", "anna", ACCOUNT_LIMIT)
    assert 0 < lock.seconds_left <= WINDOW_SECONDS
    assert login_limits.locked(redis_conn, "bertil", HERE) is None  # others still log in


def test_a_success_clears_the_account_but_not_the_address(redis_conn: Redis) -> None:
    _fail(redis_conn, "anna", HERE, ACCOUNT_LIMIT)
    login_limits.record_success(redis_conn, "anna")
    assert login_limits.locked(redis_conn, "anna", HERE) is None
    assert redis_conn.get(login_limits._key("address", HERE)) == str(ACCOUNT_LIMIT).encode()


def test_an_address_locks_at_its_limit_for_every_account(redis_conn: Redis) -> None:
    for i in range(ADDRESS_LIMIT):
        login_limits.record_failure(redis_conn, f"user-{i}", HERE)
    lock = login_limits.locked(redis_conn, "someone-else", HERE)
    assert lock is not None and (lock.kind, lock.key) == ("address", HERE)
    assert login_limits.locked(redis_conn, "someone-else", "10.0.0.9") is None


def test_the_window_starts_at_the_first_failure(redis_conn: Redis) -> None:
    login_limits.record_failure(redis_conn, "anna", HERE)
    key = login_limits._key("account", "anna")
    redis_conn.expire(key, 100)  # as if the first failure were long ago
    login_limits.record_failure(redis_conn, "anna", HERE)
    assert 0 < redis_conn.ttl(key) <= 100  # a later failure does not lengthen it


def test_locks_listed_and_unlocked(redis_conn: Redis) -> None:
    _fail(redis_conn, "anna", HERE, ACCOUNT_LIMIT)
    _fail(redis_conn, "bertil", "10.0.0.2", ACCOUNT_LIMIT - 1)  # counting, not locked
    for i in range(ADDRESS_LIMIT - ACCOUNT_LIMIT):
        login_limits.record_failure(redis_conn, f"u{i}", HERE)
    found = login_limits.locks(redis_conn)
    assert [(lock.kind, lock.key, lock.failures) for lock in found] == [
        ("account", "anna", ACCOUNT_LIMIT),
        ("address", HERE, ADDRESS_LIMIT),
    ]
    assert login_limits.lock_of(redis_conn, "account", "anna") == found[0]
    assert login_limits.lock_of(redis_conn, "account", "bertil") is None
    with pytest.raises(ValueError, match="unknown lock kind"):
        login_limits.lock_of(redis_conn, "planet", "earth")

    assert login_limits.unlock(redis_conn, name="anna", address=HERE) == 2
    assert login_limits.unlock(redis_conn) == 0
    assert login_limits.locks(redis_conn) == []
    assert login_limits.unlock_all(redis_conn) > 0  # bertil's and the u<i> counters
    assert login_limits.unlock_all(redis_conn) == 0


def test_an_audited_unlock(redis_conn: Redis, db_session: Session) -> None:
    _fail(redis_conn, "anna", HERE, ACCOUNT_LIMIT)
    lock = login_limits.unlock_audited(db_session, redis_conn, "account", "anna", "admin-ada")
    assert isinstance(lock, Lock) and lock.failures == ACCOUNT_LIMIT
    assert login_limits.locked(redis_conn, "anna", "10.9.9.9") is None
    (entry,) = login_limits.unlock_entries(db_session)
    assert (entry.user_name, entry.table_name, entry.row_id, entry.action, entry.field) == (
        "admin-ada",
        "login_limits",
        "account:anna",
        "delete",
        "account",
    )
    assert entry.old == {"failures": ACCOUNT_LIMIT, "seconds_left": lock.seconds_left}
    # Not locked: its counter is cleared all the same, nothing is audited.
    _fail(redis_conn, "bertil", HERE, 2)
    assert login_limits.unlock_audited(db_session, redis_conn, "account", "bertil", "x") is None
    assert redis_conn.get(login_limits._key("account", "bertil")) is None
    assert len(login_limits.unlock_entries(db_session)) == 1


def test_the_committed_unlock_commits(redis_conn: Redis, db_session: Session) -> None:
    _fail(redis_conn, "anna", HERE, ACCOUNT_LIMIT)
    login_limits.unlock_committed(db_session, redis_conn, "account", "anna", "admin-ada")
    db_session.rollback()  # it was committed: nothing to undo
    assert [e.row_id for e in login_limits.unlock_entries(db_session)] == ["account:anna"]


def test_with_redis_gone_logins_are_not_limited(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # As the login view connects: one try, no backoff (redis-py's default retries took 11 s).
    gone = fail_fast_redis(f"redis://127.0.0.1:{port}/0", timeout=0.5)
    with caplog.at_level(logging.WARNING, logger="resilience.services.login_limits"):
        login_limits.record_failure(gone, "anna", HERE)
        assert login_limits.locked(gone, "anna", HERE) is None
        login_limits.record_success(gone, "anna")
    assert [r.getMessage().split(",")[0] for r in caplog.records] == [
        "login failure not counted",
        "login limits not checked",
        "login failures not cleared",
    ]
