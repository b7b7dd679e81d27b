"""Issue 24, items 1, 2, 7 and 10 (warnings): a CAP Update or Cancel ends the whole chain it
refers to (through the real API, PostGIS and the live state); a warning reaching far
beyond the county gives a live run over the county that finishes; warning parsing is
bounded before any geometry is built; CAP ids with spaces and absurd circles are refused."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from resilience.services import runs, warnings
from tests.conftest import login
from tests.factories import SMALL_COUNTY_LONLAT, ibww, ibww_area, small_county

SENDER = "opendata@smhi.se"
# The test county (small_county), as CAP "lat,lon" pairs.
POLYGON = " ".join(f"{lat},{lon}" for lon, lat in SMALL_COUNTY_LONLAT)
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


def _sent(n: int) -> str:
    return (T0 + timedelta(seconds=n)).isoformat()


def cap(
    identifier: str,
    n: int,
    *,
    msg_type: str = "Alert",
    refs: tuple[tuple[str, int], ...] = (),
    level: str = "red",
    info: bool = True,
    polygon: str = POLYGON,
    sender: str = SENDER,
    area: str | None = None,
) -> bytes:
    references = " ".join(f"{SENDER},{i},{_sent(m)}" for i, m in refs)
    ends = (T0 + timedelta(days=2)).isoformat()
    shape = area if area is not None else f"<polygon>{polygon}</polygon>"
    block = (
        f"""<info><language>sv-SE</language><category>Met</category><event>Vind</event>
        <urgency>Immediate</urgency><severity>Severe</severity><certainty>Likely</certainty>
        <expires>{ends}</expires>
        <parameter><valueName>awareness_level</valueName><value>{level}</value></parameter>
        <parameter><valueName>awareness_type</valueName><value>1; Wind</value></parameter>
        <area><areaDesc>Testlän</areaDesc>{shape}</area></info>"""
        if info
        else ""
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>{identifier}</identifier>
<sender>{sender}</sender><sent>{_sent(n)}</sent><status>Actual</status>
<msgType>{msg_type}</msgType><scope>Public</scope>
{f"<references>{references}</references>" if references else ""}{block}</alert>""".encode()


def _post(client: FlaskClient, body: bytes) -> Any:
    response = client.post("/api/v1/warnings", data=body, content_type="application/xml")
    assert response.status_code in (200, 202), response.text
    return response


def _in_force(client: FlaskClient) -> list[str]:
    return sorted(w["level"] for w in client.get("/api/v1/live").json["warnings"])


def test_update_and_cancel_follow_the_whole_chain(editor: FlaskClient) -> None:
    _post(editor, cap("A", 0, level="red"))
    assert _in_force(editor) == ["red"]
    _post(editor, cap("B", 10, msg_type="Update", refs=(("A", 0),), level="yellow"))
    assert _in_force(editor) == ["yellow"]  # the red is replaced, not kept beside it
    _post(editor, cap("C", 20, msg_type="Update", refs=(("B", 10),), level="orange"))
    assert _in_force(editor) == ["orange"]
    _post(editor, cap("C", 20, msg_type="Update", refs=(("B", 10),), level="orange"))
    assert _in_force(editor) == ["orange"]  # the same message again changes nothing
    _post(editor, cap("D", 30, msg_type="Cancel", refs=(("C", 20),), info=False))
    assert _in_force(editor) == []


def test_a_cancel_of_the_first_message_ends_its_updates(editor: FlaskClient) -> None:
    _post(editor, cap("A", 0))
    _post(editor, cap("B", 10, msg_type="Update", refs=(("A", 0),), level="orange"))
    _post(editor, cap("X", 20, msg_type="Cancel", refs=(("A", 0),), info=False))
    assert _in_force(editor) == []


def test_a_burst_of_updates_leaves_one_warning(editor: FlaskClient, db_session: Session) -> None:
    _post(editor, cap("U0", 0, level="yellow"))
    for n in range(1, 21):
        level = ("yellow", "orange", "red")[n % 3]
        _post(editor, cap(f"U{n}", n, msg_type="Update", refs=((f"U{n - 1}", n - 1),), level=level))
    assert _in_force(editor) == [("yellow", "orange", "red")[20 % 3]]
    current = db_session.scalar(text("SELECT count(*) FROM weather_warnings WHERE current"))
    assert current == 1
    _post(editor, cap("U-end", 30, msg_type="Cancel", refs=(("U20", 20),), info=False))
    assert _in_force(editor) == []


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (cap("has space", 0), "identifier"),
        (cap("A", 0, sender="smhi warnings"), "sender"),
        (cap("A,B", 0), "identifier"),
        (cap("A", 0, area="<circle>64.0,20.0 1e308</circle>"), "radius"),
        (cap("A", 0, area="<circle>64.0,20.0 5000</circle>"), "radius"),
    ],
)
def test_bad_cap_alerts_are_a_400(
    editor: FlaskClient, db_session: Session, body: bytes, words: str
) -> None:
    response = editor.post("/api/v1/warnings", data=body, content_type="application/xml")
    assert response.status_code == 400, response.text
    assert words in response.json["message"]
    assert db_session.scalar(text("SELECT count(*) FROM weather_warnings")) == 0


