"""The audit's reproductions (issue 15) against the real HTTP API and PostGIS: bounded
bboxes, a statement timeout for web requests, 4xx for nonsense instead of 500, the service's
own 503 with the database down, and concurrent requests that must not both succeed."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from resilience.app import create_app
from resilience.config import ConfigError, Settings
from resilience.db import db
from resilience.models import AuditLog, Site, WeatherWarning
from resilience.services import query_args, users
from tests import factories
from tests.conftest import PASSWORD, login, login_with_form
from tests.factories import ibww, ibww_area, small_county
from tests.helpers.uploads import IN_2401, geojson, site, upload

# --- bbox: bounded whatever the box ---------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["/api/v1/sites", "/api/v1/population"])
@pytest.mark.parametrize(
    "box",
    [
        "700000,7000000,700001,8000000",  # the audit's: 1 m wide, 1,000 km tall
        "700000,-1000000000000,700001,1000000000000",  # taller still
        "-1e300,-1e300,1e300,1e300",
    ],
)
def test_a_thin_tall_sweref_box_is_answered_at_once(
    client: FlaskClient, db_session: Session, endpoint: str, box: str
) -> None:
    small_county(db_session)
    # "At once" is test_a_box_costs_at_most_a_few_thousand_vertices's bound on the work;
    # timings belong to bench/, not to assertions.
    response = client.get(f"{endpoint}?bbox-crs=EPSG:3006&bbox={box}")
    assert response.status_code == 200, response.text
    wide = client.get(f"{endpoint}?bbox-crs=EPSG:3006&bbox=-1e300,-1e300,1e300,1e300").json
    assert len(wide["features"]) == (5 if endpoint.endswith("sites") else 3)


def test_a_box_costs_at_most_a_few_thousand_vertices(db_session: Session) -> None:
    """The filter's polygon, as PostGIS builds it, for the largest boxes there are."""
    for bbox in (
        query_args.BBox(-180, -90, 180, 90),
        query_args.BBox(17.0, 60.0, 17.000001, 70.0),
        query_args.BBox(-1e300, -1e300, 1e300, 1e300, srid=3006),
        query_args.BBox(700_000, 7_000_000, 700_001, 8_000_000, srid=3006),
    ):
        clause, params = bbox.sql()
        polygon = clause.removeprefix("geom && ")
        points = db_session.scalar(text(f"SELECT ST_NPoints({polygon})"), params)
        assert points <= 2_500, (bbox, points)


def test_a_box_outside_sweden_finds_nothing(client: FlaskClient, db_session: Session) -> None:
    small_county(db_session)
    assert client.get("/api/v1/sites?bbox=-170,-80,-160,-70").json["features"] == []
    far = client.get("/api/v1/sites?bbox-crs=EPSG:3006&bbox=9e9,9e9,9.1e9,9.1e9")
    assert far.status_code == 200 and far.json["features"] == []


@pytest.mark.parametrize("endpoint", ["/api/v1/sites", "/api/v1/population"])
@pytest.mark.parametrize(
    "query",
    [
        "bbox=1,1,nan,nan",
        "bbox=10,60,1e300,1e300",
        "bbox=10,60,inf,70",
        "bbox=-inf,60,20,70",
        "bbox=10,60,20",
        "bbox=20,60,10,70",
        "bbox=10,60,20,70&bbox-crs=EPSG:3857",
        "bbox=1,1,nan,nan&bbox-crs=EPSG:3006",
        "municipality=%00",
        "municipality=24%0080",
        "municipality=abcd",
        "municipality=24801",
        "limit=%C2%B2",
    ],
)
def test_nonsense_is_a_400(
    client: FlaskClient, db_session: Session, endpoint: str, query: str
) -> None:
    if endpoint.endswith("population") and query.startswith("municipality"):
        query = query.replace("municipality", "bbox")
    response = client.get(f"{endpoint}?{query}")
    assert response.status_code == 400, response.text
    assert response.json["error"] == "bad_input"


