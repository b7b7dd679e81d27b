"""The JSON API and the access rules, against a real PostGIS."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from resilience.services import imports, users
from tests.factories import site, small_county


def test_healthz_is_public_and_reports_both_services(app) -> None:  # type: ignore[no-untyped-def]
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "ok", "smhi": "unknown"}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/api/v1/sites",
        "/api/v1/sites/1",
        "/api/v1/municipalities",
        "/sites/1",
        "/api/v1/population",
        "/no/such/page",
    ],
)
def test_everything_else_needs_login(app, db_session: Session, path: str) -> None:  # type: ignore[no-untyped-def]
    response = app.test_client().get(path)
    if path.startswith("/api/") or path == "/":  # the root: an API client is told of /ogc
        assert response.status_code == 401
        assert response.json["error"] == "unauthorized"
    else:
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_login_page_is_public_and_swedish(app, db_session: Session) -> None:  # type: ignore[no-untyped-def]
    page = app.test_client().get("/login")
    assert page.status_code == 200
    assert "Logga in" in page.text and "Användarnamn" in page.text
    english = app.test_client().get("/login?lang=en")
    assert "User name" in english.text


def test_wrong_password_is_refused(app, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("bertil", "viewer")
    response = app.test_client().post("/login", data={"name": "bertil", "password": "nope"})
    assert response.status_code == 401
    assert "Fel användarnamn eller lösenord" in response.text


def test_login_never_redirects_off_site(app, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("cecilia", "viewer")
    response = app.test_client().post(
        "/login?next=//evil.example/x",
        data={"name": "cecilia", "password": "correct horse battery"},
    )
    assert response.headers["Location"] == "/situation"  # the first screen, never off site


def test_bearer_token(app, db_session: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("api-user", "planner")
    token = users.create_token(db_session, "api-user")
    db_session.commit()
    ok = app.test_client().get(
        "/api/v1/municipalities", headers={"Authorization": f"Bearer {token}"}
    )
    assert ok.status_code == 200
    bad = app.test_client().get("/api/v1/municipalities", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


def test_sites_geojson_in_wgs84_with_filters(client: FlaskClient, db_session: Session) -> None:
    small_county(db_session)
    everything = client.get("/api/v1/sites").json
    assert everything["type"] == "FeatureCollection"
    assert len(everything["features"]) == 5
    assert "crs" not in everything  # RFC 7946: WGS 84, no crs member
    lon, lat = everything["features"][0]["geometry"]["coordinates"]
    assert 15 < lon < 25 and 63 < lat < 66
    care = client.get("/api/v1/sites?category=care").json["features"]
    assert [f["properties"]["name"] for f in care] == ["Björkgårdens äldreboende"]
    assert care[0]["properties"]["municipality_name"] == "Åbacka"
    assert care[0]["properties"]["residents"] == 40
    in_ostervik = client.get("/api/v1/sites?municipality=2403").json["features"]
    assert {f["properties"]["source_id"] for f in in_ostervik} == {"gen-1", "food-1"}
    outside = [f for f in everything["features"] if f["properties"]["source_id"] == "outside-1"]
    assert outside[0]["properties"]["municipality_code"] is None


def test_sites_bbox_in_either_crs(client: FlaskClient, db_session: Session) -> None:
    small_county(db_session)
    in_3006 = client.get("/api/v1/sites?bbox=750000,7080000,760000,7090000&bbox-crs=EPSG:3006")
    assert {f["properties"]["source_id"] for f in in_3006.json["features"]} == {
        "care-1",
        "energy-1",
    }
    lon0, lat0, lon1, lat1 = 17.0, 63.5, 23.0, 64.5
    in_wgs84 = client.get(f"/api/v1/sites?bbox={lon0},{lat0},{lon1},{lat1}").json["features"]
    assert len(in_wgs84) == 4  # all but the site far to the north


def test_sites_in_sweref99tm_on_request(client: FlaskClient, db_session: Session) -> None:
    small_county(db_session)
    body = client.get("/api/v1/sites?category=care&crs=EPSG:3006").json
    assert body["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::3006"
    assert body["features"][0]["geometry"]["coordinates"] == [751500, 7081500]


def test_site_by_id_and_unknown_ids(client: FlaskClient, db_session: Session) -> None:
    small_county(db_session)
    first = client.get("/api/v1/sites").json["features"][0]
    one = client.get(f"/api/v1/sites/{first['id']}")
    assert one.status_code == 200 and one.json["properties"]["name"] == first["properties"]["name"]
    missing = client.get("/api/v1/sites/999999")
    assert missing.status_code == 404 and "999999" in missing.json["message"]
    page = client.get(f"/sites/{first['id']}")
    assert page.status_code == 200 and first["properties"]["name"] in page.text


@pytest.mark.parametrize(
    "query",
    [
        "bbox=1,2,3",
        "bbox=a,b,c,d",
        "bbox=20,65,19,64",
        "crs=EPSG:99999",
        "crs=banana",
        "category=spaceport",
        "kind=castle",
        "limit=-1",
    ],
)
def test_bad_parameters_are_400(client: FlaskClient, db_session: Session, query: str) -> None:
    response = client.get(f"/api/v1/sites?{query}")
    assert response.status_code == 400
    assert response.json["message"]


def test_municipalities_with_population(client: FlaskClient, db_session: Session) -> None:
    small_county(db_session)
    features = client.get("/api/v1/municipalities").json["features"]
    by_code = {f["properties"]["code"]: f["properties"] for f in features}
    assert by_code["2401"] == {"code": "2401", "name": "Åbacka", "population": 150, "sites": 2}
    assert by_code["2403"]["population"] == 55


def test_population_cells_by_bbox(client: FlaskClient, db_session: Session) -> None:
    small_county(db_session)
    cells = client.get("/api/v1/population?bbox=750000,7080000,760000,7090000&bbox-crs=3006")
    assert sorted(f["properties"]["population"] for f in cells.json["features"]) == [30, 120]


def test_behind_a_proxy_links_use_the_public_scheme_and_host(  # type: ignore[no-untyped-def]
    settings, db_session: Session, make_user
) -> None:
    from dataclasses import replace

    from resilience.app import create_app

    make_user("qgis", "viewer")
    token = users.create_token(db_session, "qgis")
    db_session.commit()
    proxied = create_app(replace(settings, behind_proxy=True)).test_client()
    headers = {
        "Authorization": f"Bearer {token}",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "karta.example.se",
    }
    links = proxied.get("/ogc", headers=headers).json["links"]
    assert links and all(link["href"].startswith("https://karta.example.se/ogc") for link in links)


def test_sites_carry_the_v2_fields_and_the_utility_category(
    client: FlaskClient, db_session: Session
) -> None:
    small_county(db_session)
    records = [
        site("dh-1", "utility", "district_heating_plant", 753_000, 7_086_000, backup_kw=400),
        site("c-9", "care", "elderly_home", 752_000, 7_085_000, residents=30,
             heating="district_heating", heat_plant="dh-1", thermal_time_constant_hours=72),
        site("f-9", "food", "warehouse", 752_500, 7_085_000, stock_person_days=25_000,
             heating="biofuel"),
    ]  # fmt: skip
    imports.import_sites(db_session, records, "v2")
    db_session.commit()
    plants = client.get("/api/v1/sites?category=utility").json["features"]
    assert [(p["properties"]["source_id"], p["properties"]["backup_kw"]) for p in plants] == [
        ("dh-1", 400)
    ]
    assert plants[0]["properties"]["municipality_code"] == "2401"
    by_id = {
        f["properties"]["source_id"]: f["properties"]
        for f in client.get("/api/v1/sites?municipality=2401").json["features"]
    }
    assert by_id["c-9"]["heating"] == "district_heating" and by_id["c-9"]["heat_plant"] == "dh-1"
    assert by_id["c-9"]["thermal_time_constant_hours"] == 72
    assert by_id["f-9"]["stock_person_days"] == 25_000 and by_id["f-9"]["heating"] == "biofuel"
    one = client.get(f"/api/v1/sites/{plants[0]['id']}").json
    assert one["properties"]["kind"] == "district_heating_plant"
    page = client.get(f"/sites/{by_id['c-9']['id']}").get_data(as_text=True)
    assert "Fjärrvärme" in page or "fjärrvärme" in page