def test_huge_warning_geometries_are_refused_before_any_geometry(
    editor: FlaskClient, db_session: Session
) -> None:
    pairs = " ".join(f"{63.7 + i * 1e-6:.6f},{20.0 + (i % 2) * 0.1:.6f}" for i in range(200_000))
    started = time.monotonic()
    response = editor.post(
        "/api/v1/warnings", data=cap("BIG", 0, polygon=pairs), content_type="application/xml"
    )
    assert response.status_code == 400 and "at most 50,000" in response.json["message"]
    assert time.monotonic() - started < 20
    # A 20,000-vertex self-intersecting zigzag: not repaired at this cost, not stored.
    up = [[20.0 + (i % 2) * 0.5, 63.7 + i * 2e-5] for i in range(10_000)]
    down = [[20.0 + ((i + 1) % 2) * 0.5, 63.7 + i * 2e-5] for i in reversed(range(10_000))]
    zigzag = [*up, *down, up[0]]  # two zigzags crossing at every step
    started = time.monotonic()
    response = editor.post(
        "/api/v1/warnings", json=ibww(ibww_area(coords=zigzag)), content_type="application/json"
    )
    assert response.status_code in (200, 202), response.text
    assert "at most 5,000 are repaired" in json.dumps(response.json["refused"])
    assert time.monotonic() - started < 20
    assert db_session.scalar(text("SELECT count(*) FROM weather_warnings")) == 0


def test_a_warning_far_beyond_the_county_gives_a_live_run_over_the_county(
    editor: FlaskClient, db_session: Session
) -> None:
    wide = [[15.0, 63.5], [30.0, 63.5], [30.0, 66.0], [15.0, 66.0], [15.0, 63.5]]
    posted = editor.post("/api/v1/warnings", json=ibww(ibww_area(level="YELLOW", coords=wide)))
    assert posted.status_code == 202, posted.text
    run = warnings.start_live_run(db_session, posted.json["recalculation"])
    assert run is not None
    runs.compute_run(db_session, run.id)
    assert run.status == "finished", run.error
    zone = run.scenario_snapshot["snow_zones"][0]["geometry"]
    xs = [x for ring in zone["coordinates"] for part in ring for x, _y in part]
    assert min(xs) >= 750_000 and max(xs) <= 770_000  # clipped to the county


def test_a_warning_posted_while_redis_is_down_says_it_was_not_recalculated(
    settings: Any, make_user: Any, db_session: Session
) -> None:
    from dataclasses import replace

    from resilience.app import create_app

    small_county(db_session)
    make_user("eva", "editor")
    client = create_app(replace(settings, redis_url="redis://127.0.0.1:1/0")).test_client()
    login(client, "eva")
    response = client.post("/api/v1/warnings", json=ibww(ibww_area(level="RED")))
    assert response.status_code == 200, response.text  # not the 202 of a run under way
    assert response.json["stored"] == 1 and response.json["recalculation_queued"] is False
    assert "Redis" in response.json["message"]
    assert db_session.scalar(text("SELECT count(*) FROM weather_warnings")) == 1


def test_deeply_nested_xml_is_refused_while_it_is_read(
    editor: FlaskClient, db_session: Session
) -> None:
    deep = (
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
        + b"<a>" * 100_000
        + b"</a>" * 100_000
        + b"</alert>"
    )
    response = editor.post("/api/v1/warnings", data=deep, content_type="application/xml")
    assert response.status_code == 400 and "nested more than 32" in response.json["message"]
    assert db_session.scalar(text("SELECT count(*) FROM weather_warnings")) == 0


def test_a_retried_live_recalculation_computes_the_run_it_started(
    editor: FlaskClient, db_session: Session
) -> None:
    posted = editor.post("/api/v1/warnings", json=ibww(ibww_area(level="ORANGE")))
    fingerprint = posted.json["recalculation"]
    run = warnings.start_live_run(db_session, fingerprint)
    assert run is not None
    run.status, run.error = "queued", "OperationalError: the database went away"
    db_session.flush()
    # The retry: the state has its live run already, so nothing new starts...
    assert warnings.start_live_run(db_session, fingerprint) is None
    # ...and the run that failed is the one to compute again.
    again = warnings.unfinished_live_run(db_session, fingerprint)
    assert again is not None and again.id == run.id
    runs.compute_run(db_session, run.id)
    assert warnings.unfinished_live_run(db_session, fingerprint) is None