def test_limits_past_any_integer(client: FlaskClient, db_session: Session) -> None:
    assert client.get("/api/v1/runs?limit=99999999999999999999").status_code == 200
    assert client.get("/api/v1/runs?limit=%C2%B2").status_code == 400
    assert client.get("/api/v1/municipalities?simplify=9" + "9" * 400).status_code == 200
    small_county(db_session)
    too_far = client.get("/ogc/collections/sites-care/items?offset=99999999999999999999")
    assert too_far.status_code == 400 and "offset" in too_far.json["message"]
    last = client.get(f"/ogc/collections/sites-care/items?offset={2**63 - 1}")
    assert last.status_code == 200 and last.json["features"] == []
    assert client.get("/ogc/collections/sites-care/items?limit=1" + "0" * 30).status_code == 200


@pytest.mark.parametrize(
    "query",
    ["format=csv&municipality=%00", "format=gpkg&municipality=%00ab", "format=csv&municipality=x"],
)
def test_exports_refuse_a_bad_municipality(
    client: FlaskClient, db_session: Session, query: str
) -> None:
    small_county(db_session)
    direct = client.get(f"/api/v1/exports/layers?{query}")
    assert direct.status_code == 400, direct.text
    background = client.post(
        "/api/v1/exports", json={"layers": ["care"], "format": "csv", "municipality": "\x00"}
    )
    assert background.status_code == 400, background.text
    assert db_session.scalar(select(func.count()).select_from(AuditLog)) == 0


# --- statement_timeout for web requests -----------------------------------------------------


def test_the_setting_is_read_and_checked() -> None:
    base = {"RESILIENCE_SECRET_KEY": "k"}
    assert Settings.from_env(base).statement_timeout_ms == 30_000
    assert (
        Settings.from_env(base | {"RESILIENCE_STATEMENT_TIMEOUT_MS": "0"}).statement_timeout_ms == 0
    )
    with pytest.raises(ConfigError):
        Settings.from_env(base | {"RESILIENCE_STATEMENT_TIMEOUT_MS": "soon"})


def test_requests_have_a_statement_timeout_jobs_none(app: Flask, db_session: Session) -> None:
    with app.test_request_context("/api/v1/sites"):
        assert db.session.scalar(text("SHOW statement_timeout")) == "30s"
        db.session.rollback()
    with app.app_context():  # as RQ jobs and the command line run
        assert db.session.scalar(text("SHOW statement_timeout")) == "0"


@pytest.fixture
def committed_user(committed: Session) -> Callable[[str, str, str | None], None]:
    def make(name: str, role: str, municipality: str | None = None) -> None:
        factories.user(committed, name, role, municipality)
        committed.commit()

    return make


def test_a_statement_over_the_limit_is_a_503(
    settings: Settings, committed: Session, committed_user: Any
) -> None:
    """A statement that waits (here on a lock another connection holds) is stopped after
    statement_timeout_ms: 503, and the next request is served normally."""
    small_county(committed)
    committed_user("vera", "viewer")
    quick = create_app(replace(settings, statement_timeout_ms=300))
    client = quick.test_client()
    login(client, "vera")
    assert db.engine is not None
    with db.engine.connect() as other:
        other.execute(text("LOCK TABLE sites IN ACCESS EXCLUSIVE MODE"))
        # Both come back while the lock is still held: the timeout stopped them (without it
        # they would wait for the lock, i.e. forever).
        response = client.get("/api/v1/sites")
        page = client.get("/sites/1")
        other.rollback()
    assert response.status_code == 503, response.text
    assert response.json["error"] == "unavailable" and "too long" in response.json["message"]
    assert page.status_code == 503 and "Tillfälligt otillgänglig" in page.text
    assert client.get("/api/v1/sites").status_code == 200


# --- the database down: the service's own 503 -------------------------------------------------


@pytest.fixture
def database_down(settings: Settings) -> Iterator[Flask]:
    """The app against a PostgreSQL that is not there (a closed port)."""
    down = create_app(
        replace(settings, database_url="postgresql+psycopg://postgres@127.0.0.1:9/none")
    )
    try:
        yield down
    finally:
        db.configure(settings.database_url)  # back to the test database for what follows


