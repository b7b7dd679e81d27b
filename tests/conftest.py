"""Test fixtures against a real PostGIS (TEST_DATABASE_URL, migrated once per session) and a
real Redis (TEST_REDIS_URL, flushed around each test). Each `db_session` test runs inside a
transaction that is rolled back; `committed` tests write for real and truncate afterwards
(needed when another process, such as a browser's server or an RQ worker, must see the data).

Under pytest-xdist (`make test` runs `-n auto`) each worker process gw<N> has a database and a
Redis db of its own, derived from those two (worker_database_url, worker_redis_url), so no two
processes share a table, a queue or a login limit."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings as hypothesis_settings
from redis import Redis
from sqlalchemy import create_engine, make_url, select, text
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.serving import make_server

from resilience.app import create_app
from resilience.cli import alembic_config, create_database
from resilience.config import Settings
from resilience.db import db
from resilience.models import Base, User
from resilience.services import login_limits, users
from resilience.web import auth
from tests import factories
from tests.factories import PASSWORD

# Fixtures shared by test modules in different folders (the hardening checks).
pytest_plugins = ["tests.helpers.checks"]

# The marked tests (pyproject.toml's markers) first: xdist deals tests out in collection order,
# and a browser test or a bench of 10-30 s dealt out last would leave the other processes
# idle for its length at the end. Sorted stably, so the rest keep their order.
SLOW_FIRST = ("browser", "worker", "live", "slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not any(item.get_closest_marker(m) for m in SLOW_FIRST))
    if getattr(config.option, "loadgroup", False):  # an xdist worker under --dist loadgroup
        keep_xdist_groups(items)


def keep_xdist_groups(items: list[pytest.Item]) -> None:
    """The tests of one xdist_group sent to one worker, as `--dist loadgroup` promises: xdist
    3.8 marks a test's group by appending `@<group>` to its node id, which it writes to an
    attribute that pytest 9.2's structured node ids no longer read, so every group was dealt
    out test by test (pytest-dev/pytest-xdist#1386). The same id, where xdist's did not
    take; nothing once xdist's does."""
    from _pytest.nodeid import NodeId

    for item in items:
        names = sorted(
            {
                str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                for m in item.iter_markers("xdist_group")
            }
        )
        suffix = f"@{'_'.join(names)}"
        if names and not item.nodeid.endswith(suffix):
            item._id = NodeId.parse(item.nodeid + suffix)  # type: ignore[attr-defined]


# No property test has a deadline: a per-example time limit is a timed assertion, and
# fails on a loaded machine (the standards forbid those; bench/ measures speed).
hypothesis_settings.register_profile("suite", deadline=None)
hypothesis_settings.load_profile("suite")


def worker_database_url(url: str, worker: str) -> str:
    """The database of xdist worker `worker` ("gw0", "gw1", …): `<database>_<worker>`; `url`
    itself outside xdist (worker "")."""
    if not worker:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


def worker_redis_url(url: str, worker: str) -> str:
    """The Redis db of xdist worker gw<N>: `url`'s db number less N (db 15 gives 15, 14, …,
    so the default leaves the low dbs to development); `url` itself outside xdist."""
    if not worker:
        return url
    parts = urlsplit(url)
    number = int(parts.path.strip("/") or 0) - int(worker.removeprefix("gw"))
    if number < 0:
        raise pytest.UsageError(f"no Redis db for xdist worker {worker} below {url}: use fewer")
    return urlunsplit(parts._replace(path=f"/{number}"))


# The xdist worker this process is ("gw0", …), or "" when pytest runs in one process.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
# What the run was given (TEST_DATABASE_URL, TEST_REDIS_URL), and this process's own.
BASE_DATABASE_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/resilience_test"
)
BASE_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TEST_DATABASE_URL = worker_database_url(BASE_DATABASE_URL, WORKER)
TEST_REDIS_URL = worker_redis_url(BASE_REDIS_URL, WORKER)
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
# Every table of the models, so a new table cannot be forgotten by the `committed` clean-up.
TABLES = tuple(t.name for t in Base.metadata.sorted_tables)


