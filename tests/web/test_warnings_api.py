"""POST /api/v1/warnings refuses every bad input with a 4xx and stores nothing; the banner
and the history show what is in force."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from shapely.geometry import shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from resilience.models import WeatherWarning
from resilience.services import warning_ingest
from tests import factories
from tests.conftest import login, shared_file
from tests.factories import ibww, ibww_area, small_county

BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol3;</identifier></alert>"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&xxe;</identifier></alert>"""
JSON = "application/json"
WRONG_NAMESPACE = """<?xml version="1.0"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.1"><identifier>x</identifier></alert>"""


@pytest.fixture
def editor(app: Flask, db_session: Session) -> FlaskClient:
    small_county(db_session)
    factories.user(db_session, "elsa", "editor")
    db_session.commit()
    client = app.test_client()
    login(client, "elsa")
    return client


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(WeatherWarning)) or 0


def _odd_polygon() -> bytes:
    area = ibww_area()
    area["area"]["geometry"]["coordinates"] = [[[18, 123], [19, 64], [20, 65], [18, 123]]]
    return json.dumps(ibww(area)).encode()


@pytest.mark.parametrize(
    ("body", "content_type", "status", "words"),
    [
        (b"[{not json", "application/json", 400, "JSON"),
        (b'{"id": 1}', "application/json", 400, ""),
        (BOMB.encode(), "application/xml", 400, "refused"),
        (EXTERNAL.encode(), "application/xml", 400, "refused"),
        (WRONG_NAMESPACE.encode(), "application/xml", 400, "namespace"),
        (_odd_polygon(), "application/json", 400, "latitude"),
        (b"[]" + b" " * 6_000_000, "application/json", 400, ""),
        (b"hello", "text/plain", 415, "content type"),
    ],
)
def test_bad_warnings_are_refused_and_store_nothing(
    editor: FlaskClient,
    db_session: Session,
    body: bytes,
    content_type: str,
    status: int,
    words: str,
) -> None:
    response = editor.post("/api/v1/warnings", data=body, content_type=content_type)
    assert response.status_code == status, response.text
    assert words.lower() in response.json["message"].lower()
    assert _count(db_session) == 0


def test_a_body_over_the_upload_limit_is_413(editor: FlaskClient, db_session: Session) -> None:
    huge = b"[" + b" " * (51 * 1024 * 1024) + b"]"
    response = editor.post("/api/v1/warnings", data=huge, content_type="application/json")
    assert response.status_code == 413 and _count(db_session) == 0


def test_viewers_may_not_post(client: FlaskClient, db_session: Session) -> None:
    response = client.post("/api/v1/warnings", data=b"[]", content_type="application/json")
    assert response.status_code == 403


def test_posted_warning_shows_in_banner_layer_and_history(
    editor: FlaskClient, db_session: Session
) -> None:
    response = editor.post(
        "/api/v1/warnings", data=json.dumps(ibww(ibww_area())), content_type="application/json"
    )
    assert response.status_code == 202 and response.json["stored"] == 1
    page = editor.get("/")
    assert "Orange varning:" in page.text and "Vind i kombination med snöfall" in page.text
    assert "Västerbottens län" in page.text and "gäller till" in page.text
    layer = editor.get("/api/v1/warnings").json["features"]
    assert [f["properties"]["level"] for f in layer] == ["orange"]
    minx, miny, maxx, maxy = shape(layer[0]["geometry"]).bounds  # WGS 84 for the browser
    assert 19.7 < minx < maxx < 20.9 and 63.6 < miny < maxy < 64
    history = editor.get("/warnings")
    assert history.status_code == 200 and "Vind i kombination med snöfall" in history.text
    live = editor.get("/api/v1/live").json
    assert [w["level"] for w in live["warnings"]] == ["orange"]


