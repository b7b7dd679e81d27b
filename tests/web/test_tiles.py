"""The vector tiles of /tiles (resilience/web/tiles.py) against a real PostGIS: decoded with
mapbox-vector-tile, a tile holds what lies in it and nothing else, with its names; bad z/x/y
are 400, an empty tile 204, no login 401. And the importers of the base layer's data."""

from __future__ import annotations

import json
import math
from pathlib import Path

import mapbox_vector_tile
import pytest
import shapely
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geodata.loaders.basemap import LocalityRecord, read_localities, read_power_lines
from geodata.records import BoundaryRecord, CellRecord, SiteRecord
from resilience.models import Locality, PowerLine
from resilience.services import basemap, imports
from resilience.services.tiles import population_cell_size, query_box
from tests.conftest import shared_file
from tests.helpers.tiles import lonlat, tile_of

# Two municipalities side by side near Umeå (EPSG:3006), 20 km wide and 30 km tall.
X0, XM, X1 = 740_000, 760_000, 780_000
Y0, Y1 = 7_070_000, 7_100_000


@pytest.fixture
def data(db_session: Session) -> None:
    imports.import_boundaries(
        db_session,
        [
            BoundaryRecord("2901", "Ängsjö", shapely.MultiPolygon([shapely.box(X0, Y0, XM, Y1)])),
            BoundaryRecord(
                "2902", "Östra Åby", shapely.MultiPolygon([shapely.box(XM, Y0, X1, Y1)])
            ),
        ],
        "t",
    )
    # Four 1 km cells in one 4 km square (zoom 6) and one far away.
    imports.import_population(
        db_session,
        [
            CellRecord(744_000, 7_080_000, 10),
            CellRecord(745_000, 7_080_000, 20),
            CellRecord(744_000, 7_081_000, 30),
            CellRecord(747_000, 7_083_000, 40),
            CellRecord(770_000, 7_090_000, 5),
        ],
        "t",
    )
    imports.import_sites(
        db_session,
        [
            SiteRecord("c-1", "Åbygårdens äldreboende", "care", "elderly_home", 765_000, 7_085_000),
            SiteRecord("f-1", "Livs Ängsjö", "food", "supermarket", 750_000, 7_090_000),
        ],
        "t",
    )
    basemap.import_localities(
        db_session,
        [
            LocalityRecord("T1", "Ängsjö by", 750_000, 7_085_000, 1200, "2901"),
            LocalityRecord("T2", "Östra Åby tätort", 770_000, 7_095_000, 640, None),
        ],
        "t",
    )
    line = shapely.MultiLineString([[(742_000, 7_075_000), (778_000, 7_098_000)]])
    basemap.import_power_lines(
        db_session,
        [basemap.PowerLineRecord("L1", line, 130.0)],
        "t",
    )
    db_session.flush()


