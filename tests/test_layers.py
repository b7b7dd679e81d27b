"""The rule of the layers (README, "Layout"): views parse, call a service and serialise; the
services own every query and commit; the analysis knows nothing of Flask, RQ or SQL."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "resilience"
# What only a service may do with the database session.
SESSION_WORK = re.compile(
    r"\bsqlalchemy\b|\.(commit|rollback|execute|flush)\(|session\.(add|delete)\("
)


def _offences(folder: Path, pattern: re.Pattern[str]) -> list[str]:
    return [
        f"{path.relative_to(ROOT.parent)}:{number}: {line.strip()}"
        for path in sorted(folder.rglob("*.py"))
        if path != ROOT / "web" / "errors.py"  # the handler table catches SQLAlchemy's errors
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line) and not line.lstrip().startswith("#")
    ]


def test_the_views_run_no_sql_and_commit_nothing() -> None:
    assert _offences(ROOT / "web", SESSION_WORK) == []


def test_the_analysis_is_pure() -> None:
    imports = re.compile(r"^\s*(from|import)\s+(flask|rq|redis|sqlalchemy|geoalchemy2|psycopg)\b")
    assert _offences(ROOT / "analysis", imports) == []
