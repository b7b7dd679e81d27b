"""Energy pages and API against a real PostGIS: what viewers see, what editors may change,
the audit log of every change, and the importers (all or nothing, per-row errors)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyogrio
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from resilience.models import AuditLog, EnergyMeasure, EnergyTarget, MeterReading, Site
from tests.helpers.energy import TOKEN, client_as, energy_county, energy_upload


@pytest.fixture
def county(db_session: Session) -> dict[str, int]:
    """small_county and four buildings (tests/helpers/energy.py energy_county)."""
    return energy_county(db_session)


@pytest.fixture
def editor(app: Flask, make_user) -> FlaskClient:  # type: ignore[no-untyped-def]
    return client_as(app, make_user, "edit-eva", "editor")


def _audit(db_session: Session, **where: Any) -> list[AuditLog]:
    query = select(AuditLog).order_by(AuditLog.id)
    for key, value in where.items():
        query = query.where(getattr(AuditLog, key) == value)
    return list(db_session.scalars(query))


def _count(db_session: Session, model: type) -> int:
    return db_session.scalar(select(func.count()).select_from(model)) or 0


# --- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/energy", "/energy/map", "/energy/buildings", "/energy/report/2401",
     "/api/v1/energy/buildings", "/api/v1/energy/progress", "/energy/export/register.csv"],
)  # fmt: skip
def test_everything_needs_login(app: Flask, db_session: Session, path: str) -> None:
    response = app.test_client().get(path)
    if path.startswith("/api/"):
        assert response.status_code == 401
    else:
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "path",
    ["/energy", "/energy/map", "/energy/buildings", "/energy/buildings?municipality=2401",
     "/energy/buildings?owner=region&kind=school&sort=intensity", "/energy/progress",
     "/energy/progress?year=2022", "/energy/load-shedding",
     "/energy/load-shedding?municipality=2403",
     "/energy/report/2401", "/energy/settings", "/energy/audit"],
)  # fmt: skip
def test_viewer_sees_every_page_in_swedish(
    client: FlaskClient, county: dict[str, int], path: str
) -> None:
    page = client.get(path)
    assert page.status_code == 200, page.text
    assert ">Energi<" in page.text  # the nav link
    assert "Importera" not in page.text  # no import link for viewers
    assert page.text.count('name="csrf_token"') == 1  # only the log-out form: no edit forms


def test_pages_in_english(client: FlaskClient, county: dict[str, int]) -> None:
    page = client.get("/energy?lang=en")
    assert "Energy saving in public buildings" in page.text
    assert "MWh/year" in page.text


def test_viewer_may_not_change_anything(client: FlaskClient, county: dict[str, int]) -> None:
    sid = county["e-a1"]
    assert (
        client.post(
            f"/api/v1/energy/buildings/{sid}/measures", json={"title": "x", "status": "planned"}
        ).status_code
        == 403
    )
    assert (
        client.patch(f"/api/v1/energy/buildings/{sid}", json={"heated_area_m2": 1}).status_code
        == 403
    )
    assert client.get("/energy/import").status_code == 403
    with client.session_transaction() as session:
        session["csrf_token"] = TOKEN
    form = {"csrf_token": TOKEN, "title": "x", "status": "planned"}
    assert client.post(f"/energy/buildings/{sid}/measures", data=form).status_code == 403


# --- the register, ranking, map layers ------------------------------------------------------------


def test_ranking_by_saving_potential(client: FlaskClient, county: dict[str, int]) -> None:
    doc = client.get("/api/v1/energy/buildings?kind=school").json
    props = [f["properties"] for f in doc["features"]]
    assert props[0]["name"] == "Åbacka gymnasium"
    first = props[0]
    assert first["intensity_kwh_m2"] == 200
    assert first["kind_median_kwh_m2"] == 150
    assert first["saving_potential_kwh_year"] == 100_000
    assert first["energy_class"] == "G"  # 200 > 164.5
    # Åbacka has kommun code 2401 (F_geo 1.5): district heating, 100 kWh/m² delivered →
    # EP_pet 100 × (0.7 × 0.7 / 1.5 + 0.3 × 1.8) = 86.67 → D (delivered alone: E).
    skola = {p["name"]: p for p in props}["Åbacka skola"]
    assert skola["energy_class"] == "D" and skola["class_method"] == "primary_energy"
    assert skola["primary_energy_kwh_m2"] == pytest.approx(86.667, abs=0.001)
    # Östervik folkhögskola has no heating source: the delivered approximation, 150 → F.
    folk = {p["name"]: p for p in props}["Östervik folkhögskola"]
    assert (folk["energy_class"], folk["class_method"]) == ("F", "delivered")
    assert first["class_method"] == "primary_energy"  # electricity: 200 × 1.38 = 276 → G
    assert all(p["saving_potential_kwh_year"] == 0 for p in props[1:])
    assert doc["features"][0]["geometry"]["type"] == "Point"


def test_filters_by_municipality_owner_and_kind(
    client: FlaskClient, county: dict[str, int]
) -> None:
    def names(query: str) -> set[str]:
        doc = client.get(f"/api/v1/energy/buildings?{query}").json
        return {f["properties"]["name"] for f in doc["features"]}

    assert names("municipality=2403") == {"Östervik folkhögskola", "Statens kontor Östervik"}
    assert names("owner=region") == {"Östervik folkhögskola"}
    assert names("kind=office") == {"Statens kontor Östervik"}
    assert names("municipality=2401&owner=state") == set()
    assert client.get("/api/v1/energy/buildings?owner=king").status_code == 400
    assert client.get("/api/v1/energy/buildings?municipality=9999").status_code == 400
    page = client.get("/energy/buildings?municipality=2403")
    assert "Östervik folkhögskola" in page.text and "Åbacka gymnasium" not in page.text


def test_building_properties_and_styling(client: FlaskClient, county: dict[str, int]) -> None:
    """e-o2: 43 800 kWh on 500 m² = 87.6 kWh/m² → D; its stored 30 kW is its load."""
    doc = client.get(f"/api/v1/energy/buildings/{county['e-o2']}").json
    b = doc["building"]
    assert b["intensity_kwh_m2"] == pytest.approx(87.6)
    assert b["energy_class"] == "D"
    assert (b["load_kw"], b["load_source"]) == (30, "stored")
    assert b["owner"] == "state" and b["municipality_name"] == "Östervik"
    assert doc["target"] == {"reduction_percent": 10.0, "base_year": 2022, "target_year": None}
    styled = client.get("/api/v1/energy/buildings?styled=1&kind=school").json
    first = styled["features"][0]["properties"]
    assert first["color"] == "#a50026" and first["radius"] == 18  # G, the largest use


def test_municipality_choropleth(client: FlaskClient, county: dict[str, int]) -> None:
    """Åbacka: 100 000 + 400 000 kWh = 500 MWh; Östervik: 150 000 + 43 800 = 193.8 MWh."""
    doc = client.get("/api/v1/energy/municipalities").json
    by = {f["properties"]["code"]: f["properties"] for f in doc["features"]}
    assert by["2401"]["use_mwh_year"] == 500
    assert by["2403"]["use_mwh_year"] == pytest.approx(193.8)
    assert by["2401"]["buildings"] == 3  # with energy-1
    assert doc["breaks"]["use_mwh_year"] == [0, 100, 200, 300, 400, 500]
    assert by["2401"]["use_color"] == "#08519c" and by["2403"]["use_color"] == "#bdd7e7"


def test_building_page(client: FlaskClient, county: dict[str, int]) -> None:
    page = client.get(f"/energy/buildings/{county['e-a2']}")
    assert page.status_code == 200
    assert "Åbacka gymnasium" in page.text and "100\u00a0000" in page.text  # the potential
    assert client.get(f"/energy/buildings/{county['care-1']}").status_code == 404  # not energy
    # The method of the class, said on the page: EP_pet 276 with electricity in 2401.
    assert "Primärenergital (EP_pet)" in page.text and "276 kWh/m²" in page.text
    assert "primärenergital med viktningsfaktorer enligt BBR" in page.text
    assert "BFS 2020:4" in page.text and "70 % av användningen" in page.text
    other = client.get(f"/energy/buildings/{county['e-o1']}?lang=en").text
    assert "delivered energy, without weighting factors (approximation)" in other


def test_map_page_uses_local_leaflet_and_the_api(
    client: FlaskClient, county: dict[str, int]
) -> None:
    page = client.get("/energy/map?municipality=2401")
    assert "/static/vendor/leaflet/leaflet.js" in page.text
    assert "EnergyMap.init(" in page.text
    assert "/api/v1/energy/buildings?styled=1\\u0026municipality=2401" in page.text or (
        "/api/v1/energy/buildings?styled=1&amp;municipality=2401" in page.text
        or "styled=1&municipality=2401" in page.text
    )
    assert "cdn" not in page.text.lower()


# --- editing and the audit log --------------------------------------------------------------------


def test_editor_records_a_measure_and_every_change_is_audited(
    editor: FlaskClient, county: dict[str, int], db_session: Session
) -> None:
    sid = county["e-a1"]
    created = editor.post(
        f"/api/v1/energy/buildings/{sid}/measures",
        json={"title": "LED-belysning", "status": "planned", "expected_kwh_year": 5000,
              "cost_sek": 40000, "date": "2026-03-01"},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    mid = created.json["id"]
    inserted = _audit(db_session, table_name="energy_measures", row_id=str(mid))
    assert {(e.action, e.field, e.new) for e in inserted} >= {
        ("insert", "title", "LED-belysning"),
        ("insert", "expected_kwh_year", 5000),
        ("insert", "date", "2026-03-01"),
    }
    assert all(e.user_name == "edit-eva" and e.site_id == sid and e.at for e in inserted)

    done = editor.patch(
        f"/api/v1/energy/measures/{mid}",
        json={"status": "done", "date": "2024-05-02", "verified_kwh_year": 4500},
    )
    assert done.status_code == 200, done.text
    changes = {
        e.field: (e.old, e.new)
        for e in _audit(db_session, table_name="energy_measures", action="update")
    }
    assert changes == {
        "status": ("planned", "done"),
        "date": ("2026-03-01", "2024-05-02"),
        "verified_kwh_year": (None, 4500),
    }
    b = editor.get(f"/api/v1/energy/buildings/{sid}").json["building"]
    assert b["savings_done_kwh_year"] == 4500 and b["savings_verified_kwh_year"] == 4500

    assert editor.delete(f"/api/v1/energy/measures/{mid}").status_code == 204
    deleted = _audit(db_session, table_name="energy_measures", action="delete")
    assert {e.field: e.old for e in deleted}["title"] == "LED-belysning"
    assert db_session.get(EnergyMeasure, mid) is None
    history = editor.get(f"/api/v1/energy/audit?site_id={sid}").json["entries"]
    assert {e["action"] for e in history} == {"insert", "update", "delete"}
    assert "LED-belysning" in editor.get(f"/energy/buildings/{sid}").text  # in the history


def test_measures_are_validated(editor: FlaskClient, county: dict[str, int]) -> None:
    sid = county["e-a1"]
    bad = editor.post(
        f"/api/v1/energy/buildings/{sid}/measures",
        json={"title": "", "status": "kanske", "expected_kwh_year": -5},
    )
    assert bad.status_code == 400
    assert set(bad.json["details"]) == {"title", "status", "expected_kwh_year"}
    undated = editor.post(
        f"/api/v1/energy/buildings/{sid}/measures", json={"title": "LED", "status": "done"}
    )
    assert undated.status_code == 400 and "date" in undated.json["details"]


def test_editor_updates_the_building(
    editor: FlaskClient, county: dict[str, int], db_session: Session
) -> None:
    sid = county["e-a1"]
    response = editor.patch(
        f"/api/v1/energy/buildings/{sid}",
        json={"heated_area_m2": "1250", "heating": "värmepump", "styrel_priority": 5,
              "owner": "region", "peak_kw": ""},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert set(response.json["changed"]) == {
        "heated_area_m2",
        "heating",
        "styrel_priority",
        "owner",
    }
    row = db_session.get(Site, sid)
    assert row is not None
    db_session.refresh(row)
    assert row.heated_area_m2 == 1250 and row.owner == "region"
    assert row.heating == "heat_pump" and row.attributes["styrel_priority"] == 5
    audit = {e.field: (e.old, e.new) for e in _audit(db_session, table_name="sites")}
    assert audit == {
        "heated_area_m2": (1000, 1250),
        "heating": ("district_heating", "heat_pump"),
        "styrel_priority": (6, 5),
        "owner": ("municipality", "region"),
    }
    bad = editor.patch(
        f"/api/v1/energy/buildings/{sid}", json={"styrel_priority": 9, "owner": "kung"}
    )
    assert bad.status_code == 400 and set(bad.json["details"]) == {"styrel_priority", "owner"}


def test_form_posts_need_the_token_and_report_back(
    editor: FlaskClient, county: dict[str, int], db_session: Session
) -> None:
    sid = county["e-a1"]
    form = {"title": "Injustering", "status": "planerad", "expected_kwh_year": "2 000"}
    refused = editor.post(f"/energy/buildings/{sid}/measures", data=form)
    assert refused.status_code == 403
    assert _count(db_session, EnergyMeasure) == 0
    form["expected_kwh_year"] = "12 34"  # 1234, or 12 and 34? Digits group by three.
    bad = editor.post(f"/energy/buildings/{sid}/measures", data={**form, "csrf_token": TOKEN})
    assert bad.status_code == 400  # the page again, with the form as typed and why
    assert (
        '<input name="expected_kwh_year" inputmode="decimal" value="12 34" aria-invalid="true"'
        ' aria-describedby="measure-new-expected_kwh_year-error">' in bad.text
    )
    assert (
        '<span class="field-error" id="measure-new-expected_kwh_year-error">Förväntad'
        " besparing: ”12 34” är inget tal: siffrorna grupperas tre och tre" in bad.text
    )
    assert 'value="Injustering"' in bad.text and _count(db_session, EnergyMeasure) == 0
    english = editor.post(
        f"/energy/buildings/{sid}/measures?lang=en",
        data={**form, "title": "", "expected_kwh_year": "−5", "csrf_token": TOKEN},
    )
    assert english.status_code == 400
    assert (
        'id="measure-new-expected_kwh_year-error">Expected saving: from 0 to 10,000,000,000</span>'
        in english.text
    )
    editor.get("/energy?lang=sv")
    undated = editor.post(  # the service's check, said next to the date in Swedish
        f"/energy/buildings/{sid}/measures",
        data={**form, "status": "klar", "expected_kwh_year": "", "csrf_token": TOKEN},
    )
    assert undated.status_code == 400
    assert (
        'id="measure-new-date-error">Datum: en genomförd åtgärd behöver datumet då den blev klar'
        in undated.text
    )
    for typed, value in (("2 000", 2000.0), ("2000,5", 2000.5)):  # as the page prints them
        form["expected_kwh_year"] = typed
        ok = editor.post(f"/energy/buildings/{sid}/measures", data={**form, "csrf_token": TOKEN})
        assert ok.status_code == 302, ok.text
        measure = db_session.scalars(
            select(EnergyMeasure).order_by(EnergyMeasure.id.desc())
        ).first()
        assert measure is not None
        assert (measure.title, measure.status, measure.expected_kwh_year) == (
            form["title"],
            "planned",
            value,
        )
        form["title"] += " 2"
    page = editor.get(f"/energy/buildings/{sid}")
    assert "Åtgärden lades till" in page.text and page.text.count('name="csrf_token"') > 1


def test_building_and_reading_forms_read_numbers_as_printed(
    editor: FlaskClient, county: dict[str, int], db_session: Session
) -> None:
    sid = county["e-a1"]
    url = f"/energy/buildings/{sid}"
    form = {"csrf_token": TOKEN, "backup_kw": "1 250,5", "fuel_hours": "\u22123"}
    bad = editor.post(url, data=form)
    assert bad.status_code == 400
    assert (
        '<span class="field-error" id="building-fuel_hours-error">Bränsle: från 0 till 8'
        "\u00a0760</span>" in bad.text
    )
    assert 'value="1 250,5"' in bad.text and 'value="\u22123"' in bad.text
    assert '<details class="edit no-print" open>' in bad.text
    site = db_session.get(Site, sid)
    assert site is not None and site.backup_kw != 1250.5
    ok = editor.post(url, data={**form, "fuel_hours": "48"})
    assert ok.status_code == 302
    db_session.refresh(site)
    assert (site.backup_kw, site.fuel_hours) == (1250.5, 48.0)

    reading = {"csrf_token": TOKEN, "year": "tjugo", "month": "", "kwh": "88 000"}
    bad = editor.post(f"{url}/readings", data=reading)
    assert bad.status_code == 400 and _count(db_session, MeterReading) == 0
    assert 'id="reading-year-error">År: ”tjugo” är inget tal</span>' in bad.text
    assert 'name="kwh" inputmode="decimal" required value="88 000">' in bad.text
    ok = editor.post(f"{url}/readings", data={**reading, "year": "2024"})
    assert ok.status_code == 302
    assert db_session.scalars(select(MeterReading.kwh)).one() == 88000


def test_readings_replace_by_period(
    editor: FlaskClient, county: dict[str, int], db_session: Session
) -> None:
    sid = county["e-a1"]
    first = editor.post(
        f"/api/v1/energy/buildings/{sid}/readings", json={"year": 2024, "kwh": 90000}
    )
    assert first.status_code == 201 and first.json["action"] == "insert"
    again = editor.post(
        f"/api/v1/energy/buildings/{sid}/readings", json={"year": 2024, "kwh": 88000}
    )
    assert again.status_code == 200 and again.json["action"] == "update"
    month = editor.post(
        f"/api/v1/energy/buildings/{sid}/readings", json={"year": 2024, "month": 1, "kwh": 9000}
    )
    assert month.json["action"] == "insert"
    assert _count(db_session, MeterReading) == 2
    update = _audit(db_session, table_name="meter_readings", action="update")
    assert [(e.field, e.old, e.new) for e in update] == [("kwh", 90000, 88000)]
    b = editor.get(f"/api/v1/energy/buildings/{sid}").json["building"]
    assert (b["use_kwh_year"], b["use_source"], b["use_year"]) == (88000, "metered", 2024)
    bad = editor.post(f"/api/v1/energy/buildings/{sid}/readings", json={"year": 1800, "month": 13})
    assert bad.status_code == 400 and set(bad.json["details"]) == {"year", "month", "kwh"}


def test_municipal_editor_edits_only_their_municipality(
    app: Flask, make_user, county: dict[str, int]
) -> None:  # type: ignore[no-untyped-def]
    local = client_as(app, make_user, "edit-ola", "editor", "2401")
    ok = local.post(
        f"/api/v1/energy/buildings/{county['e-a1']}/readings", json={"year": 2024, "kwh": 1}
    )
    assert ok.status_code == 201
    other = local.post(
        f"/api/v1/energy/buildings/{county['e-o1']}/readings", json={"year": 2024, "kwh": 1}
    )
    assert other.status_code == 403


# --- progress, load shedding, report --------------------------------------------------------------


def test_progress_against_targets(
    editor: FlaskClient, county: dict[str, int], db_session: Session
) -> None:
    """Region's target: 20 % from 2023. e-o1 (region) metered 2023 = 160 000, 2024 = 120 000:
    target 128 000, met. The others follow the default, 10 % from 2022, with their register
    figures as the base and no measures: no change. Östervik 2024: base 160 000 + 43 800 =
    203 800, target 128 000 + 39 420 = 167 420, use 120 000 + 43 800 = 163 800."""
    form = {"csrf_token": TOKEN, "owner": "region", "reduction_percent": "20", "base_year": "2023"}
    assert editor.post("/energy/targets", data=form).status_code == 302
    for year, kwh in ((2023, 160_000), (2024, 120_000)):
        editor.post(
            f"/api/v1/energy/buildings/{county['e-o1']}/readings", json={"year": year, "kwh": kwh}
        )
    doc = editor.get("/api/v1/energy/progress?year=2024").json
    by = {m["code"]: m for m in doc["municipalities"]}
    ost = by["2403"]
    assert ost["base_kwh"] == 203_800
    assert ost["target_kwh"] == pytest.approx(167_420)
    assert ost["use_kwh"] == 163_800
    assert ost["on_track"] is True and ost["metered"] == 1
    region = next(o for o in doc["owners"] if o["owner"] == "region")
    assert region["change_percent"] == 25 and region["reached"] == pytest.approx(1.25)
    assert doc["county"]["base_kwh"] == sum(m["base_kwh"] for m in doc["municipalities"])
    assert [s["year"] for s in doc["series"]] == [2022, 2023, 2024]
    assert doc["targets"] == [
        {"owner": "region", "municipality_code": None, "reduction_percent": 20.0,
         "base_year": 2023, "target_year": None}
    ]  # fmt: skip
    target_audit = _audit(db_session, table_name="energy_targets")
    assert {(e.field, e.new) for e in target_audit} >= {
        ("reduction_percent", 20.0),
        ("base_year", 2023),
    }
    page = editor.get("/energy/progress?year=2024")
    assert page.status_code == 200 and "<svg" in page.text


def test_load_shedding_by_class(client: FlaskClient, county: dict[str, int]) -> None:
    """Åbacka: e-a1 class 6, 100 000 / 8 760 × 2 = 22.83 kW; e-a2 class 7, 91.32 kW;
    energy-1 (warm shelter) and care-1 stay on. Östervik: e-o2 class 8, stored 30 kW;
    e-o1 (warm shelter) stays on."""
    doc = client.get("/api/v1/energy/load-shedding").json
    by = {m["code"]: m for m in doc["municipalities"]}
    aba = {c["priority"]: c for c in by["2401"]["classes"]}
    assert aba[6]["kw"] == pytest.approx(100_000 / 8_760 * 2)
    assert aba[7]["kw"] == pytest.approx(400_000 / 8_760 * 2)
    assert by["2401"]["sheddable_kw"] == pytest.approx(500_000 / 8_760 * 2)
    assert [k["name"] for k in by["2401"]["must_stay_on"]] == ["school energy-1"]
    assert [c["name"] for c in by["2401"]["care_sites"]] == ["Björkgårdens äldreboende"]
    assert by["2401"]["care_sites"][0]["priority"] == 2  # elderly_home's default
    ost = by["2403"]
    assert {c["priority"]: c["kw"] for c in ost["classes"]}[8] == 30
    assert [k["name"] for k in ost["must_stay_on"]] == ["Östervik folkhögskola"]
    half = client.get("/api/v1/energy/load-shedding?municipality=2401&peak_factor=1").json
    assert half["municipalities"][0]["sheddable_kw"] == pytest.approx(500_000 / 8_760)
    assert client.get("/api/v1/energy/load-shedding?peak_factor=0").status_code == 400
    page = client.get("/energy/load-shedding?municipality=2401")
    assert "Björkgårdens äldreboende" in page.text


def test_load_shedding_shows_one_municipality_at_a_time(
    app: Flask, make_user, client: FlaskClient, county: dict[str, int]
) -> None:  # type: ignore[no-untyped-def]
    """By default the first municipality by name (Åbacka before Östervik), or the user's
    own; ?municipality=all shows every one."""
    page = client.get("/energy/load-shedding").text
    assert page.count('<section class="shedding">') == 1
    assert "<h2>Åbacka" in page and "<h2>Östervik" not in page
    assert '<option value="2401" selected>' in page and "visa alla 2 kommuner" in page
    every = client.get("/energy/load-shedding?municipality=all").text
    assert every.count('<section class="shedding">') == 2
    assert '<option value="all" selected>' in every and "visa alla 2 kommuner" not in every
    own = client_as(app, make_user, "plan-olle", "planner", "2403")
    mine = own.get("/energy/load-shedding").text
    assert "<h2>Östervik" in mine and "<h2>Åbacka" not in mine
    assert client.get("/energy/load-shedding?municipality=9999").status_code == 400


def test_printable_report(client: FlaskClient, county: dict[str, int]) -> None:
    page = client.get("/energy/report/2401?year=2024")
    assert page.status_code == 200
    assert "Åbacka" in page.text and "css/energy.css" in page.text and "window.print()" in page.text
    assert page.text.count("<svg") == 1  # the line over time
    assert "Åbacka gymnasium" in page.text  # the saving potential list
    assert client.get("/energy/report/9999").status_code == 404
    with client.get("/static/css/energy.css") as css:
        assert "@media print" in css.text


# --- settings -------------------------------------------------------------------------------------


def test_the_target_form_says_each_problem_next_to_its_field(
    editor: FlaskClient, county: dict[str, int], db_session: Session
) -> None:
    form = {
        "csrf_token": TOKEN,
        "owner": "",
        "municipality_code": "",
        "reduction_percent": "12,5",
        "base_year": "2020",
        "target_year": "2019",
    }
    bad = editor.post("/energy/targets", data=form)
    assert bad.status_code == 400 and _count(db_session, EnergyTarget) == 0
    assert 'id="target-target_year-error">Målår: efter basåret, eller tomt</span>' in bad.text
    assert 'name="reduction_percent" inputmode="decimal" required value="12,5">' in bad.text
    english = editor.post("/energy/targets?lang=en", data={**form, "reduction_percent": "100"})
    assert 'id="target-reduction_percent-error">Reduction: above 0 and below 100</span>' in (
        english.text
    )
    editor.get("/energy?lang=sv")
    ok = editor.post("/energy/targets", data={**form, "target_year": "2030"})
    assert ok.status_code == 302
    target = db_session.scalars(select(EnergyTarget)).one()
    assert (target.reduction_percent, target.base_year, target.target_year) == (12.5, 2020, 2030)


def test_class_limits_change_the_classes_and_are_audited(
    editor: FlaskClient, county: dict[str, int], db_session: Session
) -> None:
    """Office limits 50, 60, 70, 80, 90, 100: e-o2's 87.6 kWh/m² becomes E (≤ 90)."""
    form = {"csrf_token": TOKEN, "kind": "office"}
    form.update(
        {
            f"limit_{c}": v
            for c, v in zip("ABCDEF", ["50", "60", "70", "80", "90", "100"], strict=True)
        }
    )
    assert editor.post("/energy/class-limits", data=form).status_code == 302
    b = editor.get(f"/api/v1/energy/buildings/{county['e-o2']}").json["building"]
    assert b["energy_class"] == "E"
    audit = _audit(db_session, table_name="energy_class_limits")
    assert [(e.row_id, e.new) for e in audit] == [("office", [50, 60, 70, 80, 90, 100])]
    bad = {**form, "limit_C": "55"}  # not increasing
    refused = editor.post("/energy/class-limits", data=bad)
    assert refused.status_code == 400  # the page again, the office's form as typed, and why
    assert "Sparades inte: gränserna måste vara över 0 och öka från A till F." in refused.text
    assert 'name="limit_C" inputmode="decimal" size="5" aria-label="C kontor" value="55"' in (
        refused.text
    )
    word = editor.post("/energy/class-limits", data={**form, "limit_B": "sextio"})
    assert 'id="limits-office-limit_B-error">B ≤: ”sextio” är inget tal</span>' in word.text
    assert (
        word.status_code == 400 and len(_audit(db_session, table_name="energy_class_limits")) == 1
    )
    printed = {**form, "limit_F": "1 000,5"}  # as the page prints numbers
    assert editor.post("/energy/class-limits", data=printed).status_code == 302
    assert _audit(db_session, table_name="energy_class_limits")[-1].new[-1] == 1000.5
    editor.post("/energy/class-limits", data={"csrf_token": TOKEN, "kind": "office", "reset": "1"})
    b = editor.get(f"/api/v1/energy/buildings/{county['e-o2']}").json["building"]
    assert b["energy_class"] == "D"


