"""GDAL's own command-line tools (gdal-bin) as the tests' GIS client: running ogrinfo and
ogr2ogr with a clean environment, and the field types ogrinfo reports."""

from __future__ import annotations

import os
import shutil
import subprocess

TOKEN_USER = "viewer-token"  # the user make_token("viewer") creates
# GDAL's names of the JSON Schema types of our properties.
GDAL_TYPES = {
    ("integer", None): {"Integer", "Integer64"},
    ("number", None): {"Real"},
    ("boolean", None): {"Integer(Boolean)"},
    ("string", None): {"String"},
    ("string", "date-time"): {"DateTime"},
}


def gdal(tool: str, *args: str, env: dict[str, str]) -> str:
    path = shutil.which(tool)
    assert path, f"{tool} (gdal-bin) is needed"
    # GDAL_HTTP_* from the test's own environment only; no proxy, no cached connections.
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GDAL_", "CPL_"))}
    done = subprocess.run(
        [path, *args], capture_output=True, text=True, env={**clean, **env}, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def field_types(source: str, layer: str, env: dict[str, str]) -> dict[str, str]:
    """The fields and types ogrinfo reports for a layer: {"hours_unpowered": "Real", ...}."""
    summary = gdal("ogrinfo", "-ro", "-so", source, layer, env=env)
    types = {}
    for line in summary.splitlines():
        name, sep, rest = line.partition(": ")
        if sep and rest.endswith(")") and " (" in rest and not name.startswith(" "):
            types[name] = rest.rsplit(" (", 1)[0]
    return types
