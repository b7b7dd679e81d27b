"""The tests' own layout (issue 19): they mirror the code, one file per service module, and
share through tests/helpers, the conftest files and tests/factories.py, never by importing
another test module (which runs that module's fixtures and ties two files' edits
together)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
SERVICES = ROOT / "resilience" / "services"


def _dotted(path: Path, root: Path) -> str:
    return ".".join(path.relative_to(root).with_suffix("").parts)


def service_modules() -> dict[str, Path]:
    """Every module of resilience/services by its dotted name under it ("runs",
    "energy.readings"), and the test file that mirrors it. A package's `__init__.py` that
    only re-exports its modules needs none; one that defines something is tested in
    tests/services/test_<package>.py."""
    modules: dict[str, Path] = {}
    for path in sorted(SERVICES.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        relative = path.relative_to(SERVICES)
        if path.name == "__init__.py":
            if relative.parent == Path("."):
                continue
            defines = any(
                isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                for node in ast.parse(path.read_text(encoding="utf-8")).body
            )
            if defines:
                package = relative.parent
                modules[".".join(package.parts)] = (
                    TESTS / "services" / package.parent / f"test_{package.name}.py"
                )
            continue
        modules[_dotted(path, SERVICES)] = (
            TESTS / "services" / relative.parent / f"test_{relative.stem}.py"
        )
    return modules


def test_every_service_module_has_its_test_file() -> None:
    modules = service_modules()
    assert len(modules) > 40 and "runs" in modules  # the services are found at all
    missing = sorted(name for name, test in modules.items() if not test.exists())
    assert not missing, f"service modules without tests/services/…/test_<module>.py: {missing}"


def test_every_test_file_of_the_services_mirrors_a_module_or_package() -> None:
    """tests/services holds test_<module>.py of a service module, or test_<package>.py of a
    service package (for what spans its modules), and nothing else."""
    packages = {
        _dotted(path.parent, SERVICES)
        for path in SERVICES.rglob("__init__.py")
        if path.parent != SERVICES
    }
    names = set(service_modules()) | packages
    files = [p for p in (TESTS / "services").rglob("test_*.py") if "__pycache__" not in p.parts]
    assert files
    stray = []
    for path in files:
        relative = path.relative_to(TESTS / "services")
        name = ".".join((*relative.parent.parts, relative.stem.removeprefix("test_")))
        if name not in names:
            stray.append(str(relative))
    assert not stray, f"test files under tests/services that mirror no service module: {stray}"


def imports_of(source: str, module: str) -> list[tuple[int, str]]:
    """(line, dotted name) of everything `module`'s source imports: modules, and for
    `from a import b` both `a` and `a.b` (b may be a module)."""
    package = module.rsplit(".", 1)[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package, up level - 1
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{anchor}.{base}" if base else anchor
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def imported_test_modules(source: str, module: str) -> list[tuple[int, str]]:
    """The test modules (tests/…/test_*.py) that `module`'s source imports from."""
    return [
        (line, name)
        for line, name in imports_of(source, module)
        if name.startswith("tests.")
        and name.rsplit(".", 1)[-1].startswith("test_")
        and (ROOT / Path(*name.split("."))).with_suffix(".py").exists()
    ]


def test_the_check_sees_an_import_of_a_test_module() -> None:
    """The check below on sources that do what it forbids, absolutely and relatively."""
    bad = (
        "from tests.web.pages.test_energy_pages import county\n"
        "import tests.test_cli\n"
        "from . import test_tokens\n"
        "from .test_report import x\n"
    )
    assert imported_test_modules(bad, "tests.web.pages.test_x") == [
        (1, "tests.web.pages.test_energy_pages"),
        (2, "tests.test_cli"),
        (3, "tests.web.pages.test_tokens"),
        (4, "tests.web.pages.test_report"),
    ]
    good = "from tests.helpers.energy import client_as\nfrom tests.conftest import login\n"
    assert imported_test_modules(good, "tests.web.test_x") == []


def test_no_test_module_imports_another() -> None:
    offences = []
    files = [p for p in TESTS.rglob("*.py") if "__pycache__" not in p.parts]
    assert len(files) > 50
    for path in files:
        module = _dotted(path, ROOT)
        for line, name in imported_test_modules(path.read_text(encoding="utf-8"), module):
            offences.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert not offences, "share through tests/helpers or a conftest instead:\n" + "\n".join(
        offences
    )