@pytest.mark.parametrize("path", ["/", "/login", "/runs", "/sites/1", "/warnings"])
def test_pages_with_the_database_down_get_the_503_page(database_down: Flask, path: str) -> None:
    client = database_down.test_client()
    if path != "/login":
        with client.session_transaction() as session:  # a logged-in browser's cookie
            session["_user_id"] = "1:0"
            session["_fresh"] = True
    response = client.get(path)
    if path == "/login":  # the form needs no database; posting it does
        assert response.status_code == 200
        response = client.post("/login", data={"name": "x", "password": "y"})
    assert response.status_code == 503, response.text
    assert "Tillfälligt otillgänglig" in response.text
    assert "databasen går inte att nå" in response.text
    assert "Werkzeug" not in response.text and "Internal Server Error" not in response.text
    assert response.headers["Retry-After"] == "30"


def test_the_api_with_the_database_down_is_a_json_503(database_down: Flask) -> None:
    client = database_down.test_client()
    response = client.get("/api/v1/sites", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 503
    assert response.json["error"] == "unavailable"
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json["database"].startswith("error")


# --- concurrent requests ----------------------------------------------------------------------


def _at_once(calls: list[Callable[[], TestResponse]]) -> list[TestResponse]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_the_same_warning_posted_at_once_is_stored_once(
    app: Flask, committed: Session, make_token: Any
) -> None:
    small_county(committed)
    token = make_token("editor")
    document = json.dumps(ibww(ibww_area(level="RED"))).encode()
    for trial in range(3):
        responses = _at_once(
            [
                lambda: app.test_client().post(
                    "/api/v1/warnings",
                    data=document,
                    content_type="application/json",
                    headers={"Authorization": f"Bearer {token}"},
                )
            ]
            * 3
        )
        assert all(r.status_code in (200, 202) for r in responses), [r.text for r in responses]
        stored = sorted(r.json["stored"] for r in responses)
        assert stored == ([0, 0, 1] if trial == 0 else [0, 0, 0])
    assert committed.scalar(select(func.count()).select_from(WeatherWarning)) == 1


def test_concurrent_confirms_of_one_upload_import_once(
    app: Flask, committed: Session, committed_user: Any
) -> None:
    small_county(committed)
    committed_user("petra", "planner", "2401")
    clients = []
    for _ in range(3):
        c = app.test_client()
        login(c, "petra")
        clients.append(c)
    data = geojson([site(f"s{n}", (IN_2401[0] + n, IN_2401[1])) for n in range(50)])
    report = upload(clients[0], data, source="samtidigt").json
    responses = _at_once(
        [lambda c=c: c.post(f"/api/v1/uploads/{report['id']}/confirm") for c in clients]
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409, 409], [r.text for r in responses]
    committed.expire_all()
    audits = committed.scalars(select(AuditLog).where(AuditLog.row_id == report["id"])).all()
    assert len(audits) == 1
    assert (
        committed.scalar(select(func.count()).select_from(Site).where(Site.source == "samtidigt"))
        == 50
    )
    assert clients[1].get(f"/api/v1/uploads/{report['id']}").json["status"] == "confirmed"


# --- CSV exports: no formulas -----------------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example","klicka")'


def _csv_rows(body: bytes) -> list[dict[str, str]]:
    """The rows of a CSV export: a zip with GDAL's side files (layers), or a bare CSV."""
    import csv
    import io
    import zipfile

    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            [name] = [n for n in archive.namelist() if n.endswith(".csv")]
            body = archive.read(name)
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_exports_neutralise_formulas(client: FlaskClient, db_session: Session) -> None:
    from geodata.records import SiteRecord
    from resilience.services import imports

    small_county(db_session)
    imports.import_sites(
        db_session,
        [
            SiteRecord(
                "f-1", FORMULA, "care", "elderly_home", 753_000, 7_083_000, {"residents": 3}
            ),
            SiteRecord(
                "f-2",
                "@SUM(A1)",
                "energy",
                "school",
                754_000,
                7_083_000,
                {"heated_area_m2": 1000.0, "energy_kwh_year": 90_000.0},
            ),
        ],
        "-källa",
    )
    db_session.commit()
    layers_csv = client.get("/api/v1/exports/layers?format=csv&layers=care")
    assert layers_csv.status_code == 200
    rows = {r["source_id"]: r for r in _csv_rows(layers_csv.data)}
    assert rows["f-1"]["name"] == "'" + FORMULA and rows["f-1"]["source"] == "'-källa"
    assert rows["f-1"]["residents"] == "3"
    register = client.get("/energy/export/register.csv")
    assert register.status_code == 200
    rows = {r["source_id"]: r for r in _csv_rows(register.data)}
    assert rows["f-2"]["name"] == "'@SUM(A1)" and rows["f-2"]["source"] == "'-källa"
    assert float(rows["f-2"]["heated_area_m2"]) == 1000.0


# --- sessions, tokens and accounts --------------------------------------------------------------


def _cli(app: Flask, *args: str, input: str | None = None) -> Any:
    result = app.test_cli_runner().invoke(args=list(args), input=input)
    return result


def _log_out(client: FlaskClient) -> None:
    with client.session_transaction() as session:
        session["csrf_token"] = "form-token"
    response = client.post("/logout", data={"csrf_token": "form-token"})
    assert response.status_code == 302


def test_logout_ends_the_session_on_the_server(app: Flask, make_user: Any) -> None:
    make_user("lotta", "viewer")
    client = app.test_client()
    login(client, "lotta")
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert client.get("/api/v1/municipalities").status_code == 200
    other_device = app.test_client()
    login(other_device, "lotta")
    _log_out(client)
    replay = app.test_client()  # the cookie as it was before the logout, sent again
    replay.set_cookie("session", cookie.value)
    assert replay.get("/api/v1/municipalities").status_code == 401
    assert other_device.get("/api/v1/municipalities").status_code == 401
    login_with_form(client, "lotta")  # a new login works
    assert client.get("/api/v1/municipalities").status_code == 200


def test_password_disable_and_tokens_from_the_command_line(
    app: Flask, make_user: Any, db_session: Session
) -> None:
    make_user("tove", "planner")
    client = app.test_client()
    login(client, "tove")
    short = _cli(app, "users", "password", "tove", input="kort\n")
    assert short.exit_code == 1 and "at least" in short.output
    changed = _cli(app, "users", "password", "tove", input="ett helt nytt lösenord\n")
    assert changed.exit_code == 0, changed.output
    assert client.get("/api/v1/municipalities").status_code == 401  # the session ended
    assert client.post("/login", data={"name": "tove", "password": PASSWORD}).status_code == 401
    new = client.post("/login", data={"name": "tove", "password": "ett helt nytt lösenord"})
    assert new.status_code == 302

    def bearer(token: str) -> int:
        headers = {"Authorization": f"Bearer {token}"}
        return app.test_client().get("/api/v1/municipalities", headers=headers).status_code

    forever = _cli(app, "users", "token", "tove").output.strip()
    week = _cli(app, "users", "token", "tove", "--days", "7").output.strip()
    assert _cli(app, "users", "token", "tove", "--days", "0").exit_code == 1
    assert bearer(forever) == 200 and bearer(week) == 200

    disabled = _cli(app, "users", "disable", "tove")
    assert disabled.exit_code == 0, disabled.output
    assert client.get("/api/v1/municipalities").status_code == 401
    assert bearer(forever) == 401
    again = app.test_client().post(
        "/login", data={"name": "tove", "password": "ett helt nytt lösenord"}
    )
    assert again.status_code == 401
    assert _cli(app, "users", "enable", "tove").exit_code == 0
    assert bearer(forever) == 200

    expired = _cli(app, "users", "expire-tokens", "tove", "--days", "0")
    assert expired.exit_code == 0 and "2 token(s)" in expired.output
    assert bearer(forever) == 401 and bearer(week) == 401
    fresh = _cli(app, "users", "token", "tove").output.strip()
    assert bearer(fresh) == 200
    revoked = _cli(app, "users", "revoke-tokens", "tove")
    assert revoked.exit_code == 0 and "Revoked 3 token(s)" in revoked.output
    assert bearer(fresh) == 401
    assert _cli(app, "users", "disable", "nobody").exit_code == 1


def test_a_wrong_password_takes_as_long_for_an_unknown_name(
    app: Flask, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both hash: a wrong password for a known name and any password for an unknown one each
    check the password once, against a hash of the same method and cost (the dummy hash is
    made like the real ones), so the answer's time does not tell which names exist. (How
    long a check takes is bench/'s business, not an assertion's.)"""
    user = make_user("kajsa", "viewer")
    checked: list[str] = []
    real_check = users.check_password_hash

    def check(pwhash: str, password: str) -> bool:
        checked.append(pwhash)
        return real_check(pwhash, password)

    monkeypatch.setattr(users, "check_password_hash", check)
    client = app.test_client()

    def methods(name: str) -> list[str]:
        checked.clear()
        response = client.post("/login", data={"name": name, "password": "fel lösenord"})
        assert response.status_code == 401
        return [h.split("$", 1)[0] for h in checked]  # "scrypt:32768:8:1": method and cost

    own = user.password_hash.split("$", 1)[0]
    assert methods("kajsa") == [own]
    assert methods("ingen-sadan") == [own]
    assert methods("x" * 1000) == [own]  # a name no user can have is checked too


def test_only_the_owner_an_editor_or_an_admin_change_a_scenario(
    app: Flask, make_user: Any, db_session: Session
) -> None:
    clients = {}
    for name, role in (("pia", "planner"), ("per", "planner"), ("erik", "editor")):
        make_user(name, role)
        clients[name] = app.test_client()
        login(clients[name], name)
    document = {"name": "Pias scenario", "parameters": {"food_minutes": 45}}
    created = clients["pia"].post("/api/v1/scenarios", json=document)
    assert created.status_code == 201
    scenario_id = created.json["id"]
    url = f"/api/v1/scenarios/{scenario_id}"

    def audits() -> list[AuditLog]:
        db_session.expire_all()
        return list(
            db_session.scalars(
                select(AuditLog)
                .where(AuditLog.table_name == "scenarios", AuditLog.row_id == str(scenario_id))
                .order_by(AuditLog.id)
            )
        )

    assert [(a.action, a.user_name) for a in audits()] == [("insert", "pia")]
    refused = clients["per"].put(url, json=document | {"name": "Pers namn"})
    assert refused.status_code == 403
    assert clients["per"].get(url).json["name"] == "Pias scenario"
    assert len(audits()) == 1
    editor_page = clients["per"].get(f"/scenarios/{scenario_id}/edit").text
    assert '"saveMethod": "POST"' in editor_page  # saving there makes his own copy

    own = clients["pia"].put(url, json=document | {"name": "Pias nya namn"})
    assert own.status_code == 200
    by_editor = clients["erik"].put(url, json=document | {"name": "Redigerat"})
    assert by_editor.status_code == 200
    changes = audits()[1:]
    assert [(a.action, a.user_name) for a in changes] == [("update", "pia"), ("update", "erik")]
    assert changes[0].old["name"] == "Pias scenario" and changes[0].new["name"] == "Pias nya namn"
    assert changes[1].new["name"] == "Redigerat"


def test_a_nul_character_anywhere_is_a_400_and_writes_nothing(
    app: Flask, make_user: Any, db_session: Session
) -> None:
    from resilience.models import Scenario

    small_county(db_session)
    make_user("nora", "editor")
    client = app.test_client()
    login(client, "nora")
    scenario = client.post("/api/v1/scenarios", json={"name": "Noll\u0000tecken"})
    assert scenario.status_code == 400, scenario.text
    assert db_session.scalar(select(func.count()).select_from(Scenario)) == 0
    warning = ibww(ibww_area(level="RED"))
    warning[0]["event"]["sv"] = "Vind\u0000"
    posted = client.post("/api/v1/warnings", json=warning)
    assert posted.status_code == 400, posted.text
    assert db_session.scalar(select(func.count()).select_from(WeatherWarning)) == 0
    checked = upload(client, geojson([site("n1", IN_2401)]), source="källa\u0000")
    assert checked.status_code in (200, 400), checked.text
    if checked.status_code == 200:
        confirmed = client.post(f"/api/v1/uploads/{checked.json['id']}/confirm")
        assert confirmed.status_code == 400, confirmed.text
    assert db_session.scalar(select(func.count()).select_from(Site)) == 5
