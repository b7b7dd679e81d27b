"""services/energy/settings.py: saving targets per owner and municipality, and the energy
class limits per kind: parsed, saved (created or replaced), deleted, each change audited and
committed, and refused outside the editor's scope, against PostGIS."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from resilience import energy_figures
from resilience.errors import BadInput, Forbidden, NotFound
from resilience.models import AuditLog, EnergyClassLimits, EnergyTarget
from resilience.services.energy import settings
from resilience.services.energy.editors import Editor
from resilience.services.energy.register import load_class_limits
from tests.factories import small_county

EVA = Editor("eva")  # the whole county
OSKAR = Editor("oskar", "2403")  # Östervik only


def _audit(session: Session, table: str) -> list[tuple[str, str | None, Any, Any]]:
    rows = session.scalars(
        select(AuditLog).where(AuditLog.table_name == table).order_by(AuditLog.id)
    )
    return [(r.action, r.field, r.old, r.new) for r in rows]


def test_a_target_parsed() -> None:
    parsed = settings.parse_target(
        {
            "owner": " Municipality ",
            "municipality_code": "2401",
            "reduction_percent": "12,5",
            "base_year": "2022",
            "target_year": "2030",
            "note": " Åbackas mål ",
        }
    )
    assert parsed == {
        "owner": "municipality",
        "municipality_code": "2401",
        "reduction_percent": 12.5,
        "base_year": 2022,
        "target_year": 2030,
        "note": "Åbackas mål",
    }
    county = settings.parse_target({"reduction_percent": 10, "base_year": 2022, "note": " "})
    assert county["owner"] is None and county["target_year"] is None and county["note"] is None


def test_every_bad_field_of_a_target_is_named() -> None:
    with pytest.raises(BadInput) as refused:
        settings.parse_target(
            {
                "owner": "kyrkan",
                "reduction_percent": "100",
                "base_year": "1850",
                "target_year": "x",
            }
        )
    assert sorted(refused.value.details) == [
        "base_year",
        "owner",
        "reduction_percent",
        "target_year",
    ]
    assert "unknown owner 'kyrkan'" in refused.value.message
    with pytest.raises(BadInput) as refused:
        settings.parse_target(
            {
                "municipality_code": "2401",
                "reduction_percent": "0",
                "base_year": 2025,
                "target_year": 2020,
            }
        )
    assert sorted(refused.value.details) == [
        "municipality_code",
        "reduction_percent",
        "target_year",
    ]
    assert refused.value.details["target_year"] == "after the base year, or empty"


def test_a_target_saved_replaced_and_deleted_audited(db_session: Session) -> None:
    small_county(db_session)
    values = settings.parse_target(
        {"owner": "municipality", "municipality_code": "2401", "reduction_percent": 10,
         "base_year": 2022, "note": "Åbacka"}
    )  # fmt: skip
    first = settings.save_target(db_session, values, EVA)
    db_session.rollback()  # committed: nothing to undo
    replaced = settings.save_target(
        db_session, values | {"reduction_percent": 15.0, "target_year": 2030}, EVA
    )
    assert replaced.id == first.id  # one target per scope
    county = settings.save_target(
        db_session, settings.parse_target({"reduction_percent": 5, "base_year": 2020}), EVA
    )
    assert [(t.owner, t.municipality_code) for t in settings.targets(db_session)] == [
        (None, None),
        ("municipality", "2401"),
    ]
    settings.delete_target(db_session, county.id, EVA)
    db_session.rollback()
    assert [t.id for t in settings.targets(db_session)] == [first.id]
    audited = _audit(db_session, "energy_targets")
    assert ("update", "reduction_percent", 10.0, 15.0) in audited
    assert ("update", "target_year", None, 2030) in audited
    assert ("insert", "note", None, "Åbacka") in audited
    assert ("delete", "base_year", 2020, None) in audited
    # Saving the same again changes nothing and audits nothing.
    before = len(audited)
    settings.save_target(db_session, values | {"reduction_percent": 15.0, "target_year": 2030}, EVA)
    assert len(_audit(db_session, "energy_targets")) == before


def test_a_municipalitys_editor_sets_only_its_targets(db_session: Session) -> None:
    small_county(db_session)
    mine = {"owner": "municipality", "municipality_code": "2403", "reduction_percent": 8.0,
            "base_year": 2022, "target_year": None, "note": None}  # fmt: skip
    target = settings.save_target(db_session, mine, OSKAR)
    for other in ({"municipality_code": "2401"}, {"municipality_code": None}):
        with pytest.raises(Forbidden, match="for municipality 2403 only"):
            settings.save_target(db_session, mine | other, OSKAR)
    abacka = settings.save_target(db_session, mine | {"municipality_code": "2401"}, EVA)
    with pytest.raises(Forbidden):
        settings.delete_target(db_session, abacka.id, OSKAR)
    assert len(settings.targets(db_session)) == 2  # nothing refused was changed
    settings.delete_target(db_session, target.id, OSKAR)
    assert [t.municipality_code for t in settings.targets(db_session)] == ["2401"]


def test_an_unknown_municipality_or_target_is_refused(db_session: Session) -> None:
    small_county(db_session)
    values = settings.parse_target(
        {"owner": "region", "municipality_code": "2480", "reduction_percent": 10,
         "base_year": 2022}
    )  # fmt: skip
    with pytest.raises(BadInput, match="no municipality 2480"):
        settings.save_target(db_session, values, EVA)
    with pytest.raises(NotFound):
        settings.delete_target(db_session, 999_999, EVA)
    assert db_session.scalars(select(EnergyTarget)).all() == []
    assert _audit(db_session, "energy_targets") == []


def test_class_limits_stored_changed_and_back_to_the_default(db_session: Session) -> None:
    default = load_class_limits(db_session)["school"]
    settings.save_class_limits(db_session, "school", ["50", "75,5", 100, 130, 160, 200], EVA)
    db_session.rollback()  # committed
    assert load_class_limits(db_session)["school"] == (50, 75.5, 100, 130, 160, 200)
    settings.save_class_limits(db_session, "school", [50, 75.5, 100, 130, 160, 250], EVA)
    settings.save_class_limits(db_session, "school", [50, 75.5, 100, 130, 160, 250], EVA)  # same
    settings.save_class_limits(db_session, "school", None, EVA)
    assert load_class_limits(db_session)["school"] == default
    settings.save_class_limits(db_session, "school", None, EVA)  # nothing stored: nothing done
    assert [a for a, *_ in _audit(db_session, "energy_class_limits")] == [
        "insert",
        "update",
        "delete",
    ]


@pytest.mark.parametrize(
    ("kind", "limits", "error", "words"),
    [
        ("school", [50, 75, 100, 130, 160, 200], Forbidden, "whole county"),
        ("bageri", [50, 75, 100, 130, 160, 200], BadInput, "unknown kind 'bageri'"),
        ("school", [50, 75, 100], BadInput, "expected 6 limits"),
        ("school", [50, 40, 100, 130, 160, 200], BadInput, "increase from A to F"),
        ("school", [50, "", 100, 130, 160, 200], BadInput, "positive"),
        ("school", [50, "sjuttio", 100, 130, 160, 200], BadInput, "limits"),
    ],
)
def test_bad_class_limits_change_nothing(
    db_session: Session, kind: str, limits: list[Any], error: type[Exception], words: str
) -> None:
    editor = OSKAR if error is Forbidden else EVA
    with pytest.raises(error) as refused:
        settings.save_class_limits(db_session, kind, limits, editor)
    assert words in str(refused.value)
    assert db_session.scalars(select(EnergyClassLimits)).all() == []
    assert _audit(db_session, "energy_class_limits") == []
    assert load_class_limits(db_session) == energy_figures.default_class_limits()
