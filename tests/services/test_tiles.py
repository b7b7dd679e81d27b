"""resilience/services/tiles.py against a real PostGIS: z/x/y parsed or BadInput, the tile's
query box, and the MVT of each tile set decoded (what lies in the tile with its å/ä/ö names,
roads by zoom, an empty tile b""), and the label points."""

from __future__ import annotations

import itertools

import mapbox_vector_tile
import pytest
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from geodata.loaders.basemap import LocalityRecord
from resilience.errors import BadInput, NotFound
from resilience.services import basemap, tiles
from tests.factories import small_county
from tests.helpers.tiles import lonlat, tile_of


@pytest.fixture
def county(db_session: Session) -> None:
    small_county(db_session)
    basemap.import_localities(
        db_session,
        [
            LocalityRecord("T1", "Åsele by", 753_000, 7_085_000, 900, "2401"),
            LocalityRecord("T2", "Östervik", 765_500, 7_085_500, 2400, "2403"),
        ],
        "t",
    )
    db_session.execute(
        text(
            "INSERT INTO roads (source_id, name, road_class, speed_kmh, geom) VALUES"
            " ('r-1', 'Storgatan i Ängsjö', 'residential', NULL,"
            "  ST_GeomFromText('LINESTRING(752000 7083000, 753000 7083200)', 3006)),"
            " ('r-2', 'E4', 'trunk', 110,"
            "  ST_GeomFromText('LINESTRING(751000 7082000, 769000 7088000)', 3006))"
        )
    )
    db_session.flush()


def decoded(session: Session, tileset: str, z: int, x: float, y: float) -> dict:
    tx, ty = tile_of(*lonlat(x, y), z)
    return mapbox_vector_tile.decode(tiles.tile(session, tileset, z, tx, ty))


@pytest.mark.parametrize(
    ("z", "x", "y"),
    [("19", "0", "0"), ("-1", "0", "0"), ("abc", "0", "0"), ("3", "8", "0"), ("3", "0", "-1"),
     ("2.5", "0", "0"), ("", "0", "0")],
)  # fmt: skip
def test_parse_tile_refuses_what_is_no_tile(z: str, x: str, y: str) -> None:
    with pytest.raises(BadInput):
        tiles.parse_tile(z, x, y)


def test_parse_tile_gives_integers_at_the_edges() -> None:
    assert tiles.parse_tile("0", "0", "0") == (0, 0, 0)
    assert tiles.parse_tile("18", "262143", "0") == (18, 262_143, 0)


def test_the_whole_world_at_zoom_0_and_a_tile_grown_by_its_margin() -> None:
    west, south, east, north = tiles.tile_lonlat(0, 0, 0)
    assert (west, east) == (-180.0, 180.0)
    assert south == pytest.approx(-85.0511, abs=1e-4) and north == pytest.approx(85.0511, abs=1e-4)
    inner = tiles.tile_lonlat(8, 142, 70)
    outer = tiles.tile_lonlat(8, 142, 70, margin=0.5)
    assert (
        outer[0] < inner[0] and outer[1] < inner[1] and outer[2] > inner[2] and outer[3] > inner[3]
    )


def test_the_query_box_is_clipped_to_sweref_or_none() -> None:
    assert tiles.query_box(4, 0, 5) is None  # the Pacific
    box = tiles.query_box(0, 0, 0)
    assert box is not None
    assert box[0] > -180 and box[2] < 180  # the world clipped to SWEREF 99 TM's domain
    x, y = tile_of(*lonlat(755_000, 7_085_000), 10)
    w, s, e, n = tiles.query_box(10, x, y) or (0, 0, 0, 0)
    lon, lat = lonlat(755_000, 7_085_000)
    assert w < lon < e and s < lat < n


def test_more_road_classes_and_finer_lines_with_zoom() -> None:
    every = [c for _, classes in tiles.ROAD_CLASSES_BY_ZOOM for c in classes]
    drawn = [tiles.road_classes(z) for z in range(tiles.MAX_ZOOM + 1)]
    assert all(set(a) <= set(b) for a, b in itertools.pairwise(drawn))
    assert drawn[0] and set(drawn[0]) < set(every)  # the largest roads only, at first
    assert drawn[-1] == every
    assert tiles.road_tolerance_m(12) == tiles.road_tolerance_m(11) / 2
    assert tiles.population_cell_size(6) == 4 * tiles.population_cell_size(8)
    assert tiles.population_cell_size(12) == tiles.population_cell_size(8)


def test_the_base_tile_has_names_with_a_a_o_and_roads_by_zoom(
    db_session: Session, county: None
) -> None:
    z12 = decoded(db_session, "base", 12, 752_500, 7_083_100)
    assert {f["properties"]["name"] for f in z12["municipalities"]["features"]} == {"Åbacka"}
    assert {f["properties"]["name"] for f in z12["roads"]["features"]} >= {"Storgatan i Ängsjö"}
    assert {f["properties"]["name"] for f in z12["localities"]["features"]} == {"Åsele by"}
    # At zoom 7 only the trunk road: a residential street would be a blur.
    z7 = decoded(db_session, "base", 7, 752_500, 7_083_100)
    assert {f["properties"]["road_class"] for f in z7["roads"]["features"]} == {"trunk"}
    assert {f["properties"]["name"] for f in z7["municipalities"]["features"]} == {
        "Åbacka",
        "Östervik",
    }


def test_the_sites_tile_holds_the_sites_in_it(db_session: Session, county: None) -> None:
    layers = decoded(db_session, "sites", 11, 751_500, 7_081_500)
    names = {f["properties"]["name"] for f in layers["sites"]["features"]}
    assert "Björkgårdens äldreboende" in names
    assert "Ica Nära Östervik" not in names  # 15 km east, another tile at zoom 11


def test_the_population_tile_sums_cells_into_coarser_squares(
    db_session: Session, county: None
) -> None:
    low = decoded(db_session, "population", 5, 751_500, 7_081_500)["population"]["features"]
    assert sum(f["properties"]["population"] for f in low) == 205
    assert {f["properties"]["cell_size"] for f in low} == {tiles.population_cell_size(5)}


def test_a_tile_without_features_is_empty(db_session: Session, county: None) -> None:
    assert tiles.tile(db_session, "base", 4, 0, 5) == b""  # outside the domain: no query
    x, y = tile_of(13.0, 55.6, 10)  # Malmö: in the domain, nothing stored there
    assert tiles.tile(db_session, "sites", 10, x, y) == b""


def test_an_unknown_tileset_is_not_found(db_session: Session) -> None:
    with pytest.raises(NotFound, match="base, population, sites"):
        tiles.tile(db_session, "vägar", 3, 0, 0)


def test_names_list_municipalities_then_localities_largest_first(
    db_session: Session, county: None
) -> None:
    features = tiles.names(db_session)["features"]
    assert [(f["properties"]["kind"], f["properties"]["name"]) for f in features] == [
        ("municipality", "Åbacka"),
        ("municipality", "Östervik"),
        ("locality", "Östervik"),
        ("locality", "Åsele by"),
    ]
    inside = shapely.box(*lonlat(750_000, 7_080_000), *lonlat(760_000, 7_090_000))
    assert inside.buffer(0.01).contains(shapely.Point(features[0]["geometry"]["coordinates"]))


def test_names_of_an_empty_map_are_an_empty_collection(db_session: Session) -> None:
    assert tiles.names(db_session) == {"type": "FeatureCollection", "features": []}
