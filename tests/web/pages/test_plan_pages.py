"""The "Reservkraftsplan" pages: choose and start a plan (form and permissions), its result
(ranked table, chart, numbered map, food stock), print, GeoPackage and CSV exports; and
`flask plan run --json` printing the plan document."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import zipfile
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from resilience.models import BackupPlan
from resilience.scenarios import parse_scenario
from resilience.services import imports, plans, scenarios
from tests.conftest import login
from tests.factories import OUTAGE_ABACKA, plan_county, site


def _csrf(client: FlaskClient) -> str:
    page = client.get("/plans").text
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _finished(session: Session, ids: list[int]) -> BackupPlan:
    request = plans.parse_request(session, {"scenarios": ids, "sites": 10})
    row = plans.start_plan(session, request, user="pia")
    plans.compute_plan(session, row.id)
    session.commit()
    return row


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(BackupPlan)) or 0


def test_the_page_in_swedish_with_the_built_in_scenarios_preselected(
    app: Flask, make_user, db_session: Session
) -> None:  # type: ignore[no-untyped-def]
    plan_county(db_session)
    builtin = scenarios.create_scenario(
        db_session, parse_scenario({**OUTAGE_ABACKA, "name": "Storm i Åbacka"}), kind="builtin"
    )
    db_session.commit()
    make_user("planner-pia", "planner")
    client = app.test_client()
    login(client, "planner-pia")
    page = client.get("/plans")
    assert page.status_code == 200
    assert "Reservkraftsplan" in page.text and "Starta planen" in page.text
    assert f'value="{builtin.id}" checked' in page.text
    assert "Storm i Åbacka" in page.text
    english = client.get("/plans?lang=en").text
    assert "Start the plan" in english


def test_a_viewer_sees_plans_but_cannot_start_one(client: FlaskClient, db_session: Session) -> None:
    ids = plan_county(db_session)
    assert "Starta planen" not in client.get("/plans").text
    response = client.post("/plans", data={"scenario": ids, "sites": "3"})
    assert response.status_code == 403 and _count(db_session) == 0


def test_form_starts_a_plan_and_bad_input_changes_nothing(
    app: Flask, make_user, db_session: Session, redis_conn
) -> None:  # type: ignore[no-untyped-def]
    ids = plan_county(db_session)
    make_user("planner-pia", "planner")
    client = app.test_client()
    login(client, "planner-pia")
    token = _csrf(client)
    form = {
        "csrf_token": token,
        "scenario": [str(i) for i in ids],
        "sites": "4",
        "plan_fuel_hours": "48",
        "objective": "resident_hours_cold",
        "municipality": "",
    }
    for bad in (
        {"sites": "fyra"},
        {"sites": "0"},
        {"scenario": []},
        {"scenario": ["x"]},
        {"objective": "x"},
        {"municipality": "9999"},
        {"plan_fuel_hours": "-2"},
    ):
        response = client.post("/plans", data={**form, **bad})
        assert response.status_code == 400, bad
    assert _count(db_session) == 0
    started = client.post("/plans", data=form)
    assert started.status_code == 303
    row = db_session.scalars(select(BackupPlan)).one()
    assert started.headers["Location"].endswith(f"/plans/{row.id}")
    assert row.parameters == {
        "sites": 4,
        "plan_fuel_hours": 48.0,
        "objective": "resident_hours_cold",
        "municipality": None,
    }
    assert set(row.scenario_snapshots) == {str(i) for i in ids}
    assert redis_conn.exists(f"rq:job:plan-{row.id}")
    waiting = client.get(f"/plans/{row.id}")
    assert 'http-equiv="refresh"' in waiting.text
    assert 'id="plan-status">i kö<' in waiting.text


def test_form_numbers_as_printed_and_errors_next_to_their_fields(
    app: Flask, make_user, db_session: Session, redis_conn
) -> None:  # type: ignore[no-untyped-def]
    """Numbers as the page prints them; a bad one is said next to its field, by its label,
    in Swedish or English, and the form comes back as typed (other fields too)."""
    ids = plan_county(db_session)
    make_user("planner-pia", "planner")
    client = app.test_client()
    login(client, "planner-pia")
    form = {
        "csrf_token": _csrf(client),
        "scenario": [str(ids[-1])],
        "sites": "fyra",
        "plan_fuel_hours": "12 34",
        "objective": "resident_hours_cold",
    }
    page = client.post("/plans", data=form)
    assert page.status_code == 400 and _count(db_session) == 0
    assert (
        '<input type="text" inputmode="numeric" name="sites" value="fyra" required'
        ' aria-invalid="true" aria-describedby="plan-sites-error">' in page.text
    )
    assert (
        '<span class="field-error" id="plan-sites-error">Antal platser: ”fyra” är inget tal'
        "</span>" in page.text
    )
    assert (
        '<span class="field-error" id="plan-plan_fuel_hours-error">Bränsletimmar för den nya'
        " reservkraften: ”12 34” är inget tal: siffrorna grupperas tre och tre, som i"
        " 250\u00a0000</span>" in page.text
    )
    assert 'value="12 34"' in page.text
    assert (
        f'value="{ids[-1]}" checked' in page.text and f'value="{ids[0]}" checked' not in page.text
    )
    assert '<option value="resident_hours_cold" selected>' in page.text

    english = client.post("/plans?lang=en", data={**form, "sites": "501", "scenario": []})
    assert english.status_code == 400
    assert 'id="plan-sites-error">Number of sites: from 1 to 500</span>' in english.text
    assert 'id="plan-scenarios-error">Scenarios: choose at least one</span>' in english.text
    assert "Fuel hours of the new backup power: “12 34” is not a number: digits are grouped" in (
        english.text
    )
    assert _count(db_session) == 0

    started = client.post(
        "/plans?lang=en", data={**form, "sites": "4", "plan_fuel_hours": "1,234.5"}
    )
    assert started.status_code == 303, started.text
    client.get("/plans?lang=sv")
    again = client.post("/plans", data={**form, "sites": "4", "plan_fuel_hours": "1 234,5"})
    assert again.status_code == 303, again.text
    rows = db_session.scalars(select(BackupPlan).order_by(BackupPlan.id)).all()
    assert [r.parameters["plan_fuel_hours"] for r in rows] == [1234.5, 1234.5]


def test_the_api_says_which_member_of_a_plan_request_is_wrong(
    app: Flask, make_user, db_session: Session
) -> None:  # type: ignore[no-untyped-def]
    """The JSON API keeps JSON numbers: "4" is no number there, and the error names it."""
    ids = plan_county(db_session)
    make_user("planner-pia", "planner")
    client = app.test_client()
    login(client, "planner-pia")
    token = _csrf(client)
    for body, field in (
        ({"scenarios": ids, "sites": "4"}, "sites"),
        ({"scenarios": ids, "plan_fuel_hours": "250 000"}, "plan_fuel_hours"),
        ({"scenarios": [], "sites": 4}, "scenarios"),
        ({"scenarios": ids, "municipality": "9999"}, "municipality"),
    ):
        response = client.post("/api/v1/plans", json=body, headers={"X-CSRF-Token": token})
        assert response.status_code == 400, (body, response.text)
        assert response.json["field"] == field
    assert _count(db_session) == 0


def test_a_municipality_planner_is_restricted_to_theirs(
    app: Flask, make_user, db_session: Session, redis_conn
) -> None:  # type: ignore[no-untyped-def]
    ids = plan_county(db_session)
    make_user("planner-ola", "planner", "2403")
    client = app.test_client()
    login(client, "planner-ola")
    page = client.get("/plans").text
    assert "Hela länet" not in page and "The whole county" not in page
    token = _csrf(client)
    form = {
        "csrf_token": token,
        "scenario": [str(ids[0])],
        "sites": "2",
        "plan_fuel_hours": "72",
        "municipality": "2401",
    }
    assert client.post("/plans", data=form).status_code == 403
    assert _count(db_session) == 0
    assert client.post("/plans", data={**form, "municipality": ""}).status_code == 303
    assert db_session.scalars(select(BackupPlan)).one().parameters["municipality"] == "2403"


def test_result_page_print_and_exports(
    client: FlaskClient, db_session: Session, tmp_path: Path
) -> None:
    ids = plan_county(db_session)
    row = _finished(db_session, ids)
    page = client.get(f"/plans/{row.id}")
    assert page.status_code == 200
    text = page.text
    assert "Gruppboendet Åsen" in text and "Björkgårdens äldreboende" in text
    assert text.index("Björkgårdens äldreboende") < text.index("Gruppboendet Åsen")
    assert "<svg" in text and "Sammanlagd minskning efter antal platser" in text
    # The map's script gets the ranked sites (static/js/planmap.js numbers them).
    assert "PlanMap.init" in text and '"rank": 1,' in text and '"rank": 2,' in text
    assert "Underskott i livsmedelslager per kommun" in text and "Åbacka" in text
    assert "leaflet" in text.lower()

    printed = client.get(f"/plans/{row.id}/print")
    assert printed.status_code == 200 and "window.print()" in printed.text
    assert "Gruppboendet Åsen" in printed.text

    exported = client.get(f"/plans/{row.id}/export.csv")
    assert exported.status_code == 200
    assert exported.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(exported.data)) as archive:
        (member,) = [n for n in archive.namelist() if n.endswith(".csv")]
        text_csv = archive.read(member).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text_csv)))
    assert [r["rank"] for r in rows] == ["1", "2"]
    assert rows[1]["name"] == "Gruppboendet Åsen"

    gpkg = client.get(f"/plans/{row.id}/export.gpkg")
    assert gpkg.status_code == 200
    path = tmp_path / "plan.gpkg"
    path.write_bytes(gpkg.data)
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM backup_power_plan ORDER BY rank")]
        srs = conn.execute("SELECT srs_id FROM gpkg_geometry_columns").fetchone()[0]
    assert names == ["Björkgårdens äldreboende", "Gruppboendet Åsen"] and srs == 3006

    assert client.get(f"/plans/{row.id}/export.shp").status_code == 400
    assert client.get("/plans/999999").status_code == 404


def test_each_step_says_what_it_changes(
    client: FlaskClient, db_session: Session, tmp_path: Path
) -> None:
    """plan_county: step 2 gives the one generator to Björkgården (40 residents) first, so
    Gruppboendet Åsen has none in either scenario. Equipping Björkgården (rank 1) frees it
    for Åsen in both; Åsen (rank 2) then frees it for no one. On the page, its print, the
    CSV, the GeoPackage and the API, by names."""
    ids = plan_county(db_session)
    row = _finished(db_session, ids)
    document = row.document
    assert document is not None
    first, second = document["steps"]
    assert first["name"] == "Björkgårdens äldreboende"
    assert list(first["effects"]) == [str(i) for i in ids]
    for key in first["effects"]:
        effect = first["effects"][key]
        assert effect["reduction"] == first["per_scenario"][key] > 0
        (move,) = effect["generators"]
        assert (move["generator_name"], move["from_name"], move["to_name"]) == (
            "mobile_generator gen-1",
            "Björkgårdens äldreboende",
            "Gruppboendet Åsen",
        )
    (move,) = second["effects"][str(ids[1])]["generators"]
    assert (move["from_name"], move["to_name"]) == ("Gruppboendet Åsen", None)

    hours = first["per_scenario"][str(ids[0])]
    saved = f"{hours:.1f}".replace(".", ",")
    line = (
        f"Avbrott i Åbacka: sparar {saved} boendetimmar;"
        " frigör mobile_generator gen-1 för Gruppboendet Åsen"
    )
    page = client.get(f"/plans/{row.id}").text
    assert '<th class="plan-effects">Vad den ändrar</th>' in page
    assert f"<li>{line}</li>" in page
    assert "frigör mobile_generator gen-1, som ingen annan plats kan använda" in page
    assert line in client.get(f"/plans/{row.id}/print").text
    english = client.get(f"/plans/{row.id}?lang=en").text
    assert "What it changes" in english
    assert "frees mobile_generator gen-1 for Gruppboendet Åsen" in english

    exported = client.get(f"/plans/{row.id}/export.csv?lang=sv")  # the page's language
    with zipfile.ZipFile(io.BytesIO(exported.data)) as archive:
        (member,) = [n for n in archive.namelist() if n.endswith(".csv")]
        rows = list(csv.DictReader(io.StringIO(archive.read(member).decode("utf-8-sig"))))
    assert line in rows[0]["effects"] and "Långt avbrott i Åbacka: sparar" in rows[0]["effects"]
    gpkg = client.get(f"/plans/{row.id}/export.gpkg")
    path = tmp_path / "plan.gpkg"
    path.write_bytes(gpkg.data)
    with sqlite3.connect(path) as conn:
        effects = [
            r[0] for r in conn.execute("SELECT effects FROM backup_power_plan ORDER BY rank")
        ]
    assert line in effects[0] and "frigör mobile_generator gen-1, som ingen" in effects[1]
    api = client.get(f"/api/v1/plans/{row.id}").json
    assert api["document"]["steps"][0]["effects"] == first["effects"]


def test_cli_prints_the_plan_document(app: Flask, committed: Session) -> None:
    ids = plan_county(committed)
    args = ["plan", "run", "--sites", "1", "--json"]
    for i in ids:
        args += ["--scenario", str(i)]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["scenarios"] == [str(i) for i in ids]
    assert [s["name"] for s in document["steps"]] == ["Björkgårdens äldreboende"]
    assert _count(committed) == 0  # nothing stored
    bad = app.test_cli_runner().invoke(args=["plan", "run", "--scenario", "999999", "--json"])
    assert bad.exit_code == 1 and "no scenario" in bad.output


def test_site_names_are_text_on_the_page_and_the_map(
    client: FlaskClient, db_session: Session
) -> None:
    ids = plan_county(db_session)
    imports.import_sites(
        db_session,
        [
            site(
                "evil",
                "care",
                "elderly_home",
                755_000,
                7_085_000,
                residents=99,
                name='<img src=x onerror="alert(1)">',
            )
        ],
        "test3",
    )
    db_session.commit()
    row = _finished(db_session, ids)
    text = client.get(f"/plans/{row.id}").text
    assert "<img src=x" not in text
    assert "&lt;img src=x onerror=" in text  # the table and the tooltip, escaped
    assert client.get(f"/plans/{row.id}/print").text.count("<img src=x") == 0
