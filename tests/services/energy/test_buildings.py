"""services/energy/buildings.py: a building's energy fields parsed from a form or JSON body
(absent kept, blank cleared, each bad field named), then changed and audited in one
committed transaction, against PostGIS."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from resilience.errors import BadInput, Forbidden
from resilience.models import AuditLog, Site
from resilience.services.energy.buildings import parse_building_changes, update_building
from resilience.services.energy.editors import Editor
from tests.helpers.energy import energy_county


def test_parse_keeps_absent_clears_blank_and_normalises() -> None:
    parsed = parse_building_changes(
        {
            "owner": " Region ",
            "heated_area_m2": "1200,5",
            "shelter_capacity": "40",
            "backup_kw": "",
            "styrel_priority": "3",
            "peak_kw": "12",
            "name": "not an energy field",
        }
    )
    assert parsed == {
        "owner": "region",
        "heated_area_m2": 1200.5,
        "shelter_capacity": 40,
        "backup_kw": None,
        "styrel_priority": 3,
        "peak_kw": 12.0,
    }
    assert parse_building_changes({}) == {}


def test_parse_names_every_bad_field() -> None:
    with pytest.raises(BadInput) as refused:
        parse_building_changes(
            {
                "owner": "kyrkan",
                "styrel_priority": "9",
                "energy_kwh_year": "-5",
                "shelter_capacity": "2,5",
                "heating": "kol",
                "fuel_hours": "24",  # good: not named
            }
        )
    assert sorted(refused.value.details) == [
        "energy_kwh_year",
        "heating",
        "owner",
        "shelter_capacity",
        "styrel_priority",
    ]
    assert "Styrel priority class 1 (highest) to 8" in refused.value.details["styrel_priority"]


def test_changes_are_applied_audited_and_committed(db_session: Session) -> None:
    ids = energy_county(db_session)
    site_id = ids["e-a1"]  # 1 000 m², municipality-owned, Styrel 6
    changes = parse_building_changes(
        {"heated_area_m2": "1000", "owner": "region", "styrel_priority": "", "peak_kw": "20"}
    )
    changed = update_building(db_session, site_id, changes, Editor("eva"))
    assert changed == ["owner", "styrel_priority", "peak_kw"]  # the area was already 1 000
    db_session.rollback()  # committed: nothing to undo
    site = db_session.get(Site, site_id)
    assert site is not None and site.owner == "region"
    assert site.attributes == {"peak_kw": 20.0}  # the priority cleared
    rows = db_session.scalars(select(AuditLog).where(AuditLog.site_id == site_id)).all()
    assert {(r.field, r.old, r.new, r.user_name) for r in rows} == {
        ("owner", "municipality", "region", "eva"),
        ("styrel_priority", 6, None, "eva"),
        ("peak_kw", None, 20.0, "eva"),
    }
    assert update_building(db_session, site_id, changes, Editor("eva")) == []  # no change


def test_an_editor_elsewhere_changes_nothing(db_session: Session) -> None:
    ids = energy_county(db_session)
    with pytest.raises(Forbidden):
        update_building(db_session, ids["e-a1"], {"owner": "state"}, Editor("oskar", "2403"))
    site = db_session.get(Site, ids["e-a1"])
    assert site is not None and site.owner == "municipality"
    assert db_session.scalars(select(AuditLog)).all() == []
