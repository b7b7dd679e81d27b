"""Vector tiles (Mapbox Vector Tile, protobuf) of our own data, built in PostGIS with
ST_TileEnvelope / ST_AsMVTGeom / ST_AsMVT: the base layer that needs no internet.

Tiles are in the usual Web Mercator (EPSG:3857) z/x/y scheme (y from the north, as Leaflet
and every XYZ client count). Three tile sets, each with its MVT layers:

- `base`: `municipalities` (polygons: code, name), `localities` (points: name, population,
  municipality), `power_lines` (lines: voltage_kv), `roads` (lines: road_class, name;
  fewer classes at low zoom, simplified to about a pixel: ROAD_CLASSES_BY_ZOOM);
  a place of the same name in the same municipality from two sources (the built-in
  localities and SCB's tätorter) is shown once, from the source imported last;
- `population`: `population` (the grid, merged into coarser squares below zoom 8 so that a
  square stays a few pixels wide: population, cell_size in metres, density per km²);
- `sites`: `sites` (points: id, category, kind, name), at every zoom (about 1,500 points).

Only the part of a tile inside SWEREF 99 TM's domain (resilience.crs.SWEREF_DOMAIN) is
queried: our data is stored in EPSG:3006, and a tile over the Pacific has nothing to show.
"""

from __future__ import annotations

import json
import math
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from resilience.analysis.model import ROAD_SPEEDS
from resilience.crs import SWEREF_DOMAIN
from resilience.errors import BadInput, NotFound
from resilience.vocabulary import CATEGORY, SWEREF99TM, WGS84

MAX_ZOOM = 18
EXTENT = 4096  # MVT units per tile side
BUFFER = 64  # MVT units drawn beyond the tile edge, so strokes join across tiles
# Query the data this much (a fraction of the tile) around the tile: the buffer, plus room
# for the curvature of a Mercator tile's edges in SWEREF 99 TM.
QUERY_MARGIN = 0.125
DENSIFY_DEGREES = 0.05
# Population squares: 1 km from zoom 8 (about 3.7 px at 64° N), doubled per zoom level below.
POPULATION_FULL_ZOOM = 8
WEB_MERCATOR = 3857
TILESETS = ("base", "population", "sites")
# The road classes drawn from each zoom on (the smaller ones would be a blur before).
ROAD_CLASSES_BY_ZOOM: tuple[tuple[int, tuple[str, ...]], ...] = (
    (0, ("motorway", "trunk")),
    (7, ("primary",)),
    (8, ("secondary",)),
    (10, ("tertiary", "unclassified")),
    (12, ("residential", "service", "track")),
)
# Any other class (a file's own, with a speed) is drawn with the smallest ones.
OTHER_ROADS_ZOOM = 12


def road_classes(z: int) -> list[str]:
    """The ROAD_SPEEDS classes drawn at zoom z."""
    return [c for zoom, classes in ROAD_CLASSES_BY_ZOOM if z >= zoom for c in classes]


def road_tolerance_m(z: int) -> float:
    """Simplification of road lines at zoom z: about half a pixel of a 256 px tile at 64° N."""
    return 0.5 * 40_075_016.0 * math.cos(math.radians(64.0)) / (256 * 2**z)


def parse_tile(z: str, x: str, y: str) -> tuple[int, int, int]:
    """(z, x, y) as integers, or BadInput: z in 0..MAX_ZOOM, x and y in 0..2^z - 1."""
    try:
        zi, xi, yi = int(z), int(x), int(y)
    except ValueError as exc:
        raise BadInput(f"z, x and y must be whole numbers, got {z}/{x}/{y}") from exc
    if not 0 <= zi <= MAX_ZOOM:
        raise BadInput(f"z must be between 0 and {MAX_ZOOM}, got {zi}")
    side = 1 << zi
    if not (0 <= xi < side and 0 <= yi < side):
        raise BadInput(f"at zoom {zi}, x and y must be between 0 and {side - 1}")
    return zi, xi, yi


