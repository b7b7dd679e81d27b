"""The road network in PostGIS (services/roads.py): an import replaces it in one
transaction and bumps the data version, bad files write nothing; the command line and the
API (admin only); load_network gives the analysis a routable RoadNetwork; the demo's roads
are one connected network reaching every locality."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from flask import Flask
from flask.testing import FlaskClient
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from geodata.demo import build_demo
from geodata.demo.boundaries import read_county, read_municipalities
from geodata.demo.localities import find_localities
from resilience.analysis import CellTable, Parameters, RoadNetwork, Scenario, SiteTable, compute
from resilience.analysis.model import ROAD_SPEEDS
from resilience.models import DataImport, Road
from resilience.services import roads
from resilience.services.imports import data_version
from tests.conftest import login, shared_file

HELSINKI = "roads/helsinki_centre_osm.pbf"


def _cli(app: Flask, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=list(args))


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Road)) or 0


def _geojson(path: Path, features: list[tuple[list[tuple[float, float]], Any, Any]]) -> Path:
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3006"}},
        "features": [
            {
                "type": "Feature",
                "properties": {"road_class": road_class, "speed_kmh": speed},
                "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]},
            }
            for coords, road_class, speed in features
        ],
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def multipart(filename: str, content: bytes, **fields: str) -> dict[str, Any]:
    """A multipart body built here, in memory: the test client would spool a large one to
    a temporary file it never closes."""
    parts = [
        f'--B\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    head = (
        f'--B\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    body = b"".join(parts) + head + content + b"\r\n--B--\r\n"
    return {"data": body, "content_type": "multipart/form-data; boundary=B"}


UMEA = [
    ([(757_000.0, 7_088_000.0), (758_000.0, 7_088_000.0)], "primary", 80),
    ([(758_000.0, 7_088_000.0), (758_000.0, 7_089_500.0)], "residential", None),
]


def test_helsinki_import_replaces_the_network_and_bumps_the_data_version(
    db_session: Session, tmp_path: Path
) -> None:
    # The data version moves once per transaction (the test's one): read it before both.
    version = data_version(db_session)
    first = roads.import_path(db_session, _geojson(tmp_path / "umea.geojson", UMEA))
    assert first["kept"] == {"primary": 1, "residential": 1} and _count(db_session) == 2
    report = roads.import_path(
        db_session, shared_file(HELSINKI), source="osm-helsinki", user="anna"
    )
    assert report["kept_total"] == report["inserted"] == 960 == _count(db_session)
    assert report["kept"]["primary"] == 146 and report["dropped"]["not_a_road"]["footway"] == 1058
    # The data version moves once per transaction (migration 0018's triggers); the test's
    # session is one transaction, so both imports share a version here.
    assert report["data_version"] == data_version(db_session) >= version
    srid, kinds = db_session.execute(
        text("SELECT DISTINCT ST_SRID(geom), GeometryType(geom) FROM roads")
    ).one()
    assert (srid, kinds) == (3006, "LINESTRING")
    last = db_session.scalars(select(DataImport).order_by(DataImport.id.desc())).first()
    assert last is not None and (last.kind, last.source, last.user_name) == (
        "roads",
        "osm-helsinki",
        "anna",
    )
    assert last.filename == "helsinki_centre_osm.pbf" and last.inserted == 960
    summary = roads.summary(db_session)
    assert summary.lines == 960 and summary.source == "osm-helsinki"
    assert summary.imported_by == "anna" and summary.segments > summary.lines
    assert {c.road_class for c in summary.classes} >= {"primary", "service"}
    assert sum(c.km for c in summary.classes) == pytest.approx(summary.km)


def test_bad_file_writes_nothing(db_session: Session, tmp_path: Path) -> None:
    roads.import_path(db_session, _geojson(tmp_path / "umea.geojson", UMEA))
    version = data_version(db_session)
    bad = [
        _geojson(tmp_path / "unknown.geojson", [(UMEA[0][0], "forest_road", None)]),
        _geojson(tmp_path / "zero.geojson", [(UMEA[0][0], "primary", 0)]),
        _geojson(tmp_path / "empty.geojson", []),
    ]
    (tmp_path / "garbage.pbf").write_bytes(b"garbage" * 100)
    bad.append(tmp_path / "garbage.pbf")
    for path in bad:
        with pytest.raises(roads.InvalidRoadFile) as caught:
            roads.import_path(db_session, path)
        assert caught.value.status == 422 and caught.value.details["errors"], path
    assert _count(db_session) == 2 and data_version(db_session) == version


def test_load_network_builds_the_analysis_graph(db_session: Session, tmp_path: Path) -> None:
    assert roads.load_network(db_session) is None
    roads.import_path(db_session, _geojson(tmp_path / "umea.geojson", UMEA))
    network = roads.load_network(db_session)
    assert network is not None
    assert network.n_nodes == 3 and network.n_edges == 2
    assert sorted(network.length.tolist()) == [1000.0, 1500.0]
    assert network.edge_speed({"residential": 40.0, "primary": 80.0}).tolist() == [80.0, 40.0]


def test_helsinki_network_is_routable(db_session: Session) -> None:
    """Imported through the service and read back, the Helsinki network gives finite
    minutes from cells across the centre to a health centre at the railway station."""
    roads.import_path(db_session, shared_file(HELSINKI))
    network = roads.load_network(db_session)
    assert network is not None and network.n_edges > 1000
    x0, y0 = float(np.median(network.node_x)), float(np.median(network.node_y))
    sites = SiteTable.from_records(
        [
            {
                "id": 1,
                "source_id": "hc",
                "category": "care",
                "kind": "health_centre",
                "x": x0,
                "y": y0,
            }
        ]
    )
    offsets = [(-600.0, -600.0), (500.0, 400.0), (-300.0, 700.0)]
    cells = CellTable(
        id=np.arange(1, 4, dtype=np.int64),
        x=[x0 + dx for dx, _ in offsets],
        y=[y0 + dy for _, dy in offsets],
        population=np.array([100, 200, 300], dtype=np.int64),
        municipality=[None, None, None],
    )
    # Off-road travel limited to 100 m: only the roads can carry the cells there.
    scenario = Scenario(parameters=Parameters.from_overrides({"offroad_max_km": 0.1}))
    result = compute(sites, cells, {}, scenario, roads=network)
    minutes = result.minutes["care"]
    assert np.isfinite(minutes).all() and (minutes > 0).all() and (minutes < 15).all()
    assert result.to_document()["roads"]["edges"] == network.n_edges


def test_cli_import_roads(app: Flask, db_session: Session, tmp_path: Path) -> None:
    ok = _cli(app, "geodata", "import-roads", str(shared_file(HELSINKI)), "--source", "osm")
    assert ok.exit_code == 0, ok.output
    assert "960 roads kept" in ok.output and "primary: 146 lines" in ok.output
    assert "footway 1058" in ok.output
    assert _count(db_session) == 960
    bad = _geojson(tmp_path / "bad.geojson", [(UMEA[0][0], "forest_road", None)])
    refused = _cli(app, "geodata", "import-roads", str(bad))
    assert refused.exit_code != 0 and "no road in the file" in refused.output
    db_session.expire_all()
    assert _count(db_session) == 960
    wrong_crs = tmp_path / "metres.geojson"
    doc = json.loads(bad.read_text())
    del doc["crs"]
    doc["features"][0]["properties"]["road_class"] = "primary"
    wrong_crs.write_text(json.dumps(doc))
    refused = _cli(app, "geodata", "import-roads", str(wrong_crs))
    assert refused.exit_code != 0 and "EPSG:3006" in refused.output
    assert _count(db_session) == 960


@pytest.fixture
def admin_client(app: Flask, make_user) -> FlaskClient:  # type: ignore[no-untyped-def]
    make_user("adam", "admin")
    client = app.test_client()
    login(client, "adam")
    return client


def test_api_imports_for_admins_only(
    app: Flask,
    make_user,
    admin_client: FlaskClient,
    db_session: Session,  # type: ignore[no-untyped-def]
) -> None:
    data = shared_file(HELSINKI).read_bytes()
    for role in ("viewer", "planner", "editor"):
        make_user(f"{role}-r", role)
        client = app.test_client()
        login(client, f"{role}-r")
        response = client.post(
            "/api/v1/roads", data={"file": (io.BytesIO(data[:1000]), "helsinki.osm.pbf")}
        )
        assert response.status_code == 403, role
        assert client.get("/roads").status_code == 403
    assert _count(db_session) == 0
    response = admin_client.post(
        "/api/v1/roads", **multipart("helsinki.osm.pbf", data, source="osm")
    )
    assert response.status_code == 200, response.text
    body = response.get_json()
    assert body["kept_total"] == 960 and body["filename"] == "helsinki.osm.pbf"
    assert body["dropped"]["not_a_road"]["steps"] == 141
    assert _count(db_session) == 960
    summary = client.get("/api/v1/roads").get_json()
    assert summary["lines"] == 960 and summary["imported_by"] == "adam"
    assert {c["road_class"] for c in summary["classes"]} >= {"primary", "residential"}
    bad = admin_client.post(
        "/api/v1/roads", data={"file": (io.BytesIO(b"nonsense" * 10), "x.geojson")}
    )
    assert bad.status_code == 422 and "cannot read" in bad.get_json()["message"]
    wrong = admin_client.post("/api/v1/roads", data={"file": (io.BytesIO(b"a,b"), "x.csv")})
    assert wrong.status_code == 400
    assert _count(db_session) == 960


def test_api_refuses_a_file_above_the_upload_limit(
    app: Flask, admin_client: FlaskClient, db_session: Session
) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    big = b"{" + b" " * (limit + 10)
    response = admin_client.post("/api/v1/roads", **multipart("big.geojson", big))
    assert response.status_code == 413
    assert _count(db_session) == 0


def test_roads_page_says_a_bad_file_next_to_its_field(
    admin_client: FlaskClient, db_session: Session
) -> None:
    token = admin_client.environ_base["HTTP_X_CSRF_TOKEN"]
    bad = admin_client.post(
        "/roads", **multipart("x.gpkg", b"garbage", csrf_token=token, source="nvdb-2026")
    )
    assert bad.status_code == 422 and 'id="roads-error"' in bad.text
    assert 'aria-invalid="true" aria-describedby="roads-error">' in bad.text
    assert bad.text.index('name="file"') < bad.text.index('id="roads-error"')
    assert bad.text.index('id="roads-error"') < bad.text.index('name="source"')
    assert 'name="source" maxlength="200" value="nvdb-2026"' in bad.text  # as typed
    assert _count(db_session) == 0


def test_roads_page_shows_the_network_and_imports(
    admin_client: FlaskClient, db_session: Session, tmp_path: Path
) -> None:
    page = admin_client.get("/roads")
    assert page.status_code == 200 and 'id="roads-none"' in page.text
    assert "Vägnät" in page.text  # Swedish by default
    data = shared_file(HELSINKI).read_bytes()
    token = admin_client.environ_base["HTTP_X_CSRF_TOKEN"]
    response = admin_client.post("/roads", **multipart("helsinki.osm.pbf", data, csrf_token=token))
    assert response.status_code == 200 and 'id="roads-report"' in response.text
    assert 'id="roads-summary"' in response.text and 'data-class="primary"' in response.text
    assert "adam" in response.text
    english = admin_client.get("/roads?lang=en")
    assert "Road network" in english.text and "residential street" in english.text
    bad = admin_client.post("/roads", **multipart("x.gpkg", b"garbage", csrf_token=token))
    assert bad.status_code == 422 and 'id="roads-error"' in bad.text


def test_demo_roads_are_one_network_reaching_every_locality() -> None:
    demo = build_demo()
    localities = find_localities(read_municipalities(), read_county())
    network = RoadNetwork.from_lines(
        [r.geom for r in demo.roads],
        [r.road_class for r in demo.roads],
        [r.speed_kmh for r in demo.roads],
    )
    graph = sparse.coo_matrix(
        (np.ones(network.n_edges), (network.edge_u, network.edge_v)),
        shape=(network.n_nodes, network.n_nodes),
    )
    count, _labels = connected_components(graph, directed=False)
    assert count == 1
    nodes = set(zip(network.node_x.tolist(), network.node_y.tolist(), strict=True))
    assert all((loc.x, loc.y) in nodes for loc in localities)
    names = {r.name for r in demo.roads}
    assert {"E4", "E12", "E45", "Väg 92", "Väg 95", "Väg 363", "Väg 365", "Väg 370"} <= names
    assert {r.road_class for r in demo.roads} <= set(ROAD_SPEEDS)
    e4 = [r for r in demo.roads if r.name == "E4"]
    assert {r.speed_kmh for r in e4} == {90.0, 110.0}
    assert all(r.speed_kmh == 50.0 for r in demo.roads if r.road_class == "unclassified")


def test_demo_scenarios_close_roads() -> None:
    from geodata.demo.scenarios import builtin_scenarios
    from resilience.scenarios import parse_scenario

    demo = build_demo()
    documents = {d["name"]: d for d in builtin_scenarios(demo.municipalities)}
    storm = documents["Snöstorm över inlandet: 48 h elavbrott, röd varning"]
    assert storm["parameters"] == {"closure_level": "red"}
    assert parse_scenario(storm).name == storm["name"]
    closed = parse_scenario(documents["E12 stängd Storuman–Tärnaby"])
    assert closed.road_closures is not None
    crossed = [r.name for r in demo.roads if shapely.intersects(r.geom, closed.road_closures)]
    assert crossed == ["E12"]


def test_roads_in_the_base_tiles_by_class_and_zoom(
    client: FlaskClient, db_session: Session
) -> None:
    """The base tiles draw the roads (layer `roads`: road_class, name); the small classes
    only from higher zooms."""
    import mapbox_vector_tile

    from geodata.loaders.roads import RoadRecord
    from tests.helpers.tiles import lonlat, tile_of

    records = [
        RoadRecord(
            shapely.LineString([(740_000, 7_080_000), (760_000, 7_090_000)]),
            "trunk",
            None,
            "e12",
            "E12",
        ),
        RoadRecord(
            shapely.LineString([(750_000, 7_085_000), (750_500, 7_085_400)]),
            "residential",
            30.0,
            "g1",
            "Storgatan",
        ),
    ]
    roads.replace_network(db_session, [records], "t")

    def layer(z: int) -> dict[str, str]:
        x, y = tile_of(*lonlat(750_000, 7_085_000), z)
        response = client.get(f"/tiles/base/{z}/{x}/{y}.pbf")
        assert response.status_code == 200
        decoded = mapbox_vector_tile.decode(response.data)
        features = decoded["roads"]["features"]
        return {f["properties"]["name"]: f["properties"]["road_class"] for f in features}

    assert layer(6) == {"E12": "trunk"}
    assert layer(13) == {"E12": "trunk", "Storgatan": "residential"}


def test_demo_closure_scenarios_cut_off_villages(db_session: Session) -> None:
    """With the built-in data in PostGIS: the E12 closed between Storuman and Tärnaby
    leaves the western mountain villages without care or food by road; the snowstorm's red
    zone closes the mountain roads."""
    from geodata.demo.scenarios import builtin_scenarios
    from resilience.scenarios import parse_scenario
    from resilience.services import basemap, imports
    from resilience.services.runs import load_inputs

    demo = build_demo()
    imports.import_boundaries(db_session, demo.municipalities, demo.source)
    imports.import_population(db_session, demo.cells, demo.source)
    imports.import_sites(db_session, demo.sites, demo.source)
    basemap.import_localities(db_session, basemap.demo_localities(demo), demo.source)
    roads.replace_network(db_session, [demo.roads], demo.source)
    sites, cells, names = load_inputs(db_session)
    network = roads.load_network(db_session)
    assert network is not None and network.n_edges == len(demo.roads)
    documents = {d["name"]: d for d in builtin_scenarios(demo.municipalities)}

    closed = parse_scenario(documents["E12 stängd Storuman–Tärnaby"]).to_analysis()
    document = compute(sites, cells, names, closed, roads=network).to_document()
    assert document["roads"] == {"edges": 48, "closed_edges": 1, "closure_areas": 1}
    county = document["county"]
    assert county["unreachable"]["care"] > 100 and county["baseline_unreachable"]["care"] == 0
    storuman = next(m for m in document["municipalities"] if m["code"] == "2421")
    assert storuman["unreachable"]["food"] > 100

    storm = parse_scenario(documents["Snöstorm över inlandet: 48 h elavbrott, röd varning"])
    result = compute(sites, cells, names, storm.to_analysis(), roads=network).to_document()
    assert result["roads"]["closed_edges"] >= 5 and result["roads"]["closure_areas"] == 1
