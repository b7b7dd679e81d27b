"""OGC API - Features under /ogc: read with OWSLib against a live server, and checked in
detail with the Flask test client. Every conformance class the service declares is checked
by the tests named in CONFORMANCE_TESTS.

The data are small_county(): Åbacka (2401, x 750-760 km) and Östervik (2403, x 760-770 km)
in EPSG:3006; care-1 (751 500, 7 081 500) and energy-1 (752 500, 7 081 500) in Åbacka,
gen-1 and food-1 in Östervik, outside-1 far north-east; three populated cells, two of them
in Åbacka. Two finished runs: the newer one (an outage over Åbacka) is the latest."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from flask.testing import FlaskClient
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate
from owslib import ogcapi
from owslib.ogcapi.features import Features
from sqlalchemy.orm import Session

from resilience.crs import transformer
from resilience.scenarios import parse_scenario
from resilience.services import ogc, runs, scenarios, users
from tests.factories import CALM, OGC_COUNTS, ogc_county

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG3006 = "http://www.opengis.net/def/crs/EPSG/0/3006"
# Inside Åbacka, well clear of Östervik (x 760 km): a lon/lat box around this EPSG:3006 box
# grows by at most ~0.6 km (meridian convergence of ~4.5° over 8 km).
ABACKA_INNER_3006 = (750_200, 7_080_200, 757_000, 7_088_000)
IN_ABACKA = {
    "municipalities": {"2401"},
    "population": {"cell 751000", "cell 752000"},
    "sites-care": {"care-1"},
    "sites-power": set(),
    "sites-food": set(),
    "sites-energy": {"energy-1"},
    "sites-utility": set(),
    "roads": {"road-1"},
    "latest-run-sites": {"care-1", "energy-1"},
    "latest-run-cells": {"cell 751000", "cell 752000"},
}

CONFORMANCE_TESTS = {
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core": (
        "test_owslib_reads_every_collection",
        "test_items_count_page_and_link_with_the_request_host",
        "test_parameters_are_checked",
        "test_item_by_id",
    ),
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson": (
        "test_every_response_matches_the_openapi_definition",
        "test_items_count_page_and_link_with_the_request_host",
    ),
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30": (
        "test_every_response_matches_the_openapi_definition",
    ),
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs": (
        "test_crs_3006_is_northing_first_with_content_crs",
        "test_bbox_crs",
        "test_owslib_reads_every_collection",
    ),
}


def _lonlat_box(box: tuple[float, float, float, float]) -> list[float]:
    to_lonlat = transformer(3006, 4326)
    xs, ys = to_lonlat.transform([box[0], box[2], box[0], box[2]], [box[1], box[1], box[3], box[3]])
    return [min(xs), min(ys), max(xs), max(ys)]


@pytest.fixture
def owslib_headers() -> Iterator[None]:
    """OWSLib updates one module-level dict with every client's headers: restore it, so no
    token outlives the test."""
    saved = dict(ogcapi.REQUEST_HEADERS)
    yield
    ogcapi.REQUEST_HEADERS.clear()
    ogcapi.REQUEST_HEADERS.update(saved)


# --- OWSLib against a real HTTP server ---------------------------------------------------


def test_owslib_reads_every_collection(
    live_server: str, committed: Session, make_token: Any, owslib_headers: None
) -> None:
    ids = ogc_county(committed)
    token = make_token("viewer")
    auth = {"Authorization": f"Bearer {token}"}
    api = Features(f"{live_server}/ogc", headers=auth)

    rels = {link["rel"]: link for link in api.links}
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    assert all(link["href"].startswith(live_server) for link in api.links)
    assert set(api.conformance()["conformsTo"]) == set(CONFORMANCE_TESTS)
    assert api.api()["openapi"].startswith("3.0")
    assert sorted(api.feature_collections()) == sorted(OGC_COUNTS)

    bbox = _lonlat_box(ABACKA_INNER_3006)
    for cid, count in OGC_COUNTS.items():
        info = api.collection(cid)
        assert info["crs"] == [CRS84, EPSG3006] and info["storageCrs"] == EPSG3006
        west, south, east, north = info["extent"]["spatial"]["bbox"][0]

        # Paging by next links reaches every feature, once.
        seen: list[Any] = []
        params: dict[str, Any] = {"limit": 1}
        while True:
            page = api.collection_items(cid, **params)
            assert page["numberMatched"] == count and page["numberReturned"] <= 1
            seen += [f["id"] for f in page["features"]]
            for feature in page["features"]:  # the extent holds every geometry
                lon, lat = _first_position(feature["geometry"])
                assert west <= lon <= east and south <= lat <= north
            following = [link for link in page["links"] if link["rel"] == "next"]
            if not following:
                break
            params = dict(parse_qsl(urlsplit(following[0]["href"]).query))
        assert len(seen) == len(set(seen)) == count, cid

        # A bbox over Åbacka, in CRS84 (lon, lat).
        found = api.collection_items(cid, bbox=bbox, limit=100)
        assert {f["id"] for f in found["features"]} == {ids[k] for k in IN_ABACKA[cid]}, cid
        assert found["numberMatched"] == len(IN_ABACKA[cid])

    # EPSG:3006 on request: SWEREF 99 TM metres, northing first (the CRS's axis order).
    care = api.collection_items("sites-care", crs=EPSG3006)
    assert api.response_headers["Content-Crs"] == f"<{EPSG3006}>"
    assert care["features"][0]["geometry"]["coordinates"] == [7_081_500, 751_500]

    feature = api.collection_item("sites-care", str(ids["care-1"]))
    assert feature["properties"]["source_id"] == "care-1"
    assert feature["properties"]["name"] == "Björkgårdens äldreboende"
    assert feature["properties"]["heating"] == "district_heating"
    assert feature["properties"]["heat_plant"] == "dh-1"
    assert feature["properties"]["thermal_time_constant_hours"] == 80
    plants = api.collection_items("sites-utility")["features"]
    assert [p["properties"]["kind"] for p in plants] == ["district_heating_plant"]
    assert plants[0]["properties"]["backup_kw"] == 500
    municipality = api.collection_item("municipalities", "2403")
    assert municipality["properties"]["name"] == "Östervik"

    with pytest.raises(RuntimeError):  # OWSLib raises on any error status
        api.collection_items("nowhere")
    with pytest.raises(RuntimeError):
        api.collection_item("sites-care", "999999")
    for path in ("collections/nowhere/items", "collections/sites-care/items/999999"):
        assert requests.get(f"{live_server}/ogc/{path}", headers=auth).status_code == 404

    anonymous = requests.get(f"{live_server}/ogc/collections")
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "unauthorized"
    wrong = requests.get(f"{live_server}/ogc/", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401


def _first_position(geometry: dict[str, Any]) -> list[float]:
    coordinates = geometry["coordinates"]
    while isinstance(coordinates[0], list):
        coordinates = coordinates[0]
    return coordinates


# --- Details with the test client ------------------------------------------------------


@pytest.fixture
def data(db_session: Session) -> dict[str, Any]:
    return ogc_county(db_session)


def test_items_count_page_and_link_with_the_request_host(
    client: FlaskClient, data: dict[str, Any], db_session: Session
) -> None:
    # A bearer token: the session cookie belongs to localhost, not to the other hosts.
    auth = {"Authorization": f"Bearer {users.create_token(db_session, 'viewer-vera')}"}
    response = client.get(
        "/ogc/collections/population/items?limit=2&offset=0",
        base_url="https://maps.example.se",
        headers=auth,
    )
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert response.headers["Content-Crs"] == f"<{CRS84}>"
    page = response.get_json()
    assert page["type"] == "FeatureCollection"
    assert (page["numberMatched"], page["numberReturned"], len(page["features"])) == (3, 2, 2)
    assert page["timeStamp"].endswith("Z")
    links = {link["rel"]: link["href"] for link in page["links"]}
    base = "https://maps.example.se/ogc/collections/population"
    assert links["self"] == f"{base}/items?limit=2&offset=0"
    assert links["next"] == f"{base}/items?limit=2&offset=2"
    assert links["collection"] == base
    assert "prev" not in links
    feature = page["features"][0]
    assert set(feature) == {"type", "id", "geometry", "properties"}
    assert feature["type"] == "Feature" and feature["geometry"]["type"] == "Polygon"
    assert feature["properties"]["population"] == 120 and "geom" not in feature["properties"]

    last = client.get(links["next"], headers=auth).get_json()
    assert last["numberReturned"] == 1
    last_links = {link["rel"]: link["href"] for link in last["links"]}
    assert "next" not in last_links
    assert last_links["prev"].endswith("/items?limit=2&offset=0")

    landing = client.get("/ogc/", base_url="http://10.0.0.7:8000", headers=auth).get_json()
    assert {link["href"] for link in landing["links"]} == {
        "http://10.0.0.7:8000/ogc/",
        "http://10.0.0.7:8000/ogc/openapi",
        "http://10.0.0.7:8000/ogc/conformance",
        "http://10.0.0.7:8000/ogc/collections",
    }
    # Above the maximum, the limit is the maximum (Part 1 asks for no error).
    capped = client.get("/ogc/collections/population/items?limit=50000").get_json()
    assert "limit=10000" in capped["links"][0]["href"]


def test_parameters_are_checked(client: FlaskClient, data: dict[str, Any]) -> None:
    items = "/ogc/collections/sites-food/items"
    for query in (
        "bbox=1,2,3",
        "bbox=20,64,19,63x",
        "bbox=20,64,21,63",  # south above north
        "bbox=500000,7000000,600000,7100000",  # metres without bbox-crs
        "bbox-crs=EPSG:4326&bbox=63,19,64,21",
        "crs=EPSG:4326",
        "crs=http://www.opengis.net/def/crs/EPSG/0/3857",
        "limit=0",
        "limit=ten",
        "offset=-1",
        "datetime=yesterday",
        "category=food",  # unknown parameters are errors (Part 1)
        "f=html",
    ):
        response = client.get(f"{items}?{query}")
        assert response.status_code == 400, query
        assert response.get_json()["error"] == "bad_input"
    assert client.get("/ogc/conformance?f=html").status_code == 400
    assert client.get("/ogc/collections?x=1").status_code == 400
    assert client.get(f"{items}?f=json&datetime=2026-11-01T00:00:00Z/..").status_code == 200
    # Whole-world and antimeridian boxes, 6-number boxes: answered, not failed.
    for bbox in ("-180,-90,180,90", "170,60,-170,70", "10,60,0,25,70,100"):
        page = client.get(f"{items}?bbox={bbox}").get_json()
        assert page["numberMatched"] == (0 if bbox.startswith("170") else 2), bbox
    assert client.get("/ogc/collections/nowhere/items?limit=0").status_code == 404


def test_item_by_id(client: FlaskClient, data: dict[str, Any]) -> None:
    response = client.get(f"/ogc/collections/sites-energy/items/{data['energy-1']}")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    assert response.headers["Content-Crs"] == f"<{CRS84}>"
    feature = response.get_json()
    assert feature["id"] == data["energy-1"]
    assert feature["properties"]["shelter_capacity"] == 200
    assert feature["properties"]["municipality_name"] == "Åbacka"
    links = {link["rel"]: link["href"] for link in feature["links"]}
    assert (
        links["self"] == f"http://localhost/ogc/collections/sites-energy/items/{data['energy-1']}"
    )
    assert links["collection"] == "http://localhost/ogc/collections/sites-energy"
    # The care site is not in the energy collection; ids are per collection.
    for path in (
        f"sites-energy/items/{data['care-1']}",
        "sites-energy/items/abc",
        "sites-energy/items/99999999999999999999999",
        "municipalities/items/9999",
        "nowhere/items/1",
    ):
        assert client.get(f"/ogc/collections/{path}").status_code == 404, path
    latest = client.get(f"/ogc/collections/latest-run-sites/items/{data['care-1']}").get_json()
    assert latest["properties"]["scenario_name"] == "Avbrott i Åbacka"
    assert latest["properties"]["hours_unpowered_before"] == 24


def test_crs_3006_is_northing_first_with_content_crs(
    client: FlaskClient, data: dict[str, Any]
) -> None:
    for crs in (EPSG3006, "EPSG:3006", "urn:ogc:def:crs:EPSG::3006"):
        response = client.get(f"/ogc/collections/sites-care/items?crs={crs}")
        assert response.headers["Content-Crs"] == f"<{EPSG3006}>"
        point = response.get_json()["features"][0]["geometry"]
        assert point == {"type": "Point", "coordinates": [7_081_500, 751_500]}
    cell = client.get(
        f"/ogc/collections/population/items/{data['cell 751000']}?crs={EPSG3006}"
    ).get_json()
    assert sorted(map(tuple, cell["geometry"]["coordinates"][0][:4])) == [
        (7_081_000, 751_000),
        (7_081_000, 752_000),
        (7_082_000, 751_000),
        (7_082_000, 752_000),
    ]
    default = client.get(f"/ogc/collections/sites-care/items/{data['care-1']}").get_json()
    lon, lat = default["geometry"]["coordinates"]
    assert (round(lon, 4), round(lat, 4)) == (20.1042, 63.7705)  # CRS84: lon, lat


def test_bbox_crs(client: FlaskClient, data: dict[str, Any]) -> None:
    """In EPSG:3006 the bbox is northing first too: 7 081 000-7 082 000 N, 751-753 km E
    holds care-1 and energy-1, and the Åbacka cells touching it."""
    for crs in (EPSG3006, "EPSG:3006"):
        sites = client.get(
            f"/ogc/collections/sites-energy/items?bbox=7081000,751000,7082000,753000&bbox-crs={crs}"
        ).get_json()
        assert [f["id"] for f in sites["features"]] == [data["energy-1"]]
    swapped = client.get(
        f"/ogc/collections/sites-energy/items?bbox=751000,7081000,753000,7082000&bbox-crs={EPSG3006}"
    ).get_json()
    assert swapped["numberMatched"] == 0
    page = client.get(
        "/ogc/collections/latest-run-cells/items?bbox=7081200,751200,7081300,751300"
        f"&bbox-crs={EPSG3006}&crs={EPSG3006}"
    )
    assert page.headers["Content-Crs"] == f"<{EPSG3006}>"
    assert [f["id"] for f in page.get_json()["features"]] == [data["cell 751000"]]
    # The links keep bbox, bbox-crs and crs.
    self_link = page.get_json()["links"][0]["href"]
    assert dict(parse_qsl(urlsplit(self_link).query)) == {
        "bbox": "7081200,751200,7081300,751300",
        "bbox-crs": EPSG3006,
        "crs": EPSG3006,
        "limit": "100",
        "offset": "0",
    }


def test_latest_run_is_the_newest_finished(client: FlaskClient, db_session: Session) -> None:
    assert client.get("/ogc/collections/latest-run-cells/items").get_json()["numberMatched"] == 0
    collection = client.get("/ogc/collections/latest-run-cells").get_json()
    assert "extent" not in collection  # empty: no extent to give
    ogc_county(db_session)
    # A newer run that has not finished does not replace the latest finished one.
    scenario = scenarios.create_scenario(db_session, parse_scenario(CALM))
    runs.start_run(db_session, scenario)
    db_session.commit()
    page = client.get("/ogc/collections/latest-run-sites/items").get_json()
    assert {f["properties"]["scenario_name"] for f in page["features"]} == {"Avbrott i Åbacka"}
    assert page["numberMatched"] == 5  # care, two food, energy and the heat plant


def test_every_response_matches_the_openapi_definition(
    client: FlaskClient, data: dict[str, Any]
) -> None:
    """oas30: the definition is valid OpenAPI 3.0 and every operation answers with a
    documented status, media type and body schema; geojson: items and item bodies are
    GeoJSON FeatureCollection / Feature objects."""
    response = client.get("/ogc/openapi")
    assert response.content_type == "application/vnd.oai.openapi+json;version=3.0"
    document = response.get_json()
    validate(document)
    assert document["servers"] == [{"url": "http://localhost/ogc"}]
    declared = document["components"]["parameters"]["collectionId"]["schema"]["enum"]
    assert declared == list(OGC_COUNTS)

    def check(path: str, template: str, status: int = 200) -> None:
        got = client.get(f"/ogc{path}")
        assert got.status_code == status, path
        responses = document["paths"][template]["get"]["responses"]
        spec = responses[str(status)]
        if "$ref" in spec:
            spec = document["components"]["responses"][spec["$ref"].rsplit("/", 1)[-1]]
        (media, content), *_ = spec["content"].items()
        assert got.content_type.split(";")[0] == media.split(";")[0], path
        schema = dict(content["schema"], components=document["components"])
        OAS30Validator(schema).validate(got.get_json())

    check("/", "/")
    check("/conformance", "/conformance")
    check("/collections", "/collections")
    check("/collections?f=xml", "/collections", 400)
    for cid in OGC_COUNTS:
        check(f"/collections/{cid}", "/collections/{collectionId}")
        check(f"/collections/{cid}/items", "/collections/{collectionId}/items")
        check(f"/collections/{cid}/items?crs={EPSG3006}", "/collections/{collectionId}/items")
    item = "/collections/{collectionId}/items/{featureId}"
    check(f"/collections/sites-care/items/{data['care-1']}", item)
    check("/collections/municipalities/items/2401", item)
    check("/collections/sites-care/items/0", item, 404)
    check("/collections/nowhere", "/collections/{collectionId}", 404)
    check("/collections/sites-care/items?limit=-5", "/collections/{collectionId}/items", 400)


def test_the_service_needs_a_login(app: Any, data: dict[str, Any]) -> None:
    anonymous = app.test_client()
    for path in ("/ogc", "/ogc/", "/ogc/conformance", "/ogc/collections/sites-care/items"):
        response = anonymous.get(path)
        assert response.status_code == 401, path
        assert response.get_json()["error"] == "unauthorized"


def test_every_declared_conformance_class_has_a_test(client: FlaskClient) -> None:
    declared = client.get("/ogc/conformance").get_json()["conformsTo"]
    assert declared == list(ogc.CONFORMANCE)
    assert set(declared) == set(CONFORMANCE_TESTS)
    module = sys.modules[__name__]
    for names in CONFORMANCE_TESTS.values():
        assert all(callable(getattr(module, name, None)) for name in names), names
