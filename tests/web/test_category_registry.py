"""A category is one entry (issue 19, item 3): a test-only category registered at run time
(the vocabulary entry; the database's CHECK constraint and OGC view as its migration would
make them) shows on the map, in OGC API - Features and in an export, with nothing else
changed.

The data are small_county() plus one waterworks in Åbacka (2401), at (753 500, 7 081 500)
in EPSG:3006."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

import mapbox_vector_tile
import pytest
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from resilience import vocabulary
from resilience.crs import transformer
from resilience.services import imports
from resilience.vocabulary import SWEREF99TM, WGS84, Category
from tests.factories import site, small_county

WATER = Category(
    "water",
    ("waterworks",),
    ("critical_load_kw", "backup_kw", "fuel_hours"),
    powered=True,
    layer="vatten",
    title="Vattenverk",
    label="Waterworks",
    description="Waterworks and their backup power.",
    color="#1c7ed6",
    radius=2.0,
    draw_order=3,
)


@pytest.fixture
def water(db_session: Session, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The category registered, its constraint and view in the test's transaction (rolled
    back with it), and one waterworks stored."""
    monkeypatch.setitem(vocabulary.CATEGORY, WATER.name, WATER)
    known = (*vocabulary.CATEGORIES, WATER.name)
    db_session.execute(text("ALTER TABLE sites DROP CONSTRAINT category_known"))
    db_session.execute(
        text(f"ALTER TABLE sites ADD CONSTRAINT category_known CHECK (category IN {known!r})")
    )
    # The view its migration creates: the care sites' view for this category (as 0008 did).
    care_view = db_session.execute(
        text("SELECT pg_get_viewdef('ogc_sites_care'::regclass)")
    ).scalar_one()
    water_view = care_view.replace("'care'::text", f"'{WATER.name}'::text")
    db_session.execute(text(f"CREATE VIEW {WATER.view} AS {water_view}"))
    small_county(db_session)
    works = site(
        "water-1",
        "water",
        "waterworks",
        753_500,
        7_081_500,
        critical_load_kw=80,
        name="Åbacka vattenverk",
    )
    imports.import_sites(db_session, [works], "test")
    db_session.commit()
    yield {"site": works}


def _map_config(page: str) -> dict[str, Any]:
    """The config the map page hands to ResilienceMap.init (folium's JsInit)."""
    found = re.search(r"ResilienceMap\.init\(\w+, (\{.*?\})\);\s*$", page, re.MULTILINE)
    assert found, "no ResilienceMap.init call on the page"
    config: dict[str, Any] = json.loads(found.group(1))
    return config


def test_a_registered_category_is_on_the_map(client: FlaskClient, water: dict[str, Any]) -> None:
    config = _map_config(client.get("/").text)
    categories = config["categories"]
    assert list(categories)[-1] == "water"  # the registry's order: legend and layer list
    assert categories["water"] == {
        "color": "#1c7ed6",
        "marker": "dot",
        "radius": 2.0,
        "tileRadius": 2.5,
        "drawOrder": 3,
        "clustered": False,
    }
    assert categories["care"]["clustered"] and categories["utility"]["marker"] == "plant"
    # The layer the script loads for it, and its name in the scripts' catalog.
    sites = client.get("/api/v1/sites?category=water").json
    assert [f["properties"]["name"] for f in sites["features"]] == ["Åbacka vattenverk"]
    catalog = client.get("/i18n/en.js").text
    assert '"water": "Waterworks"' in catalog


def test_a_registered_category_is_an_ogc_collection(
    client: FlaskClient, water: dict[str, Any]
) -> None:
    listed = client.get("/ogc/collections?f=json").json["collections"]
    by_id = {c["id"]: c for c in listed}
    assert by_id["sites-water"]["title"] == "Vattenverk"
    assert by_id["sites-water"]["description"] == "Waterworks and their backup power."
    items = client.get("/ogc/collections/sites-water/items?f=json").json
    assert [f["properties"]["name"] for f in items["features"]] == ["Åbacka vattenverk"]
    assert items["features"][0]["properties"]["critical_load_kw"] == 80


def test_a_registered_category_is_exported(client: FlaskClient, water: dict[str, Any]) -> None:
    response = client.get("/api/v1/exports/layers?format=geojson&layers=water")
    assert response.status_code == 200, response.text
    document = json.loads(response.data)
    assert document["name"] == "vatten"
    (feature,) = document["features"]
    properties = feature["properties"]
    assert properties["name"] == "Åbacka vattenverk" and properties["category"] == "water"
    assert properties["critical_load_kw"] == 80 and "capacity_kw" not in properties
    every = client.get("/api/v1/exports/layers?format=geojson&category=water")
    assert json.loads(every.data)["features"][0]["properties"]["source_id"] == "water-1"


def test_the_vector_tiles_draw_it_in_its_order(client: FlaskClient, water: dict[str, Any]) -> None:
    """The sites' tile lists its features in the categories' draw order (food, energy 0;
    power 1; care 2; water 3): the editor's map draws the last on top."""
    lon, lat = transformer(SWEREF99TM, WGS84).transform(760_000, 7_085_000)
    n = 1 << 8
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    response = client.get(f"/tiles/sites/8/{x}/{y}.pbf")
    assert response.status_code == 200
    features = mapbox_vector_tile.decode(response.data)["sites"]["features"]
    order = [f["properties"]["category"] for f in features]
    assert order[-2:] == ["care", "water"] and order.index("power") > order.index("energy")
