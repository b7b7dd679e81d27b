"""resilience/services/ogc/queries.py against a real PostGIS: the query parameters (unknown
ones, f, limit, offset, bbox in either CRS and axis order, datetime: BadInput for anything
bad), the columns read from the views, the bbox filter, the first page's leaders and the
extents."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from resilience.errors import BadInput
from resilience.services import imports
from resilience.services.ogc.catalog import CRS84, MAX_LIMIT, SWEREF, catalog
from resilience.services.ogc.queries import (
    FIRST_PAGE,
    ITEMS_PARAMETERS,
    bbox_filter,
    check_parameters,
    choose_leaders,
    extents,
    feature_sql,
    leaders_sql,
    page_order,
    parse_items_query,
    property_columns,
)
from resilience.services.query_args import BBox
from resilience.vocabulary import SWEREF99TM
from tests.factories import ogc_county, site, small_county


def test_the_defaults_of_an_items_query() -> None:
    query = parse_items_query({})
    assert (query.limit, query.offset, query.bbox, query.crs, query.echo) == (
        100, 0, None, CRS84, ()
    )  # fmt: skip


def test_an_items_query_in_sweref_northing_first_is_swapped_and_echoed() -> None:
    args = {
        "bbox": "7081000,751000,7082000,753000",
        "bbox-crs": "EPSG:3006",
        "crs": "EPSG:3006",
        "limit": "20000",
        "offset": "40",
        "f": "json",
    }
    query = parse_items_query(args)
    assert query.bbox == BBox(751_000, 7_081_000, 753_000, 7_082_000, SWEREF99TM)
    assert query.crs is SWEREF
    assert query.limit == MAX_LIMIT  # lowered to it, as Part 1 asks
    assert query.offset == 40
    assert query.echo == (
        ("bbox", "7081000,751000,7082000,753000"),
        ("bbox-crs", "EPSG:3006"),
        ("crs", "EPSG:3006"),
    )


def test_six_number_and_antimeridian_boxes_are_accepted() -> None:
    assert parse_items_query({"bbox": "10,60,0,25,70,100"}).bbox == BBox(10, 60, 25, 70)
    crossing = parse_items_query({"bbox": "170,60,-170,70"}).bbox
    assert crossing is not None and crossing.minx > crossing.maxx


@pytest.mark.parametrize(
    "args",
    [
        {"bbox": "1,2,3"},
        {"bbox": "20,64,21,63"},  # south above north
        {"bbox": "500000,7000000,600000,7100000"},  # metres without bbox-crs
        {"bbox-crs": "EPSG:4326", "bbox": "19,63,21,64"},
        {"crs": "http://www.opengis.net/def/crs/EPSG/0/3857"},
        {"limit": "0"},
        {"limit": "tio"},
        {"offset": "-1"},
        {"offset": str(2**63)},
        {"datetime": "igår"},
        {"datetime": "../.."},
        {"datetime": "2026-11-01/2026-11-02/2026-11-03"},
        {"kategori": "mat"},
        {"f": "html"},
    ],
)
def test_bad_items_parameters_are_bad_input(args: dict[str, str]) -> None:
    with pytest.raises(BadInput):
        parse_items_query(args)


def test_a_datetime_instant_or_open_interval_is_accepted() -> None:
    for value in ("2026-11-01T00:00:00Z", "2026-11-01/..", "../2026-11-01T12:00:00+01:00"):
        assert parse_items_query({"datetime": value}).echo == (("datetime", value),)


def test_check_parameters_names_every_unknown_one() -> None:
    with pytest.raises(BadInput, match="unknown query parameter bbox, ö; allowed: f"):
        check_parameters({"ö": "1", "bbox": "1,2,3,4"}, frozenset({"f"}))
    check_parameters({"f": "json"}, ITEMS_PARAMETERS)


def test_property_columns_are_typed_from_the_view_and_per_category(db_session: Session) -> None:
    by_id = catalog()
    care = {c.name: c for c in property_columns(db_session, by_id["sites-care"].view)}
    assert "id" not in care and "geom" not in care
    assert care["residents"].json_type == "integer"
    assert "capacity_kw" not in care  # a power field, not a care site's
    power = {c.name for c in property_columns(db_session, by_id["sites-power"].view)}
    assert "capacity_kw" in power and "residents" not in power
    roads = {c.name: c for c in property_columns(db_session, by_id["roads"].view)}
    assert roads["name"].json_type == "string"
    assert roads["speed_kmh_used"].json_type == "number"


def features(session: Session, view: str, where: str, params: dict[str, Any]) -> set[int]:
    return set(session.scalars(text(f"SELECT v.id FROM {view} v WHERE {where}"), params))


def test_the_bbox_filter_in_either_crs(db_session: Session) -> None:
    small_county(db_session)
    ids = {r[0]: r[1] for r in db_session.execute(text("SELECT source_id, id FROM sites"))}
    view = catalog()["sites-food"].view
    metres = BBox(760_000, 7_080_000, 770_000, 7_090_000, SWEREF99TM)
    assert features(db_session, view, *bbox_filter(metres)) == {ids["food-1"]}
    world = BBox(-180, -90, 180, 90)
    assert features(db_session, view, *bbox_filter(world)) == {ids["food-1"], ids["outside-1"]}
    # Across the antimeridian: two boxes, both far from Sweden.
    assert features(db_session, view, *bbox_filter(BBox(170, 60, -170, 70))) == set()
    assert bbox_filter(BBox(-170, -60, -160, -50)) == ("FALSE", {})  # outside SWEREF's domain


def test_leaders_come_first_only_when_the_first_page_lacks_a_value(db_session: Session) -> None:
    small_county(db_session)
    view = catalog()["sites-food"].view
    columns = property_columns(db_session, view)
    counted = db_session.execute(
        text(f"SELECT count(*){leaders_sql(columns)} FROM {view} v WHERE TRUE")
    ).one()
    assert counted[0] == 2
    # Two features: both on the first page, so it is simply by id.
    assert choose_leaders(db_session, view, "TRUE", {}, columns, list(counted[1:])) == []
    assert page_order([]) == "v.id"
    assert page_order([7]).startswith("v.id = ANY(:leaders)")


def test_a_late_feature_with_the_only_value_leads_the_first_page(db_session: Session) -> None:
    small_county(db_session)
    plain = [site(f"g-{n}", "food", "grocery", 766_000 + n, 7_085_000) for n in range(FIRST_PAGE)]
    stocked = site("w-1", "food", "warehouse", 767_500, 7_086_000, stock_person_days=900)
    imports.import_sites(db_session, [*plain, stocked], "leaders")
    view = catalog()["sites-food"].view
    columns = property_columns(db_session, view)
    counted = db_session.execute(
        text(f"SELECT count(*){leaders_sql(columns)} FROM {view} v WHERE TRUE")
    ).one()
    leaders = choose_leaders(db_session, view, "TRUE", {}, columns, list(counted[1:]))
    stocked_id = db_session.scalar(text("SELECT id FROM sites WHERE source_id = 'w-1'"))
    assert stocked_id in leaders and len(leaders) <= FIRST_PAGE


def test_feature_sql_serialises_a_feature_with_its_properties(db_session: Session) -> None:
    small_county(db_session)
    found = catalog()["sites-care"]
    sql = feature_sql(db_session, found, SWEREF)
    [feature] = [
        json.loads(r) for r in db_session.scalars(text(f"SELECT {sql} FROM {found.view} v"))
    ]
    assert feature["geometry"] == {"type": "Point", "coordinates": [7_081_500, 751_500]}
    assert feature["properties"]["name"] == "Björkgårdens äldreboende"
    assert feature["properties"]["municipality_name"] == "Åbacka"


def test_extents_of_the_collections_and_none_for_an_empty_one(db_session: Session) -> None:
    by_id = catalog()
    wanted = [by_id["municipalities"], by_id["sites-care"], by_id["latest-run-cells"]]
    assert extents(db_session, wanted) == {}  # nothing stored yet
    ogc_county(db_session)
    boxes = extents(db_session, wanted)
    assert set(boxes) == {"municipalities", "sites-care", "latest-run-cells"}
    west, south, east, north = boxes["municipalities"]
    assert 19 < west < east < 21 and 63 < south < north < 64.5
    care = boxes["sites-care"]  # one point: a box around it, rounded outwards
    assert care[0] < care[2] and care[1] < care[3]
    assert west <= care[0] and care[2] <= east
    # The run's cells take the population's extent (within).
    assert boxes["latest-run-cells"] == extents(db_session, [by_id["population"]])["population"]