# --- import and export ----------------------------------------------------------------------------


MEASURES_CSV = """source_id;title;status;date;expected_kwh_year;verified_kwh_year;cost_sek
e-a1;LED-belysning;klar;2023-05-01;6000;5000;40000
e-a1;Injustering;planerad;;2000;;15000
e-o1;Tilläggsisolering;pågår;;9000,5;;250000
"""


def test_import_measures_all_or_nothing_with_row_errors(
    editor: FlaskClient, county: dict[str, int], db_session: Session
) -> None:
    bad = MEASURES_CSV + "nosuch;Fönster;planned;;1;;\ne-a2;Fönster;done;;1;;\n"
    response = energy_upload(editor, "measures", bad.encode(), "matgarder.csv")
    assert response.status_code == 422
    errors = response.json["errors"]
    assert {(e["where"], e["field"]) for e in errors} == {("line 6", "date")}
    assert _count(db_session, EnergyMeasure) == 0
    # The row with an unknown building is reported once the file itself is valid.
    unknown = MEASURES_CSV + "nosuch;Fönster;planned;;1;;\n"
    response = energy_upload(editor, "measures", unknown.encode(), "matgarder.csv")
    assert response.status_code == 422
    assert response.json["errors"] == [
        {
            "where": "line 5",
            "field": "source_id",
            "message": "no energy building with source_id 'nosuch'",
        }
    ]
    assert _count(db_session, EnergyMeasure) == 0


