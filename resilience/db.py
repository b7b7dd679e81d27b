"""Engine and sessions. Nothing connects at import time; `Database.configure` binds a URL."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.orm import Session, sessionmaker


class Database:
    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.session_factory: sessionmaker[Session] | None = None

    def configure(self, url: str) -> None:
        if self.engine is not None and str(self.engine.url) == str(make_url(url)):
            return
        if self.engine is not None:  # another database: close the old one's connections
            self.engine.dispose()
        # No JIT: a run's cells are unnested from arrays the planner guesses at 100,000 rows,
        # which made it compile a bbox page of 24 cells for 1.5 s (the query takes 3 ms).
        # Our queries are short and many; JIT pays only on long analytic scans.
        self.engine = create_engine(
            url, pool_pre_ping=True, future=True, connect_args={"options": "-c jit=off"}
        )
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)

    def init_app(self, app: Flask) -> None:
        self.configure(app.config["SETTINGS"].database_url)
        app.teardown_appcontext(self._close_request_session)

    @property
    def session(self) -> Session:
        """The session of the current app context (a request, a CLI command or a job)."""
        if "db_session" not in g:
            assert self.session_factory is not None, "Database.configure was not called"
            g.db_session = self.session_factory()
            if has_request_context() and current_app.config["SETTINGS"].statement_timeout_ms:
                event.listen(g.db_session, "after_begin", _statement_timeout)
        return g.db_session

    @contextmanager
    def begin(self) -> Iterator[Session]:
        """A standalone session in one transaction, for jobs and scripts."""
        assert self.session_factory is not None, "Database.configure was not called"
        with self.session_factory() as session, session.begin():
            yield session

    def rollback_quietly(self) -> None:
        """Roll back the current app context's session after an error that ends the request
        (web/errors.py); a connection that is gone has nothing to roll back."""
        with suppress(Exception):
            self.session.rollback()

    def dispose(self) -> None:
        """Drop pooled connections, e.g. in a forked RQ work horse."""
        if self.engine is not None:
            self.engine.dispose(close=False)

    @staticmethod
    def _close_request_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def advisory_xact_lock(session: Session, name: str) -> None:
    """Wait for PostgreSQL's advisory lock of `name` and hold it until the transaction ends:
    work on one name (an upload, an export) in two requests at once runs one after the other."""
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _statement_timeout(_session: Session, _transaction: object, connection: Connection) -> None:
    """A web request's statements end after Settings.statement_timeout_ms (SET LOCAL: for
    this transaction only, so the pooled connection is clean for the next user)."""
    ms = int(current_app.config["SETTINGS"].statement_timeout_ms)
    connection.exec_driver_sql(f"SET LOCAL statement_timeout = {ms}")


db = Database()
