"""Scenarios saved, changed (owner, editor or admin), copied and listed, each change in the
audit log; a stored definition read back as a scenario file (resilience/scenarios.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from resilience.errors import BadInput, Forbidden
from resilience.models import (
    Scenario,
)
from resilience.scenarios import ScenarioSpec, parse_scenario
from resilience.services import audit
from resilience.services.lookup import get_or_404
from resilience.services.transactions import committed
from resilience.vocabulary import SWEREF99TM


def spec_of(definition: dict[str, Any]) -> ScenarioSpec:
    """A stored definition is a valid scenario file in EPSG:3006."""
    return parse_scenario(definition)


def create_scenario(
    session: Session, spec: ScenarioSpec, kind: str = "user", user: str | None = None
) -> Scenario:
    scenario = Scenario(
        name=spec.name,
        kind=kind,
        definition=spec.to_definition(),
        outage_geom=_ewkb(spec.outage),
        created_by=user,
    )
    session.add(scenario)
    session.flush()
    _audit(session, scenario, "insert", None, user)
    return scenario


def may_edit(scenario: Scenario, user: str, editor: bool) -> bool:
    """Who may change a scenario: its owner, an editor or an admin (`editor`); built-in and
    live scenarios nobody (they are copied instead)."""
    return scenario.kind == "user" and (editor or scenario.created_by == user)


def update_scenario(
    session: Session, scenario: Scenario, spec: ScenarioSpec, user: str | None = None
) -> Scenario:
    """Replace the scenario's definition; the change goes to the audit log, old and new."""
    old = {"name": scenario.name, "definition": scenario.definition}
    scenario.name = spec.name
    scenario.definition = spec.to_definition()
    scenario.outage_geom = _ewkb(spec.outage)
    session.flush()
    _audit(session, scenario, "update", old, user)
    return scenario


def list_scenarios(session: Session) -> list[Scenario]:
    """Every scenario, built-in, live and users', by kind then id."""
    return list(session.scalars(select(Scenario).order_by(Scenario.kind, Scenario.id)))


@committed
def save_new_scenario(session: Session, spec: ScenarioSpec, user: str) -> Scenario:
    """A user's new scenario, committed."""
    return create_scenario(session, spec, user=user)


def editable_scenario(session: Session, scenario_id: int, user: str, editor: bool) -> Scenario:
    """The scenario `user` is about to change (400 for a built-in or live one, 403 for one
    they may not change)."""
    scenario = get_scenario(session, scenario_id)
    if scenario.kind != "user":
        raise BadInput("built-in and live scenarios cannot be edited; copy them first")
    if not may_edit(scenario, user, editor):
        raise Forbidden("only the scenario's owner, an editor or an admin may change it; copy it")
    return scenario


@committed
def save_scenario_changes(
    session: Session, scenario: Scenario, spec: ScenarioSpec, user: str
) -> Scenario:
    """update_scenario, committed."""
    return update_scenario(session, scenario, spec, user=user)


@committed
def copy_scenario(session: Session, scenario_id: int, user: str) -> Scenario:
    """A copy of any scenario ("<name> (kopia)") owned by `user`, committed."""
    spec = spec_of(get_scenario(session, scenario_id).definition)
    return create_scenario(session, replace(spec, name=f"{spec.name} (kopia)"), user=user)


def _audit(
    session: Session, scenario: Scenario, action: str, old: dict[str, Any] | None, user: str | None
) -> None:
    new = {"name": scenario.name, "definition": scenario.definition}
    audit.record(
        session,
        user=user,
        table="scenarios",
        row_id=scenario.id,
        action=action,
        old=old,
        new=new,
        context=f"scenario {scenario.kind}",
    )


def _ewkb(geom: shapely.Geometry | None) -> str | None:
    if geom is None:
        return None
    return shapely.to_wkb(shapely.set_srid(geom, SWEREF99TM), hex=True, include_srid=True)


def get_scenario(session: Session, scenario_id: int) -> Scenario:
    return get_or_404(session, Scenario, scenario_id, "scenario")
