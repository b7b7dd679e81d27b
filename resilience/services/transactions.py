"""One use-case, one transaction: the services own the commit, the views never touch it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.orm import Session

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
