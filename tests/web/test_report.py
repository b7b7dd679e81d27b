"""The run page's v2 parts (timeline charts, care sites, food stock) and the situation report
(lägesbild): its page, and its PDF printed by headless Chromium and read back with pypdf."""

from __future__ import annotations

import io
import re
import shutil

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from resilience.models import LiveState, Scenario
from resilience.scenarios import parse_scenario
from resilience.services import runs, scenarios
from tests.factories import OUTAGE_ABACKA, heat_county
from tests.helpers.pages import table_cells


def _finished(session: Session, kind: str = "user") -> int:
    scenario = scenarios.create_scenario(session, parse_scenario(OUTAGE_ABACKA), kind=kind)
    run = runs.start_run(session, scenario)
    runs.compute_run(session, run.id)
    session.commit()
    return run.id


def test_the_run_page_shows_the_timeline_care_sites_and_food(
    client: FlaskClient, db_session: Session
) -> None:
    heat_county(db_session)
    run_id = _finished(db_session)
    page = client.get(f"/runs/{run_id}")
    assert page.status_code == 200
    text = page.text
    assert 'id="timeline-care"' in text and 'id="timeline-people"' in text
    assert "Vård- och omsorgsenheter utan ström" in text and "Boende i kalla byggnader" in text
    assert 'id="time-slider"' in text and f'"timelineUrl": "/api/v1/runs/{run_id}/timeline"' in text
    # The care sites, worst first: Östergården (cold from hour 7.3) before Björkgården.
    rows = re.findall(r'<tr data-site-id="(\d+)"', text)
    names = re.findall(r'<tr data-site-id="\d+"[^>]*>\s*<th[^>]*><a[^>]*>([^<]+)</a>', text)
    assert names == ["Östergården", "Björkgårdens äldreboende"] and len(rows) == 2
    assert re.search(r'data-metric="first_cold_hour" data-value="7\.3\d*">7,3<', text)
    food = table_cells(text, "food-table")
    assert food["2403"]["food_stock_days"] == "36,4"  # 2,000 person-days / 55 people
    assert food["2401"]["food_stock_days"] == "0"  # its only food site lies in Östervik
    assert food["2403"]["food_sites_stock_unknown"] == "1"
    assert food["county"]["food_stock_deficit_person_days"] == "0"  # 2000 > 7 · 205
    fragment = client.get(f"/runs/{run_id}/table")
    assert 'id="care-sites-table"' in fragment.text and "<html" not in fragment.text


def test_the_timeline_api_is_the_documents(client: FlaskClient, db_session: Session) -> None:
    heat_county(db_session)
    run_id = _finished(db_session)
    timeline = client.get(f"/api/v1/runs/{run_id}/timeline").json
    document = client.get(f"/api/v1/runs/{run_id}/result").json
    assert timeline == document["timeline"]
    assert document["model_version"] == 3 and set(document) == {
        "model_version",
        "parameters",
        "sites",
        "municipalities",
        "county",
        "timeline",
        "roads",
    }
    assert document["roads"] is None  # no road network in the data
    assert {"home_care_clients_unpowered", "unreachable", "baseline_unreachable"} <= set(
        document["county"]
    )
    assert {"home_care_clients_unpowered", "unreachable"} <= set(timeline["county"])
    assert {"access_speed_kmh", "offroad_max_km", "closure_level", "road_speeds"} <= set(
        document["parameters"]
    )
    assert document["parameters"]["cold_threshold_c"] == 18
    assert {"care_sites_cold", "food_stock_days"} <= set(document["county"])
    assert set(document["sites"][0]) >= {
        "heat_plant_source_id",
        "hours_cold",
        "min_indoor_c",
        "outage_hours",
    }
    status = client.get(f"/api/v1/runs/{run_id}").json
    assert status["links"]["report_pdf"] == f"/runs/{run_id}/report.pdf"


