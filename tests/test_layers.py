"""The one rule of the layers that import-linter cannot see, since it is about calls: the web's
views never work a database session themselves. They hand `db.session` to a service, which
runs the queries and owns the commit. The import rules (the analysis pure, the services
without the web, geodata and the workers apart, no cycles) are the contracts in
.importlinter, checked by `lint-imports` in `make test`; import-linter does not see what a
package's `__init__` loads, so the last test here imports the domain in a fresh Python."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "resilience" / "web"

# What only a service does with a session, its connection or the engine.
SESSION_WORK = frozenset(
    {
        "add",
        "add_all",
        "begin",
        "begin_nested",
        "commit",
        "connect",
        "connection",
        "delete",
        "exec_driver_sql",
        "execute",
        "expunge",
        "flush",
        "get",
        "merge",
        "query",
        "refresh",
        "rollback",
        "scalar",
        "scalars",
    }
)


class _SessionWork(ast.NodeVisitor):
    """Calls of SESSION_WORK on the database (the `db` of resilience.db, under any name), on
    its `session` or `engine`, or on a name bound to one of them (`s = db.session`,
    `with db.begin() as s`)."""

    def __init__(self) -> None:
        self.databases: set[str] = set()  # names of resilience.db's `db`
        self.sessions: set[str] = set()  # names bound to a session, a connection, the engine
        self.found: list[tuple[int, str]] = []

    def _is_database(self, node: ast.AST) -> bool:
        """`db`, `db.session`, `db.engine`, `db.begin()`, or a name bound to one of them."""
        if isinstance(node, ast.Name):
            return node.id in self.databases or node.id in self.sessions
        if isinstance(node, ast.Attribute):
            return node.attr in {"session", "engine"} and self._is_database(node.value)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            return node.func.attr in SESSION_WORK and self._is_database(node.func.value)
        return False

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module == "resilience.db":
            self.databases |= {a.asname or a.name for a in node.names if a.name == "db"}
        elif node.module == "resilience" and any(a.name == "db" for a in node.names):
            self.found.append((node.lineno, "imports resilience.db as a module"))

    def visit_Import(self, node: ast.Import) -> None:
        if any(a.name == "resilience.db" for a in node.names):
            self.found.append((node.lineno, "imports resilience.db as a module"))

    def visit_Assign(self, node: ast.Assign) -> None:
        if self._is_database(node.value):
            self.sessions |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        self.generic_visit(node)

    def visit_withitem(self, node: ast.withitem) -> None:
        if isinstance(node.optional_vars, ast.Name) and self._is_database(node.context_expr):
            self.sessions.add(node.optional_vars.id)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr in SESSION_WORK
            and self._is_database(func.value)
        ):
            self.found.append((node.lineno, f"{ast.unparse(func)}()"))
        self.generic_visit(node)


def session_work(source: str) -> list[tuple[int, str]]:
    """(line, call) for every call of SESSION_WORK on a database session in `source`."""
    visitor = _SessionWork()
    tree = ast.parse(source)
    # Imports first, wherever they are, so that a name is known before its first use.
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom | ast.Import):
            visitor.visit(node)
    visitor.visit(tree)
    return sorted(set(visitor.found))


def test_the_check_sees_session_work() -> None:
    source = """
from flask import session
from resilience.db import db as database
from resilience.services import runs

def view():
    runs.get_run(database.session, 1)  # handed to a service: fine
    session.get("lang")  # Flask's cookie session: fine
    database.session.execute("SELECT 1")
    database.session.commit()
    s = database.session
    s.add(object())
    with database.begin() as t:
        t.scalars("SELECT 1")
    database.engine.connect()
"""
    assert session_work(source) == [
        (9, "database.session.execute()"),
        (10, "database.session.commit()"),
        (12, "s.add()"),
        (13, "database.begin()"),
        (14, "t.scalars()"),
        (15, "database.engine.connect()"),
    ]


def test_the_views_run_no_sql_and_commit_nothing() -> None:
    offences = [
        f"{path.relative_to(ROOT)}:{line}: {call}"
        for path in sorted(WEB.rglob("*.py"))
        for line, call in session_work(path.read_text(encoding="utf-8"))
    ]
    assert len(list(WEB.rglob("*.py"))) > 20  # the web is found at all
    assert offences == []


def test_importing_the_domain_loads_no_framework() -> None:
    """The app factory is resilience/app.py, not the package's `__init__`: the analysis, the
    vocabulary and the domain errors load without Flask, SQLAlchemy, RQ or Redis."""
    script = (
        "import sys, resilience.analysis, resilience.vocabulary, resilience.errors; "
        "print(sorted({m.split('.')[0] for m in sys.modules} "
        "& {'flask', 'werkzeug', 'sqlalchemy', 'geoalchemy2', 'psycopg', 'rq', 'redis'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
