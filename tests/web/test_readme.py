"""The README against the code: every route under /api/v1 is in its API section (and every
route there exists), every environment variable the code reads is in its settings table,
and every module is in its Layout. Each fails on the first drift, which is the point."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask

from resilience.config import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PACKAGES = ("resilience", "geodata", "workers")


def _section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def _shown(rule: str) -> str:
    """/api/v1/runs/<int:run_id> as the README writes it: /api/v1/runs/<run_id>."""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"<\1>", rule)


def test_every_api_route_is_in_the_readme(app: Flask) -> None:
    section = _section("API")
    served = {
        f"{method} {_shown(rule.rule)}"
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") or rule.rule == "/healthz"
        for method in sorted(rule.methods or ())
        if method in METHODS
    }
    assert len(served) > 40  # the API is found at all
    missing = sorted(r for r in served if f"| `{r}` |" not in section)
    assert not missing, f"routes missing from the README's API table: {missing}"
    listed = set(
        re.findall(r"^\| `((?:GET|POST|PUT|PATCH|DELETE) /api/v1/[^`]*)` \|", section, re.M)
    )
    stale = sorted(listed - served)
    assert not stale, f"the README's API table names routes that do not exist: {stale}"


def _read_settings() -> set[str]:
    """The environment variables the code reads (os.environ / Settings.from_env's env)."""
    pattern = re.compile(
        r'(?:\benviron|\benv)(?:\.get\(|\[)\s*"([A-Z][A-Z0-9_]+)"'
        r'|"([A-Z][A-Z0-9_]+)" in os\.environ'
    )
    files = [PROJECT_ROOT / "app.py"]
    for package in PACKAGES:
        files += sorted((PROJECT_ROOT / package).rglob("*.py"))
    found: set[str] = set()
    for path in files:
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            found.add(match[1] or match[2])
    return found


def test_every_setting_the_code_reads_is_in_the_settings_table() -> None:
    read = _read_settings()
    assert {"DATABASE_URL", "RESILIENCE_STATEMENT_TIMEOUT_MS", "CHROMIUM"} <= read
    table = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", _section("Settings (environment)"), re.M))
    missing = sorted(read - table)
    assert not missing, f"settings the code reads but the README does not list: {missing}"
    stale = sorted(table - read)
    assert not stale, f"settings the README lists but no code reads: {stale}"


def _layout() -> set[str]:
    """The paths the Layout tree names (two spaces per level; a name ending in / is a
    folder whose children follow, indented)."""
    block = _section("Layout").split("```")[1]
    folders: list[str] = []
    paths: set[str] = set()
    for line in block.splitlines():
        match = re.match(r"^( *)(\S+)", line)
        if not match:
            continue
        depth, name = len(match[1]) // 2, match[2]
        folders = folders[:depth]
        path = "".join(folders) + name
        paths.add(path.rstrip("/"))
        if name.endswith("/"):
            folders.append(name)
    return paths


def test_every_module_is_in_the_layout() -> None:
    listed = _layout()
    modules: set[str] = set()
    for package in PACKAGES:
        for path in (PROJECT_ROOT / package).rglob("*.py"):
            relative = path.relative_to(PROJECT_ROOT)
            if "__pycache__" in relative.parts:
                continue
            modules.add(str(relative.parent))  # every package
            if path.name != "__init__.py":
                modules.add(str(relative))
    missing = sorted(modules - listed)
    assert not missing, f"modules missing from the README's Layout: {missing}"
    stale = sorted(p for p in listed if p.endswith(".py") and not Path(PROJECT_ROOT, p).exists())
    assert not stale, f"the README's Layout names modules that do not exist: {stale}"