def test_import_measures_then_again_then_changed(
    editor: FlaskClient, county: dict[str, int], db_session: Session
) -> None:
    first = energy_upload(editor, "measures", MEASURES_CSV.encode(), "matgarder.csv")
    assert first.status_code == 200, first.text
    assert (first.json["inserted"], first.json["updated"]) == (3, 0)
    again = energy_upload(editor, "measures", MEASURES_CSV.encode(), "matgarder.csv")
    assert (again.json["inserted"], again.json["updated"]) == (0, 0)
    changed = MEASURES_CSV.replace("Injustering;planerad;;2000", "Injustering;klar;2024-02-01;2000")
    third = energy_upload(editor, "measures", changed.encode(), "matgarder.csv")
    assert (third.json["inserted"], third.json["updated"]) == (0, 1)
    updates = _audit(db_session, table_name="energy_measures", action="update")
    assert {(e.field, e.old, e.new) for e in updates} == {
        ("status", "planned", "done"),
        ("date", None, "2024-02-01"),
    }
    assert all(e.context == "import matgarder.csv" for e in updates)
    b = editor.get(f"/api/v1/energy/buildings/{county['e-o1']}").json["building"]
    assert b["savings_pending_kwh_year"] == 9000.5


def test_export_measures_imports_again_unchanged(
    editor: FlaskClient, county: dict[str, int]
) -> None:
    energy_upload(editor, "measures", MEASURES_CSV.encode(), "matgarder.csv")
    exported = editor.get("/energy/export/measures.csv")
    assert exported.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == 3 and rows[0]["source_id"] == "e-a1"
    back = energy_upload(editor, "measures", exported.data, "export.csv")
    assert (back.json["inserted"], back.json["updated"]) == (0, 0), back.json


