"""services/energy/csv_files.py: the register, measures and readings as CSV files read back
with the csv module: every figure, x and y in EPSG:3006 so the register imports again,
Swedish letters kept and text that would start a formula defused."""

from __future__ import annotations

import csv
import datetime as dt
import io

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from resilience.models import AuditLog, EnergyMeasure, MeterReading, Site
from resilience.services.energy import csv_files, importing
from resilience.services.energy.editors import Editor
from resilience.services.energy.geojson import assessment_properties
from resilience.services.energy.register import load_register
from tests.helpers.energy import energy_county


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_register_with_every_figure_and_its_place(db_session: Session) -> None:
    ids = energy_county(db_session)
    register = load_register(db_session)
    rows = {r["source_id"]: r for r in _rows(csv_files.register_csv(
        db_session, register, register.assessments
    ))}  # fmt: skip
    assert set(rows) == {"energy-1", "e-a1", "e-a2", "e-o1", "e-o2"}
    a2 = rows["e-a2"]
    assert (a2["source"], a2["name"], a2["municipality_name"]) == (
        "test",
        "Åbacka gymnasium",
        "Åbacka",
    )
    assert (a2["x"], a2["y"]) == ("752000.0", "7082000.0")  # EPSG:3006
    assert float(a2["saving_potential_kwh_year"]) == 100_000
    assert rows["energy-1"]["energy_kwh_year"] == ""  # unknown: empty, not "None"
    # Only the assessments asked for.
    one = [register.by_id(ids["e-o1"])]
    assert [r["source_id"] for r in _rows(csv_files.register_csv(db_session, register, one))] == [
        "e-o1"
    ]


def test_the_registers_columns_are_the_assessments_properties(db_session: Session) -> None:
    energy_county(db_session)
    register = load_register(db_session)
    keys = csv_files.assessment_properties_keys()
    assert keys == tuple(assessment_properties(register.assessments[0], register.names))
    header = csv_files.register_csv(db_session, register, []).splitlines()
    assert header == [",".join(["source", "source_id", *keys, "x", "y"])]  # no rows, a header


def test_the_register_imports_again_unchanged(db_session: Session) -> None:
    energy_county(db_session)
    register = load_register(db_session)
    exported = csv_files.register_csv(db_session, register, register.assessments)
    report = importing.import_file(
        db_session, "register", exported.encode(), "export.csv", None, None, Editor("eva")
    )
    assert report["ok"], report
    assert db_session.scalars(select(AuditLog).where(AuditLog.table_name == "sites")).all() == []


def test_text_that_would_start_a_formula_is_defused(db_session: Session) -> None:
    ids = energy_county(db_session)
    db_session.execute(update(Site).where(Site.id == ids["e-a1"]).values(name="=HYPERLINK(x)"))
    db_session.add(EnergyMeasure(site_id=ids["e-a1"], ref="+1", title="@SUM(A1)", status="planned"))
    db_session.flush()
    register = load_register(db_session)
    (row,) = [
        r
        for r in _rows(csv_files.register_csv(db_session, register, register.assessments))
        if r["source_id"] == "e-a1"
    ]
    assert row["name"] == "'=HYPERLINK(x)"
    (measure,) = _rows(csv_files.measures_csv(db_session))
    assert (measure["building"], measure["ref"], measure["title"]) == (
        "'=HYPERLINK(x)",
        "'+1",
        "'@SUM(A1)",
    )


def test_measures_per_building_with_their_dates(db_session: Session) -> None:
    ids = energy_county(db_session)
    db_session.add_all(
        [
            EnergyMeasure(site_id=ids["e-o1"], ref="Fönster", title="Fönster", status="planned"),
            EnergyMeasure(site_id=ids["e-a1"], ref="LED", title="LED-belysning", status="done",
                          date=dt.date(2023, 5, 1), cost_sek=40_000),
        ]
    )  # fmt: skip
    db_session.flush()
    rows = _rows(csv_files.measures_csv(db_session))
    assert [(r["source_id"], r["title"]) for r in rows] == [
        ("e-a1", "LED-belysning"),  # by building
        ("e-o1", "Fönster"),
    ]
    assert (rows[0]["date"], rows[0]["cost_sek"], rows[1]["date"]) == ("2023-05-01", "40000.0", "")
    assert rows[1]["building"] == "Östervik folkhögskola" and rows[1]["municipality_code"] == "2403"
    only = _rows(csv_files.measures_csv(db_session, [ids["e-o1"]]))
    assert [r["ref"] for r in only] == ["Fönster"]
    assert _rows(csv_files.measures_csv(db_session, [])) == []


def test_readings_per_building_and_period(db_session: Session) -> None:
    ids = energy_county(db_session)
    db_session.add_all(
        [
            MeterReading(site_id=ids["e-o2"], year=2023, month=1, kwh=4000),
            MeterReading(site_id=ids["e-a1"], year=2023, month=None, kwh=95_000),
            MeterReading(site_id=ids["e-a1"], year=2022, month=None, kwh=99_000),
        ]
    )
    db_session.flush()
    rows = _rows(csv_files.readings_csv(db_session))
    assert [(r["source_id"], r["year"], r["month"], r["kwh"]) for r in rows] == [
        ("e-a1", "2022", "", "99000.0"),
        ("e-a1", "2023", "", "95000.0"),
        ("e-o2", "2023", "1", "4000.0"),
    ]
    assert rows[2]["building"] == "Statens kontor Östervik"
    assert [r["source_id"] for r in _rows(csv_files.readings_csv(db_session, [ids["e-o2"]]))] == [
        "e-o2"
    ]
