"""Issue 14, hardening: every bad input of the issue through the real HTTP API and command
line, each a clear 4xx that changes no table (rows of every table counted before and
after); the browser security headers; the API's CSRF rule; login limits; safe redirects;
token-use writes."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from resilience import jsonio
from resilience.analysis.model import RANGES
from resilience.config import ConfigError, Settings
from resilience.models import ApiToken, AuditLog
from resilience.services import login_limits, users
from tests import factories
from tests.conftest import PASSWORD, login, login_with_form
from tests.factories import OUTAGE_ABACKA, SMALL_COUNTY_LONLAT, ibww, ibww_area
from tests.helpers.browser import CHROMIUM, log_in, wait_until_ready
from tests.helpers.checks import counts as _counts
from tests.helpers.checks import refused as _refused
from tests.helpers.uploads import IN_2401, geojson, refused, site, upload

DEEP = b"[" * 100_000 + b"]" * 100_000


# `editor` and `unchanged` are the shared fixtures of tests/helpers/checks.py.


# --- 1. deeply nested JSON -------------------------------------------------------------------


def test_deeply_nested_json_is_refused_everywhere(
    editor: FlaskClient, unchanged: Callable[..., None]
) -> None:
    headers = {"Content-Type": "application/json"}
    _refused(editor.post("/api/v1/scenarios", data=DEEP, headers=headers), 400, "nested")
    scenario = editor.post("/api/v1/scenarios", data=json.dumps(OUTAGE_ABACKA), headers=headers)
    assert scenario.status_code == 201, scenario.text
    sid = scenario.json["id"]
    after_create = _counts_of(editor)
    _refused(editor.put(f"/api/v1/scenarios/{sid}", data=DEEP, headers=headers), 400, "nested")
    _refused(editor.post("/api/v1/warnings", data=DEEP, headers=headers), 400, "nested")
    _refused(editor.post("/api/v1/exports", data=DEEP, headers=headers), 400, "nested")
    deep_geojson = b'{"type": "FeatureCollection", "features": ' + DEEP + b"}"
    _refused(upload(editor, deep_geojson), 422, "nested 100001 levels", "at most 64")
    assert _counts_of(editor) == after_create


def _counts_of(client: FlaskClient) -> int:
    return len(client.get("/api/v1/scenarios").json["scenarios"])


def test_the_json_reader_measures_depth_outside_strings() -> None:
    assert jsonio.depth(b'{"a": [1, "[[[[", {"b": "\\"]]"}]}') == 3
    assert jsonio.loads(b'[[["x"]]]') == [[["x"]]]
    with pytest.raises(jsonio.JSONError, match="at most 64 levels"):
        jsonio.loads("[" * 65 + "]" * 65)
    with pytest.raises(jsonio.JSONError, match="line 1, column 2"):
        jsonio.loads("[,]")


# --- 2 and 4. uploads ------------------------------------------------------------------------


def _reasons(response: Any) -> dict[str, list[dict[str, Any]]]:
    assert response.status_code == 200, response.text
    return refused(response.json)


def test_nul_long_texts_and_string_coordinates_are_refused_per_row(
    editor: FlaskClient, unchanged: Callable[..., None]
) -> None:
    features = [
        site("ok", IN_2401),
        site("nul-name", IN_2401, name="Hem\u0000met"),
        site("long-name", IN_2401, name="x" * 100_000),
        site("nul-extra", IN_2401, note="a\u0000b"),
        site("x" * 1_001, IN_2401),
        {
            **site("strings", None),
            "geometry": {"type": "Point", "coordinates": ["752000", "7085000"]},
        },
    ]
    reasons = _reasons(upload(editor, geojson(features)))
    assert reasons["feature 2"][0]["field"] == "name"
    assert "NUL" in reasons["feature 2"][0]["message"]
    assert reasons["feature 3"][0]["field"] == "name"
    assert "100,000 characters long; at most 1,000" in reasons["feature 3"][0]["message"]
    assert reasons["feature 4"][0]["field"] == "note"
    assert "NUL" in reasons["feature 4"][0]["message"]
    assert reasons["feature 5"][0]["field"] == "source_id"
    assert reasons["feature 6"][0]["field"] == "geometry"
    assert "coordinates must be numbers, not '752000'" in reasons["feature 6"][0]["message"]
    assert "feature 1" not in reasons

    csv = "source_id;name;category;kind;x;y\nc1;Hem\x00met;care;elderly_home;752000;7085000\n"
    reasons = _reasons(upload(editor, csv.encode(), "register.csv", crs="EPSG:3006"))
    [reason] = reasons["line 2"]
    assert reason["field"] == "name" and "NUL" in reason["message"]
    unchanged("uploads")


def test_a_nul_or_long_source_is_a_400(editor: FlaskClient, unchanged: Callable[..., None]) -> None:
    data = geojson([site("ok", IN_2401)])
    _refused(upload(editor, data, source="källa\u0000"), 400, "source", "NUL")
    _refused(upload(editor, data, source="k" * 2_000), 400, "source", "at most 1,000")
    unchanged()


def test_files_unusable_as_a_whole(editor: FlaskClient, unchanged: Callable[..., None]) -> None:
    csv = "source_id,name,category,kind,lon,lat\nu1,Hem,care,elderly_home,20.3,63.8\n"
    _refused(upload(editor, csv.encode("utf-16"), "register.csv"), 422, "UTF-16 is not supported")
    _refused(upload(editor, csv.encode("utf-16-le"), "register.csv"), 422, "UTF-16")
    _refused(upload(editor, csv.encode(), "register.gpkg"), 422, "GeoPackage")
    _refused(upload(editor, geojson([site("a", IN_2401)]), "register.csv"), 422, "CSV", "GeoJSON")
    points = {"type": "MultiPoint", "coordinates": [[752_000.0, 7_085_000.0]] * 1_000_000}
    big = geojson([{**site("many", None), "geometry": points}])
    # The body by hand: the test client would spool a form this big to a file it never closes.
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="register.geojson"\r\n'
        b"Content-Type: application/geo+json\r\n\r\n" + big + b"\r\n--b--\r\n"
    )
    posted = editor.post(
        "/api/v1/uploads", data=body, content_type="multipart/form-data; boundary=b"
    )
    reasons = _reasons(posted)
    assert "more than 200,000 positions" in reasons["feature 1"][0]["message"]
    unchanged("uploads")


# --- 2 and 4. the energy register's import (/energy/import and its API) ------------------------


def _energy(client: FlaskClient, kind: str, body: bytes, filename: str) -> Any:
    return client.post(
        f"/api/v1/energy/import/{kind}",
        data={"file": (io.BytesIO(body), filename)},
        content_type="multipart/form-data",
    )


def _row_errors(response: Any) -> dict[tuple[str, str], str]:
    assert response.status_code == 422, response.text
    assert response.json["ok"] is False
    return {(e["where"], e["field"]): e["message"] for e in response.json["errors"]}


REGISTER_HEAD = "source;source_id;name;kind;owner;heating;note;x;y\n"


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ("test;n-1;Ny\x00skola;school;municipality;;;753000;7083000", "name", "NUL"),
        ("test;n\x00;Ny skola;school;municipality;;;753000;7083000", "source_id", "NUL"),
        ("test;n-1;Ny skola;school;municipality;fjärr\x00värme;;753000;7083000", "heating", "NUL"),
        ("test;n-1;Ny skola;school;municipality;;a\x00b;753000;7083000", "note", "NUL"),
        ("test;n-1;Ny skola;school;" + "k" * 1_001 + ";;;753000;7083000", "owner", "at most 1,000"),
        ("test;n-1;" + "x" * 100_000 + ";school;municipality;;;753000;7083000", "name", "100,000"),
        (
            "test;n-1;Ny skola;school;municipality;;" + "y" * 30_000 + ";753000;7083000",
            "note",
            "20,000",
        ),
    ],
)
def test_the_energy_register_refuses_nul_and_long_texts_per_row(
    editor: FlaskClient, unchanged: Callable[..., None], row: str, field: str, words: str
) -> None:
    good = "test;n-2;Gamla skolan;school;municipality;;;753500;7083500"
    body = (REGISTER_HEAD + good + "\n" + row + "\n").encode()
    errors = _row_errors(_energy(editor, "register", body, "register.csv"))
    assert list(errors) == [("line 3", field)]
    assert words in errors[("line 3", field)]
    unchanged()


def test_energy_measures_and_readings_refuse_nul_and_long_texts_per_row(
    editor: FlaskClient, unchanged: Callable[..., None]
) -> None:
    measures = (
        "source_id;title;status;note\n"
        "energy-1;LED;planned;ok\n"
        "energy-1;Fönster\x00byte;planned;\n"
        "energy-1;Tak;planned;" + "n" * 5_000 + "\n"
        "energy-1\x00;Värme;planned;\n"
    )
    errors = _row_errors(_energy(editor, "measures", measures.encode(), "atgarder.csv"))
    assert set(errors) == {("line 3", "title"), ("line 4", "note"), ("line 5", "source_id")}
    assert "NUL" in errors[("line 3", "title")] and "NUL" in errors[("line 5", "source_id")]
    assert "5,000 characters long; at most 1,000" in errors[("line 4", "note")]
    geojson_measures = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": None,
                    "properties": {
                        "source_id": "energy-1",
                        "title": "L\u0000ED",
                        "status": "planned",
                    },
                }
            ],
        }
    ).encode()
    errors = _row_errors(_energy(editor, "measures", geojson_measures, "atgarder.geojson"))
    assert list(errors) == [("feature 1", "title")]
    readings = "source_id;year;kwh\nenergy-1;2024;100\nenergy\x00-1;2024;100\n"
    errors = _row_errors(_energy(editor, "readings", readings.encode(), "avlasningar.csv"))
    assert list(errors) == [("line 3", "source_id")]
    # The page's form answers the same, as a page.
    with editor.session_transaction() as session:
        token = session["csrf_token"]
    page = editor.post(
        "/energy/import",
        data={
            "csrf_token": token,
            "kind": "measures",
            "file": (io.BytesIO(measures.encode()), "atgarder.csv"),
        },
        content_type="multipart/form-data",
    )
    assert page.status_code == 422 and "NUL" in page.text and "line 3" in page.text
    unchanged()


def test_energy_files_unusable_as_a_whole(
    editor: FlaskClient, unchanged: Callable[..., None]
) -> None:
    measures = "source_id,title,status\nenergy-1,LED,planned\n"
    for kind in ("register", "measures", "readings"):
        response = _energy(editor, kind, measures.encode("utf-16"), "data.csv")
        assert response.status_code == 422, response.text
        assert "UTF-16 is not supported" in json.dumps(response.json, ensure_ascii=False)
        response = _energy(editor, kind, measures.encode(), "data.gpkg")
        assert response.status_code == 422 and "GeoPackage" in response.text
    unchanged()


def test_energy_import_file_names_are_bounded(
    editor: FlaskClient, unchanged: Callable[..., None]
) -> None:
    measures = b"source_id;title;status\nenergy-1;LED;planned\n"
    _refused(_energy(editor, "measures", measures, "m" * 2_000 + ".csv"), 400, "at most 1,000")
    _refused(_energy(editor, "measures", measures, "m\x00.csv"), 400, "NUL")
    unchanged()
    assert _energy(editor, "measures", measures, "åtgärder.csv").status_code == 200


# --- the command line: the same reader and the same checks --------------------------------


def _cli_refuses(app: Flask, *args: str, input: str | None = None) -> str:
    result = app.test_cli_runner().invoke(args=list(args), input=input)
    assert result.exit_code == 1, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit)  # a message, not a traceback
    return result.output


def test_the_command_line_refuses_deep_json(
    app: Flask, editor: FlaskClient, unchanged: Callable[..., None], tmp_path: Any
) -> None:
    deep_geojson = tmp_path / "deep.geojson"
    deep_geojson.write_bytes(b'{"type": "FeatureCollection", "features": ' + DEEP + b"}")
    for command in ("import-sites", "import-boundaries", "import-population"):
        out = _cli_refuses(app, "geodata", command, str(deep_geojson), "--crs", "EPSG:3006")
        assert "nested 100001 levels deep; at most 64" in out
    for what in ("register", "measures", "readings"):
        out = _cli_refuses(app, "geodata", "import-energy", what, str(deep_geojson))
        assert "nested 100001 levels deep" in out
    deep_json = tmp_path / "deep.json"
    deep_json.write_bytes(DEEP)
    assert "at most 64 levels" in _cli_refuses(app, "scenario", "run", str(deep_json))
    assert "at most 64 levels" in _cli_refuses(app, "warnings", "ingest", str(deep_json))
    unchanged()


def test_the_command_line_refuses_nul_and_long_texts(
    app: Flask, editor: FlaskClient, unchanged: Callable[..., None], tmp_path: Any
) -> None:
    sites = tmp_path / "platser.csv"
    sites.write_text(
        "source_id;name;category;kind;x;y\n"
        "c1;Hem\x00met;care;elderly_home;752000;7085000\n"
        "c2;" + "x" * 5_000 + ";care;elderly_home;752000;7085000\n",
        encoding="utf-8",
    )
    out = _cli_refuses(app, "geodata", "import-sites", str(sites), "--crs", "EPSG:3006")
    assert "line 2, field 'name': contains a NUL character" in out
    assert "line 3, field 'name': is 5,000 characters long; at most 1,000" in out
    ring = [[740_000, 7_070_000], [750_000, 7_070_000], [750_000, 7_080_000], [740_000, 7_070_000]]
    boundaries = tmp_path / "kommuner.geojson"
    feature = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}}
    boundaries.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [{**feature, "properties": {"code": "2401", "name": "Å\u0000backa"}}],
            }
        )
    )
    out = _cli_refuses(app, "geodata", "import-boundaries", str(boundaries), "--crs", "EPSG:3006")
    assert "feature 1, field 'name': contains a NUL character" in out
    cells = tmp_path / "rutor.csv"
    cells.write_text("x;y;population;cell_size\n750000;7080000;10;1000\n")
    out = _cli_refuses(
        app,
        "geodata",
        "import-population",
        str(cells),
        "--crs",
        "EPSG:3006",
        "--source",
        "s" * 5_000,
    )
    assert "the source is 5,000 characters long; at most 1,000" in out
    measures = tmp_path / "atgarder.csv"
    measures.write_text("source_id;title;status\nenergy-1;LED;planned\n")
    out = _cli_refuses(
        app, "geodata", "import-energy", "measures", str(measures), "--source", "k" * 1_001
    )
    assert "the source is 1,001 characters long" in out
    password = "correct horse battery\n"
    out = _cli_refuses(app, "users", "create", "u" * 65, "--role", "viewer", input=password)
    assert "at most 64 characters" in out
    out = _cli_refuses(app, "users", "create", "u\x01v", "--role", "viewer", input=password)
    assert "no control characters" in out
    unchanged()


def test_a_login_name_no_user_can_have_is_a_wrong_login(app: Flask) -> None:
    client = app.test_client()
    for name in ("ad\x00min", "a" * 10_000):
        response = client.post("/login", data={"name": name, "password": "x"})
        assert response.status_code == 401 and "Fel användarnamn eller lösenord" in response.text
    login_limits.unlock_all(Redis.from_url(app.config["SETTINGS"].redis_url))


# --- 3. scenario parameters ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parameters", "duration", "words"),
    [
        ({}, 1e9, ("duration_hours", "from 0.1 to 8760 h")),
        ({}, 1e308, ("duration_hours", "8760")),
        ({"speed_kmh": 1e-300}, 24, ("speed_kmh", "from 1 to 200 km/h")),
        ({"speed_kmh": 1e308}, 24, ("speed_kmh", "from 1 to 200 km/h")),
        ({"circuity": 1e308}, 24, ("circuity", "from 1 to 3")),
        ({"food_minutes": 1e308}, 24, ("food_minutes", "from 0 to 1440 min")),
        ({"care_minutes": 1441}, 24, ("care_minutes", "1440")),
        ({"shelter_minutes": 5000}, 24, ("shelter_minutes", "1440")),
        ({"mobile_max_hours": 1e6}, 24, ("mobile_max_hours", "8760")),
        ({"timeline_step_hours": 1000}, 24, ("timeline_step_hours", "168")),
        ({"outdoor_c": -100}, 24, ("outdoor_c", "from -60 to 40 °C")),
        ({"indoor_c": 500}, 24, ("indoor_c", "40")),
        ({"cold_threshold_c": -80}, 24, ("cold_threshold_c", "-60")),
        ({"food_stock_target_days": 1e5}, 24, ("food_stock_target_days", "365")),
        ({"speed_factors": {"red": 50}}, 24, ("speed_factors.red", "from 0.01 to 2")),
    ],
)
def test_absurd_parameters_are_refused_with_the_range(
    editor: FlaskClient,
    unchanged: Callable[..., None],
    parameters: dict[str, Any],
    duration: float,
    words: tuple[str, ...],
) -> None:
    document = {**OUTAGE_ABACKA, "parameters": parameters}
    document["outage"] = {**OUTAGE_ABACKA["outage"], "duration_hours": duration}
    _refused(editor.post("/api/v1/scenarios", json=document), 400, *words)
    unchanged()


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"name": "Storm\u0000"}, ("name", "NUL")),
        ({"name": "x" * 100_000}, ("name", "100,000 characters long; at most 1,000")),
        ({"description": "a\u0000b"}, ("description", "NUL")),
        ({"description": "d" * 30_000}, ("description", "at most 20,000")),
    ],
)
def test_scenario_texts_are_bounded(
    editor: FlaskClient,
    unchanged: Callable[..., None],
    changes: dict[str, str],
    words: tuple[str, ...],
) -> None:
    _refused(editor.post("/api/v1/scenarios", json={**OUTAGE_ABACKA, **changes}), 400, *words)
    unchanged()


def test_the_editor_inputs_carry_the_ranges(editor: FlaskClient) -> None:
    """Text fields (a number input refuses "250 000"), the range checked by form_fields.js."""
    page = editor.get("/scenarios/new").text
    high = RANGES["duration_hours"].high
    assert f'name="duration_hours" data-min="0.1" data-max="{high:g}"' in page
    assert 'name="speed_kmh" data-min="1" data-max="200"' in page
    assert 'name="food_minutes" data-min="0" data-max="1440"' in page


# --- 5. a self-intersecting IBWW area --------------------------------------------------------


def test_a_self_intersecting_ibww_area_is_repaired_and_says_so(
    editor: FlaskClient, db_session: Session
) -> None:
    (w0, s0), (e0, _), (_, n0) = (
        SMALL_COUNTY_LONLAT[0],
        SMALL_COUNTY_LONLAT[1],
        SMALL_COUNTY_LONLAT[2],
    )
    bowtie = [[w0, s0], [e0, n0], [e0, s0], [w0, n0], [w0, s0]]
    posted = editor.post("/api/v1/warnings", json=ibww(ibww_area(level="RED", coords=bowtie)))
    assert posted.status_code in (200, 202), posted.text
    raw = db_session.scalar(text("SELECT raw FROM weather_warnings"))
    assert "Self-intersection" in raw["repaired"] and "make_valid" in raw["repaired"]


# --- 6. headers and CSRF ---------------------------------------------------------------------


def test_every_response_has_the_security_headers(app: Flask, editor: FlaskClient) -> None:
    for response in (
        editor.get("/"),
        editor.get("/api/v1/scenarios"),
        app.test_client().get("/login"),
        app.test_client().get("/api/v1/sites"),  # 401
    ):
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self' 'nonce-" in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Strict-Transport-Security" not in response.headers  # development: plain HTTP
    page = editor.get("/")
    nonce = page.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    scripts = page.text.count("<script")
    assert (
        scripts
        and page.text.count(f'<script nonce="{nonce}"') + page.text.count("<script src=") == scripts
    )
    assert nonce != editor.get("/").headers["Content-Security-Policy"].split("'nonce-")[1][:24]


def test_nothing_behind_the_login_is_cached(
    app: Flask, editor: FlaskClient, db_session: Session
) -> None:
    """Issue 23, item 5: QGIS keeps what it may cache on disk, and would open a layer from
    there without credentials or with a revoked token."""
    token = users.create_token(db_session, "eva")
    db_session.commit()
    bearer = {"Authorization": f"Bearer {token}"}
    anonymous = app.test_client()
    for response in (
        editor.get("/"),
        editor.get("/scenarios"),
        editor.get("/exports"),
        editor.get("/api/v1/scenarios"),
        editor.get("/i18n/sv.js"),
        anonymous.get("/ogc", headers=bearer),
        anonymous.get("/ogc/openapi", headers=bearer),
        anonymous.get("/ogc/collections", headers=bearer),
        anonymous.get("/ogc/collections/sites-care", headers=bearer),
        anonymous.get("/ogc/collections/sites-care/items?limit=10", headers=bearer),
        anonymous.get("/ogc/collections/no-such/items", headers=bearer),  # 404
        anonymous.get("/api/v1/sites", headers=bearer),
        anonymous.get("/ogc/collections"),  # 401
        anonymous.get("/tiles/names.geojson"),  # 401
        anonymous.get("/exports"),  # the redirect to the login
    ):
        assert response.headers["Cache-Control"] == "no-store", response.request.path
    # Public: the health check, the login page and static files may be cached.
    for path in ("/healthz", "/login", "/static/css/app.css"):
        response = anonymous.get(path)
        assert "no-store" not in response.headers.get("Cache-Control", ""), path
        response.close()


def test_hsts_in_production(settings: Settings, migrated: str) -> None:
    from dataclasses import replace

    from resilience.app import create_app

    app = create_app(replace(settings, production=True))
    response = app.test_client().get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_the_api_with_the_session_cookie_needs_the_csrf_token(
    editor: FlaskClient, unchanged: Callable[..., None], db_session: Session
) -> None:
    del editor.environ_base["HTTP_X_CSRF_TOKEN"]  # as a cross-site form would send it
    body = json.dumps(OUTAGE_ABACKA)
    headers = {"Content-Type": "application/json"}
    _refused(editor.post("/api/v1/scenarios", data=body, headers=headers), 403, "X-CSRF-Token")
    wrong = {**headers, "X-CSRF-Token": "guess"}
    _refused(editor.post("/api/v1/scenarios", data=body, headers=wrong), 403, "X-CSRF-Token")
    _refused(editor.post("/ogc/collections/sites/items", data=body, headers=headers), 403)
    assert editor.get("/api/v1/scenarios").status_code == 200  # reads need no token
    unchanged()
    token = users.create_token(db_session, "eva")
    db_session.commit()
    bearer = {**headers, "Authorization": f"Bearer {token}"}
    assert editor.post("/api/v1/scenarios", data=body, headers=bearer).status_code == 201


# --- 7. login limits -------------------------------------------------------------------------


def _cli(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_login_locks_an_account_after_five_failures(
    app: Flask, make_user: Any, settings: Settings, db_session: Session
) -> None:
    make_user("lisa", "viewer")
    client = app.test_client()
    for _ in range(login_limits.ACCOUNT_LIMIT):
        wrong = client.post("/login", data={"name": "lisa", "password": "wrong"})
        assert wrong.status_code == 401
    locked = client.post("/login", data={"name": "lisa", "password": PASSWORD})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert "För många misslyckade inloggningar" in locked.text
    assert "account\tlisa\t5 failures" in _cli(app, "users", "locked")
    # Another gunicorn worker (another app, the same Redis) refuses it too.
    from resilience.app import create_app

    other = create_app(settings).test_client()
    assert other.post("/login", data={"name": "lisa", "password": PASSWORD}).status_code == 429
    assert "Cleared 1 lock(s)." in _cli(app, "users", "unlock", "lisa")
    assert "Cleared 0 lock(s)." in _cli(app, "users", "unlock", "lisa")  # audited once
    [entry] = login_limits.unlock_entries(db_session)
    assert (entry.user_name, entry.row_id) == ("cli", "account:lisa")
    assert client.post("/login", data={"name": "lisa", "password": PASSWORD}).status_code == 302


@pytest.mark.slow
def test_login_locks_an_address_after_twenty_failures(
    app: Flask, settings: Settings, db_session: Session
) -> None:
    client = app.test_client()
    for n in range(login_limits.ADDRESS_LIMIT):
        client.post("/login", data={"name": f"guess-{n}", "password": "wrong"})
    assert client.post("/login", data={"name": "anyone", "password": "x"}).status_code == 429
    assert "address\t127.0.0.1\t20 failures" in _cli(app, "users", "locked")
    _cli(app, "users", "unlock", "--address", "127.0.0.1")
    assert not login_limits.locks(Redis.from_url(settings.redis_url))


def _form_token(client: FlaskClient) -> str:
    with client.session_transaction() as session:
        return str(session["csrf_token"])


@pytest.mark.slow
def test_an_admin_sees_the_lockouts_and_unlocks_them(
    app: Flask, make_user: Any, db_session: Session, settings: Settings
) -> None:
    make_user("lisa", "viewer")
    make_user("adam", "admin")
    make_user("vera", "viewer")
    admin, viewer = app.test_client(), app.test_client()
    login(admin, "adam")
    login(viewer, "vera")
    page = admin.get("/admin/logins")
    assert page.status_code == 200 and "Inga konton eller adresser är låsta." in page.text
    assert 'href="/admin/logins"' in page.text  # in the admin's menu
    assert 'href="/admin/logins"' not in viewer.get("/").text
    for _ in range(login_limits.ACCOUNT_LIMIT):
        app.test_client().post("/login", data={"name": "Lisa", "password": "wrong"})

    page = admin.get("/admin/logins")
    assert page.status_code == 200
    assert 'data-kind="account" data-key="lisa"' in page.text
    assert "Konto" in page.text and "minuter kvar" in page.text and ">Lås upp<" in page.text
    english = admin.get("/admin/logins?lang=en").text
    assert "Login lockouts" in english and "15 minutes left" in english
    admin.get("/admin/logins?lang=sv")

    # Viewers may not look or unlock; a form without the token is refused.
    form = {"kind": "account", "key": "lisa"}
    assert viewer.get("/admin/logins").status_code == 403
    refused = viewer.post("/admin/logins/unlock", data={**form, "csrf_token": _form_token(viewer)})
    assert refused.status_code == 403
    assert admin.post("/admin/logins/unlock", data=form).status_code == 403
    guessed = admin.post("/admin/logins/unlock", data={**form, "csrf_token": "guess"})
    assert guessed.status_code == 403
    wrong_kind = {"kind": "user", "key": "lisa", "csrf_token": _form_token(admin)}
    bad = admin.post("/admin/logins/unlock", data=wrong_kind)
    assert bad.status_code == 400
    redis = Redis.from_url(settings.redis_url)
    assert [(lock.kind, lock.key) for lock in login_limits.locks(redis)] == [("account", "lisa")]
    assert not db_session.scalars(
        select(AuditLog).where(AuditLog.table_name == login_limits.AUDIT_TABLE)
    ).all()

    done = admin.post("/admin/logins/unlock", data={**form, "csrf_token": _form_token(admin)})
    assert done.status_code == 303 and done.headers["Location"] == "/admin/logins"
    assert not login_limits.locks(redis)
    [entry] = db_session.scalars(
        select(AuditLog).where(AuditLog.table_name == login_limits.AUDIT_TABLE)
    ).all()
    assert (entry.user_name, entry.row_id, entry.action, entry.field) == (
        "adam",
        "account:lisa",
        "delete",
        "account",
    )
    assert entry.old["failures"] == login_limits.ACCOUNT_LIMIT
    page = admin.get("/admin/logins").text
    assert "Kontot lisa får logga in igen." in page
    assert "Inga konton eller adresser är låsta." in page and "<td>adam</td>" in page
    again = app.test_client().post("/login", data={"name": "lisa", "password": PASSWORD})
    assert again.status_code == 302


@pytest.mark.slow
def test_an_admin_unlocks_a_client_address(app: Flask, make_user: Any, settings: Settings) -> None:
    make_user("adam", "admin")
    admin = app.test_client()
    login(admin, "adam")  # before the address is locked: the session carries on
    for n in range(login_limits.ADDRESS_LIMIT):
        app.test_client().post("/login", data={"name": f"guess-{n}", "password": "wrong"})
    page = admin.get("/admin/logins").text
    assert 'data-kind="address" data-key="127.0.0.1"' in page and "Klientadress" in page
    form = {"kind": "address", "key": "127.0.0.1", "csrf_token": _form_token(admin)}
    assert admin.post("/admin/logins/unlock", data=form).status_code == 303
    assert not login_limits.locks(Redis.from_url(settings.redis_url))
    assert "Inloggningar från adressen 127.0.0.1 tillåts igen." in admin.get("/admin/logins").text


def test_the_lockout_page_says_when_redis_is_down(
    settings: Settings, migrated: str, make_user: Any
) -> None:
    from dataclasses import replace

    from resilience.app import create_app

    make_user("adam", "admin")
    app = create_app(replace(settings, redis_url="redis://127.0.0.1:1/0"))
    admin = app.test_client()
    login_with_form(admin, "adam")  # logins are not limited while Redis is down
    page = admin.get("/admin/logins")
    assert page.status_code == 200 and 'id="locks-unknown"' in page.text


# --- 8. safe redirects -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "/\t/evil.example"]
)
def test_no_redirect_leaves_the_site(app: Flask, make_user: Any, target: str) -> None:
    make_user("rita", "editor")
    client = app.test_client()
    response = client.post(f"/login?next={target}", data={"name": "rita", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/situation"
    login_with_form(client, "rita")
    with client.session_transaction() as session:
        token = session["csrf_token"]
    saved = client.post(
        "/energy/class-limits",
        data={"csrf_token": token, "kind": "office", "reset": "1", "next": target},
    )
    assert saved.status_code == 302
    assert "evil" not in saved.headers["Location"]


# --- 9. token use ----------------------------------------------------------------------------


def test_a_token_records_its_use_at_most_once_a_minute(app: Flask, committed: Session) -> None:
    factories.user(committed, "qgis", "viewer")
    token = users.create_token(committed, "qgis")
    committed.commit()
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    last_used = select(ApiToken.last_used_at)
    assert client.get("/api/v1/scenarios", headers=auth).status_code == 200
    committed.expire_all()
    first = committed.scalar(last_used)
    assert first is not None
    for _ in range(5):
        assert client.get("/api/v1/scenarios", headers=auth).status_code == 200
    committed.expire_all()
    assert committed.scalar(last_used) == first
    committed.execute(update(ApiToken).values(last_used_at=first - timedelta(seconds=61)))
    committed.commit()
    client.get("/api/v1/scenarios", headers=auth)
    committed.expire_all()
    assert committed.scalar(last_used) > first


# --- 11. bounded work ------------------------------------------------------------------------


def test_work_per_request_is_bounded(editor: FlaskClient, unchanged: Callable[..., None]) -> None:
    ring = [[700_000 + 1_000 * (i % 2), 7_000_000 + 0.5 * i] for i in range(150_000)]
    ring.append(ring[0])
    many = {
        **OUTAGE_ABACKA,
        "outage": {"duration_hours": 24, "areas": {"type": "Polygon", "coordinates": [ring]}},
    }
    _refused(editor.post("/api/v1/scenarios", json=many), 400, "100000 vertices")
    unchanged()


def test_a_run_outside_the_county_is_refused(editor: FlaskClient, db_session: Session) -> None:
    far = {**OUTAGE_ABACKA, "name": "Skåne"}
    far["outage"] = {
        "duration_hours": 24,
        "areas": {
            "type": "Polygon",
            "coordinates": [
                [
                    [380_000, 6_150_000],
                    [420_000, 6_150_000],
                    [420_000, 6_200_000],
                    [380_000, 6_200_000],
                    [380_000, 6_150_000],
                ]
            ],
        },
    }
    created = editor.post("/api/v1/scenarios", json=far)
    assert created.status_code == 201, created.text
    before = _counts(db_session)
    run = editor.post(f"/api/v1/scenarios/{created.json['id']}/runs")
    _refused(run, 400, "wholly outside the county")
    assert _counts(db_session) == before


def _limited(settings: Settings, name: str, **limits: int) -> FlaskClient:
    from dataclasses import replace

    from resilience.app import create_app

    client = create_app(replace(settings, **limits)).test_client()
    login(client, name)
    return client


def test_a_run_over_more_cells_or_sites_than_allowed_is_refused(
    editor: FlaskClient, settings: Settings, db_session: Session, redis_conn: Redis
) -> None:
    """small_county: 3 populated cells and 5 sites. A limit of 2 cells, or of 4 sites, refuses
    the run (413, naming the counts and the setting) and writes nothing; the defaults pass."""
    created = editor.post("/api/v1/scenarios", json=OUTAGE_ABACKA)
    assert created.status_code == 201, created.text
    runs_url = f"/api/v1/scenarios/{created.json['id']}/runs"
    plan = {"scenarios": [created.json["id"]], "sites": 2}
    before = _counts(db_session)
    few_cells = _limited(settings, "eva", run_max_cells=2)
    _refused(
        few_cells.post(runs_url),
        413,
        "3 populated cells (at most 2, RESILIENCE_RUN_MAX_CELLS)",
        "nothing was started",
    )
    _refused(few_cells.post("/api/v1/plans", json=plan), 413, "RESILIENCE_RUN_MAX_CELLS")
    few_sites = _limited(settings, "eva", run_max_sites=4)
    response = few_sites.post(runs_url)
    _refused(response, 413, "5 sites (at most 4, RESILIENCE_RUN_MAX_SITES)")
    assert "cells" not in response.json["message"]
    assert _counts(db_session) == before
    assert not redis_conn.keys("rq:job:*")  # nothing enqueued either
    started = editor.post(runs_url)
    assert started.status_code == 202, started.text


def test_the_work_limits_are_settings_that_the_benchmarks_pass() -> None:
    """The defaults admit the county's data (2,676 cells, 655 sites) and the Sweden-sized
    benchmark (250,000 cells × 30,000 sites); the environment sets them."""
    defaults = Settings()
    assert defaults.run_max_cells >= 250_000 and defaults.run_max_sites >= 30_000
    env = {"RESILIENCE_RUN_MAX_CELLS": "500_000", "RESILIENCE_RUN_MAX_SITES": "40000"}
    parsed = Settings.from_env({**env, "RESILIENCE_SECRET_KEY": "k"})
    assert (parsed.run_max_cells, parsed.run_max_sites) == (500_000, 40_000)
    for bad in ("0", "-5", "many", "1e6"):
        with pytest.raises(ConfigError, match="RESILIENCE_RUN_MAX_CELLS"):
            Settings.from_env({"RESILIENCE_RUN_MAX_CELLS": bad, "RESILIENCE_SECRET_KEY": "k"})


def test_uploads_api_file_field(editor: FlaskClient) -> None:
    form = {"file": (io.BytesIO(b"x"), "register.exe")}
    response = editor.post("/api/v1/uploads", data=form, content_type="multipart/form-data")
    assert response.status_code == 400


# --- 6. the pages still work under the CSP, in a real browser --------------------------------


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
def test_the_pages_run_under_the_csp_without_violations(
    browser: Any,
    live_server: str,
    map_county: dict[str, int],
) -> None:
    log_in(browser, live_server)
    assert not wait_until_ready(browser).get("mapError")
    for path in ("/scenarios", "/energy", "/warnings"):
        browser.get(live_server + path)
    logs = [entry["message"] for entry in browser.get_log("browser")]
    assert not [m for m in logs if "Content Security Policy" in m], logs


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
def test_an_admin_unlocks_an_account_in_a_real_browser(
    browser: Any,
    live_server: str,
    committed: Session,
    settings: Settings,
) -> None:
    import os
    import tempfile
    import urllib.error
    import urllib.parse
    import urllib.request
    from pathlib import Path
    from urllib.parse import urlsplit

    from selenium.webdriver.common.by import By

    from tests.helpers.browser import WebDriverWait

    factories.user(committed, "adam", "admin")
    factories.user(committed, "lisa", "viewer")
    committed.commit()
    browser.get(live_server + "/login")
    browser.find_element(By.NAME, "name").send_keys("adam")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(browser, 30).until(lambda d: urlsplit(d.current_url).path == "/situation")
    # Five wrong passwords for lisa, from another client.
    wrong = urllib.parse.urlencode({"name": "lisa", "password": "wrong"}).encode()
    for _ in range(login_limits.ACCOUNT_LIMIT):
        with pytest.raises(urllib.error.HTTPError, match="401"):
            urllib.request.urlopen(live_server + "/login", data=wrong, timeout=10)
    browser.find_element(By.LINK_TEXT, "Inloggningar").click()
    WebDriverWait(browser, 30).until(lambda d: urlsplit(d.current_url).path == "/admin/logins")
    row = browser.find_element(By.CSS_SELECTOR, "#login-locks tr[data-key=lisa]")
    assert "Konto" in row.text and "minuter kvar" in row.text
    shots = Path(os.environ.get("RESILIENCE_SHOTS") or tempfile.gettempdir())
    browser.save_screenshot(str(shots / "admin-logins.png"))
    row.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".flash-ok"))
    assert (
        "Kontot lisa får logga in igen." in browser.find_element(By.CSS_SELECTOR, ".flash-ok").text
    )
    assert not browser.find_elements(By.CSS_SELECTOR, "#login-locks tr[data-key]")
    assert "lisa" in browser.find_element(By.CSS_SELECTOR, "#login-unlocks").text
    browser.save_screenshot(str(shots / "admin-unlocked.png"))
    assert not login_limits.locks(Redis.from_url(settings.redis_url))
