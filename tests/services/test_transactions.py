"""services/transactions.py: the transaction rule (services commit, and roll back when they
raise; a row committed before its job is enqueued, taken back when Redis is gone; a job's
standalone transaction; a read-only snapshot), against PostGIS. Inside db_session, a commit
releases a savepoint: a later rollback of the session cannot undo it."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from resilience.config import Settings
from resilience.errors import BadInput, Unavailable
from resilience.models import Scenario
from resilience.services.transactions import (
    committed,
    snapshot_read_only,
    standalone,
    start_then_enqueue,
)


def _scenario(name: str) -> Scenario:
    return Scenario(name=name, kind="user", definition={"name": name})


def _names(session: Session) -> list[str]:
    return list(session.scalars(select(Scenario.name).order_by(Scenario.name)))


def _insert(session: Session, name: str, *, fail: bool = False) -> Scenario:
    """A use-case's work: a row added and flushed, then refused when `fail`."""
    row = _scenario(name)
    session.add(row)
    session.flush()
    if fail:
        raise BadInput("refused")
    return row


_add = committed(_insert)


def test_a_committed_use_case_commits_what_it_did(db_session: Session) -> None:
    row = _add(db_session, "kept")
    assert row.id is not None
    db_session.rollback()  # nothing left to roll back: it was committed
    assert _names(db_session) == ["kept"]
    assert _add.__name__ == "_insert"  # the use-case keeps its name (wraps)


def test_a_committed_use_case_that_raises_leaves_nothing(db_session: Session) -> None:
    _add(db_session, "before")
    with pytest.raises(BadInput):
        _add(db_session, "half done", fail=True)
    assert _names(db_session) == ["before"]
    # The session is usable again at once, as a form shown again after an error needs.
    _add(db_session, "after")
    assert _names(db_session) == ["after", "before"]


def test_start_then_enqueue_commits_the_row_before_the_job(db_session: Session) -> None:
    seen: list[list[str]] = []

    def enqueue(row: Scenario) -> str:
        seen.append(_names(db_session))
        return f"job-{row.id}"

    row = start_then_enqueue(db_session, lambda: _insert(db_session, "run"), enqueue)
    assert seen == [["run"]]  # committed when the job was enqueued
    db_session.rollback()
    assert _names(db_session) == ["run"] and row.name == "run"


def test_start_then_enqueue_takes_the_row_back_when_redis_is_gone(db_session: Session) -> None:
    def enqueue(row: Scenario) -> str:
        raise Unavailable("the queue is not reachable")

    with pytest.raises(Unavailable):
        start_then_enqueue(db_session, lambda: _insert(db_session, "orphan"), enqueue)
    db_session.rollback()
    assert _names(db_session) == []  # nothing stays queued that no job would compute


def test_start_then_enqueue_rolls_back_a_failed_start(db_session: Session) -> None:
    enqueued: list[Scenario] = []

    def start() -> Scenario:
        _insert(db_session, "started")
        raise BadInput("no such scenario")

    with pytest.raises(BadInput):
        start_then_enqueue(db_session, start, enqueued.append)  # type: ignore[arg-type]
    assert enqueued == [] and _names(db_session) == []


def test_standalone_commits_at_the_end_and_rolls_back_on_error(db_session: Session) -> None:
    with standalone() as session:
        session.add(_scenario("step one"))
    with pytest.raises(RuntimeError), standalone() as session:
        session.add(_scenario("step two"))
        session.flush()
        raise RuntimeError("the job's step failed")
    assert _names(db_session) == ["step one"]


def test_a_read_only_snapshot_sees_one_state_and_refuses_writes(
    app: Flask, settings: Settings
) -> None:
    """In a transaction of its own (not the test's savepoints: the isolation level must be
    the transaction's first statement): a row another connection commits meanwhile is not
    seen, and nothing can be written."""
    engine = create_engine(settings.database_url)
    try:
        with Session(engine) as reader, reader.begin():
            snapshot_read_only(reader)
            before = reader.scalar(select(func.count()).select_from(Scenario))
            with Session(engine) as writer, writer.begin():
                writer.add(_scenario("meanwhile"))
            assert reader.scalar(select(func.count()).select_from(Scenario)) == before
            with pytest.raises(DBAPIError, match="read-only transaction"):
                reader.execute(
                    text(
                        "INSERT INTO scenarios (name, kind, definition) VALUES ('x', 'user', '{}')"
                    )
                )
        with Session(engine) as after:
            assert "meanwhile" in after.scalars(select(Scenario.name)).all()
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM scenarios WHERE name = 'meanwhile'"))
        engine.dispose()
