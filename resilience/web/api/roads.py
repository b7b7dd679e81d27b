"""/api/v1/roads: the stored network's summary (GET, anyone logged in), and an admin
replacing it with a file (POST, multipart `file`; `source`, `crs`, `layer`): the import's
report as JSON, or 422 with every reason and nothing written (services/roads.py). The
/roads page (web/roads.py) imports with the same helper."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from resilience.db import db
from resilience.errors import BadInput
from resilience.services import roads as service
from resilience.web.api import bp
from resilience.web.api.uploads import too_large
from resilience.web.auth import require_role

SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".gpkg", ".zip", ".geojson", ".json")


def import_request() -> dict[str, Any]:
    """Read the multipart request (file, source, crs, layer) and import the file."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadInput(_("Choose a file to upload (the multipart field 'file')."))
    filename = Path(upload.filename).name
    if not filename.lower().endswith(SUFFIXES):
        raise BadInput(
            _(
                "Upload an OpenStreetMap extract (.osm.pbf, .osm), a GeoPackage, a zipped"
                " Shapefile or GeoJSON."
            )
        )
    try:
        return service.import_upload(
            db.session,
            upload.stream,
            filename,
            source=request.form.get("source", "").strip() or None,
            crs=request.form.get("crs", "").strip() or None,
            layer=request.form.get("layer", "").strip() or None,
            user=current_user.name,
            max_bytes=current_app.config["SETTINGS"].max_upload_bytes,
        )
    finally:
        upload.close()  # the spooled copy of a large upload, at once


@bp.get("/roads")
def roads_summary() -> ResponseReturnValue:
    """The stored network: lines, segments and km per class, and its last import."""
    summary = service.summary(db.session)
    return {
        "lines": summary.lines,
        "segments": summary.segments,
        "km": round(summary.km, 3),
        "classes": [
            {
                "road_class": c.road_class,
                "lines": c.lines,
                "segments": c.segments,
                "km": round(c.km, 3),
                "default_speed_kmh": c.default_speed_kmh,
            }
            for c in summary.classes
        ],
        "source": summary.source,
        "filename": summary.filename,
        "imported_at": summary.imported_at.isoformat() if summary.imported_at else None,
        "imported_by": summary.imported_by,
    }


@bp.post("/roads")
@require_role("admin")
def import_roads() -> ResponseReturnValue:
    try:
        return import_request()
    except RequestEntityTooLarge as err:
        return too_large(err)
