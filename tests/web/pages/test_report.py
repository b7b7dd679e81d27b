"""The run page's v2 parts (timeline charts, care sites, food stock) and the situation report
(lägesbild): its page, and its PDF printed by headless Chromium and read back with pypdf."""

from __future__ import annotations

import io
import os
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from resilience.models import LiveState, Scenario
from resilience.scenarios import parse_scenario
from resilience.services import imports, runs, scenarios, warning_banner
from tests.factories import OUTAGE_ABACKA, heat_county, site, stored_warning
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
    # In short, the cold too (a heat-only event is not all zeros): Östergården's 25.
    assert '<li data-metric="residents_cold"><strong>25</strong>' in text
    assert '<li data-metric="care_sites_cold"><strong>1</strong>' in text
    runs_list = client.get("/runs").text
    assert '<td class="num" data-metric="residents_cold">25</td>' in runs_list
    # ... in the municipality table (Östergården lies in Östervik) and compared with a run
    # where nothing happens: the heat figures, not only zeros (issue 20, item 6).
    municipalities = table_cells(text, "municipality-table")
    assert {c: r["residents_cold"] for c, r in municipalities.items()} == {
        "2401": "0",
        "2403": "25",
        "county": "25",
    }
    assert municipalities["2403"]["care_sites_cold"] == "1"
    calm = runs.start_run(
        db_session, scenarios.create_scenario(db_session, parse_scenario({"name": "Lugnt väder"}))
    )
    runs.compute_run(db_session, calm.id)
    db_session.commit()
    compare = client.get(f"/runs/compare?a={calm.id}&b={run_id}").text
    compared = table_cells(compare, "compare-table")
    assert compared["2403"]["residents_cold"] == "+25"
    assert compared["county"]["care_sites_cold"] == "+1"
    assert 'id="time-slider"' in text and f'"timelineUrl": "/api/v1/runs/{run_id}/timeline"' in text
    # The care sites, worst first: Östergården (cold from hour 7.3) before Björkgården.
    rows = re.findall(r'<tr data-site-id="(\d+)"', text)
    names = re.findall(r'<tr data-site-id="\d+"[^>]*>\s*<th[^>]*><a[^>]*>([^<]+)</a>', text)
    assert names == ["Östergården", "Björkgårdens äldreboende"] and len(rows) == 2
    # The hour as a time of day after hour 0, with the hours since it.
    assert re.search(
        r'data-metric="first_cold_hour" data-value="7\.3\d*">\d+/\d+ \d\d:\d\d \(7,3 h\)<', text
    )
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
        "hour_zero",  # the clock time of hour 0 (issue 20): the API's only addition
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


def _home_care_inside(session: Session) -> None:
    """A home-care base inside the Åbacka outage with 120 clients, and a group home there."""
    imports.import_sites(
        session,
        [
            site(
                "hc-1",
                "care",
                "home_care_base",
                752_000,
                7_082_000,
                residents=120,
                name="Hemtjänsten Åbacka",
            ),
            site(
                "gh-1",
                "care",
                "group_home",
                758_000,
                7_088_000,
                residents=6,
                name="Gruppbostaden Lärkan",
            ),
        ],
        "test",
    )
    session.commit()


def _finished_from(session: Session, document: dict[str, Any], kind: str = "user") -> int:
    scenario = scenarios.create_scenario(session, parse_scenario(document), kind=kind)
    run = runs.start_run(session, scenario)
    runs.compute_run(session, run.id)
    session.commit()
    return run.id


def test_the_report_page_in_swedish(client: FlaskClient, db_session: Session) -> None:
    heat_county(db_session)
    run_id = _finished(db_session)
    page = client.get(f"/runs/{run_id}/report?lang=en")  # Swedish whatever the reader's
    assert page.status_code == 200
    text = page.text
    assert "Lägesbild" in text and f"Körning {run_id}" in text and "Avbrott i Åbacka" in text
    # A planning scenario: marked as such, and no warnings (not even those in force).
    assert "SCENARIO – INTE AKTUELL LÄGESBILD" in text
    assert "Gällande varningar" not in text and "SMHI:s varningsflöde" not in text
    assert "Ej säkerhetsskyddsklassificerad" in text  # the default classification line
    row = re.search(r'<tr data-metric="residents_cold">(.*?)</tr>', text, re.S)
    assert row
    cells = re.findall(r'<td class="num[^"]*">([^<]*)</td>', row.group(1))
    # start, the peak (hour 0: 40 without power), 6 h: not yet cold (t* = 7.33 h); 12 h:
    # Östergården's 25; power back at 24 h.
    heads = re.findall(r'<th class="num[^"]*" data-key="(\w+)">', text)
    assert heads == ["start", "peak", "hour", "hour", "back"]
    assert cells == ["0", "0", "0", "25", "–"]
    assert "Östergården" in text and "Åbacka värmeverk <span" not in text  # plants: no care
    assert 'id="report-map"' in text and '<path d="M' in text  # our own map, inline SVG