def test_the_report_page_in_swedish(client: FlaskClient, db_session: Session) -> None:
    heat_county(db_session)
    run_id = _finished(db_session)
    page = client.get(f"/runs/{run_id}/report?lang=en")  # Swedish whatever the reader's
    assert page.status_code == 200
    text = page.text
    assert "Lägesbild" in text and f"Körning {run_id}" in text and "Avbrott i Åbacka" in text
    assert "Inga varningar gäller över länet." in text
    row = re.search(r'<tr data-metric="residents_cold">(.*?)</tr>', text, re.S)
    assert row
    cells = re.findall(r'<td class="num">([^<]*)</td>', row.group(1))
    # now, 6 h: not yet cold (t* = 7.33 h); 12 h: Östergården's 25; 24 h, 48 h: grid back.
    assert cells == ["0", "0", "25", "–", "–"]
    assert "Östergården" in text and "Åbacka värmeverk" not in text  # plants are no care


@pytest.mark.browser
def test_the_report_pdf_has_the_figures(client: FlaskClient, db_session: Session) -> None:
    if shutil.which("chromium") is None and shutil.which("/usr/bin/chromium") is None:
        pytest.fail("Chromium is needed for the PDF: scripts/setup.sh installs it")
    heat_county(db_session)
    run_id = _finished(db_session)
    response = client.get(f"/runs/{run_id}/report.pdf")
    assert response.status_code == 200, response.text
    assert response.mimetype == "application/pdf"
    assert f'filename="lagesbild_run-{run_id}.pdf"' in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1  # one A4 page
    box = reader.pages[0].mediabox
    assert (
        round(float(box.width) / 72 * 25.4) == 210 and round(float(box.height) / 72 * 25.4) == 297
    )
    text = " ".join(reader.pages[0].extract_text().split())  # table cells wrap lines
    assert "Lägesbild" in text and f"Körning {run_id}" in text
    assert "Östergården" in text and "Björkgårdens äldreboende" in text
    assert "Vård- och omsorgsenheter som blir kalla först" in text
    # Now, at 6 and 12 h (Östergården cold from 7.3 h), then the grid is back (D = 24 h).
    assert "Boende i kalla byggnader 0 0 25 – –" in text
    assert "Boende utan ström 40 0 0 – –" in text  # until the generator arrives
    assert "Östervik 25 7,3 16,7" in text  # residents, cold from hour, hours cold
    assert "Östervik 36,4 36,4 0" in text  # food stock days, scenario and normally


def test_the_live_report_is_the_newest_live_run(client: FlaskClient, db_session: Session) -> None:
    heat_county(db_session)
    assert client.get("/live/report").status_code == 404
    run_id = _finished(db_session, kind="live")
    scenario = db_session.get(Scenario, runs.get_run(db_session, run_id).scenario_id)
    db_session.add(
        LiveState(fingerprint="x" * 64, warning_ids=[], scenario_id=scenario.id, run_id=run_id)
    )
    db_session.commit()
    response = client.get("/live/report")
    assert response.status_code == 302 and response.location.endswith(f"/runs/{run_id}/report")
    page = client.get(response.location)
    assert "direkt, från gällande varningar" in page.text
    pdf = client.get("/live/report.pdf")
    assert pdf.status_code == 302 and pdf.location.endswith(f"/runs/{run_id}/report.pdf")


def test_reports_of_unknown_or_unfinished_runs(client: FlaskClient, db_session: Session) -> None:
    heat_county(db_session)
    assert client.get("/runs/999999/report").status_code == 404
    assert client.get("/runs/999999/report.pdf").status_code == 404
    scenario = scenarios.create_scenario(db_session, parse_scenario(OUTAGE_ABACKA))
    queued = runs.start_run(db_session, scenario)
    db_session.commit()
    assert client.get(f"/runs/{queued.id}/report").status_code == 409
    assert client.get(f"/api/v1/runs/{queued.id}/timeline").status_code == 404
