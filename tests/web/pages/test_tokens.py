"""A planner connects QGIS alone (issue 23, item 6): their own API tokens on /tokens
(created with a name and an expiry, shown once, listed, revoked), the exact /ogc address and
the QGIS steps on the page, the service's root answering an API client with 401 and where
/ogc is, and a login password sent as a token refused with a message that says so."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from resilience.models import ApiToken
from resilience.services import users
from tests.conftest import PASSWORD, login


@pytest.fixture
def planner(app: Flask, make_user: Any) -> FlaskClient:
    make_user("pia", "planner")
    client = app.test_client()
    login(client, "pia")
    return client


def _csrf(client: FlaskClient) -> str:
    with client.session_transaction() as session:
        return str(session["csrf_token"])


def _basic(user: str, password: str) -> dict[str, str]:
    pair = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


def test_a_user_creates_sees_once_lists_and_revokes_their_tokens(
    app: Flask, planner: FlaskClient, db_session: Session, make_user: Any
) -> None:
    page = planner.get("/tokens")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "API-nycklar" in page.text and "Du har inga nycklar." in page.text  # Swedish
    assert 'id="ogc-url">http://localhost/ogc<' in page.text  # the exact address
    assert "QGIS 3.22" in page.text and "QGIS 3.24" in page.text and "Basic" in page.text
    assert "API Header" in page.text and "pia" in page.text  # the user name to enter

    made = planner.post(
        "/tokens", data={"csrf_token": _csrf(planner), "name": "QGIS på kontoret", "days": "30"}
    )
    assert made.status_code == 200
    token = re.search(r'id="new-token-value">([^<]+)<', made.text).group(1)  # type: ignore[union-attr]
    assert users.looks_like_token(token)
    row = db_session.scalar(select(ApiToken).where(ApiToken.name == "QGIS på kontoret"))
    assert row is not None and row.expires_at is not None
    assert timedelta(days=29) < row.expires_at - datetime.now(UTC) <= timedelta(days=30)
    # It works, with Basic as QGIS 3.22 sends it; shown once: the list has no token.
    anonymous = app.test_client()
    assert anonymous.get("/ogc/collections", headers=_basic("pia", token)).status_code == 200
    listed = planner.get("/tokens").text
    assert token not in listed and "QGIS på kontoret" in listed
    assert "aldrig" not in listed.split('id="token-list"')[1].split("</table>")[0]

    never = planner.post(
        "/tokens", data={"csrf_token": _csrf(planner), "name": "GDAL-skript", "days": ""}
    )
    assert never.status_code == 200
    assert (
        db_session.scalar(select(ApiToken).where(ApiToken.name == "GDAL-skript")).expires_at is None
    )  # type: ignore[union-attr]

    # Another user cannot revoke it; its owner can, and it stops working at once.
    make_user("olle", "viewer")
    other = app.test_client()
    login(other, "olle")
    refused = other.post(f"/tokens/{row.id}/revoke", data={"csrf_token": _csrf(other)})
    assert refused.status_code == 404
    assert "QGIS på kontoret" not in other.get("/tokens").text  # only one's own
    done = planner.post(f"/tokens/{row.id}/revoke", data={"csrf_token": _csrf(planner)})
    assert done.status_code == 303
    assert "är återkallad" in planner.get("/tokens").text
    assert anonymous.get("/ogc/collections", headers=_basic("pia", token)).status_code == 401


def test_token_forms_are_checked(planner: FlaskClient, db_session: Session) -> None:
    csrf = _csrf(planner)
    nameless = planner.post("/tokens", data={"csrf_token": csrf, "name": "  ", "days": "30"})
    assert nameless.status_code == 400
    assert (  # next to the field, by its label, the other choice kept
        '<span class="field-error" id="token-name-error">Namn: Ge nyckeln ett namn på 1 till 100'
        " tecken.</span>" in nameless.text
    )
    assert 'aria-invalid="true" aria-describedby="token-name-error">' in nameless.text
    assert '<option value="30" selected>' in nameless.text
    odd = planner.post("/tokens", data={"csrf_token": csrf, "name": "QGIS", "days": "99999"})
    assert odd.status_code == 400 and 'id="token-days-error">Upphör: ' in odd.text
    assert 'value="QGIS"' in odd.text
    assert planner.post("/tokens", data={"name": "x", "days": "30"}).status_code == 403  # CSRF
    assert db_session.scalar(select(ApiToken)) is None
    english = planner.get("/tokens?lang=en").text
    assert "API tokens" in english and "Create token" in english


def test_the_root_tells_an_api_client_where_the_service_is(
    app: Flask, make_user: Any, db_session: Session
) -> None:
    """QGIS given https://host/ instead of https://host/ogc: a 401 with an absolute link, not
    a relative redirect to /login (QGIS: 'Protocol "" is unknown')."""
    make_user("pia", "planner")
    client = app.test_client()
    for headers in (
        {},  # QGIS, GDAL and curl name no text/html
        {"Accept": "application/json"},
        {"Accept": "text/html", **_basic("pia", "x" * 43)},  # a Basic configuration
    ):
        response = client.get("/", headers=headers)
        assert response.status_code == 401, headers
        assert "Location" not in response.headers
        assert response.json["links"][0]["href"] == "http://localhost/ogc"
        assert "http://localhost/ogc" in response.json["message"]
        assert response.headers["WWW-Authenticate"].startswith("Basic ")
    browser = client.get("/", headers={"Accept": "text/html,*/*;q=0.8"})
    assert browser.status_code == 302 and "/login" in browser.headers["Location"]
    # With the right user name and token: on to the service, by its absolute address.
    token = users.create_token(db_session, "pia", name="QGIS")
    db_session.commit()
    onward = client.get("/", headers=_basic("pia", token))
    assert onward.status_code == 307 and onward.headers["Location"] == "http://localhost/ogc"


def test_a_login_password_as_a_token_is_refused_saying_so(
    app: Flask, make_user: Any, db_session: Session
) -> None:
    make_user("pia", "planner")
    client = app.test_client()
    for path in ("/ogc", "/ogc/collections/sites-care/items", "/api/v1/sites"):
        response = client.get(path, headers=_basic("pia", PASSWORD))
        assert response.status_code == 401
        message = response.json["message"]
        assert "not an API token" in message and "login password" in message
        assert "http://localhost/tokens" in message
    # A token of the right shape that is wrong gets the plain 401.
    wrong = client.get("/ogc", headers=_basic("pia", "A" * 43)).json["message"]
    assert "not an API token" not in wrong
    token = users.create_token(db_session, "pia", name="QGIS")
    db_session.commit()
    assert client.get("/ogc", headers=_basic("pia", token)).status_code == 200


def test_the_command_line_names_its_tokens(app: Flask, make_user: Any, db_session: Session) -> None:
    make_user("pia", "planner")
    result = app.test_cli_runner().invoke(
        args=["users", "token", "pia", "--days", "7", "--label", "FME-server"]
    )
    assert result.exit_code == 0, result.output
    row = db_session.scalar(select(ApiToken))
    assert row is not None and row.name == "FME-server"
