"""Uploads of planners' site registers (issue #5): the /uploads pages and
/api/v1/uploads. Views parse the request, call resilience.services.uploads and serialise.
Everything needs the planner role; form posts carry a per-session token."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from resilience.db import db
from resilience.errors import BadInput
from resilience.services import uploads as service
from resilience.web.auth import require_role

bp = Blueprint("uploads", __name__)

SUFFIXES = (".csv", ".txt", ".tsv", ".gpkg", ".geojson", ".json")
PROFILES = ("", "osm")
SHOWN_ROWS = 1000  # the page lists this many accepted rows; the API returns every one


def _uploader() -> service.Uploader:
    return service.Uploader(
        current_user.id, current_user.name, current_user.role, current_user.municipality_code
    )


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_err: RequestEntityTooLarge) -> ResponseReturnValue:
    """Flask refuses a body above MAX_CONTENT_LENGTH before any view runs; say the limit."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    size = f"{limit / 1024**2:g} MB" if limit >= 1024**2 else f"{limit} bytes"
    message = _("The file is too large: the limit is {size}.").format(size=size)
    if request.path.startswith("/api/"):
        body = {"error": "too_large", "message": message, "details": {"max_bytes": limit}}
        return jsonify(body), 413
    return render_template("error.html", status=413, message=message), 413


def _check_file() -> dict[str, Any]:
    """Read the multipart request (file, source, crs, profile, layer) and check the file."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadInput(_("Choose a file to upload (the multipart field 'file')."))
    filename = Path(upload.filename).name
    if not filename.lower().endswith(SUFFIXES):
        raise BadInput(_("Upload a CSV, GeoPackage or GeoJSON file."))
    profile = request.form.get("profile", "").strip()
    if profile not in PROFILES:
        raise BadInput(_("unknown profile {profile}").format(profile=profile))
    return service.check_upload(
        db.session,
        _uploader(),
        upload.read(),
        filename,
        source=request.form.get("source"),
        crs=request.form.get("crs", "").strip() or None,
        profile=profile or None,
        layer=request.form.get("layer", "").strip() or None,
        max_bytes=current_app.config["SETTINGS"].max_upload_bytes,
    )


# --- pages -----------------------------------------------------------------------------------


@bp.get("/uploads")
@require_role("planner")
def upload_page() -> ResponseReturnValue:
    return render_template(
        "uploads/upload.html", scope=service.scope_label(db.session, _uploader())
    )


@bp.post("/uploads")
@require_role("planner")
def upload_form() -> ResponseReturnValue:
    try:
        doc = _check_file()
    except (service.InvalidFile, BadInput) as err:
        errors = err.details if isinstance(err, service.InvalidFile) else None
        page = render_template(
            "uploads/upload.html",
            scope=service.scope_label(db.session, _uploader()),
            error=err.message,
            errors=errors,
        )
        return page, err.status
    return redirect(url_for("uploads.report_page", upload_id=doc["id"]))


@bp.get("/uploads/<upload_id>")
@require_role("planner")
def report_page(upload_id: str) -> ResponseReturnValue:
    doc = service.get_upload(db.session, _uploader(), upload_id)
    return render_template(
        "uploads/report.html",
        report=service.public(doc),
        expires=datetime.fromisoformat(doc["expires_at"]),
        shown=SHOWN_ROWS,
    )


@bp.post("/uploads/<upload_id>/confirm")
@require_role("planner")
def confirm_form(upload_id: str) -> ResponseReturnValue:
    doc = service.confirm_upload(db.session, _uploader(), upload_id)
    result = doc["result"]
    flash(
        _("Imported: {inserted} new, {updated} updated, {unchanged} unchanged.").format(**result),
        "ok",
    )
    return redirect(url_for("uploads.report_page", upload_id=upload_id))


# --- JSON API --------------------------------------------------------------------------------


def _json(doc: dict[str, Any]) -> dict[str, Any]:
    body = service.public(doc)
    body["links"] = {
        "self": url_for("uploads.api_get", upload_id=doc["id"]),
        "confirm": url_for("uploads.api_confirm", upload_id=doc["id"]),
        "page": url_for("uploads.report_page", upload_id=doc["id"]),
    }
    return body


@bp.post("/api/v1/uploads")
@require_role("planner")
def api_upload() -> ResponseReturnValue:
    doc = _check_file()
    return _json(doc), 200, {"Location": url_for("uploads.api_get", upload_id=doc["id"])}


@bp.get("/api/v1/uploads/<upload_id>")
@require_role("planner")
def api_get(upload_id: str) -> ResponseReturnValue:
    return _json(service.get_upload(db.session, _uploader(), upload_id))


@bp.post("/api/v1/uploads/<upload_id>/confirm")
@require_role("planner")
def api_confirm(upload_id: str) -> ResponseReturnValue:
    return _json(service.confirm_upload(db.session, _uploader(), upload_id))
