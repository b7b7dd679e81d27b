"""resilience/services/ogc/openapi.py: the OpenAPI 3.0 definition is valid, served at the
base it is given, and declares what the catalogue and the query parsers accept: every
collection id, every query parameter of an items page and of an item, and the CRSs."""

from __future__ import annotations

from typing import Any

from openapi_spec_validator import validate

from resilience.services.ogc.catalog import CRSES, catalog
from resilience.services.ogc.openapi import openapi_document
from resilience.services.ogc.queries import (
    DOCUMENT_PARAMETERS,
    ITEM_PARAMETERS,
    ITEMS_PARAMETERS,
)

BASE = "https://karta.example.se/ogc"


def parameters(document: dict[str, Any], path: str) -> set[str]:
    refs = document["paths"][path]["get"]["parameters"]
    components = document["components"]["parameters"]
    return {components[ref["$ref"].rsplit("/", 1)[-1]]["name"] for ref in refs}


def test_the_definition_is_valid_openapi_3_at_its_base() -> None:
    document = openapi_document(BASE)
    validate(document)
    assert document["openapi"].startswith("3.0")
    assert document["servers"] == [{"url": BASE}]
    assert "Västerbotten" in document["info"]["title"]


def test_the_collection_ids_are_the_catalogues() -> None:
    document = openapi_document(BASE)
    declared = document["components"]["parameters"]["collectionId"]["schema"]["enum"]
    assert declared == list(catalog())


def test_every_parameter_the_parsers_accept_is_declared_and_no_other() -> None:
    document = openapi_document(BASE)
    items = "/collections/{collectionId}/items"
    assert parameters(document, items) == ITEMS_PARAMETERS | {"collectionId"}
    assert parameters(document, f"{items}/{{featureId}}") == ITEM_PARAMETERS | {
        "collectionId",
        "featureId",
    }
    assert parameters(document, "/conformance") == DOCUMENT_PARAMETERS
    crs = document["components"]["parameters"]["crs"]["schema"]["enum"]
    assert crs == document["components"]["parameters"]["bbox-crs"]["schema"]["enum"]
    assert crs == [c.uri for c in CRSES]


def test_every_reference_resolves() -> None:
    document = openapi_document(BASE)
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    assert refs
    for ref in refs:
        target: Any = document
        for part in ref.removeprefix("#/").split("/"):
            assert part in target, ref
            target = target[part]