def shared_file(relative: str) -> Path:
    """A file of ../shared/data, or skip: that folder is the real open data we test against."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"../shared/data is absent here ({path} not found)")
    return path


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        database_url=TEST_DATABASE_URL,
        redis_url=TEST_REDIS_URL,
        secret_key="test-secret-key",
        var_dir=tmp_path_factory.mktemp("var"),
        tile_url="",  # no tiles in tests: there is no internet
        run_retry_intervals=(0, 0, 0),  # retry at once: no waiting on the scheduler
    )


@pytest.fixture(scope="session")
def migrated(settings: Settings) -> str:
    create_database(settings.database_url)
    engine = create_engine(settings.database_url)
    with engine.begin() as conn:  # a fresh schema per test session
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    command.upgrade(alembic_config(settings.database_url), "head")
    return settings.database_url


@pytest.fixture(scope="session")
def app(settings: Settings, migrated: str) -> Flask:
    # Failed logins of earlier tests (all from 127.0.0.1) must not lock this one out.
    login_limits.unlock_all(Redis.from_url(settings.redis_url))
    return create_app(settings)


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    """Everything the test and the app do goes into one transaction, rolled back at the end."""
    assert db.engine is not None
    connection = db.engine.connect()
    outer = connection.begin()
    original = db.session_factory
    db.session_factory = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    session = db.session_factory()
    try:
        yield session
    finally:
        session.close()
        db.session_factory = original
        outer.rollback()
        connection.close()


# The sequences of the tables' id columns (data_version_seq belongs to no column: it moves on
# for ever, as after TRUNCATE ... RESTART IDENTITY), which empty_tables starts again at 1.
ID_SEQUENCES = text(
    "SELECT s.relname FROM pg_class s"
    " JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass"
    " AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')"
    " JOIN pg_class t ON t.oid = d.refobjid"
    " WHERE s.relkind = 'S' AND t.relname = ANY(:tables)"
)


def empty_tables() -> None:
    """Every table emptied and its ids started again at 1, as `TRUNCATE <all tables> RESTART
    IDENTITY` leaves them (data_version holds one new version, written by the input tables'
    triggers), but by DELETE: a TRUNCATE of the 28 tables makes new files for every table and
    index and took 0.4-0.9 s a test, the DELETE of a test's rows takes milliseconds."""
    assert db.engine is not None
    with db.engine.begin() as conn:
        # data_version first: the input tables' DELETE triggers then write its one row anew.
        for table in ("data_version", *(t for t in reversed(TABLES) if t != "data_version")):
            conn.execute(text(f"DELETE FROM {table}"))
        for sequence in conn.scalars(ID_SEQUENCES, {"tables": list(TABLES)}):
            conn.execute(text("SELECT setval(:sequence, 1, false)"), {"sequence": sequence})


@pytest.fixture
def committed(app: Flask) -> Iterator[Session]:
    """A session whose commits are real; every table is emptied afterwards."""
    assert db.session_factory is not None
    session = db.session_factory()
    try:
        yield session
    finally:
        session.close()
        empty_tables()


@pytest.fixture(scope="module")
def module_committed(app: Flask) -> Iterator[Session]:
    """As `committed`, for a whole test module: what the module's fixtures commit (the
    built-in data and the computed runs its browser tests only read) is set up once for all
    its tests, and every table is emptied after its last one. A module that uses it asks
    for no `committed` (that would empty the tables after its first test) and is an
    xdist_group of its own, so that its tests run one after the other in one process."""
    assert db.session_factory is not None
    session = db.session_factory()
    try:
        yield session
    finally:
        session.close()
        empty_tables()


@pytest.fixture
def redis_conn(settings: Settings) -> Iterator[Redis]:
    conn = Redis.from_url(settings.redis_url)
    conn.flushdb()
    yield conn
    conn.flushdb()


def login(client: FlaskClient, name: str) -> None:
    """Log in as the user `name` by writing into the session what a real login writes
    (auth.session_values: the login form's own `login_user`, bound to the client's address and
    User-Agent), without the form and its scrypt check.
    The client then sends the session's CSRF token in X-CSRF-Token, as the pages' scripts do
    (static/js/csrf.js). The tests of login itself use login_with_form."""
    app = client.application
    assert db.session_factory is not None
    with db.session_factory() as session:
        user = session.scalar(select(User).where(User.name == name))
        assert user is not None, f"no user {name!r}"
        with app.test_request_context(environ_base=client.environ_base):
            values = auth.session_values(user)
    with client.session_transaction() as cookie:
        cookie.update(values)
        token = cookie.setdefault("csrf_token", f"test-csrf-{name}")
    client.environ_base["HTTP_X_CSRF_TOKEN"] = token


def login_with_form(client: FlaskClient, name: str, password: str = PASSWORD) -> None:
    """Log in through the login form (the real password check), then as login()."""
    response = client.post("/login", data={"name": name, "password": password})
    assert response.status_code == 302, response.text
    with client.session_transaction() as session:
        token = session.setdefault("csrf_token", f"test-csrf-{name}")
    client.environ_base["HTTP_X_CSRF_TOKEN"] = token


@pytest.fixture
def make_user(db_session: Session):  # type: ignore[no-untyped-def]
    def make(name: str = "anna", role: str = "viewer", municipality: str | None = None):  # type: ignore[no-untyped-def]
        user = factories.user(db_session, name, role, municipality)
        db_session.commit()
        return user

    return make


@pytest.fixture
def client(app: Flask, make_user) -> FlaskClient:  # type: ignore[no-untyped-def]
    """A client logged in as a viewer."""
    make_user("viewer-vera", "viewer")
    test_client = app.test_client()
    login(test_client, "viewer-vera")
    return test_client


def serve(app: Flask) -> Iterator[str]:
    """`app` on a free local port in a thread: yields its address, stops it afterwards."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # shutdown() waits for the loop's next look at its flag: 0.5 s at the default interval.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture
def live_server(app: Flask, committed: Session) -> Iterator[str]:
    """The app on a free local port in a thread, reading committed data."""
    yield from serve(app)


@pytest.fixture(scope="module")
def module_live_server(app: Flask, module_committed: Session) -> Iterator[str]:
    """As live_server, for a whole module (module_committed): one server for its tests."""
    yield from serve(app)


@pytest.fixture
def make_token(app: Flask, committed: Session):  # type: ignore[no-untyped-def]
    """A committed user of a role and their bearer token (for tests with other processes)."""

    def make(role: str = "viewer") -> str:
        factories.user(committed, f"{role}-token", role)
        token = users.create_token(committed, f"{role}-token")
        committed.commit()
        return token

    return make
