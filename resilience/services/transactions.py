"""The transaction rule, written once: **services own the commits; views and jobs never
commit.**

- A use-case a request calls is one service function that commits when it returns and rolls
  back when it raises (`committed`), or commits itself where it must (a row committed before
  its job is enqueued: `commit_then_enqueue`).
- A job (workers/jobs.py) or a script opens one standalone transaction per step with
  `standalone()` (committed when the block ends, rolled back when it raises) and calls
  service functions inside it; it runs no SQL of its own.
- Views parse a request, call a service and render: they never call `commit()`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy import text
from sqlalchemy.orm import Session

from resilience.db import db
from resilience.errors import Unavailable

P = ParamSpec("P")
R = TypeVar("R")


def committed(
    use_case: Callable[Concatenate[Session, P], R],
) -> Callable[Concatenate[Session, P], R]:
    """`use_case` committed when it returns, rolled back when it raises (nothing half done
    stays in the session: a form that failed can show the page again)."""

    @wraps(use_case)
    def run(session: Session, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            result = use_case(session, *args, **kwargs)
        except BaseException:
            session.rollback()
            raise
        session.commit()
        return result

    return run


def commit_then_enqueue(session: Session, row: object, enqueue: Callable[[], str]) -> str:
    """Commit the new row its job will read, then enqueue the job. When Redis goes away in
    between, take the row back and re-raise Unavailable (a 503): nothing stays queued that
    no job would compute."""
    session.commit()
    try:
        return enqueue()
    except Unavailable:
        session.delete(row)
        session.commit()
        raise


def standalone() -> AbstractContextManager[Session]:
    """A session in one transaction of its own, for a job's step or a script: committed when
    the block ends, rolled back when it raises."""
    return db.begin()


def snapshot_read_only(session: Session) -> None:
    """Make the session's transaction (its first statement) read one snapshot of the data,
    read only: every layer of a build agrees, even while an import commits."""
    session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
