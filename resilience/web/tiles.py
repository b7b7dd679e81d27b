"""Our own base layer, which needs no internet: vector tiles of the stored data
(services/tiles.py) and the label points of municipalities and localities.

- `GET /tiles/<tileset>/<z>/<x>/<y>.pbf` (`base`, `population`, `sites`): a Mapbox Vector
  Tile, `application/vnd.mapbox-vector-tile`; 204 when the tile is empty; 400 for a z, x or
  y out of range; 404 for another tile set. Login required (401 without, like the API).
- `GET /tiles/names.geojson`: the label points (WGS 84).

Tiles change only with an import, but they are behind the login: the browser may keep them
(`private, no-cache`) only to ask again every time with their ETag, through the login, and
then gets 304 when they are unchanged. Everything else behind the login is `no-store`
(web/security.py).
"""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, Response, request, url_for
from flask.typing import ResponseReturnValue

from resilience.db import db
from resilience.services import tiles

bp = Blueprint("tiles", __name__, url_prefix="/tiles")

MVT_TYPE = "application/vnd.mapbox-vector-tile"
CACHE_CONTROL = "private, no-cache"


def _revalidated(response: Response) -> ResponseReturnValue:
    """The response with an ETag of its body, kept private and asked for again every time:
    304 when the browser's copy is still the same."""
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    return response.make_conditional(request)


@bp.get("/<tileset>/<z>/<x>/<y>.pbf")
def tile(tileset: str, z: str, x: str, y: str) -> ResponseReturnValue:
    zi, xi, yi = tiles.parse_tile(z, x, y)
    data = tiles.tile(db.session, tileset, zi, xi, yi)
    if not data:
        return Response(status=204, headers={"Cache-Control": CACHE_CONTROL})
    return _revalidated(Response(data, mimetype=MVT_TYPE))


@bp.get("/names.geojson")
def names() -> ResponseReturnValue:
    body = json.dumps(tiles.names(db.session), ensure_ascii=False)
    return _revalidated(Response(body, mimetype="application/json"))


def tile_url_template() -> str:
    """`/tiles/{tileset}/{z}/{x}/{y}.pbf` as Leaflet expects it (with the app's prefix)."""
    sample = url_for("tiles.tile", tileset="TILESET", z="0", x="0", y="0")
    return sample.replace("TILESET/0/0/0.pbf", "{tileset}/{z}/{x}/{y}.pbf")


def config() -> dict[str, str]:
    """What static/js/basemap.js needs: the URL templates of the tiles and the names."""
    return {"tiles": tile_url_template(), "names": url_for("tiles.names")}