def test_the_report_sets_the_next_update(client: FlaskClient, db_session: Session) -> None:
    heat_county(db_session)
    run_id = _finished(db_session)
    page = client.get(f"/runs/{run_id}/report?next=2026-12-08T08:00")
    assert "Nästa uppdatering: 2026-12-08 08:00" in page.text
    bad = client.get(f"/runs/{run_id}/report?next=imorgon", headers={"Accept": "text/html"})
    assert bad.status_code == 400 and "Nästa uppdatering: ange en tid" in bad.text


def _pdf_text(client: FlaskClient, url: str) -> str:
    if shutil.which("chromium") is None and shutil.which("/usr/bin/chromium") is None:
        pytest.fail("Chromium is needed for the PDF: scripts/setup.sh installs it")
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) <= 2  # the briefing page, then the map and the tables
    box = reader.pages[0].mediabox
    assert (
        round(float(box.width) / 72 * 25.4) == 210 and round(float(box.height) / 72 * 25.4) == 297
    )
    Path(os.environ.get("REPORT_PDF_DUMP", "/dev/null")).write_bytes(response.data)
    # table cells wrap lines
    return " ".join(" ".join(p.extract_text().split()) for p in reader.pages)


@pytest.mark.browser
def test_the_report_pdf_has_the_figures(client: FlaskClient, db_session: Session) -> None:
    heat_county(db_session)
    _home_care_inside(db_session)
    run_id = _finished_from(db_session, OUTAGE_ABACKA | {"start": "2026-12-07T06:00"})
    response = client.get(f"/runs/{run_id}/report.pdf")
    assert f'filename="lagesbild_run-{run_id}.pdf"' in response.headers["Content-Disposition"]
    text = _pdf_text(client, f"/runs/{run_id}/report.pdf")
    assert "Lägesbild" in text and f"Körning {run_id}" in text
    assert "SCENARIO – INTE AKTUELL LÄGESBILD" in text  # a planning scenario, marked
    assert "Gällande varningar" not in text
    # Hour 0 is the scenario's start; the peak is named, with its clock time.
    assert "Timme 0 är 7/12 06:00 (scenariots starttid)" in text
    assert re.search(r"Topp 7/12 06:00 \(timme 0\): 46 boende utan ström eller i kalla", text)
    assert "Strömmen är tillbaka överallt 8/12 06:00 (timme 24)" in text
    # Residential care first, the first cold first (Östergården cold from 13:20, 7.3 h),
    # then those without power; the home-care base apart, its clients not residents.
    residential = text.index("Boenden: äldreboenden, gruppbostäder och sjukhus")
    home_care = text.index("Hemtjänst: brukare i egna hem")
    assert residential < home_care
    rows = text[residential:home_care]
    assert rows.index("Östergården") < rows.index("Björkgårdens äldreboende")
    assert "Hemtjänsten Åbacka" not in rows
    assert "7/12 13:20 (7,3 h)" in rows  # cold from, on the clock
    assert "1 hemtjänstbaser berörs, med 120 brukare i egna hem" in text[home_care:]
    assert "Boende utan ström 46 46" in text  # start and peak: not the 120 clients
    assert "Östervik 36,4 36,4 0" in text  # food stock days, scenario and normally


def test_a_live_report_names_its_warnings_sources_and_the_feed(
    client: FlaskClient, db_session: Session
) -> None:
    heat_county(db_session)
    run_id = _finished(db_session, kind="live")
    scenario = db_session.get(Scenario, runs.get_run(db_session, run_id).scenario_id)
    starts = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)
    polled = _warning(db_session, "smhi-ibww", None, starts)
    pushed = _warning(db_session, "cap", "viewer-vera", starts + timedelta(hours=2))
    filed = _warning(db_session, "smhi-ibww", "root", starts + timedelta(hours=3))
    db_session.add(
        LiveState(
            fingerprint="y" * 64,
            warning_ids=[polled, pushed, filed],
            scenario_id=scenario.id,
            run_id=run_id,
        )
    )
    warning_banner.record_poll(db_session, "timeout", datetime.now(UTC))
    db_session.commit()
    text = client.get(f"/runs/{run_id}/report").text
    assert "SCENARIO" not in text and "Gällande varningar" in text
    assert "Källa: SMHI:s flöde" in text
    assert "Källa: CAP, inskickad via API:t av viewer-vera" in text  # an account
    assert "av viewer-vera" in text.split("Upprättad", 1)[1][:40]  # the author
    assert "Källa: SMHI, från fil inläst av root" in text  # root is not
    assert "SMHI:s varningsflöde: NÅS INTE sedan" in text
    # Hour 0: the earliest start of its warnings, 06:00 in Sweden.
    assert "Timme 0 är 7/12 06:00 (den tidigaste varningens start)" in text


