"""The scenario and run pages (resilience/web/scenario_pages/) and the scenario-area API,
against a real PostGIS. Runs are computed in-process with services.runs.compute_run."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from resilience.services import run_results, runs, scenarios
from tests.conftest import login
from tests.factories import (
    OUTAGE_ABACKA_WITH_SNOW,
    SQUARE_ABACKA,
    TWO_DURATIONS,
    finished_run,
    saved_scenario,
    small_county,
)
from tests.helpers.pages import table_cells

NO_OUTAGE: dict[str, Any] = {"name": "Lugnt väder", "parameters": {"food_minutes": 45}}


@pytest.fixture
def planner(app, make_user) -> FlaskClient:  # type: ignore[no-untyped-def]
    make_user("planner-pia", "planner")
    client = app.test_client()
    login(client, "planner-pia")
    return client


def _classes(html: str, row: str, metric: str) -> str:
    """The class attribute of the <td data-metric=metric> in the <tr data-code=row>."""
    tr = re.search(rf'<tr[^>]*data-code="{row}".*?</tr>', html, re.S)
    assert tr, row
    td = re.search(rf'<td class="([^"]*)" data-metric="{metric}"', tr.group(0))
    assert td, (row, metric)
    return td.group(1)


@pytest.mark.parametrize(
    "path",
    [
        "/scenarios",
        "/scenarios/new",
        "/scenarios/1/edit",
        "/runs",
        "/runs/1",
        "/runs/1/table",
        "/runs/compare?a=1&b=2",
    ],
)
def test_pages_need_login(app, db_session: Session, path: str) -> None:  # type: ignore[no-untyped-def]
    response = app.test_client().get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_nav_links_to_the_scenarios(client: FlaskClient, db_session: Session) -> None:
    page = client.get("/")
    assert '<a href="/scenarios">Scenarier</a>' in page.text


def test_scenario_list_built_in_first_with_latest_run(
    planner: FlaskClient, db_session: Session
) -> None:
    small_county(db_session)
    own = saved_scenario(db_session, OUTAGE_ABACKA_WITH_SNOW)
    saved_scenario(db_session, NO_OUTAGE | {"name": "Snöstorm över Storuman"}, "builtin")
    run = runs.start_run(db_session, own)
    db_session.commit()

    page = planner.get("/scenarios")
    assert page.status_code == 200
    text = page.text
    assert "Avbrott i Åbacka" in text and "Snöstorm över Storuman" in text
    assert text.index("Snöstorm över Storuman") < text.index("Avbrott i Åbacka")
    assert "inbyggt" in text and "eget" in text
    # The latest run of the own scenario, and the actions of a planner.
    assert f'href="/runs/{run.id}"' in text and "i kö" in text
    assert "aldrig körd" in text  # the built-in one
    assert ">Kör</button>" in text and ">Kopiera</button>" in text
    assert "Nytt scenario" in text and 'id="upload-form"' in text
    config = json.loads(re.search(r'id="page-config">(.*?)</script>', text, re.S).group(1))  # type: ignore[union-attr]
    assert config["scenarioApi"] == "/api/v1/scenarios/"
    assert config["runPage"] == "/runs/" and config["editPage"] == "/scenarios/"
    # The orange snow zone and the outage are summarised.
    assert "1 orange" in text and "24 timmar" in text


def test_a_viewer_sees_the_list_but_no_planner_actions(
    client: FlaskClient, db_session: Session
) -> None:
    saved_scenario(db_session, NO_OUTAGE)
    page = client.get("/scenarios")
    assert page.status_code == 200 and "Lugnt väder" in page.text
    assert ">Kör</button>" not in page.text and 'id="upload-form"' not in page.text
    assert client.get("/scenarios/new").status_code == 403


def test_the_list_in_english(planner: FlaskClient, db_session: Session) -> None:
    saved_scenario(db_session, NO_OUTAGE)
    page = planner.get("/scenarios?lang=en")
    assert ">Run</button>" in page.text and "New scenario" in page.text
    assert "never run" in page.text


def test_new_scenario_editor_uses_local_leaflet_draw(
    planner: FlaskClient, db_session: Session
) -> None:
    page = planner.get("/scenarios/new")
    assert page.status_code == 200
    text = page.text
    assert "/static/vendor/leaflet/leaflet.js" in text
    assert "/static/vendor/leaflet-draw/leaflet.draw.js" in text
    assert "/static/vendor/leaflet-draw/leaflet.draw.css" in text
    assert "cdn" not in text.lower() and "https://" not in text  # tiles are off in tests
    assert "ScenarioEditor.init(" in text
    # The parameters with their defaults, and the outage duration of 24 h.
    for name, default in [
        ("speed_kmh", "70"),
        ("food_minutes", "30"),
        ("care_minutes", "60"),
        ("shelter_minutes", "30"),
        ("mobile_max_hours", "12"),
    ]:
        assert re.search(rf'name="{name}"[^>]*value="{default}"', text), name
    assert re.search(r'name="duration_hours"[^>]*value="24"', text)
    for label in ("Avbrottsområde", "gul varning", "orange varning", "röd varning"):
        assert label in text
    assert ">Spara</button>" in text and ">Spara och kör</button>" in text
    assert '"saveMethod": "POST"' in text and '"geojsonUrl": null' in text


def test_edit_page_of_an_own_and_a_built_in_scenario(
    planner: FlaskClient, client: FlaskClient, db_session: Session
) -> None:
    own = saved_scenario(db_session, OUTAGE_ABACKA_WITH_SNOW | {"parameters": {"speed_kmh": 50}})
    own.created_by = "planner-pia"  # her own: she may change it (runs.may_edit)
    db_session.commit()
    page = planner.get(f"/scenarios/{own.id}/edit")
    assert page.status_code == 200
    assert "Avbrott i Åbacka" in page.text
    assert f'"geojsonUrl": "/api/v1/scenarios/{own.id}/geojson"' in page.text
    assert f'"saveUrl": "/api/v1/scenarios/{own.id}", "saveMethod": "PUT"' in page.text
    assert re.search(r'name="speed_kmh"[^>]*value="50"', page.text)

    builtin = saved_scenario(db_session, NO_OUTAGE, "builtin")
    page = planner.get(f"/scenarios/{builtin.id}/edit")
    assert '"saveMethod": "POST"' in page.text  # saving makes a new scenario
    assert "Inbyggda" in page.text
    # The circuity override is not shown but kept for saving.
    kept = saved_scenario(db_session, NO_OUTAGE | {"parameters": {"circuity": 1.5}})
    assert '"otherParameters": {"circuity": 1.5}' in planner.get(f"/scenarios/{kept.id}/edit").text

    viewer = client.get(f"/scenarios/{own.id}/edit")
    assert viewer.status_code == 200 and '"readOnly": true' in viewer.text
    assert ">Spara</button>" not in viewer.text


def test_geojson_of_a_scenario_is_wgs84(client: FlaskClient, db_session: Session) -> None:
    scenario = saved_scenario(db_session, OUTAGE_ABACKA_WITH_SNOW)
    body = client.get(f"/api/v1/scenarios/{scenario.id}/geojson").json
    assert body["type"] == "FeatureCollection" and "crs" not in body
    assert body["scenario"]["name"] == "Avbrott i Åbacka"
    assert body["scenario"]["duration_hours"] == 24
    outage, zone = body["features"]
    assert outage["properties"] == {
        "role": "outage",
        "duration_hours": 24,
        "index": 0,
        "own_duration": False,  # one duration for the whole outage
    }
    assert zone["properties"] == {"role": "snow_zone", "level": "orange", "index": 0}
    assert outage["geometry"]["type"] == "MultiPolygon"
    for feature in body["features"]:
        for lon, lat in feature["geometry"]["coordinates"][0][0]:
            assert 19 < lon < 21 and 63.5 < lat < 64.2  # west of Umeå
    # The same corners in SWEREF 99 TM on request.
    metres = client.get(f"/api/v1/scenarios/{scenario.id}/geojson?crs=EPSG:3006").json
    corners = {tuple(xy) for xy in metres["features"][0]["geometry"]["coordinates"][0][0]}
    assert corners == {tuple(xy) for xy in SQUARE_ABACKA}
    assert client.get("/api/v1/scenarios/99999/geojson").status_code == 404


def test_what_the_editor_saves_comes_back_the_same(
    planner: FlaskClient, db_session: Session
) -> None:
    """The editor posts WGS 84 polygons (as Leaflet's toGeoJSON gives them) in a
    FeatureCollection, and snow zones with a level; the geojson endpoint returns them."""
    small_county(db_session)
    original = saved_scenario(db_session, OUTAGE_ABACKA_WITH_SNOW)
    drawn = planner.get(f"/api/v1/scenarios/{original.id}/geojson").json["features"]
    outage_polygon = {"type": "Polygon", "coordinates": drawn[0]["geometry"]["coordinates"][0]}
    zone_polygon = {"type": "Polygon", "coordinates": drawn[1]["geometry"]["coordinates"][0]}
    document = {
        "name": "Ritat: Åbacka och snö",
        "description": "",
        "crs": "EPSG:4326",
        "outage": {
            "duration_hours": 36,
            "areas": {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "properties": {}, "geometry": outage_polygon}],
            },
        },
        "snow_zones": [{"level": "red", "geometry": zone_polygon}],
        "parameters": {"care_minutes": 45},
    }
    saved = planner.post("/api/v1/scenarios", data=json.dumps(document))
    assert saved.status_code == 201, saved.text
    back = planner.get(f"/api/v1/scenarios/{saved.json['id']}/geojson?crs=EPSG:3006").json
    corners = {
        tuple(round(c) for c in xy) for xy in back["features"][0]["geometry"]["coordinates"][0][0]
    }
    assert corners == {tuple(xy) for xy in SQUARE_ABACKA}  # to the metre
    assert back["features"][1]["properties"]["level"] == "red"
    assert back["scenario"]["duration_hours"] == 36
    assert back["scenario"]["parameters"] == {"care_minutes": 45}


def test_api_scenario_with_a_duration_per_outage_area(
    planner: FlaskClient, db_session: Session
) -> None:
    """POST a FeatureCollection whose features carry duration_hours: stored, read back, the
    areas' GeoJSON gives each with its duration, and a run uses each area's D."""
    small_county(db_session)
    saved = planner.post("/api/v1/scenarios", data=json.dumps(TWO_DURATIONS))
    assert saved.status_code == 201, saved.text
    scenario_id = saved.json["id"]
    stored = planner.get(f"/api/v1/scenarios/{scenario_id}").json
    features = stored["definition"]["outage"]["areas"]["features"]
    assert [f["properties"]["duration_hours"] for f in features] == [12, 48]
    assert stored["definition"]["road_closures"]["type"] == "MultiPolygon"
    assert stored["definition"]["parameters"] == {"closure_level": "red"}
    areas = planner.get(f"/api/v1/scenarios/{scenario_id}/geojson").json
    outages = [f["properties"] for f in areas["features"] if f["properties"]["role"] == "outage"]
    assert outages == [
        {"role": "outage", "duration_hours": 12, "index": 0, "own_duration": True},
        {"role": "outage", "duration_hours": 48, "index": 1, "own_duration": True},
    ]
    roles = [f["properties"]["role"] for f in areas["features"]]
    assert roles.count("road_closure") == 1
    assert areas["scenario"]["outage_duration"] == 48
    # The definition saved again as it came back (what the editor does) keeps it all.
    again = planner.put(f"/api/v1/scenarios/{scenario_id}", data=json.dumps(stored["definition"]))
    assert again.status_code == 200, again.text
    assert (
        planner.get(f"/api/v1/scenarios/{scenario_id}").json["definition"] == (stored["definition"])
    )

    scenario = scenarios.get_scenario(db_session, scenario_id)
    run = runs.start_run(db_session, scenario)
    runs.compute_run(db_session, run.id)
    db_session.commit()
    document = planner.get(f"/api/v1/runs/{run.id}/result").json
    hours = {s["source_id"]: s["outage_hours"] for s in document["sites"]}
    assert hours["care-1"] == 12 and hours["food-1"] == 48 and hours["outside-1"] == 0
    assert len(document["timeline"]["hours"]) == 48  # the longest area's D
    gap_sites = planner.get(f"/api/v1/runs/{run.id}/sites?all=1").json["features"]
    by_source = {f["properties"]["source_id"]: f["properties"] for f in gap_sites}
    assert by_source["food-1"]["outage_hours"] == 48  # the map's popup says so
    page = planner.get(f"/runs/{run.id}")
    durations = re.search(r'id="outage-durations">([^<]*)<', page.text)
    assert durations and durations.group(1) == "12 / 48 timmar"
    assert "varje område sin egen längd" in page.text and "Vägavstängningar: 1" in page.text
    listed = planner.get("/scenarios").text
    assert '<span class="outage-durations">12 / 48 timmar</span>' in listed
    run_areas = planner.get(f"/api/v1/runs/{run.id}/areas").json
    assert [f["properties"].get("duration_hours") for f in run_areas["features"]][:2] == [12, 48]


def test_the_editor_draws_road_closures_and_sets_closure_level(
    planner: FlaskClient, db_session: Session
) -> None:
    own = saved_scenario(db_session, TWO_DURATIONS)
    page = planner.get(f"/scenarios/{own.id}/edit").text
    assert 'name="draw_role" value="closure"' in page and "Vägavstängning" in page
    assert re.search(r'<option value="red" selected>', page)
    assert "/static/js/outage_areas.js" in page
    assert '"durationRange": {"low": ' in page
    assert '"otherParameters": {}' in page  # closure_level is the select's
    script = planner.get("/static/js/outage_areas.js")
    assert script.status_code == 200 and "window.OutageAreas" in script.text
    script.close()


def test_finished_run_page_shows_the_municipality_table(
    client: FlaskClient, db_session: Session
) -> None:
    """Outage over Åbacka (cells of 120 + 30 people, the school with 200 shelter places and the
    elderly home of 40 residents), Östervik (55 people, the grocery and the generator) outside.
    The school is the only warm shelter and has no backup: nobody in the county has a
    shelter within 30 minutes, where everybody had one before (Östervik's cell is 13.6 km
    from it: 13.6 · 1.3 / 70 · 60 = 15.2 min). The grocery in Östervik stays powered but
    lies in the orange snow zone (speed × 0.5): from Åbacka's cells, 15.0 and 14.1 km away,
    it takes 33.6 and 31.4 minutes instead of 16.8 and 15.7, over the 30-minute limit. No
    hospital or health centre exists: care is uncovered in both. The generator, in the snow
    zone too, reaches the elderly home (13.95 km away) after 13.95 · 1.3 / 35 · 60 = 31.1
    minutes: 40 residents × 0.518 h = 20.72 resident-hours without power."""
    small_county(db_session)
    run_id = finished_run(db_session, OUTAGE_ABACKA_WITH_SNOW)
    document = run_results.result_document(db_session, run_id)

    page = client.get(f"/runs/{run_id}")
    assert page.status_code == 200
    text = page.text
    assert f"Körning {run_id}: Avbrott i Åbacka" in text and "klar" in text
    assert "RunPage.init(" in text
    assert f'"areasUrl": "/api/v1/runs/{run_id}/areas"' in text
    cells = table_cells(text, "municipality-table")
    assert set(cells) == {"2401", "2403", "county"}  # nothing lies outside: no such row
    assert "Åbacka" in text and "Östervik" in text and "Länet totalt" in text
    abacka, ostervik, county = cells["2401"], cells["2403"], cells["county"]
    assert abacka["shelter"] == "150" and abacka["baseline_shelter"] == "0"
    assert ostervik["shelter"] == "55" and ostervik["baseline_shelter"] == "0"
    assert abacka["food"] == "150" and abacka["baseline_food"] == "0"
    assert ostervik["food"] == "0"
    assert county["shelter"] == "205" and county["food"] == "150"
    assert abacka["care"] == abacka["baseline_care"] == "150"
    assert abacka["care_sites_unpowered"] == "1" and abacka["residents_unpowered"] == "40"
    assert ostervik["care_sites_unpowered"] == "0"
    # Resident-hours as the result document has them, shown to 0.01 with a decimal comma.
    hours = document["county"]["resident_hours_unpowered"]
    assert hours == pytest.approx(40 * 13_946 * 1.3 / (35_000 / 60) / 60, abs=0.01)
    assert county["resident_hours_unpowered"] == abacka["resident_hours_unpowered"] == "21"
    assert county["generators_assigned"] == str(document["county"]["generators_assigned"]) == "1"
    assert "worse" in _classes(text, "2401", "shelter")
    # Population per municipality and in the county.
    assert re.search(r'data-code="2401".*?<td class="num">150</td>', text, re.S)
    assert re.search(r'data-code="county".*?<td class="num">205</td>', text, re.S)


def test_run_table_fragment_and_result_links(client: FlaskClient, db_session: Session) -> None:
    small_county(db_session)
    run_id = finished_run(db_session, OUTAGE_ABACKA_WITH_SNOW)
    fragment = client.get(f"/runs/{run_id}/table")
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and 'id="municipality-table"' in fragment.text
    assert table_cells(fragment.text, "municipality-table")["county"]["shelter"] == "205"
    areas = client.get(f"/api/v1/runs/{run_id}/areas").json
    assert [f["properties"]["role"] for f in areas["features"]] == ["outage", "snow_zone"]


def test_queued_and_failed_run_pages(client: FlaskClient, db_session: Session) -> None:
    scenario = saved_scenario(db_session, NO_OUTAGE)
    queued = runs.start_run(db_session, scenario)
    failed = runs.start_run(db_session, scenario)
    failed.status, failed.error = "failed", "ValueError: inget att räkna"
    db_session.commit()

    page = client.get(f"/runs/{queued.id}")
    assert page.status_code == 200
    assert "i kö" in page.text and 'role="progressbar"' in page.text
    assert re.search(r'id="run-result"[^>]*hidden', page.text)  # no result yet
    assert '"status": "queued"' in page.text  # the JS polls while queued or running
    assert client.get(f"/runs/{queued.id}/table").status_code == 409

    page = client.get(f"/runs/{failed.id}")
    assert "misslyckades" in page.text and "ValueError: inget att räkna" in page.text


def test_run_list(client: FlaskClient, db_session: Session) -> None:
    small_county(db_session)
    run_id = finished_run(db_session, OUTAGE_ABACKA_WITH_SNOW)
    page = client.get("/runs")
    assert page.status_code == 200
    assert f'href="/runs/{run_id}"' in page.text and "Avbrott i Åbacka" in page.text
    assert f'name="a" value="{run_id}"' in page.text


def test_compare_two_runs(client: FlaskClient, db_session: Session) -> None:
    """A: outage over Åbacka (nobody has a warm shelter); B: no outage, food within 45 min
    (everybody has one again). B − A for shelter: −150 in Åbacka, −55 in Östervik: better."""
    small_county(db_session)
    a = finished_run(db_session, OUTAGE_ABACKA_WITH_SNOW)
    b = finished_run(db_session, NO_OUTAGE)
    page = client.get(f"/runs/compare?a={a}&b={b}")
    assert page.status_code == 200
    text = page.text
    assert "Avbrott i Åbacka" in text and "Lugnt väder" in text
    cells = table_cells(text, "compare-table")
    assert cells["2401"]["shelter"] == "\u2212150"
    assert cells["2403"]["shelter"] == "\u221255"
    assert cells["county"]["shelter"] == "\u2212205"
    assert cells["2401"]["residents_unpowered"] == "\u221240"
    assert cells["2401"]["care"] == "0"
    assert "better" in _classes(text, "2401", "shelter")
    assert "same" in _classes(text, "2401", "care")

    swapped = client.get(f"/runs/compare?a={b}&b={a}").text
    assert table_cells(swapped, "compare-table")["2401"]["shelter"] == "+150"
    assert "worse" in _classes(swapped, "2401", "shelter")

    chooser = client.get(f"/runs/compare?a={a}")
    assert chooser.status_code == 200 and "compare-table" not in chooser.text


def test_comparing_an_unfinished_run_is_refused(client: FlaskClient, db_session: Session) -> None:
    small_county(db_session)
    a = finished_run(db_session, OUTAGE_ABACKA_WITH_SNOW)
    queued = runs.start_run(db_session, saved_scenario(db_session, NO_OUTAGE))
    db_session.commit()
    assert client.get(f"/runs/compare?a={a}&b={queued.id}").status_code == 409
    assert client.get("/runs/compare?a=x&b=1").status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "/scenarios/99999/edit",
        "/runs/99999",
        "/runs/99999/table",
        "/runs/compare?a=99999&b=99998",
    ],
)
def test_unknown_ids_give_the_404_page(client: FlaskClient, db_session: Session, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "99999" in response.text and "Fel 404" in response.text


def test_scenario_errors_in_the_language_asked_for(planner: FlaskClient) -> None:
    """English by default; Swedish when the request (the editor's script sends its page's
    language) asks for it, with the level names translated and the codes kept."""
    zero = json.dumps({"name": "Noll", "outage": {"duration_hours": 0}})
    english = planner.post("/api/v1/scenarios", data=zero)
    assert english.status_code == 400
    assert english.json["message"] == "invalid scenario: outage.duration_hours: must be > 0"
    swedish = planner.post("/api/v1/scenarios", data=zero, headers={"Accept-Language": "sv"})
    assert swedish.status_code == 400
    assert swedish.json["message"] == "ogiltigt scenario: outage.duration_hours: måste vara > 0"
    level = json.dumps({"name": "Zon", "snow_zones": [{"level": "purple", "geometry": None}]})
    swedish = planner.post("/api/v1/scenarios?lang=sv", data=level).json["message"]
    assert swedish.startswith("ogiltigt scenario: snow_zones[0].level: en av gul (yellow)")
    english = planner.post("/api/v1/scenarios?lang=en", data=level).json["message"]
    assert english == "invalid scenario: snow_zones[0].level: one of yellow, orange, red"
