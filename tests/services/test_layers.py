"""resilience/services/layers.py against a real PostGIS: the map layers as GeoJSON built in
one query, filtered by category, kind, municipality and box, in WGS 84 or SWEREF 99 TM;
bad filters are BadInput, an unknown site NotFound."""

from __future__ import annotations

from typing import Any

import pytest
import shapely.geometry
from sqlalchemy.orm import Session

from resilience.errors import BadInput, NotFound
from resilience.services import layers
from resilience.services.query_args import BBox
from resilience.vocabulary import SWEREF99TM, WGS84
from tests.factories import small_county


@pytest.fixture
def county(db_session: Session) -> dict[str, Any]:
    return small_county(db_session)


def names(collection: dict[str, Any]) -> set[str]:
    return {f["properties"]["name"] for f in collection["features"]}


def test_sites_in_wgs84_carry_their_municipality_by_name(
    db_session: Session, county: dict[str, Any]
) -> None:
    collection = layers.sites(db_session)
    assert collection["type"] == "FeatureCollection" and "crs" not in collection
    by_source = {f["properties"]["source_id"]: f for f in collection["features"]}
    assert set(by_source) == {"care-1", "gen-1", "food-1", "energy-1", "outside-1"}
    care = by_source["care-1"]
    assert care["id"] == care["properties"]["id"]
    assert care["properties"]["name"] == "Björkgårdens äldreboende"
    assert care["properties"]["municipality_name"] == "Åbacka"
    assert care["properties"]["residents"] == 40
    lon, lat = care["geometry"]["coordinates"]
    assert 19 < lon < 21 and 63 < lat < 64.5  # west of Umeå, in degrees
    # The site outside both municipalities has none.
    assert by_source["outside-1"]["properties"]["municipality_name"] is None


def test_sites_filtered_by_category_kind_municipality_and_box(
    db_session: Session, county: dict[str, Any]
) -> None:
    assert names(layers.sites(db_session, category="care")) == {"Björkgårdens äldreboende"}
    assert {
        f["properties"]["kind"] for f in layers.sites(db_session, kind="grocery")["features"]
    } == {"grocery"}
    in_ostervik = layers.sites(db_session, municipality=" 2403 ")
    assert {f["properties"]["source_id"] for f in in_ostervik["features"]} == {"gen-1", "food-1"}
    box = BBox(750_000, 7_080_000, 760_000, 7_090_000, SWEREF99TM)
    assert {
        f["properties"]["source_id"] for f in layers.sites(db_session, bbox=box)["features"]
    } == {
        "care-1",
        "energy-1",
    }
    both = layers.sites(db_session, category="food", municipality="2403")
    assert names(both) == {"Ica Nära Östervik"}
    assert len(layers.sites(db_session, limit=2)["features"]) == 2


def test_sites_in_sweref_are_in_metres_with_the_legacy_crs_member(
    db_session: Session, county: dict[str, Any]
) -> None:
    collection = layers.sites(db_session, category="care", crs=SWEREF99TM)
    assert collection["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::3006"
    [care] = collection["features"]
    assert care["geometry"]["coordinates"] == [751_500, 7_081_500]


@pytest.mark.parametrize(
    ("filters", "named"),
    [
        ({"category": "weather"}, "unknown category"),
        ({"kind": "äldreboende"}, "unknown kind"),
        ({"municipality": "Åbacka"}, "four digits"),
        ({"municipality": "240"}, "four digits"),
    ],
)
def test_bad_filters_are_bad_input(
    db_session: Session, county: dict[str, Any], filters: dict[str, str], named: str
) -> None:
    with pytest.raises(BadInput, match=named):
        layers.sites(db_session, **filters)  # type: ignore[arg-type]


def test_municipality_code_is_none_when_empty_else_four_digits() -> None:
    assert layers.municipality_code(None) is None
    assert layers.municipality_code("  ") is None
    assert layers.municipality_code(" 2480") == "2480"
    with pytest.raises(BadInput):
        layers.municipality_code("24801")


def test_one_site_with_its_sweref_coordinates_or_not_found(
    db_session: Session, county: dict[str, Any]
) -> None:
    [care] = layers.sites(db_session, category="care")["features"]
    feature = layers.site(db_session, care["id"])
    assert feature["properties"]["x_3006"] == 751_500
    assert feature["properties"]["y_3006"] == 7_081_500
    assert feature["properties"]["municipality_name"] == "Åbacka"
    with pytest.raises(NotFound):
        layers.site(db_session, care["id"] + 1000)


def test_municipalities_sum_their_population_and_sites(
    db_session: Session, county: dict[str, Any]
) -> None:
    collection = layers.municipalities(db_session)
    by_code = {f["id"]: f["properties"] for f in collection["features"]}
    assert by_code["2401"] == {"code": "2401", "name": "Åbacka", "population": 150, "sites": 2}
    assert by_code["2403"] == {"code": "2403", "name": "Östervik", "population": 55, "sites": 2}
    simplified = layers.municipalities(db_session, crs=SWEREF99TM, simplify_m=100)
    abacka = shapely.geometry.shape(simplified["features"][0]["geometry"])
    assert abacka.bounds == (750_000, 7_080_000, 760_000, 7_090_000)  # a square stays one


def test_population_cells_by_box(db_session: Session, county: dict[str, Any]) -> None:
    everything = layers.population(db_session, crs=WGS84)
    assert sorted(f["properties"]["population"] for f in everything["features"]) == [30, 55, 120]
    box = BBox(760_000, 7_080_000, 770_000, 7_090_000, SWEREF99TM)
    [cell] = layers.population(db_session, bbox=box, crs=SWEREF99TM)["features"]
    assert cell["properties"]["municipality_code"] == "2403"
    assert cell["geometry"]["type"] == "Polygon"
    far = BBox(10.0, 55.0, 11.0, 56.0)  # Kattegat
    assert layers.population(db_session, bbox=far)["features"] == []
