"""services/upload_checks.py: an upload's rows against PostGIS before it is confirmed: the
municipality each point lies in, the sites stored under the same keys, and per row insert,
update, unchanged or the reason it is refused for an editor of one municipality."""

from __future__ import annotations

import dataclasses

from sqlalchemy.orm import Session

from resilience.services import upload_checks
from tests.factories import site, small_county

# small_county: Åbacka 2401 (x 750-760 km), Östervik 2403 (x 760-770 km), y 7080-7090 km;
# its sites are stored under source "test".
CARE_1 = site(
    "care-1",
    "care",
    "elderly_home",
    751_500,
    7_081_500,
    residents=40,
    name="Björkgårdens äldreboende",
)


def test_the_municipality_of_each_point(db_session: Session) -> None:
    small_county(db_session)
    points = [
        site("a", "food", "grocery", 751_000, 7_081_000),  # Åbacka
        site("b", "food", "grocery", 765_000, 7_085_000),  # Östervik
        site("c", "food", "grocery", 760_000, 7_085_000),  # on the border: the lowest code
        site("d", "food", "grocery", 800_000, 7_200_000),  # in neither
    ]
    assert upload_checks.municipalities_of(db_session, points) == ["2401", "2403", "2401", None]
    assert upload_checks.municipalities_of(db_session, []) == []


def test_stored_sites_by_source_and_source_id(db_session: Session) -> None:
    small_county(db_session)
    found = upload_checks.stored_sites(
        db_session, [("test", "care-1"), ("test", "nosuch"), ("other", "gen-1")]
    )
    assert list(found) == [("test", "care-1")]  # gen-1 is stored under "test", not "other"
    care = found[("test", "care-1")]
    assert (care["municipality"], care["x"], care["y"]) == ("2401", 751_500, 7_081_500)
    assert (care["category"], care["kind"], care["residents"]) == ("care", "elderly_home", 40)
    assert upload_checks.stored_sites(db_session, []) == {}


def test_what_confirming_would_do(db_session: Session) -> None:
    small_county(db_session)
    records = [
        CARE_1,  # as stored
        dataclasses.replace(CARE_1, name="Björkgården"),  # another name
        dataclasses.replace(CARE_1, x=751_501),  # moved a metre
        site("new-1", "food", "grocery", 752_000, 7_082_000),
    ]
    wheres = [f"line {i + 2}" for i in range(len(records))]
    plan = upload_checks.plan_records(db_session, records, wheres, "test", None)
    assert plan.actions == ["unchanged", "update", "update", "insert"]
    assert plan.municipalities == ["2401", "2401", "2401", "2401"]
    assert plan.site_ids[:3] == [plan.site_ids[0]] * 3 and plan.site_ids[0] is not None
    assert plan.site_ids[3] is None and plan.refusals == []
    # Under another source the same ids are new sites.
    other = upload_checks.plan_records(db_session, records[:1], wheres[:1], "elsewhere", None)
    assert other.actions == ["insert"]


def test_an_editor_of_one_municipality_is_refused_the_rest(db_session: Session) -> None:
    small_county(db_session)
    records = [
        site("new-1", "food", "grocery", 752_000, 7_082_000),  # in Åbacka: fine
        site("new-2", "food", "grocery", 765_000, 7_085_000),  # in Östervik
        site("new-3", "food", "grocery", 800_000, 7_200_000),  # outside the county
        # gen-1 is stored in Östervik; this row would move it into Åbacka.
        site("gen-1", "power", "mobile_generator", 755_000, 7_085_000, capacity_kw=100),
    ]
    wheres = ["feature 0", "feature 1", "feature 2", "feature 3"]
    plan = upload_checks.plan_records(db_session, records, wheres, "test", "2401")
    assert plan.actions == ["insert", None, None, None]
    assert plan.municipalities == ["2401", "2403", None, "2401"]
    refusals = [(r.where, r.field, r.code, r.params) for r in plan.refusals]
    assert refusals == [
        (
            "feature 1",
            "geometry",
            "outside_scope",
            {"scope": "Åbacka (2401)", "municipality": "Östervik (2403)"},
        ),
        ("feature 2", "geometry", "outside_county", {"scope": "Åbacka (2401)"}),
        (
            "feature 3",
            "source_id",
            "stored_elsewhere",
            {
                "value": "'gen-1'",
                "source": "'test'",
                "municipality": "Östervik (2403)",
                "scope": "Åbacka (2401)",
            },
        ),
    ]
    assert all(str(r.message) for r in plan.refusals)  # each said in English too
