"""Every script in bench/ at its small size (--smoke), as a subprocess (issue 22): it exits
0 and prints its figures as `name: value`, one a line, its ratios last. So `make test`
fails when a bench breaks, instead of the README citing figures nothing can reproduce.

The benches that use PostGIS get a database of their own, named after the test database
(they recreate its schema), and the test process's Redis db."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import make_url

from tests.conftest import BASE_DATABASE_URL, TEST_REDIS_URL

ROOT = Path(__file__).resolve().parents[1]
LINE = re.compile(r"^[a-z0-9_]+: \S")
BENCHES = ("coverage", "coverage_compute", "exports", "ogc", "plan", "roads", "warning_latency")
DATABASE_FREE = ("coverage_compute", "plan")  # the pure computation: no PostGIS, no Redis


def is_ratio(name: str) -> bool:
    return name.endswith("_ratio") or "ratio" in name or "speedup" in name


def check_format(output: str) -> None:
    """Every non-empty line `name: value`; at least one figure, then at least one ratio,
    and nothing but ratios after the first."""
    lines = [line for line in output.splitlines() if line.strip()]
    bad = [line for line in lines if not LINE.match(line)]
    assert not bad, f"lines not `name: value`: {bad}"
    ratios = [is_ratio(line.split(":", 1)[0]) for line in lines]
    assert True in ratios, "no ratio line"
    first = ratios.index(True)
    assert first > 0, "no figure before the ratios"
    after = [line for line, ratio in zip(lines[first:], ratios[first:], strict=True) if not ratio]
    assert not after, f"figures after the first ratio: {after}"


def test_check_format() -> None:
    check_format("cells: 10\nx_seconds: 0.1\n\na_ratio: 2\nspeedup_vs_y: 3\n")
    for wrong in (
        "cells: 10\n",  # no ratio
        "a_ratio: 1\n",  # no figure
        "a_ratio: 1\ncells: 2\n",  # a figure after a ratio
        "Cells: 1\na_ratio: 1\n",  # not lower case
        "v2 cells: 1\na_ratio: 1\n",  # a space in the name
        "cells:\na_ratio: 1\n",  # no value
    ):
        with pytest.raises(AssertionError):
            check_format(wrong)


def bench_database(name: str) -> str:
    """The URL of the database of one bench: `<test database>_bench_<name>` (the bench
    recreates its schema on every run; the database stays, as the benches' own do). Named
    after the run's database, not the xdist worker's: each bench runs once a run, in one
    worker or another."""
    url = make_url(BASE_DATABASE_URL)
    return url.set(database=f"{url.database}_bench_{name}").render_as_string(hide_password=False)


@pytest.mark.slow
@pytest.mark.parametrize("name", BENCHES)
def test_bench_smoke(name: str, redis_conn: Redis) -> None:
    command = [sys.executable, str(ROOT / "bench" / f"{name}.py"), "--smoke"]
    if name not in DATABASE_FREE:  # redis_conn: the test Redis db, flushed around the test
        command += ["--database-url", bench_database(name), "--redis-url", TEST_REDIS_URL]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{name} --smoke exited {done.returncode}:\n{done.stderr[-3000:]}"
    check_format(done.stdout)
