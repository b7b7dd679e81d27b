"""resilience/services/ogc/documents.py against a real PostGIS: the landing page, the
collections with their extents, the schemas, a page of features (counted, paged, linked at
the base it is given, leaders first) and one feature; unknown collections and features are
NotFound."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy.orm import Session

from resilience.errors import NotFound
from resilience.services.ogc import documents
from resilience.services.ogc.catalog import CONFORMANCE, CRS84, SWEREF, catalog
from resilience.services.ogc.queries import parse_items_query
from tests.factories import OGC_COUNTS, ogc_county

BASE = "https://karta.example.se/ogc"


@pytest.fixture
def county(db_session: Session) -> dict[str, Any]:
    return ogc_county(db_session)


def page(session: Session, collection_id: str, **args: str) -> dict[str, Any]:
    found = documents.items(session, BASE, collection_id, parse_items_query(args))
    return json.loads(found.body)


def test_the_landing_page_and_conformance_link_from_the_base() -> None:
    landing = documents.landing_page(BASE)
    rels = {link["rel"]: link["href"] for link in landing["links"]}
    assert rels == {
        "self": f"{BASE}/",
        "service-desc": f"{BASE}/openapi",
        "conformance": f"{BASE}/conformance",
        "data": f"{BASE}/collections",
    }
    assert documents.conformance() == {"conformsTo": list(CONFORMANCE)}


def test_collections_have_extents_only_when_they_have_features(
    db_session: Session,
) -> None:
    empty = documents.collections(db_session, BASE)
    assert [c["id"] for c in empty["collections"]] == list(catalog())
    assert not any("extent" in c for c in empty["collections"])
    ogc_county(db_session)
    full = {c["id"]: c for c in documents.collections(db_session, BASE)["collections"]}
    assert set(full) == set(catalog())
    for cid in OGC_COUNTS:
        assert full[cid]["extent"]["spatial"]["crs"] == CRS84.uri, cid
    care = documents.collection(db_session, BASE, "sites-care")
    assert care == full["sites-care"]
    assert care["storageCrs"] == SWEREF.uri
    links = {link["rel"]: link["href"] for link in care["links"]}
    assert links["items"] == f"{BASE}/collections/sites-care/items"
    assert links["describedBy"] == f"{BASE}/collections/sites-care/schema/geojson"


def test_an_unknown_collection_is_not_found(db_session: Session) -> None:
    for call in (
        lambda: documents.collection(db_session, BASE, "vägar"),
        lambda: documents.schema(db_session, BASE, "vägar"),
        lambda: documents.geojson_schema(db_session, BASE, "vägar"),
        lambda: documents.items(db_session, BASE, "vägar", parse_items_query({})),
        lambda: documents.item(db_session, BASE, "vägar", "1", CRS84),
    ):
        with pytest.raises(NotFound):
            call()


def test_the_schemas_mark_the_id_and_geometry_and_type_every_property(
    db_session: Session,
) -> None:
    schema = documents.schema(db_session, BASE, "municipalities")
    assert schema["$id"] == f"{BASE}/collections/municipalities/schema"
    assert schema["properties"]["id"]["type"] == "string"  # the municipality code
    assert schema["properties"]["geometry"]["format"] == "geometry-multipolygon"
    care = documents.schema(db_session, BASE, "sites-care")["properties"]
    assert care["id"]["x-ogc-role"] == "id" and care["id"]["type"] == "integer"
    assert care["residents"] == {"title": "residents", "type": "integer"}
    one = documents.geojson_schema(db_session, BASE, "sites-care")
    assert one["properties"]["geometry"]["properties"]["type"]["enum"] == ["Point"]
    served = one["properties"]["properties"]["properties"]
    assert set(served) == set(care) - {"id", "geometry"}


def test_every_collections_page_counts_its_features(
    db_session: Session, county: dict[str, Any]
) -> None:
    for cid, count in OGC_COUNTS.items():
        body = page(db_session, cid)
        assert body["type"] == "FeatureCollection"
        assert body["numberMatched"] == body["numberReturned"] == count, cid


def test_pages_link_next_and_prev_with_the_selection(
    db_session: Session, county: dict[str, Any]
) -> None:
    first = page(db_session, "sites-food", limit="1", crs="EPSG:3006")
    second = page(db_session, "sites-food", limit="1", offset="1", crs="EPSG:3006")
    assert first["numberMatched"] == 2 and first["numberReturned"] == 1
    assert first["features"][0]["id"] != second["features"][0]["id"]
    links = {link["rel"]: link["href"] for link in first["links"]}
    assert "prev" not in links
    url = urlsplit(links["next"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{BASE}/collections/sites-food/items"
    assert dict(parse_qsl(url.query)) == {"crs": "EPSG:3006", "limit": "1", "offset": "1"}
    second_links = {link["rel"] for link in second["links"]}
    assert "next" not in second_links and "prev" in second_links
    beyond = page(db_session, "sites-food", offset="5")
    assert beyond["features"] == [] and beyond["numberMatched"] == 2


def test_a_page_in_sweref_is_northing_first(db_session: Session, county: dict[str, Any]) -> None:
    [care] = page(db_session, "sites-care", crs="EPSG:3006")["features"]
    assert care["geometry"] == {"type": "Point", "coordinates": [7_081_500, 751_500]}
    assert care["properties"]["name"] == "Björkgårdens äldreboende"
    assert (
        documents.items(db_session, BASE, "sites-care", parse_items_query({"crs": "EPSG:3006"})).crs
        is SWEREF
    )


def test_a_bbox_selects_the_features_in_it(db_session: Session, county: dict[str, Any]) -> None:
    inside = page(
        db_session,
        "latest-run-sites",
        bbox="7080000,750000,7090000,760000",
        **{"bbox-crs": "EPSG:3006"},
    )
    assert {f["id"] for f in inside["features"]} == {county["care-1"], county["energy-1"]}


def test_one_feature_with_its_links_or_not_found(
    db_session: Session, county: dict[str, Any]
) -> None:
    found = documents.item(db_session, BASE, "municipalities", "2403", CRS84)
    feature = json.loads(found.body)
    assert feature["id"] == "2403" and feature["properties"]["name"] == "Östervik"
    links = {link["rel"]: link["href"] for link in feature["links"]}
    assert links["self"] == f"{BASE}/collections/municipalities/items/2403"
    road = json.loads(documents.item(db_session, BASE, "roads", str(county["road-1"]), SWEREF).body)
    assert road["properties"]["name"] == "Åbackavägen"
    for cid, fid in (
        ("sites-energy", str(county["care-1"])),  # ids are per collection
        ("sites-energy", "abc"),
        ("sites-energy", "١٢"),  # digits, but not ASCII ones
        ("sites-energy", "99999999999999999999999"),  # beyond a bigint
        ("municipalities", "9999"),
    ):
        with pytest.raises(NotFound):
            documents.item(db_session, BASE, cid, fid, CRS84)
