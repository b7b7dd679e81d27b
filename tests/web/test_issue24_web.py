"""Issue 24, items 8 and 10 (web rules): the API's CSRF check is skipped only for a request
its Authorization header authenticates; JSON as text/plain is 415; the session's idle
timeout; the public /healthz says only "error"; /tiles errors are JSON; the API speaks
English unless asked for Swedish."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner
from sqlalchemy.orm import Session

from resilience.app import create_app
from resilience.config import ConfigError, Settings
from resilience.services import users
from tests.conftest import login, login_with_form
from tests.factories import OUTAGE_ABACKA

HEADERS = {"Content-Type": "application/json"}
BODY = json.dumps(OUTAGE_ABACKA)


def test_an_invalid_authorization_header_does_not_skip_the_csrf_check(
    editor: FlaskClient,
    unchanged: Any,
    db_session: Session,
) -> None:
    del editor.environ_base["HTTP_X_CSRF_TOKEN"]  # a cross-site request carries the cookie only
    for header in ("Basic Zm9vOmJhcg==", "Bearer not-a-token", "Negotiate abc", ""):
        sent = {**HEADERS, "Authorization": header}
        response = editor.post("/api/v1/scenarios", data=BODY, headers=sent)
        assert response.status_code == 403, (header, response.text)
        assert "X-CSRF-Token" in response.json["message"]
    unchanged()
    # A valid token authenticates the request as its own user, cookie or not.
    users.create_user(db_session, "tom", "correct horse battery", "planner")
    token = users.create_token(db_session, "tom")
    db_session.commit()
    sent = {**HEADERS, "Authorization": f"Bearer {token}"}
    created = editor.post("/api/v1/scenarios", data=BODY, headers=sent)
    assert created.status_code == 201, created.text
    assert created.json["created_by"] == "tom"


def test_json_sent_as_text_plain_is_415(editor: FlaskClient, unchanged: Any) -> None:
    for content_type in ("text/plain", "text/plain; charset=utf-8"):
        response = editor.post("/api/v1/scenarios", data=BODY, content_type=content_type)
        assert response.status_code == 415, response.text
        assert "application/json" in response.json["message"]
    unchanged()


def test_a_session_idle_longer_than_the_setting_is_over(
    settings: Settings, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(replace(settings, session_idle_minutes=10))
    make_user("ida", "viewer")
    client = app.test_client()
    login_with_form(client, "ida")  # the real login, which makes the session permanent
    real = TimestampSigner.get_timestamp
    assert client.get("/api/v1/scenarios").status_code == 200
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + 9 * 60)
    assert client.get("/api/v1/scenarios").status_code == 200  # used: re-signed, still alive
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + 25 * 60)
    assert client.get("/api/v1/scenarios").status_code == 401  # 16 minutes idle
    assert Settings.from_env({"RESILIENCE_SESSION_IDLE_MINUTES": "30"}).session_idle_minutes == 30
    with pytest.raises(ConfigError, match="RESILIENCE_SESSION_IDLE_MINUTES"):
        Settings.from_env({"RESILIENCE_SESSION_IDLE_MINUTES": "0"})


def test_the_public_healthz_says_only_error(settings: Settings, make_user: Any) -> None:
    app = create_app(replace(settings, redis_url="redis://127.0.0.1:1/0"))
    public = app.test_client().get("/healthz")
    assert public.status_code == 503 and public.json["redis"] == "error", public.json
    assert "Error" not in public.text
    make_user("olle", "viewer")
    client = app.test_client()
    login(client, "olle")
    detailed = client.get("/healthz")
    assert detailed.json["redis"].startswith("error: ") and "Error" in detailed.json["redis"]


def test_tile_errors_are_json(client: FlaskClient) -> None:
    for path in ("/tiles/base/99/0/0.pbf", "/tiles/nope/1/0/0.pbf", "/tiles/base/a/0/0.pbf"):
        response = client.get(path)
        assert 400 <= response.status_code < 500, path
        assert response.is_json and response.json["message"], path


def test_api_errors_are_english_without_accept_language(
    editor: FlaskClient,
) -> None:
    del editor.environ_base["HTTP_X_CSRF_TOKEN"]
    english = editor.post("/api/v1/scenarios", data=BODY, headers=HEADERS)
    assert english.status_code == 403
    assert english.json["message"].startswith("A request with the session cookie")
    swedish = editor.post(
        "/api/v1/scenarios", data=BODY, headers={**HEADERS, "Accept-Language": "sv-SE,sv"}
    )
    assert not swedish.json["message"].startswith("A request with the session cookie")
    assert 'lang="sv"' in editor.get("/").text or editor.get("/").status_code == 200
