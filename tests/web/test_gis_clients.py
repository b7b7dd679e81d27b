"""Real GIS clients against /ogc (issue 11): GDAL's own OAPIF driver (ogrinfo, ogr2ogr from
gdal-bin) reads every collection with the token in GDAL_HTTP_HEADERS and with HTTP Basic
(user name and API token), every value compared with the database and every field type
checked; HTTP Basic and the 401 challenge that QGIS 3.22 answers; the OpenAPI parameters as
the OGC test suite (ets-ogcapi-features10) reads them; one JSON type per field; the Part 5
schemas; gzip. The data are small_county() with two finished runs (tests/web/test_ogc.py)."""

from __future__ import annotations

import base64
import gzip
import json
import ssl
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from owslib.ogcapi.features import Features
from owslib.util import Authentication
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from resilience.models import ApiToken, User
from resilience.services import ogc, users
from resilience.services.ogc.openapi import openapi_document
from tests.conftest import PASSWORD
from tests.factories import OGC_COUNTS, ogc_county
from tests.helpers.gdal import GDAL_TYPES, TOKEN_USER, field_types, gdal

NAME = TOKEN_USER


def _copy(source: str, layer: str, out: Path, env: dict[str, str], *options: str) -> list[Any]:
    """ogr2ogr the layer to GeoJSON (17 significant digits: doubles exactly) and read it."""
    gdal("ogr2ogr", "-f", "GeoJSON", "-preserve_fid", str(out), source, layer, *options, env=env)
    return json.loads(out.read_text(encoding="utf-8"))["features"]


def _database_rows(session: Session, collection: ogc.Collection) -> dict[Any, dict[str, Any]]:
    columns = ogc.property_columns(session, collection.view)
    names = ", ".join(f'"{c.name}"' for c in columns)
    rows = session.execute(
        text(
            f"SELECT id, {names}, ST_AsGeoJSON(ST_Transform(geom, 4326), 7) FROM"
            f" {collection.view} ORDER BY id"
        )
    )
    return {
        row[0]: {
            **dict(zip([c.name for c in columns], row[1:-1], strict=True)),
            "geom": json.loads(row[-1]),
        }
        for row in rows
    }


def _first_position(geometry: dict[str, Any]) -> list[float]:
    position: Any = geometry["coordinates"]
    while isinstance(position[0], list):
        position = position[0]
    return position


def _same(column: ogc.Column, copied: Any, stored: Any) -> bool:
    if stored is None or copied is None:
        return copied is None and stored is None
    if column.format == "date-time":
        # GDAL keeps milliseconds (its seconds a float: 57.675498 came back as 57.676)
        copied_at = datetime.fromisoformat(copied.replace("Z", "+00:00"))
        return abs((copied_at - stored).total_seconds()) <= 0.001
    if column.json_text:  # a JSON document (attributes) as its text, as the exports; GDAL
        # takes the schema's contentMediaType for its String(JSON) and writes it unquoted
        return (json.loads(copied) if isinstance(copied, str) else copied) == stored
    if column.json_type == "number":
        return isinstance(copied, float) and copied == stored  # exactly, not rounded
    if column.json_type == "integer":
        return isinstance(copied, int) and not isinstance(copied, bool) and copied == stored
    if column.json_type == "boolean":
        return copied is stored
    return bool(copied == stored)


def _check_every_collection(
    session: Session, source: str, env: dict[str, str], tmp: Path, *options: str
) -> None:
    for collection in ogc.catalog().values():
        columns = ogc.property_columns(session, collection.view)
        types = field_types(source, collection.id, env)
        for column in columns:
            assert types.get(column.name) in GDAL_TYPES[(column.json_type, column.format)], (
                collection.id,
                column.name,
                types.get(column.name),
            )
        stored = _database_rows(session, collection)
        copied = _copy(source, collection.id, tmp / f"{collection.id}.geojson", env, *options)
        assert len(copied) == len(stored) == OGC_COUNTS[collection.id]
        for feature in copied:
            key = feature["id"] if collection.integer_ids else feature["properties"]["code"]
            row = stored[key]
            for column in columns:
                value = feature["properties"][column.name]
                assert _same(column, value, row[column.name]), (collection.id, key, column, value)
            assert feature["geometry"]["type"] == collection.geometry
            copied_at = _first_position(feature["geometry"])
            stored_at = _first_position(row["geom"])
            assert copied_at == pytest.approx(stored_at, abs=2e-7)