def tile_lonlat(z: int, x: int, y: int, margin: float = 0.0) -> tuple[float, float, float, float]:
    """(west, south, east, north) in degrees of tile z/x/y, grown by `margin` tile sides."""
    side = 1 << z

    def lon(tx: float) -> float:
        return tx / side * 360.0 - 180.0

    def lat(ty: float) -> float:
        ty = min(max(ty, 0.0), float(side))
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * ty / side))))

    return (
        max(-180.0, lon(x - margin)),
        lat(y + 1 + margin),
        min(180.0, lon(x + 1 + margin)),
        lat(y - margin),
    )


def query_box(z: int, x: int, y: int) -> tuple[float, float, float, float] | None:
    """The lon/lat box to query for a tile: the tile with its margin, clipped to SWEREF 99
    TM's domain; None when they do not meet (the tile is empty)."""
    w, s, e, n = tile_lonlat(z, x, y, QUERY_MARGIN)
    dw, ds, de, dn = SWEREF_DOMAIN
    box = (max(w, dw), max(s, ds), min(e, de), min(n, dn))
    return box if box[0] < box[2] and box[1] < box[3] else None


def population_cell_size(z: int) -> int:
    """Metres per side of the population squares at zoom z."""
    return 1000 * 2 ** max(0, POPULATION_FULL_ZOOM - z)


# Common parts: `env` is the tile in EPSG:3857, `q` the query box in EPSG:3006.
_BOXES = """
env AS (SELECT ST_TileEnvelope(:z, :x, :y) AS t),
q AS (SELECT ST_Transform(ST_Segmentize(ST_MakeEnvelope(:w, :s, :e, :n, :lonlat), :seg),
                          :stored) AS b)
"""


def _mvt_geom(column: str) -> str:
    return f"ST_AsMVTGeom(ST_Transform({column}, {WEB_MERCATOR}), env.t, {EXTENT}, {BUFFER}, true)"


_BASE = f"""
WITH {_BOXES},
municipalities AS (
  SELECT {_mvt_geom("m.geom")} AS geom, m.code, m.name
  FROM municipalities m, env, q WHERE m.geom && q.b
),
localities AS (
  SELECT DISTINCT ON (l.name, l.municipality_code)
         {_mvt_geom("l.geom")} AS geom, l.name, l.population, l.municipality_code AS municipality
  FROM localities l, env, q WHERE l.geom && q.b
  ORDER BY l.name, l.municipality_code, l.id DESC
),
power_lines AS (
  SELECT {_mvt_geom("p.geom")} AS geom, p.voltage_kv
  FROM power_lines p, env, q WHERE p.geom && q.b
),
roads AS (
  SELECT {_mvt_geom("ST_Simplify(r.geom, :road_tolerance)")} AS geom, r.road_class, r.name
  FROM roads r, env, q
  WHERE r.geom && q.b
    AND (r.road_class IN :road_classes OR (:z >= {OTHER_ROADS_ZOOM}
         AND r.road_class NOT IN :known_classes))
  -- Drawn in this order: the larger roads on top.
  ORDER BY array_position(CAST(:class_order AS text[]), r.road_class) DESC NULLS FIRST, r.id
)
SELECT
  coalesce((SELECT ST_AsMVT(municipalities.*, 'municipalities', {EXTENT}, 'geom')
     FROM municipalities WHERE geom IS NOT NULL), '')
  -- Roads before the localities and power lines: a client draws the layers in order.
  || coalesce((SELECT ST_AsMVT(roads.*, 'roads', {EXTENT}, 'geom')
     FROM roads WHERE geom IS NOT NULL), '')
  || coalesce((SELECT ST_AsMVT(localities.*, 'localities', {EXTENT}, 'geom')
     FROM localities WHERE geom IS NOT NULL), '')
  || coalesce((SELECT ST_AsMVT(power_lines.*, 'power_lines', {EXTENT}, 'geom')
     FROM power_lines WHERE geom IS NOT NULL), '')
"""

