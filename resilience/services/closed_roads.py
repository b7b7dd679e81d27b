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


# The services of a run's cells; minutes null: unreachable (no open road, and too far to go
# off-road; coverage-model.md, "Roads (v3)").
CUT_OFF_SERVICES = ("food", "care", "shelter")
_UNREACHABLE = (
    " FROM run_cells r CROSS JOIN LATERAL (VALUES ('food', r.food_minutes),"
    " ('care', r.care_minutes), ('shelter', r.shelter_minutes)) s(service, minutes)"
    " WHERE r.run_id = :run AND s.minutes IS NULL AND r.population > 0"
)


def cut_off(session: Session, run_id: int, localities: int = 12) -> list[dict[str, Any]]:
    """Per service with someone cut off in the run (in CUT_OFF_SERVICES' order): the
    people, per municipality (most first; code None: outside every municipality), and the
    localities nearest to those cells (km: the nearest cell's distance, 0 inside it), those
    with the most people cut off around them first, at most `localities`."""
    found: dict[str, dict[str, Any]] = {}
    rows = session.execute(
        text(
            "SELECT s.service, r.municipality_code, m.name, sum(r.population)::bigint"
            + _UNREACHABLE.replace(
                " WHERE", " LEFT JOIN municipalities m ON m.code = r.municipality_code WHERE"
            )
            + " GROUP BY 1, 2, 3 ORDER BY 1, 4 DESC, 2"
        ),
        {"run": run_id},
    ).all()
    for service, code, name, people in rows:
        entry = found.setdefault(
            service, {"service": service, "people": 0, "municipalities": [], "localities": []}
        )
        entry["people"] += int(people)
        entry["municipalities"].append({"code": code, "name": name, "people": int(people)})
    # Each cut-off cell's nearest locality (0 km: the locality lies in the cell): the
    # places a reader knows the cut-off villages by.
    places = session.execute(
        text(
            "SELECT service, name, km, people FROM (SELECT service, name, min(km) AS km,"
            " sum(population)::bigint AS people, row_number() OVER (PARTITION BY service"
            "  ORDER BY sum(population) DESC, name) AS k FROM (SELECT s.service, r.population,"
            " n.name, round((ST_Distance(n.geom, c.geom) / 1000)::numeric, 0)::int AS km"
            + _UNREACHABLE.replace(
                " WHERE",
                " JOIN population_cells c ON c.id = r.cell_id"
                " CROSS JOIN LATERAL (SELECT l.name, l.geom FROM localities l"
                "  ORDER BY l.geom <-> c.geom LIMIT 1) n WHERE",
            )
            + ") q GROUP BY 1, 2) p WHERE k <= :n ORDER BY service, k"
        ),
        {"run": run_id, "n": localities},
    ).all()
    for service, name, km, people in places:
        found[service]["localities"].append({"name": name, "km": km, "people": int(people)})
    return [found[s] for s in CUT_OFF_SERVICES if s in found]