@pytest.mark.slow
def test_gdal_copies_every_collection_with_the_token_in_a_header(
    live_server: str, committed: Session, make_token: Any, tmp_path: Path
) -> None:
    ogc_county(committed)
    token = make_token("viewer")
    env = {"GDAL_HTTP_HEADERS": f"Authorization: Bearer {token}"}
    # One feature a page: the first page alone cannot tell a field's type (nulls, 0.0), so
    # the types must come from the schema, and every page boundary is crossed.
    _check_every_collection(
        committed, f"OAPIF:{live_server}/ogc", env, tmp_path, "-oo", "PAGE_SIZE=1"
    )


@pytest.mark.slow
def test_gdal_copies_every_collection_with_basic_auth(
    live_server: str, committed: Session, make_token: Any, tmp_path: Path
) -> None:
    ogc_county(committed)
    token = make_token("viewer")
    env = {"GDAL_HTTP_AUTH": "BASIC", "GDAL_HTTP_USERPWD": f"{NAME}:{token}"}
    _check_every_collection(committed, f"OAPIF:{live_server}/ogc", env, tmp_path)
    used = committed.scalar(select(ApiToken.last_used_at))
    assert used is not None  # the token's use is recorded, as with a bearer header


@pytest.fixture
def https_server(app: Flask, committed: Session, tmp_path: Path) -> Iterator[str]:
    """The app over HTTPS with a throw-away certificate: GDAL puts credentials given in the
    URL back into the service's links only for https URLs."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=context)
    # shutdown() waits for the loop's next look at its flag: 0.5 s at the default interval.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.mark.slow
def test_gdal_with_basic_auth_in_the_url(
    https_server: str, committed: Session, make_token: Any, tmp_path: Path
) -> None:
    ogc_county(committed)
    token = make_token("viewer")
    env = {"GDAL_HTTP_UNSAFESSL": "YES"}  # the throw-away certificate
    source = f"OAPIF:https://{NAME}:{token}@{https_server}/ogc"
    _check_every_collection(committed, source, env, tmp_path, "-oo", "PAGE_SIZE=2")


# --- HTTP Basic and the 401 challenge ------------------------------------------------


def _basic(name: str, password: str) -> dict[str, str]:
    pair = base64.b64encode(f"{name}:{password}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


def test_basic_auth_takes_an_api_token_never_the_password(
    app: Flask, db_session: Session, make_user: Any
) -> None:
    make_user("qgis-kim", "viewer")
    make_user("other-ola", "viewer")
    token = users.create_token(db_session, "qgis-kim")
    other = users.create_token(db_session, "other-ola")
    client = app.test_client()
    for path in ("/ogc/collections", "/api/v1/municipalities"):
        assert client.get(path, headers=_basic("qgis-kim", token)).status_code == 200
        # the login password, another user's token, a wrong one, no name: all refused
        for refused in (
            _basic("qgis-kim", PASSWORD),
            _basic("qgis-kim", other),
            _basic("qgis-kim", token + "x"),
            _basic("", token),
            {"Authorization": "Basic not-base64!"},
        ):
            response = client.get(path, headers=refused)
            assert response.status_code == 401, refused
    # Basic opens the API and /ogc only, not the pages (they have the login form); the root
    # sends a client with a right token on to /ogc (issue 23: QGIS given the root URL)
    root = client.get("/", headers=_basic("qgis-kim", token))
    assert root.status_code == 307 and root.headers["Location"] == "http://localhost/ogc"
    assert client.get("/", headers=_basic("qgis-kim", PASSWORD)).status_code == 401
    kim = db_session.scalar(select(User).where(User.name == "qgis-kim"))
    assert kim is not None
    row = db_session.scalar(select(ApiToken).where(ApiToken.user_id == kim.id))
    assert row is not None and row.last_used_at is not None


def test_401_names_basic_and_bearer(app: Flask) -> None:
    client = app.test_client()
    for path in ("/ogc/", "/ogc/collections/population/items", "/api/v1/sites"):
        response = client.get(path)
        assert response.status_code == 401
        challenge = response.headers["WWW-Authenticate"]
        assert challenge.startswith('Basic realm="') and challenge.endswith(", Bearer")
        assert response.json["error"] == "unauthorized"
    browser = client.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert browser.status_code == 302 and "WWW-Authenticate" not in browser.headers  # pages


# --- The OpenAPI document as ets-ogcapi-features10 reads it -------------------------


def test_openapi_limit_and_datetime_as_the_conformance_suite_reads_them() -> None:
    document = openapi_document("http://example.org/ogc")
    get = document["paths"]["/collections/{collectionId}/items"]["get"]
    parameters = {}
    for parameter in get["parameters"]:
        name = parameter["$ref"].removeprefix("#/components/parameters/")
        parameters[name] = document["components"]["parameters"][name]
    limit, when = parameters["limit"], parameters["datetime"]
    assert limit["name"] == "limit" and limit["in"] == "query"
    assert limit["required"] is False and limit["style"] == "form" and limit["explode"] is False
    assert limit["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 10_000,
        "default": 100,
    }
    assert when["name"] == "datetime" and when["in"] == "query"
    assert when["required"] is False and when["style"] == "form" and when["explode"] is False
    assert when["schema"]["type"] == "string"
    bbox = parameters["bbox"]
    assert bbox["style"] == "form" and bbox["explode"] is False
    assert limit["schema"]["maximum"] == ogc.MAX_LIMIT


def test_trace_is_405_with_allow_and_empty_parameters_are_400(client: FlaskClient) -> None:
    for path in ("/ogc/collections", "/ogc/collections/population/items", "/api/v1/sites"):
        response = client.open(path, method="TRACE")
        assert response.status_code == 405
        assert "GET" in response.headers["Allow"] and "TRACE" not in response.headers["Allow"]
    for query in ("f=", "limit=", "offset=", "limit=&offset=0"):
        response = client.get(f"/ogc/collections/population/items?{query}")
        assert response.status_code == 400, query
        assert response.json["error"] == "bad_input"
    assert client.get("/ogc/collections?f=").status_code == 400


# --- One JSON type per field, Part 5 schemas ----------------------------------------


def test_every_field_has_one_json_type(client: FlaskClient, db_session: Session) -> None:
    """Whole floats are written 0.0, so a client typing a field from the first page it reads
    gets a real number; every value has the type the schema gives."""
    ogc_county(db_session)
    python_types: dict[str, tuple[type, ...]] = {
        "integer": (int,),
        "number": (float,),
        "boolean": (bool,),
        "string": (str,),
    }
    whole_floats = 0
    for collection in ogc.catalog().values():
        schema = client.get(f"/ogc/collections/{collection.id}/schema").json
        features = client.get(f"/ogc/collections/{collection.id}/items?limit=1000").json
        assert features["features"]
        for feature in features["features"]:
            for name, value in feature["properties"].items():
                expected = schema["properties"][name]["type"]
                assert value is None or type(value) in python_types[expected], (name, value)
                whole_floats += expected == "number" and value == 0
    assert whole_floats  # 0.0 hours without power, and so on, are in the data
    body = client.get("/ogc/collections/latest-run-sites/items").data.decode()
    assert '"hours_unpowered_before" : 0.0' in body or '"hours_unpowered_before": 0.0' in body


def test_part5_schema_of_every_collection(client: FlaskClient, db_session: Session) -> None:
    for collection in ogc.catalog().values():
        url = f"/ogc/collections/{collection.id}"
        links = client.get(url).json["links"]
        by_rel = {link["rel"]: link for link in links}
        for rel in (ogc.REL_SCHEMA, "describedby"):
            assert by_rel[rel]["href"] == f"http://localhost{url}/schema"
            assert by_rel[rel]["type"] == "application/schema+json"
        response = client.get(f"{url}/schema")
        assert response.status_code == 200 and response.mimetype == "application/schema+json"
        schema = response.json
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"] == f"http://localhost{url}/schema" and schema["type"] == "object"
        roles = {
            name: p["x-ogc-role"] for name, p in schema["properties"].items() if "x-ogc-role" in p
        }
        assert roles == {"id": "id", "geometry": "primary-geometry"}
        assert schema["properties"]["geometry"]["format"].startswith("geometry-")
        columns = ogc.property_columns(db_session, collection.view)
        assert [*schema["properties"]][2:] == [c.name for c in columns]
        for column in columns:
            assert schema["properties"][column.name]["type"] == column.json_type
        # the GeoJSON form GDAL reads: the same properties under "properties"
        geojson = client.get(f"{url}/schema/geojson").json
        inner = geojson["properties"]["properties"]["properties"]
        assert {k: v["type"] for k, v in inner.items()} == {c.name: c.json_type for c in columns}
    assert client.get("/ogc/collections/nothing/schema").status_code == 404
    sites = client.get("/ogc/collections/latest-run-sites/schema").json["properties"]
    assert sites["hours_unpowered"]["type"] == "number"
    assert sites["generator_id"]["type"] == "integer"
    assert sites["run_finished_at"] == {
        "title": "run_finished_at",
        "type": "string",
        "format": "date-time",
    }


# --- gzip -----------------------------------------------------------------------------


def test_gzip_when_the_client_accepts_it(
    live_server: str, committed: Session, make_token: Any
) -> None:
    ogc_county(committed)
    token = make_token("viewer")
    auth = {"Authorization": f"Bearer {token}"}
    url = f"{live_server}/ogc/collections/latest-run-cells/items?limit=1000"
    plain = requests.get(url, headers={**auth, "Accept-Encoding": "identity"}, timeout=30)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["Vary"]
    raw = requests.get(url, headers={**auth, "Accept-Encoding": "gzip"}, timeout=30, stream=True)
    assert raw.headers["Content-Encoding"] == "gzip"
    compressed = raw.raw.read()
    body = gzip.decompress(compressed)
    assert json.loads(body) == plain.json() | {"timeStamp": json.loads(body)["timeStamp"]}
    assert len(compressed) < len(body) / 3
    api = requests.get(f"{live_server}/api/v1/sites", headers={**auth, "Accept-Encoding": "gzip"})
    assert api.headers.get("Content-Encoding") == "gzip" and api.json()["features"]
    # an export download is sent as built (a zip is compressed already)
    export = requests.get(
        f"{live_server}/api/v1/exports/layers?format=shp&layers=care",
        headers={**auth, "Accept-Encoding": "gzip"},
        timeout=60,
    )
    assert export.status_code == 200 and "Content-Encoding" not in export.headers


def test_owslib_with_basic_auth(live_server: str, committed: Session, make_token: Any) -> None:
    ogc_county(committed)
    token = make_token("viewer")
    api = Features(f"{live_server}/ogc", auth=Authentication(NAME, token))
    assert sorted(api.feature_collections()) == sorted(OGC_COUNTS)
    items = api.collection_items("latest-run-sites", limit=10)
    assert items["numberMatched"] == OGC_COUNTS["latest-run-sites"]
    with pytest.raises(RuntimeError, match="unauthorized"):  # the login password: refused
        Features(f"{live_server}/ogc", auth=Authentication(NAME, PASSWORD)).feature_collections()