def test_import_readings_from_a_geopackage_table(
    editor: FlaskClient, county: dict[str, int], db_session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "readings.gpkg"
    table = pa.table(
        {
            "source_id": ["e-a1", "e-a1", "e-o2"],
            "year": pa.array([2022, 2023, 2023], pa.int64()),
            "month": pa.array([None, None, 1], pa.int64()),
            "kwh": [99_000.0, 95_000.0, 4_000.0],
        }
    )
    pyogrio.write_arrow(table, path, layer="readings", driver="GPKG")
    response = energy_upload(editor, "readings", path.read_bytes(), "readings.gpkg")
    assert response.status_code == 200, response.text
    assert (response.json["format"], response.json["inserted"]) == ("gpkg", 3)
    assert _count(db_session, MeterReading) == 3
    export = editor.get("/energy/export/readings.csv").text
    assert "e-a1" in export and "95000" in export


def test_import_the_register(
    editor: FlaskClient, county: dict[str, int], db_session: Session
) -> None:
    body = (
        "source,source_id,name,kind,owner,heated_area_m2,energy_kwh_year,heating,"
        "styrel_priority,x,y\n"
        "test,n-1,Nya skolan,school,municipality,800,96000,Fjärrvärme,6,753000,7083000\n"
        "test,e-a1,Åbacka skola,school,municipality,1000,110000,district_heating,6,751000,"
        "7081000\n"
    )
    response = energy_upload(editor, "register", body.encode(), "register.csv")
    assert response.status_code == 200, response.text
    new = db_session.scalars(select(Site).where(Site.source_id == "n-1")).one()
    assert new.category == "energy" and new.municipality_code == "2401"
    assert new.heating == "district_heating" and new.attributes == {"styrel_priority": 6}
    updates = _audit(db_session, table_name="sites", action="update")
    assert [(e.field, e.old, e.new) for e in updates] == [("energy_kwh_year", 100_000, 110_000)]
    assert _audit(db_session, table_name="sites", action="insert", site_id=new.id)

    bad = body.replace("Fjärrvärme,6", "kol,9").replace(",school,", ",bakery,", 1)
    refused = energy_upload(editor, "register", bad.encode(), "register.csv")
    assert refused.status_code == 422
    assert {(e["where"], e["field"]) for e in refused.json["errors"]} == {
        ("line 2", "heating"),
        ("line 2", "styrel_priority"),
        ("line 2", "kind"),
    }


def test_register_exports(client: FlaskClient, county: dict[str, int]) -> None:
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/energy/export/register.csv?municipality=2401").text)
        )
    )
    assert {r["source_id"] for r in rows} == {"e-a1", "e-a2", "energy-1"}
    first = rows[0]
    assert first["source_id"] == "e-a2" and float(first["saving_potential_kwh_year"]) == 100_000
    assert float(first["x"]) == 752_000
    geo = client.get("/energy/export/register.geojson?crs=EPSG:3006")
    doc = json.loads(geo.data)
    assert doc["crs"]["properties"]["name"].endswith("3006")
    assert len(doc["features"]) == 5  # e-a1, e-a2, e-o1, e-o2 and energy-1
    assert client.get("/energy/export/nothing.csv").status_code == 404


