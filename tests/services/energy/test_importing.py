"""services/energy/importing.py: files of buildings, measures and readings read, resolved to
their buildings and upserted in one committed transaction, every change audited; a file
with any bad row, a building of another category or outside the editor's municipality
changes nothing, against PostGIS."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from geodata.loaders.energy import BuildingRef, read_measures
from geodata.records import ImportValidationError, SiteRecord
from resilience.errors import BadInput, Forbidden
from resilience.models import AuditLog, EnergyMeasure, MeterReading, Site
from resilience.services import imports
from resilience.services.energy import importing
from resilience.services.energy.editors import Editor
from tests.helpers.checks import counts
from tests.helpers.energy import energy_county

EVA = Editor("eva")  # the whole county
OSKAR = Editor("oskar", "2403")  # Östervik only

MEASURES = """source_id;title;status;date;expected_kwh_year;verified_kwh_year;cost_sek
e-a1;LED-belysning;klar;2023-05-01;6000;5000;40000
e-a1;Injustering;planerad;;2000;;15000
e-o1;Tilläggsisolering;pågår;;9000,5;;250000
"""
REGISTER = (
    "source,source_id,name,kind,owner,heated_area_m2,energy_kwh_year,heating,styrel_priority,x,y\n"
    "test,n-1,Ålidhems förskola,school,municipality,800,96000,Fjärrvärme,6,766000,7087000\n"
    "test,e-a1,Åbacka skola,school,municipality,1000,110000,district_heating,6,751000,7081000\n"
)


def _import(
    session: Session, kind: str, body: str, editor: Editor = EVA, filename: str | None = None
) -> dict[str, Any]:
    """import_file with a CSV file (named <kind>.csv unless given)."""
    name = filename or f"{kind}.csv"
    return importing.import_file(session, kind, body.encode(), name, None, None, editor)


def _audit(session: Session, table: str, action: str | None = None) -> list[AuditLog]:
    query = select(AuditLog).where(AuditLog.table_name == table)
    if action:
        query = query.where(AuditLog.action == action)
    return list(session.scalars(query.order_by(AuditLog.id)))


def test_buildings_resolved_by_id_or_source_id(db_session: Session) -> None:
    ids = energy_county(db_session)
    by_id, by_sid = BuildingRef(site_id=ids["e-o2"]), BuildingRef(source_id="e-a1")
    qualified = BuildingRef(source="test", source_id="e-a2")
    refs = [("line 2", by_id), ("line 3", by_sid), ("line 4", by_sid), ("line 5", qualified)]
    found = importing.resolve_buildings(db_session, refs)
    assert {ref: site.source_id for ref, site in found.items()} == {
        by_id: "e-o2",
        by_sid: "e-a1",
        qualified: "e-a2",
    }


def test_every_row_with_a_missing_or_ambiguous_building_is_named(db_session: Session) -> None:
    ids = energy_county(db_session)
    listed = SiteRecord(
        "e-a1", "Åbacka skola (kommunens lista)", "energy", "school", 751_000, 7_081_000, {}
    )
    imports.import_sites(db_session, [listed], "kommunen")
    refs = [
        ("line 2", BuildingRef(source_id="nosuch")),
        ("line 3", BuildingRef(source_id="care-1")),  # a care site: not in the register
        ("line 4", BuildingRef(site_id=ids["care-1"])),
        ("line 5", BuildingRef(source_id="e-a1")),  # in two sources
        ("line 6", BuildingRef(source="kommunen", source_id="e-a1")),  # one of them: fine
    ]
    with pytest.raises(ImportValidationError) as refused:
        importing.resolve_buildings(db_session, refs)
    assert [(e.where, e.field, e.message) for e in refused.value.errors] == [
        ("line 2", "source_id", "no energy building with source_id 'nosuch'"),
        ("line 3", "source_id", "no energy building with source_id 'care-1'"),
        ("line 4", "site_id", f"no energy building with site_id {ids['care-1']}"),
        (
            "line 5",
            "source_id",
            "source_id 'e-a1' is in several sources (kommunen, test); add a source column",
        ),
    ]


def test_measures_inserted_then_unchanged_then_updated_and_audited(db_session: Session) -> None:
    energy_county(db_session)
    first = _import(db_session, "measures", MEASURES, filename="åtgärder.csv")
    assert (first["ok"], first["inserted"], first["updated"]) == (True, 3, 0)
    db_session.rollback()  # committed: nothing to undo
    assert len(db_session.scalars(select(EnergyMeasure)).all()) == 3
    again = _import(db_session, "measures", MEASURES, filename="åtgärder.csv")
    assert (again["inserted"], again["updated"]) == (0, 0)
    changed = MEASURES.replace("Injustering;planerad;;2000", "Injustering;klar;2024-02-01;2000")
    third = _import(db_session, "measures", changed, filename="åtgärder.csv")
    assert (third["inserted"], third["updated"]) == (0, 1)
    updates = _audit(db_session, "energy_measures", "update")
    assert {(e.field, e.old, e.new) for e in updates} == {
        ("status", "planned", "done"),
        ("date", None, "2024-02-01"),
    }
    assert {e.context for e in _audit(db_session, "energy_measures")} == {"import åtgärder.csv"}
    measure = db_session.scalar(select(EnergyMeasure).where(EnergyMeasure.ref == "Injustering"))
    assert measure is not None and measure.source == "åtgärder"  # the file's name


def test_measures_written_from_records_in_the_callers_transaction(db_session: Session) -> None:
    energy_county(db_session)
    records = read_measures(MEASURES.encode(), filename="m.csv").records
    summary = importing.import_measures(db_session, records, "lista", Editor("åsa"))
    assert (summary.inserted, summary.updated) == (3, 0)
    assert {e.user_name for e in _audit(db_session, "energy_measures")} == {"åsa"}
    db_session.rollback()  # not committed: the caller's transaction
    assert db_session.scalars(select(EnergyMeasure)).all() == []


@pytest.mark.parametrize(
    ("body", "where", "field"),
    [
        (MEASURES + "e-a2;Fönster;klar;;1;;\n", "line 5", "date"),  # done without a date
        (MEASURES + "nosuch;Fönster;planerad;;1;;\n", "line 5", "source_id"),
        (MEASURES.replace("9000,5", "-3"), "line 4", "expected_kwh_year"),
    ],
)
def test_a_file_with_a_bad_row_writes_nothing(
    db_session: Session, body: str, where: str, field: str
) -> None:
    energy_county(db_session)
    before = counts(db_session)
    report = _import(db_session, "measures", body)
    assert report["ok"] is False
    assert [(e["where"], e["field"]) for e in report["errors"]] == [(where, field)]
    assert counts(db_session) == before


def test_a_municipalitys_editor_imports_for_it_only(db_session: Session) -> None:
    energy_county(db_session)
    before = counts(db_session)
    report = _import(db_session, "measures", MEASURES, OSKAR)
    assert report["ok"] is False
    assert [(e["where"], e["message"]) for e in report["errors"]] == [
        ("line 2", "Åbacka skola is not in municipality 2403"),
        ("line 3", "Åbacka skola is not in municipality 2403"),
    ]
    assert counts(db_session) == before
    mine = "\n".join(line for line in MEASURES.splitlines() if not line.startswith("e-a1"))
    assert _import(db_session, "measures", mine, OSKAR)["inserted"] == 1


def test_readings_replace_by_period(db_session: Session) -> None:
    energy_county(db_session)
    body = "source_id;year;month;kwh\ne-a1;2023;;95000\ne-o2;2023;1;4000\n"
    assert _import(db_session, "readings", body)["inserted"] == 2
    changed = body.replace("95000", "94000") + "e-o2;2023;2;3900\n"
    report = _import(db_session, "readings", changed)
    assert (report["inserted"], report["updated"]) == (1, 1)
    kwh = {(r.year, r.month): r.kwh for r in db_session.scalars(select(MeterReading))}
    assert kwh == {(2023, None): 94_000, (2023, 1): 4_000, (2023, 2): 3_900}
    (update,) = _audit(db_session, "meter_readings", "update")
    assert (update.old, update.new, update.context) == (95_000, 94_000, "import readings.csv")


def test_the_register_upserted_audited_and_its_attributes_kept(db_session: Session) -> None:
    ids = energy_county(db_session)
    a1 = db_session.get(Site, ids["e-a1"])
    assert a1 is not None
    a1.attributes = {**a1.attributes, "locality": "Åbacka"}
    db_session.commit()
    report = _import(db_session, "register", REGISTER)
    assert report["ok"], report
    new = db_session.scalars(select(Site).where(Site.source_id == "n-1")).one()
    assert (new.name, new.category, new.municipality_code) == (
        "Ålidhems förskola",
        "energy",
        "2403",
    )
    assert new.heating == "district_heating" and new.attributes == {"styrel_priority": 6}
    db_session.refresh(a1)
    assert a1.attributes == {"styrel_priority": 6, "locality": "Åbacka"}  # the file lacks it
    updates = _audit(db_session, "sites", "update")
    assert [(e.field, e.old, e.new) for e in updates] == [("energy_kwh_year", 100_000, 110_000)]
    assert _audit(db_session, "sites", "insert")[0].site_id == new.id


def test_a_site_of_another_category_is_not_overwritten(db_session: Session) -> None:
    energy_county(db_session)
    before = counts(db_session)
    body = REGISTER + "test,care-1,Björkgården,school,municipality,500,1,,,751500,7081500\n"
    with pytest.raises(BadInput, match="'care-1' of source 'test' is a care site"):
        _import(db_session, "register", body)
    assert counts(db_session) == before
    care = db_session.scalars(select(Site).where(Site.source_id == "care-1")).one()
    assert (care.category, care.name) == ("care", "Björkgårdens äldreboende")


def test_buildings_outside_the_editors_municipality_are_refused(db_session: Session) -> None:
    energy_county(db_session)
    before = counts(db_session)
    with pytest.raises(Forbidden, match="1 building\\(s\\) lie outside municipality 2403"):
        _import(db_session, "register", REGISTER, OSKAR)  # e-a1 is in Åbacka
    assert counts(db_session) == before
    assert db_session.scalars(select(Site).where(Site.source_id == "n-1")).all() == []