def _warning(
    session: Session, source: str, by: str | None, starts: datetime, level: str = "orange"
) -> int:
    identity = f"w-{source}-{by}-{starts.isoformat()}"
    warning = stored_warning(
        session, identity, starts, source=source, message="m", level=level, posted_by=by
    )
    return warning.id


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


def test_every_affected_care_site_says_why(client: FlaskClient, db_session: Session) -> None:
    heat_county(db_session)
    run_id = _finished_from(db_session, OUTAGE_ABACKA | {"start": "2026-12-07T06:00"})
    why = (
        "värmeverket Åbacka värmeverk utan ström från 7/12 06:00 (0 h)"
        " · kallt från 7/12 13:20 (7,3 h)"
    )
    # The care table, worst first, a cause per row; names, never ids.
    page = client.get(f"/runs/{run_id}").text
    causes = re.findall(r'<td class="cause"[^>]* data-value="([^"]*)">', page)
    # Its hours on the clock too: the scenario's start is hour 0.
    assert 'data-metric="first_cold_hour" data-value="7.3' in page
    assert re.search(
        r'data-metric="first_cold_hour" data-value="7\.3\d*">7/12 13:20 \(7,3 h\)<', page
    )
    assert causes[0] == why
    assert causes[1].startswith("inom avbrottsområdet (24 h) · ingen egen reservkraft")
    assert "mobilt reservkraftverk mobile_generator gen-1 anländer 7/12 06:" in causes[1]
    assert "dh-1" not in page
    # The CSV and the API say the same.
    csv_text = client.get(f"/runs/{run_id}/care-sites.csv").data.decode("utf-8-sig")
    assert csv_text.splitlines()[0].endswith(";Varför") and why in csv_text
    sites = client.get(f"/api/v1/runs/{run_id}/sites", headers={"Accept-Language": "sv"}).json
    home = next(
        f["properties"] for f in sites["features"] if f["properties"]["name"] == "Östergården"
    )
    assert home["cause"] == why
    assert [c["kind"] for c in home["causes"]] == ["heat_plant", "cold"]
    # The lägesbild too, under each residential unit.
    assert why in client.get(f"/runs/{run_id}/report").text


def test_every_site_on_the_run_map_says_why(client: FlaskClient, db_session: Session) -> None:
    """The run map's popups read `cause` from the gap sites: every site the map draws has
    one, the cold home outside the outage (0 h without power) its plant's, and a school or
    a heating plant (step 2 sends generators to care sites only) no generator fact."""
    heat_county(db_session)
    run_id = _finished_from(db_session, OUTAGE_ABACKA | {"start": "2026-12-07T06:00"})
    sites = client.get(f"/api/v1/runs/{run_id}/sites", headers={"Accept-Language": "en"}).json
    shown = {f["properties"]["source_id"]: f["properties"] for f in sites["features"]}
    assert {"care-1", "care-2", "energy-1", "dh-1"} <= set(shown)
    assert all(p.get("cause") for p in shown.values()), [
        p["name"] for p in shown.values() if not p.get("cause")
    ]
    home = shown["care-2"]
    assert home["hours_unpowered"] == 0
    assert home["cause"] == (
        "heating plant Åbacka värmeverk without power from 07/12 06:00 (0 h)"
        " · cold from 07/12 13:20 (7.3 h)"
    )
    assert shown["dh-1"]["cause"] == "inside the outage area (24 h) · no own backup power"
    school = shown["energy-1"]["cause"]
    assert school.startswith("inside the outage area (24 h) · no own backup power")
    assert "generator" not in school


def test_the_banner_is_by_severity_and_the_history_names_sources(
    client: FlaskClient, db_session: Session
) -> None:
    heat_county(db_session)
    starts = datetime.now(UTC) - timedelta(hours=1)
    _warning(db_session, "smhi-ibww", None, starts, level="yellow")
    _warning(db_session, "cap", "viewer-vera", starts + timedelta(minutes=1), level="red")
    db_session.commit()
    page = client.get("/warnings").text
    # The red one's colour, though yellow sorts last by name; red listed first.
    assert '<aside class="warning-banner level-red"' in page
    banner = page.split('<aside class="warning-banner', 1)[1].split("</aside>", 1)[0]
    assert banner.index("level-red") < banner.index("level-yellow")
    assert "Källa: SMHI:s flöde" in page
    assert "Källa: CAP, inskickad via API:t av viewer-vera" in page