def test_import_page(editor: FlaskClient, county: dict[str, int]) -> None:
    page = editor.get("/energy/import")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    bad = "source_id;title;status\nnosuch;LED;planned\n"
    response = editor.post(
        "/energy/import",
        data={"csrf_token": TOKEN, "kind": "measures", "file": (io.BytesIO(bad.encode()), "m.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "line 2" in response.text and "nosuch" in response.text
    assert 'aria-invalid="true" aria-describedby="import-report">' in response.text
    fileless = editor.post(
        "/energy/import",
        data={"csrf_token": TOKEN, "kind": "readings", "crs": "EPSG:3006"},
        content_type="multipart/form-data",
    )
    assert fileless.status_code == 400
    assert 'id="import-file-error">Fil: Välj en fil att importera.</span>' in fileless.text
    assert 'value="EPSG:3006"' in fileless.text and '<option value="readings" selected>' in (
        fileless.text
    )


def test_cli_imports_measures_with_an_audit_name(
    app: Flask, county: dict[str, int], db_session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "atgarder.csv"
    path.write_text(MEASURES_CSV, encoding="utf-8")
    cli = app.test_cli_runner()
    result = cli.invoke(args=["geodata", "import-energy", "measures", str(path), "--user", "lst"])
    assert result.exit_code == 0, result.output
    assert "3 inserted, 0 updated" in result.output
    assert {e.user_name for e in _audit(db_session, table_name="energy_measures")} == {"lst"}
    path.write_text(MEASURES_CSV.replace("e-o1", "nosuch"), encoding="utf-8")
    failed = cli.invoke(args=["geodata", "import-energy", "measures", str(path)])
    assert failed.exit_code == 1 and "nosuch" in failed.output


def test_register_export_imports_again_unchanged(
    editor: FlaskClient, county: dict[str, int], db_session: Session
) -> None:
    """The export's computed columns are not stored; attributes the file lacks are kept."""
    row = db_session.get(Site, county["e-a1"])
    assert row is not None
    row.attributes = {**row.attributes, "locality": "Åbacka"}
    db_session.commit()
    exported = editor.get("/energy/export/register.csv?municipality=2401").data
    back = energy_upload(editor, "register", exported, "export.csv")
    assert back.status_code == 200, back.text
    assert any("computed columns ignored" in n for n in back.json["notes"])
    db_session.refresh(row)
    assert row.heating == "district_heating"
    assert row.attributes == {"styrel_priority": 6, "locality": "Åbacka"}
    assert _audit(db_session, table_name="sites") == []
