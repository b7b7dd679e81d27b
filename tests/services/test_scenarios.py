"""services/scenarios.py: scenarios saved, changed by whom may, copied and listed, each
change in the audit log, the outage stored as a PostGIS geometry in EPSG:3006."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from resilience.errors import BadInput, Forbidden, NotFound
from resilience.models import AuditLog, Scenario
from resilience.scenarios import parse_scenario
from resilience.services import scenarios
from tests.factories import OUTAGE_ABACKA

SHIFTED = copy.deepcopy(OUTAGE_ABACKA)
SHIFTED["name"] = "Avbrott österut"
SHIFTED["outage"]["areas"]["coordinates"] = [
    [[760000, 7080000], [770000, 7080000], [770000, 7090000], [760000, 7090000], [760000, 7080000]]
]


def _audit(session: Session) -> list[tuple[object, ...]]:
    rows = session.scalars(select(AuditLog).where(AuditLog.table_name == "scenarios"))
    return [(r.user_name, r.row_id, r.action, r.context) for r in rows]


def _outage_area_km2(session: Session, scenario: Scenario) -> float:
    query = select(func.ST_Area(Scenario.outage_geom), func.ST_SRID(Scenario.outage_geom))
    area, srid = session.execute(query.where(Scenario.id == scenario.id)).one()
    assert srid == 3006
    return float(area) / 1e6


def test_create_stores_the_definition_geometry_and_an_audit_row(db_session: Session) -> None:
    scenario = scenarios.create_scenario(db_session, parse_scenario(OUTAGE_ABACKA), user="pia")
    assert (scenario.name, scenario.kind, scenario.created_by) == (
        "Avbrott i Åbacka",
        "user",
        "pia",
    )
    assert _outage_area_km2(db_session, scenario) == pytest.approx(100.0)
    # The stored definition is a scenario file again, equal to the one given.
    again = scenarios.spec_of(scenario.definition)
    assert again.to_definition() == scenario.definition
    assert again.outage is not None and again.outage.area == pytest.approx(1e8)
    assert _audit(db_session) == [("pia", str(scenario.id), "insert", "scenario user")]


def test_who_may_edit(db_session: Session) -> None:
    spec = parse_scenario(OUTAGE_ABACKA)
    own = scenarios.create_scenario(db_session, spec, user="pia")
    builtin = scenarios.create_scenario(db_session, spec, kind="builtin")
    assert scenarios.may_edit(own, "pia", editor=False)
    assert not scenarios.may_edit(own, "olle", editor=False)
    assert scenarios.may_edit(own, "olle", editor=True)
    assert not scenarios.may_edit(builtin, "pia", editor=True)  # copied instead

    assert scenarios.editable_scenario(db_session, own.id, "olle", editor=True) is own
    with pytest.raises(Forbidden, match="owner, an editor or an admin"):
        scenarios.editable_scenario(db_session, own.id, "olle", editor=False)
    with pytest.raises(BadInput, match="copy them first"):
        scenarios.editable_scenario(db_session, builtin.id, "pia", editor=True)
    with pytest.raises(NotFound, match="no scenario with id 999999"):
        scenarios.editable_scenario(db_session, 999_999, "pia", editor=True)


def test_changes_are_committed_and_audited_old_and_new(db_session: Session) -> None:
    scenario = scenarios.save_new_scenario(db_session, parse_scenario(OUTAGE_ABACKA), "pia")
    before = json.loads(json.dumps(scenario.definition))  # as stored: lists, not tuples
    scenarios.save_scenario_changes(db_session, scenario, parse_scenario(SHIFTED), "olle")
    db_session.rollback()  # both committed: nothing to undo
    db_session.refresh(scenario)
    assert scenario.name == "Avbrott österut"
    assert _outage_area_km2(db_session, scenario) == pytest.approx(100.0)
    moved = db_session.scalar(
        select(func.ST_XMin(Scenario.outage_geom)).where(Scenario.id == scenario.id)
    )
    assert moved == 760_000
    update = db_session.scalars(select(AuditLog).where(AuditLog.action == "update")).one()
    assert update.user_name == "olle"
    assert update.old == {"name": "Avbrott i Åbacka", "definition": before}
    assert update.new == {
        "name": "Avbrott österut",
        "definition": json.loads(json.dumps(scenario.definition)),
    }


def test_a_copy_belongs_to_whoever_copied(db_session: Session) -> None:
    builtin = scenarios.create_scenario(db_session, parse_scenario(OUTAGE_ABACKA), kind="builtin")
    db_session.commit()
    copied = scenarios.copy_scenario(db_session, builtin.id, "olle")
    assert (copied.name, copied.kind, copied.created_by) == (
        "Avbrott i Åbacka (kopia)",
        "user",
        "olle",
    )
    assert copied.definition == {**builtin.definition, "name": "Avbrott i Åbacka (kopia)"}
    assert scenarios.may_edit(copied, "olle", editor=False)
    with pytest.raises(NotFound):
        scenarios.copy_scenario(db_session, 999_999, "olle")


def test_listed_by_kind_then_id(db_session: Session) -> None:
    assert scenarios.list_scenarios(db_session) == []
    spec = parse_scenario(OUTAGE_ABACKA)
    made = [
        scenarios.create_scenario(db_session, spec, kind=kind)
        for kind in ("user", "builtin", "live", "builtin")
    ]
    listed = [(s.kind, s.id) for s in scenarios.list_scenarios(db_session)]
    assert listed == sorted((s.kind, s.id) for s in made)


def test_a_scenario_without_an_outage_stores_no_geometry(db_session: Session) -> None:
    calm = scenarios.create_scenario(db_session, parse_scenario({"name": "Lugnt väder"}))
    assert calm.outage_geom is None
    assert scenarios.get_scenario(db_session, calm.id) is calm