def get_tile(client: FlaskClient, tileset: str, z: int, x: int, y: int) -> dict:
    response = client.get(f"/tiles/{tileset}/{z}/{x}/{y}.pbf")
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/vnd.mapbox-vector-tile"
    # Behind the login: kept by the browser only to be asked for again (issue 23, item 5).
    assert response.headers["Cache-Control"] == "private, no-cache"
    again = client.get(
        f"/tiles/{tileset}/{z}/{x}/{y}.pbf", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304 and not again.data
    return mapbox_vector_tile.decode(response.data)


def test_base_tile_holds_municipalities_localities_and_power_lines(
    client: FlaskClient, data: None
) -> None:
    z = 9
    x, y = tile_of(*lonlat(750_000, 7_085_000), z)
    layers = get_tile(client, "base", z, x, y)
    assert set(layers) == {"municipalities", "localities", "power_lines"}
    names = {f["properties"]["name"] for f in layers["municipalities"]["features"]}
    assert "Ängsjö" in names  # names round-trip with å, ä, ö
    localities = {f["properties"]["name"]: f for f in layers["localities"]["features"]}
    assert localities["Ängsjö by"]["properties"]["population"] == 1200
    assert localities["Ängsjö by"]["geometry"]["type"] == "Point"
    # The locality without a code got the municipality covering it.
    assert (
        localities.get("Östra Åby tätort", {"properties": {"municipality": "2902"}})["properties"][
            "municipality"
        ]
        == "2902"
    )
    [line] = layers["power_lines"]["features"]
    assert line["properties"]["voltage_kv"] == 130.0
    assert line["geometry"]["type"] in ("LineString", "MultiLineString")
    # The point lies where it should inside the tile (MVT y grows downwards from the top
    # edge; mapbox-vector-tile flips it to grow upwards by default).
    px, py = localities["Ängsjö by"]["geometry"]["coordinates"]
    n = 1 << z
    lon, lat = lonlat(750_000, 7_085_000)
    fx = (lon + 180.0) / 360.0 * n - x
    fy = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n - y
    assert abs(px - fx * 4096) < 2 and abs(py - (1 - fy) * 4096) < 2


def test_population_tile_merges_cells_at_low_zoom_and_keeps_them_at_high_zoom(
    client: FlaskClient, data: None
) -> None:
    assert population_cell_size(6) == 4000 and population_cell_size(8) == 1000
    assert population_cell_size(12) == 1000
    lon, lat = lonlat(745_500, 7_081_500)
    # Zoom 6: the four cells near 745 km are one 4 km square of 100 people.
    x, y = tile_of(lon, lat, 6)
    features = get_tile(client, "population", 6, x, y)["population"]["features"]
    pops = sorted(f["properties"]["population"] for f in features)
    assert pops == [5, 100], pops
    big = next(f for f in features if f["properties"]["population"] == 100)
    assert big["properties"]["cell_size"] == 4000
    assert big["properties"]["density"] == pytest.approx(100 / 16)
    # Zoom 10: 1 km cells as they are.
    x, y = tile_of(lon, lat, 10)
    features = get_tile(client, "population", 10, x, y)["population"]["features"]
    assert {f["properties"]["cell_size"] for f in features} == {1000}
    assert 10 in {f["properties"]["population"] for f in features}


def test_sites_tile_carries_every_category(client: FlaskClient, data: None) -> None:
    x, y = tile_of(*lonlat(760_000, 7_085_000), 8)
    features = get_tile(client, "sites", 8, x, y)["sites"]["features"]
    by_name = {f["properties"]["name"]: f["properties"] for f in features}
    assert by_name["Åbygårdens äldreboende"]["category"] == "care"
    assert by_name["Livs Ängsjö"]["kind"] == "supermarket"


def test_a_tile_far_away_is_empty_and_answers_204(client: FlaskClient, data: None) -> None:
    # Zoom 4, x 0: the Pacific, outside SWEREF 99 TM's domain: no query at all.
    assert query_box(4, 0, 5) is None
    response = client.get("/tiles/base/4/0/5.pbf")
    assert response.status_code == 204 and response.data == b""
    # In the domain but away from the data (southern Sweden at zoom 10).
    x, y = tile_of(13.0, 55.6, 10)
    assert client.get(f"/tiles/sites/10/{x}/{y}.pbf").status_code == 204


@pytest.mark.parametrize(
    "path",
    [
        "/tiles/base/19/0/0.pbf",  # beyond MAX_ZOOM
        "/tiles/base/-1/0/0.pbf",
        "/tiles/base/abc/0/0.pbf",
        "/tiles/base/3/8/0.pbf",  # x beyond 2^3 - 1
        "/tiles/base/3/0/8.pbf",
        "/tiles/base/3/-1/0.pbf",
    ],
)
def test_bad_z_x_or_y_is_400(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 400


def test_unknown_tileset_is_404(client: FlaskClient) -> None:
    assert client.get("/tiles/roads/3/0/0.pbf").status_code == 404


def test_tiles_and_names_need_a_login(app: Flask) -> None:
    anonymous = app.test_client()
    for path in ("/tiles/base/8/140/68.pbf", "/tiles/names.geojson"):
        response = anonymous.get(path)
        assert response.status_code == 401, path
        assert "Location" not in response.headers
        assert response.headers["Cache-Control"] == "no-store"


def test_names_list_municipalities_then_localities_by_size(client: FlaskClient, data: None) -> None:
    response = client.get("/tiles/names.geojson")
    assert response.status_code == 200
    features = json.loads(response.data)["features"]
    kinds = [(f["properties"]["kind"], f["properties"]["name"]) for f in features]
    assert kinds == [
        ("municipality", "Ängsjö"),
        ("municipality", "Östra Åby"),
        ("locality", "Ängsjö by"),
        ("locality", "Östra Åby tätort"),
    ]
    lon, lat = features[2]["geometry"]["coordinates"]
    assert (lon, lat) == pytest.approx(lonlat(750_000, 7_085_000), abs=1e-4)


def test_import_scb_tatorter_and_osm_power_lines(db_session: Session, tmp_path: Path) -> None:
    tatorter = shared_file("population/vasterbotten_tatorter_scb_2020.geojson")
    result = read_localities(tatorter)
    assert len(result.records) == 71
    umea = next(r for r in result.records if r.name == "Umeå")
    assert umea.population == 91_916 and umea.municipality_code == "2480"
    # The file keeps SCB's own SWEREF 99 TM coordinates: ours agree within a metre.
    raw = json.loads(tatorter.read_text())
    feature = next(f for f in raw["features"] if f["properties"]["namn"] == "Umeå")
    assert abs(umea.x - feature["properties"]["x_sweref99tm"]) < 1.0
    assert abs(umea.y - feature["properties"]["y_sweref99tm"]) < 1.0
    first = basemap.import_localities(db_session, result.records, "scb-tatorter-2020")
    again = basemap.import_localities(db_session, result.records, "scb-tatorter-2020")
    assert (first.inserted, again.inserted, again.updated) == (71, 0, 71)
    assert db_session.scalar(select(func.count()).select_from(Locality)) == 71

    lines = read_power_lines(shared_file("power/vasterbotten_power_lines_osm_2016.geojson"))
    assert len(lines.records) == 92
    assert max(r.voltage_kv or 0 for r in lines.records) == 400.0
    basemap.import_power_lines(db_session, lines.records, "osm-2016")
    assert db_session.scalar(select(func.count()).select_from(PowerLine)) == 92

    bad = tmp_path / "bad.geojson"
    bad.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"tatortskod": "X1", "befolkning": -3},
                        "geometry": {"type": "Point", "coordinates": [20.2, 63.8]},
                    }
                ],
            }
        )
    )
    from geodata.records import ImportValidationError

    with pytest.raises(ImportValidationError) as err:
        read_localities(bad)
    text = str(err.value)
    assert "missing name" in text and "negative" in text
