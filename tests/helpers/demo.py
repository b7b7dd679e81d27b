"""The built-in Västerbotten data in a test: loaded by the real CLI command, and a built-in
scenario's run computed in process (the browser tests commit both for their live server)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from resilience.models import Scenario
from resilience.services import runs


def load_demo(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["geodata", "load-demo"])
    assert result.exit_code == 0, result.output


def builtin_scenario(session: Session, name_start: str) -> Scenario:
    """The built-in scenario whose name begins with `name_start` (one, or the test fails)."""
    scenario = session.scalars(
        select(Scenario).where(Scenario.kind == "builtin", Scenario.name.startswith(name_start))
    ).one()
    return scenario


def computed_run(session: Session, scenario: Scenario) -> int:
    """A run of `scenario`, computed in process (not committed: the caller commits)."""
    run = runs.start_run(session, scenario)
    runs.compute_run(session, run.id)
    return run.id