def test_cli_ingests_every_cap_sample_or_refuses_it(app: Flask, db_session: Session) -> None:
    small_county(db_session)
    runner = app.test_cli_runner()
    for name in (
        "cap12_metno_gale_update_polygon_emma_id.xml",
        "cap12_alertswiss_landslide_polygon.xml",
    ):
        path = shared_file(f"warnings/cap/{name}")
        result = runner.invoke(args=["warnings", "ingest", str(path)])
        assert result.exit_code == 0, result.output
    assert "not a weather warning" in result.output
    ibww_file = shared_file("warnings/smhi_ibww_test_warnings.json")
    result = runner.invoke(args=["warnings", "ingest", str(ibww_file)])
    assert result.exit_code == 0, result.output
    assert "11 stored" in result.output
    assert "recalculation" not in result.output  # none of SMHI's test areas is in the county


def test_smhi_2021_test_warnings_are_ended_and_dated_with_the_year(
    editor: FlaskClient, db_session: Session
) -> None:
    """SMHI's test warnings of 2021: all past their end time or, without one, older than
    RESILIENCE_OPEN_WARNING_MAX_HOURS: none current in the API, none "gäller" on /warnings,
    and their dates carry the year."""
    document = shared_file("warnings/smhi_ibww_test_warnings.json").read_bytes()
    response = editor.post("/api/v1/warnings", data=document, content_type="application/json")
    assert response.status_code == 200 and response.json["stored"] == 11
    assert editor.get("/api/v1/warnings").json["features"] == []
    assert len(editor.get("/api/v1/warnings?history=1").json["features"]) == 11
    open_ended = db_session.scalars(select(WeatherWarning).where(WeatherWarning.ends.is_(None)))
    assert [w.stale_after is not None for w in open_ended] == [True, True]
    page = editor.get("/warnings").text
    rows = page.split("Mottagna varningar")[1]
    assert ">gäller<" not in rows
    assert rows.count("upphörd (sluttiden har passerats)") == 9
    assert rows.count("upphörd (utan sluttid, äldre än den inställda åldern)") == 2
    assert "2021-09-16 10:00 – 2021-09-20 10:00" in rows  # the year: not the current one
    english = editor.get("/warnings?lang=en").text
    assert "ended (end time passed)" in english and "16/09/2021 10:00" in english


def test_an_open_ended_warning_is_current_while_listed_or_young(
    editor: FlaskClient, db_session: Session, settings
) -> None:  # type: ignore[no-untyped-def]
    """Without approximateEnd: a posted one is current for the configured age after its
    publication; one a poll lists stays current however old, until the polls drop it."""
    from datetime import UTC, datetime, timedelta

    from resilience.services import warnings

    def open_ended(area_id: int, hours_ago: float) -> dict[str, object]:
        published = datetime.now(UTC) - timedelta(hours=hours_ago)
        area = ibww_area(area_id, published=published.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
        del area["approximateEnd"]
        return area

    posted = ibww(open_ended(901, 1), open_ended(902, 49))
    response = editor.post("/api/v1/warnings", data=json.dumps(posted), content_type=JSON)
    assert response.status_code == 202, response.text
    current = editor.get("/api/v1/warnings").json["features"]
    assert [f["properties"]["identity"].endswith("901") for f in current] == [True]
    # A poll listing the old one: current while the polls list it.
    polled = json.dumps(ibww(open_ended(902, 49))).encode()
    warning_ingest.ingest(db_session, settings, polled, JSON, snapshot=True)
    db_session.commit()
    identities = sorted(
        f["properties"]["identity"][-3:] for f in editor.get("/api/v1/warnings").json["features"]
    )
    assert identities == ["901", "902"]
    short = replace(settings, open_warning_max_hours=0.5)  # configurable: 30 minutes
    warning_ingest.ingest(db_session, short, json.dumps(ibww(open_ended(903, 1))).encode(), JSON)
    db_session.commit()
    stored = db_session.scalar(select(WeatherWarning).where(WeatherWarning.identity.like("%903")))
    assert warnings.state(stored) == "stale"
