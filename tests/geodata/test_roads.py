"""The road readers (geodata/loaders/roads.py) against the real OpenStreetMap extracts in
../shared/data/roads (read in place) and small line layers written here, in GeoJSON,
GeoPackage and zipped Shapefile, in EPSG:4326 and 3006; bad files refused as a whole."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import pyogrio.raw
import pytest
import shapely

from geodata.loaders.roads import (
    OSM_HIGHWAY,
    RoadFile,
    RoadRecord,
    hstore_value,
    maxspeed_kmh,
    open_roads,
)
from geodata.records import ImportValidationError
from resilience.crs import transformer
from tests.conftest import shared_file

# Two roads in Umeå (EPSG:3006) that share the vertex (758_000, 7_088_000).
UMEA = [
    ([(757_000.0, 7_088_000.0), (758_000.0, 7_088_000.0)], "primary", 80),
    ([(758_000.0, 7_088_000.0), (758_000.0, 7_089_500.0)], "residential", None),
    ([(758_000.0, 7_089_500.0), (759_000.0, 7_089_500.0)], "forest_road", 30),
]


def read_all(road_file: RoadFile) -> list[RoadRecord]:
    return [record for batch in road_file.batches() for record in batch]


def refused_message(path: Path, **kwargs: Any) -> str:
    with pytest.raises(ImportValidationError) as caught:
        read_all(open_roads(path, **kwargs))
    return str(caught.value)


def test_maxspeed_and_other_tags() -> None:
    assert maxspeed_kmh("50") == 50.0
    assert maxspeed_kmh("50 km/h") == 50.0
    assert maxspeed_kmh("30 mph") == pytest.approx(30 * 1.609344)
    for other in ("RU:urban", "50;30", "walk", "", None, "none", "50 knots"):
        assert maxspeed_kmh(other) is None
    tags = '"lanes"=>"2","maxspeed"=>"30","name:sv"=>"Skillnadsgatan \\"x\\""'
    assert hstore_value(tags, "maxspeed") == "30"
    assert hstore_value(tags, "name:sv") == 'Skillnadsgatan "x"'
    assert hstore_value('"maxspeed:forward"=>"40"', "maxspeed") is None
    assert hstore_value('{"maxspeed": "60"}', "maxspeed") == "60"
    assert OSM_HIGHWAY["living_street"] == "residential"
    assert OSM_HIGHWAY["trunk_link"] == "trunk" and "footway" not in OSM_HIGHWAY


def test_helsinki_extract_by_class_with_footways_dropped() -> None:
    road_file = open_roads(shared_file("roads/helsinki_centre_osm.pbf"))
    records = read_all(road_file)
    report = road_file.tally.as_dict()
    # PROVENANCE.md: 139 primary (+7 primary_link), 141 secondary, 43 tertiary (+2 links),
    # 231 residential, 233 service, 164 unclassified; 1,058 footways, 141 steps, 116 cycleways.
    assert report["kept"] == {
        "primary": 146,
        "secondary": 141,
        "tertiary": 45,
        "unclassified": 164,
        "residential": 231,
        "service": 233,
    }
    assert report["kept_total"] == len(records) == 960
    dropped = report["dropped"]["not_a_road"]
    assert dropped["footway"] == 1058 and dropped["steps"] == 141 and dropped["cycleway"] == 116
    assert "primary" not in dropped and report["dropped"]["refused"] == {}
    assert report["crs"] == "EPSG:4326" and report["format"] == "osm"
    # maxspeed from other_tags: central Helsinki is 30 and 40 km/h, a few yards 5-20.
    speeds = [r.speed_kmh for r in records if r.speed_kmh is not None]
    assert len(speeds) == 762 and set(speeds) <= {5.0, 10.0, 20.0, 30.0, 40.0, 50.0}
    assert sum(s in (30.0, 40.0) for s in speeds) > 0.9 * len(speeds)
    assert all(r.source_id and r.source_id.startswith("way/") for r in records)
    # In EPSG:3006 (east of Sweden, within the margin): about x 1.05 M, y 6.7 M.
    xy = shapely.get_coordinates([r.geom for r in records])
    assert xy[:, 0].min() > 900_000 and xy[:, 0].max() < 1_200_000
    assert xy[:, 1].min() > 6_600_000 and xy[:, 1].max() < 6_800_000
    assert sum(report["km"].values()) == pytest.approx(
        sum(r.geom.length for r in records) / 1000, abs=0.01
    )


def test_kotka_extract_keeps_motorway_links_tracks_and_living_streets() -> None:
    road_file = open_roads(shared_file("roads/kotka_karhula_osm.pbf"))
    records = read_all(road_file)
    kept = road_file.tally.kept
    assert kept["motorway"] == 12  # 2 motorway + 10 motorway_link
    assert kept["track"] == 2 and kept["secondary"] == 13 and kept["tertiary"] == 20
    assert kept["residential"] == 125  # 124 residential + 1 living_street
    assert road_file.tally.not_roads["cycleway"] > 0
    assert all(isinstance(r.geom, shapely.LineString) for r in records)


def test_small_batches_give_the_same_records() -> None:
    path = shared_file("roads/kotka_karhula_osm.pbf")
    whole = read_all(open_roads(path))
    small = open_roads(path)
    batches = list(small.batches(size=50))
    assert len(batches) > 3
    assert [r.source_id for b in batches for r in b] == [r.source_id for r in whole]


def _features(crs: int) -> list[dict[str, Any]]:
    project = transformer(3006, crs) if crs != 3006 else None
    features = []
    for i, (coords, road_class, speed) in enumerate(UMEA, start=1):
        if project is not None:
            coords = [project.transform(x, y) for x, y in coords]
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "source_id": f"r{i}",
                    "name": f"Väg {i}",
                    "road_class": road_class,
                    "speed_kmh": speed,
                },
                "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]},
            }
        )
    return features


def write_geojson(path: Path, features: list[dict[str, Any]], crs: int | None = None) -> Path:
    doc: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if crs is not None:
        doc["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{crs}"}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def write_layer(path: Path, crs: int, driver: str) -> Path:
    features = _features(crs)
    geoms = shapely.from_geojson([json.dumps(f["geometry"]) for f in features])
    fields = {
        key: np.array([f["properties"][key] for f in features], dtype=object)
        for key in ("source_id", "name", "road_class")
    }
    fields["speed_kmh"] = np.array(
        [
            np.nan if f["properties"]["speed_kmh"] is None else f["properties"]["speed_kmh"]
            for f in features
        ]
    )
    pyogrio.raw.write(
        str(path),
        shapely.to_wkb(geoms),
        list(fields.values()),
        list(fields),
        geometry_type="LineString",
        crs=f"EPSG:{crs}",
        driver=driver,
    )
    return path


def _check_umea(records: list[RoadRecord]) -> None:
    assert [r.road_class for r in records] == ["primary", "residential", "forest_road"]
    assert [r.speed_kmh for r in records] == [80.0, None, 30.0]
    assert [r.source_id for r in records] == ["r1", "r2", "r3"]
    assert records[0].name == "Väg 1"
    end = shapely.get_coordinates(records[0].geom)[-1]
    start = shapely.get_coordinates(records[1].geom)[0]
    assert end == pytest.approx([758_000.0, 7_088_000.0], abs=0.01)
    assert start == pytest.approx(end, abs=0.01)


@pytest.mark.parametrize("crs", [4326, 3006])
def test_geojson_gpkg_and_zipped_shapefile_in_either_crs(tmp_path: Path, crs: int) -> None:
    geojson = write_geojson(
        tmp_path / "roads.geojson", _features(crs), None if crs == 4326 else crs
    )
    _check_umea(read_all(open_roads(geojson)))
    gpkg = write_layer(tmp_path / "roads.gpkg", crs, "GPKG")
    _check_umea(read_all(open_roads(gpkg)))
    shp = write_layer(tmp_path / "vagar.shp", crs, "ESRI Shapefile")
    archive = tmp_path / "vagar.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in tmp_path.glob("vagar.*"):
            if part.suffix != ".zip":
                zipped.write(part, part.name)
    road_file = open_roads(archive)
    assert road_file.format == "shp" and road_file.crs == crs
    _check_umea(read_all(road_file))
    assert shp.exists()


def test_multilinestrings_are_split_into_parts(tmp_path: Path) -> None:
    feature = {
        "type": "Feature",
        "properties": {"road_class": "track"},
        "geometry": {
            "type": "MultiLineString",
            "coordinates": [
                [[757_000, 7_088_000], [758_000, 7_088_000]],
                [[759_000, 7_088_000], [759_000, 7_089_000]],
            ],
        },
    }
    road_file = open_roads(write_geojson(tmp_path / "multi.geojson", [feature], 3006))
    records = read_all(road_file)
    assert len(records) == 2 and all(isinstance(r.geom, shapely.LineString) for r in records)
    assert road_file.tally.kept["track"] == 2 and road_file.tally.lines == 1


def test_bad_lines_are_refused_and_counted(tmp_path: Path) -> None:
    good = _features(3006)[0]

    def variant(props: dict[str, Any] | None = None, geometry: Any = "same") -> dict[str, Any]:
        return {
            "type": "Feature",
            "properties": {**good["properties"], **(props or {})},
            "geometry": good["geometry"] if geometry == "same" else geometry,
        }

    features = [
        good,
        variant({"road_class": "forest_road", "speed_kmh": None}),
        variant({"speed_kmh": 0}),
        variant({"speed_kmh": -20}),
        variant({"speed_kmh": "fast"}),
        variant({"road_class": None}),
        variant(geometry={"type": "Point", "coordinates": [757_000, 7_088_000]}),
        variant(geometry=None),
        variant(geometry={"type": "LineString", "coordinates": [[757_000, 7_088_000]] * 2}),
    ]
    road_file = open_roads(write_geojson(tmp_path / "mixed.geojson", features, 3006))
    records = read_all(road_file)
    assert len(records) == 1
    assert road_file.tally.refused == {
        "unknown_class_without_speed": 1,
        "speed_not_positive": 2,
        "speed_not_a_number": 1,
        "missing_class": 1,
        "not_a_line": 1,
        "empty_geometry": 1,
        "invalid_geometry": 1,
    }
    wheres = [e.where for e in road_file.tally.refused_lines]
    assert wheres == [f"feature {n}" for n in range(2, 10)]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("garbage.pbf", b"\x00\x01not osm at all" * 50, "cannot read"),
        ("garbage.gpkg", b"SQLite format 3\x00" + b"\x00" * 100, "cannot read"),
        ("garbage.geojson", b"{not json", "cannot read"),
        ("empty.geojson", b"", "the file is empty"),
        ("roads.csv", b"a,b\n1,2\n", "not .csv"),
        (
            "points.geojson",
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "properties": {"road_class": "primary"},
                            "geometry": {"type": "Point", "coordinates": [20.26, 63.82]},
                        }
                    ],
                }
            ).encode(),
            "no line layer",
        ),
        (
            "nothing.geojson",
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "properties": {"road_class": "forest", "speed_kmh": None},
                            "geometry": {
                                "type": "LineString",
                                "coordinates": [[20.26, 63.82], [20.27, 63.83]],
                            },
                        }
                    ],
                }
            ).encode(),
            "no road in the file",
        ),
        (
            "noclass.geojson",
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "properties": {"kind": "primary"},
                            "geometry": {
                                "type": "LineString",
                                "coordinates": [[20.26, 63.82], [20.27, 63.83]],
                            },
                        }
                    ],
                }
            ).encode(),
            "no road_class column",
        ),
    ],
)
def test_bad_files_are_refused_as_a_whole(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert expected in refused_message(path)


def test_wrong_crs_is_refused_with_a_hint(tmp_path: Path) -> None:
    # SWEREF 99 TM metres in a GeoJSON without a crs member: read as WGS 84 degrees.
    path = write_geojson(tmp_path / "metres.geojson", _features(3006))
    message = refused_message(path)
    assert "EPSG:4326" in message and "EPSG:3006" in message
    # The same file with --crs EPSG:3006 imports.
    assert len(read_all(open_roads(path, crs="EPSG:3006"))) == 3


def test_points_layer_of_a_geopackage_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "points.gpkg"
    pyogrio.raw.write(
        str(path),
        shapely.to_wkb(shapely.points([[757_000, 7_088_000]])),
        [np.array(["primary"], dtype=object)],
        ["road_class"],
        geometry_type="Point",
        crs="EPSG:3006",
        driver="GPKG",
    )
    assert "no line layer" in refused_message(path)


def test_an_osmconf_with_maxspeed_and_ref_columns(tmp_path: Path) -> None:
    """GDAL's osmconf.ini decides which tags are columns: maxspeed and ref as columns give
    the same roads as from other_tags."""
    source = Path(pyogrio.get_gdal_data_path() or "") / "osmconf.ini"
    if not source.is_file():
        pytest.skip("GDAL's osmconf.ini is not where pyogrio says")
    text = source.read_text()
    text = text.replace(
        "attributes=name,highway,waterway,aerialway,barrier,man_made,railway",
        "attributes=name,highway,maxspeed,ref,waterway,aerialway,barrier,man_made,railway",
        1,
    )
    config = tmp_path / "osmconf.ini"
    config.write_text(text)
    path = shared_file("roads/kotka_karhula_osm.pbf")
    default = read_all(open_roads(path))
    pyogrio.set_gdal_config_options({"OSM_CONFIG_FILE": str(config)})
    try:
        road_file = open_roads(path)
        assert "maxspeed" in road_file._fields
        columns = read_all(road_file)
    finally:
        pyogrio.set_gdal_config_options({"OSM_CONFIG_FILE": None})
    assert [(r.source_id, r.road_class, r.speed_kmh, r.name) for r in columns] == [
        (r.source_id, r.road_class, r.speed_kmh, r.name) for r in default
    ]
    assert any(r.speed_kmh for r in default)
