"""resilience/services/ogc/catalog.py: the CRSs served, parsed from their URIs or short forms
(anything else BadInput), and the collections, one per site category of the vocabulary
(an unknown one NotFound)."""

from __future__ import annotations

import pytest

from resilience.errors import BadInput, NotFound
from resilience.services.ogc.catalog import (
    CRS84,
    SWEREF,
    catalog,
    collection_of,
    parse_crs,
    site_collection,
)
from resilience.vocabulary import CATEGORY


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, CRS84),
        ("", CRS84),
        ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", CRS84),
        ("https://www.opengis.net/def/crs/OGC/1.3/CRS84", CRS84),
        ("OGC:CRS84", CRS84),
        (" http://www.opengis.net/def/crs/EPSG/0/3006 ", SWEREF),
        ("EPSG:3006", SWEREF),
        ("[EPSG:3006]", SWEREF),
        ("urn:ogc:def:crs:EPSG::3006", SWEREF),
    ],
)
def test_a_supported_crs_by_its_uri_or_short_form(value: str | None, expected: object) -> None:
    assert parse_crs(value) is expected


@pytest.mark.parametrize(
    "value",
    ["EPSG:4326", "http://www.opengis.net/def/crs/EPSG/0/3857", "SWEREF 99 TM", "epsg:3006", "Ö"],
)
def test_an_unsupported_crs_is_bad_input_naming_the_parameter(value: str) -> None:
    with pytest.raises(BadInput, match=r"^bbox-crs ") as raised:
        parse_crs(value, "bbox-crs")
    assert SWEREF.uri in raised.value.message  # it says what is supported


def test_one_collection_per_site_category_between_the_fixed_ones() -> None:
    ids = list(catalog())
    sites = [c.collection for c in CATEGORY.values()]
    assert ids == ["municipalities", "population", *sites, "roads", "latest-run-sites",
                   "latest-run-cells"]  # fmt: skip
    for category in CATEGORY.values():
        collection = catalog()[category.collection]
        assert collection == site_collection(category)
        assert (collection.view, collection.geometry) == (category.view, "Point")
    # A run's sites lie where the sites are; its cells where the population is.
    assert catalog()["latest-run-sites"].within == tuple(sites)
    assert catalog()["latest-run-cells"].within == ("population",)


def test_a_collection_by_id_or_not_found() -> None:
    assert collection_of("roads").view == "ogc_roads"
    for unknown in ("Vägar", "sites-", "", "ogc_roads"):
        with pytest.raises(NotFound):
            collection_of(unknown)
