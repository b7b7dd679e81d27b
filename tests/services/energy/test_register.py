"""services/energy/register.py: the energy register read from PostGIS into
energy_figures' dataclasses (buildings, measures, readings, targets, class limits, care
sites) and assessed as a whole (Register)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from resilience import energy_figures
from resilience.errors import NotFound
from resilience.models import EnergyClassLimits, EnergyMeasure, EnergyTarget, MeterReading, Site
from resilience.services.energy import register
from tests.helpers.energy import energy_county


def test_the_buildings_are_the_energy_sites(db_session: Session) -> None:
    ids = energy_county(db_session)
    buildings = register.load_buildings(db_session)
    assert [b.id for b in buildings] == sorted(
        ids[s] for s in ("energy-1", "e-a1", "e-a2", "e-o1", "e-o2")
    )  # the care site, the generator and the food shops are not in the register
    by_id = {b.id: b for b in buildings}
    school = by_id[ids["e-o1"]]
    assert (school.name, school.owner, school.municipality) == (
        "Östervik folkhögskola",
        "region",
        "2403",
    )
    assert (school.styrel_priority, school.backup_kw, school.shelter_capacity) == (4, 50, 100)
    assert by_id[ids["e-o2"]].peak_kw == 30


def test_attributes_as_numbers_or_nothing(db_session: Session) -> None:
    ids = energy_county(db_session)
    site = db_session.get(Site, ids["e-a1"])
    assert site is not None
    site.attributes = {"styrel_priority": "7", "peak_kw": "12.5"}
    assert (register.to_building(site).styrel_priority, register.to_building(site).peak_kw) == (
        7,
        12.5,
    )
    site.attributes = {"styrel_priority": "hög", "peak_kw": "mycket"}
    building = register.to_building(site)
    assert (building.styrel_priority, building.peak_kw) == (None, None)  # unreadable: unknown
    site.attributes = None  # type: ignore[assignment]
    assert register.to_building(site).styrel_priority is None


def test_measures_and_readings_in_their_order(db_session: Session) -> None:
    ids = energy_county(db_session)
    a1, o1 = ids["e-a1"], ids["e-o1"]
    db_session.add_all(
        [
            EnergyMeasure(site_id=a1, ref="Tak", title="Tak", status="planned"),
            EnergyMeasure(site_id=a1, ref="LED", title="LED", status="done",
                          date=dt.date(2024, 5, 1), expected_kwh_year=6000),
            EnergyMeasure(site_id=o1, ref="Fönster", title="Fönster", status="planned"),
            MeterReading(site_id=a1, year=2023, month=2, kwh=9000),
            MeterReading(site_id=a1, year=2023, month=None, kwh=95000),
            MeterReading(site_id=a1, year=2024, month=1, kwh=8000),
            MeterReading(site_id=o1, year=2022, month=None, kwh=150000),
        ]
    )  # fmt: skip
    db_session.flush()
    assert [m.title for m in register.measures_of(db_session, a1)] == ["LED", "Tak"]  # undated last
    assert [(r.year, r.month) for r in register.readings_of(db_session, a1)] == [
        (2024, 1),
        (2023, None),  # the whole year before its months
        (2023, 2),
    ]
    assert register.readings_of(db_session, ids["e-a2"]) == []
    measures = register.load_measures(db_session, [o1])
    assert [(m.site_id, m.title) for m in measures] == [(o1, "Fönster")]
    assert len(register.load_measures(db_session)) == 3
    assert register.load_measures(db_session, []) == []
    assert [m.title for m in register.load_measures(db_session, [a1])] == ["Tak", "LED"]  # by id
    led = register.load_measures(db_session, [a1])[1]
    assert (led.title, led.date, led.expected_kwh_year) == ("LED", dt.date(2024, 5, 1), 6000)
    readings = register.load_readings(db_session, [a1])
    assert {(r.year, r.month, r.kwh) for r in readings} == {
        (2023, None, 95000),
        (2023, 2, 9000),
        (2024, 1, 8000),
    }
    assert [r.year for r in readings] == [2023, 2023, 2024]
    assert len(register.load_readings(db_session)) == 4


def test_targets_and_the_first_year(db_session: Session) -> None:
    energy_county(db_session)
    assert register.load_targets(db_session) == {}
    assert register.first_year({}) == energy_figures.DEFAULT_TARGET.base_year
    db_session.add_all(
        [
            EnergyTarget(owner=None, municipality_code=None, reduction_percent=10, base_year=2022),
            EnergyTarget(owner="municipality", municipality_code="2401", reduction_percent=15,
                         base_year=2019, target_year=2030),
        ]
    )  # fmt: skip
    db_session.flush()
    targets = register.load_targets(db_session)
    assert targets[("municipality", "2401")] == energy_figures.Target(15, 2019, 2030)
    assert targets[(None, None)].reduction_percent == 10
    assert register.first_year(targets) == 2019


def test_stored_class_limits_override_the_defaults(db_session: Session) -> None:
    defaults = energy_figures.default_class_limits()
    assert register.load_class_limits(db_session) == defaults
    db_session.add(EnergyClassLimits(kind="office", limits=[10, 20, 30, 40, 50, 60]))
    db_session.flush()
    limits = register.load_class_limits(db_session)
    assert limits["office"] == (10, 20, 30, 40, 50, 60)
    assert {k: v for k, v in limits.items() if k != "office"} == {
        k: v for k, v in defaults.items() if k != "office"
    }


def test_care_sites_per_municipality(db_session: Session) -> None:
    ids = energy_county(db_session)
    (care,) = register.load_care_sites(db_session)
    assert (care.id, care.name, care.municipality) == (
        ids["care-1"],
        "Björkgårdens äldreboende",
        "2401",
    )
    assert [c.id for c in register.load_care_sites(db_session, "2401")] == [ids["care-1"]]
    assert register.load_care_sites(db_session, "2403") == []


def test_the_whole_register_assessed(db_session: Session) -> None:
    ids = energy_county(db_session)
    db_session.execute(
        update(Site).where(Site.id == ids["e-a2"]).values(name="Åbacka gymnasium & Björkö")
    )
    whole = register.load_register(db_session)
    assert whole.names == {"2401": "Åbacka", "2403": "Östervik"}
    assert len(whole.assessments) == len(whole.buildings) == 5
    a2 = whole.by_id(ids["e-a2"])
    assert a2.building.name == "Åbacka gymnasium & Björkö"
    assert a2.saving_potential_kwh_year == pytest.approx(100_000)  # the helper's table
    with pytest.raises(NotFound, match=f"no energy building with id {ids['care-1']}"):
        whole.by_id(ids["care-1"])  # a care site is not a building of the register
