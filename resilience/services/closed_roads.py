"""A run's closed roads (issue 21): the segments of the table `roads` that its scenario
snapshot closes (its road_closures and its snow zones at or above closure_level, as
analysis.roads.closure_polygons has them), found in PostGIS. The run map draws them, a
run's export has them as the layer closed_roads."""

from __future__ import annotations

from typing import Any

import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from resilience.analysis.roads import closure_polygons
from resilience.services.layers import feature_collection, geometry_sql
from resilience.services.scenarios import spec_of
from resilience.vocabulary import WGS84


def closure_wkb(snapshot: dict[str, Any]) -> bytes:
    """The areas that close roads in a run's scenario snapshot, one geometry as WKB
    (EPSG:3006; an empty collection when none)."""
    polygons, _areas = closure_polygons(spec_of(snapshot).to_analysis())
    return bytes(shapely.to_wkb(shapely.GeometryCollection(list(polygons))))


# A CTE and FROM clause over the closed segments (:closures, the WKB above): each segment
# (two consecutive vertices) of a road that intersects a closure area, touching counts, as
# in coverage-model.md, "Roads (v3)". The road's bounding box is tested first (GiST).
CLOSED_SEGMENTS = (
    "WITH closure AS (SELECT ST_GeomFromWKB(:closures, 3006) AS g)"
    " SELECT {columns} FROM roads r CROSS JOIN closure c"
    " CROSS JOIN LATERAL ST_DumpSegments(r.geom) d"
    " WHERE ST_Intersects(r.geom, c.g) AND ST_Intersects(d.geom, c.g){where}"
)


def closed_segments_sql(columns: str, where: str = "") -> str:
    return CLOSED_SEGMENTS.format(columns=columns, where=where)


def closed_roads(session: Session, snapshot: dict[str, Any], crs: int = WGS84) -> dict[str, Any]:
    """The closed segments as a GeoJSON FeatureCollection: road id, name, road_class and the
    segment's number along its road (1: first)."""
    wkb = closure_wkb(snapshot)
    sql = closed_segments_sql(
        "r.id AS road_id, r.name, r.road_class, d.path[1] AS segment,"
        f" {geometry_sql('d.geom', crs)}"
    )
    rows = [
        dict(r)
        for r in session.execute(text(sql + " ORDER BY r.id, 4"), {"closures": wkb}).mappings()
    ]
    return feature_collection(rows, crs)