# A square is summed from every cell whose lower-left corner falls in it, whatever part of
# the tile it lies in, so a square split between two tiles has the same sum in both.
_POPULATION = f"""
WITH {_BOXES},
squares AS (
  SELECT floor(c.x_ll / :size) * :size AS sx, floor(c.y_ll / :size) * :size AS sy,
         sum(c.population) AS population
  FROM population_cells c, q
  WHERE c.geom && ST_Expand(q.b, :size) AND c.population > 0
  GROUP BY 1, 2
),
mvt AS (
  SELECT {_mvt_geom("ST_MakeEnvelope(sx, sy, sx + :size, sy + :size, :stored)")} AS geom,
         population::integer AS population, CAST(:size AS integer) AS cell_size,
         (population / ((:size / 1000.0) ^ 2))::float AS density
  FROM squares, env
)
SELECT ST_AsMVT(mvt.*, 'population', {EXTENT}, 'geom') FROM mvt WHERE geom IS NOT NULL
"""

_SITES = f"""
WITH {_BOXES},
mvt AS (
  SELECT {_mvt_geom("s.geom")} AS geom, s.id, s.category, s.kind, s.name
  FROM sites s, env, q WHERE s.geom && q.b
  -- Drawn in the categories' draw order (vocabulary): care, then backup power, on top.
  ORDER BY COALESCE((CAST(:draw_order AS jsonb) ->> s.category)::integer, 0), s.id
)
SELECT ST_AsMVT(mvt.*, 'sites', {EXTENT}, 'geom') FROM mvt WHERE geom IS NOT NULL
"""

_QUERIES = {"base": _BASE, "population": _POPULATION, "sites": _SITES}


def tile(session: Session, tileset: str, z: int, x: int, y: int) -> bytes:
    """The MVT of `tileset` at z/x/y; b"" when the tile has no feature."""
    if tileset not in _QUERIES:
        raise NotFound(f"no tile set {tileset!r}; there are {', '.join(TILESETS)}")
    box = query_box(z, x, y)
    if box is None:
        return b""
    params: dict[str, Any] = {
        "z": z,
        "x": x,
        "y": y,
        "w": box[0],
        "s": box[1],
        "e": box[2],
        "n": box[3],
        "lonlat": WGS84,
        "stored": SWEREF99TM,
        "seg": DENSIFY_DEGREES,
    }
    query = text(_QUERIES[tileset])
    if tileset == "population":
        params["size"] = population_cell_size(z)
    if tileset == "sites":
        params["draw_order"] = json.dumps({c.name: c.draw_order for c in CATEGORY.values()})
    if tileset == "base":
        params["road_classes"] = road_classes(z)
        params["known_classes"] = list(ROAD_SPEEDS)
        params["class_order"] = list(ROAD_SPEEDS)
        params["road_tolerance"] = road_tolerance_m(z)
        query = query.bindparams(
            bindparam("road_classes", expanding=True), bindparam("known_classes", expanding=True)
        )
    data = session.execute(query, params).scalar()
    return bytes(data or b"")


_NAMES = """
SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(f), '[]'))
FROM (
  SELECT json_build_object(
    'type', 'Feature',
    'geometry', ST_AsGeoJSON(ST_Transform(geom, :lonlat), 5)::json,
    'properties', json_build_object('kind', kind, 'name', name, 'population', population,
                                    'code', code)) AS f
  FROM (
    SELECT 'municipality' AS kind, m.name, NULL::integer AS population, m.code,
           ST_PointOnSurface(m.geom) AS geom, 0 AS rank
    FROM municipalities m
    UNION ALL
    SELECT * FROM (
      SELECT DISTINCT ON (l.name, l.municipality_code)
             'locality', l.name, l.population, l.municipality_code, l.geom, 1
      FROM localities l ORDER BY l.name, l.municipality_code, l.id DESC
    ) places
  ) names
  ORDER BY rank, population DESC NULLS LAST, name
) features
"""


def names(session: Session) -> dict[str, Any]:
    """Label points as GeoJSON (WGS 84): each municipality's name at a point inside it, then
    the localities, largest first (a client that labels only some takes the first ones)."""
    result = session.execute(text(_NAMES), {"lonlat": WGS84}).scalar()
    assert isinstance(result, dict)
    return result
