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
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from resilience.db import db
from resilience.errors import BadInput
from resilience.services import uploads as service
from resilience.vocabulary import CATEGORIES
from resilience.web.auth import require_role
from resilience.web.messages import api_language, message_text, where_label

bp = Blueprint("uploads", __name__)

SUFFIXES = (".csv", ".txt", ".tsv", ".gpkg", ".geojson", ".json")
PROFILES = ("", "osm")
SHOWN_ROWS = 1000  # the page lists this many accepted rows; the API returns every one


# --- the reports in the user's language -------------------------------------------------------
# (resilience/web/messages.py translates the checks' messages; the notes are said here)


def note_text(note: str, coded: dict[str, Any] | None) -> str:
    if coded and coded.get("code") == "rows_outside_county":
        return ngettext(
            "%(num)d accepted row lies in no municipality of the county",
            "%(num)d accepted rows lie in no municipality of the county",
            coded["params"]["num"],
        )
    return note


def _translated(body: dict[str, Any]) -> dict[str, Any]:
    """The report's messages in Swedish for an API client that asked for it."""
    with force_locale("sv_SE"):
        for row in body.get("refused", []):
            row["where_label"] = where_label(row["where"])
            for reason in row["reasons"]:
                reason["message"] = message_text(reason)
        coded = body.get("notes_coded") or []
        body["notes"] = [
            note_text(n, coded[i] if i < len(coded) else None)
            for i, n in enumerate(body.get("notes", []))
        ]
    return body


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
        "uploads/upload.html",
        scope=service.scope_label(db.session, _uploader()),
        categories=CATEGORIES,
    )


@bp.get("/uploads/template/<category>.csv")
@require_role("planner")
def template(category: str):  # type: ignore[no-untyped-def]
    """A CSV to start from: the columns of the category and one row per allowed kind."""
    body = service.template_csv(category)
    return current_app.response_class(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=mall_{category}.csv"},
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
            categories=CATEGORIES,
            error=err.message,
            errors=errors,
        )
        return page, err.status
    accepted = doc["counts"]["accepted"]
    if accepted:
        flash(
            ngettext(
                "The file was checked: %(num)d row can be imported. Nothing is saved until"
                " you confirm.",
                "The file was checked: %(num)d rows can be imported. Nothing is saved until"
                " you confirm.",
                accepted,
            ),
            "ok",
        )
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
        note_text=note_text,
        municipality_names=service.municipality_names(db.session),
    )


@bp.post("/uploads/<upload_id>/confirm")
@require_role("planner")
def confirm_form(upload_id: str) -> ResponseReturnValue:
    doc = service.confirm_upload(db.session, _uploader(), upload_id)
    result = doc["result"]
    flash(
        _("The import is done: {inserted} new, {updated} updated, {unchanged} unchanged.").format(
            **result
        ),
        "ok",
    )
    return redirect(url_for("uploads.report_page", upload_id=upload_id))


# --- JSON API --------------------------------------------------------------------------------


def _json(doc: dict[str, Any]) -> dict[str, Any]:
    body = service.public(doc)
    if api_language() == "sv":
        body = _translated(body)
    body["links"] = {
        "self": url_for("uploads.api_get", upload_id=doc["id"]),
        "confirm": url_for("uploads.api_confirm", upload_id=doc["id"]),
        "page": url_for("uploads.report_page", upload_id=doc["id"]),
    }
    return body


@bp.app_template_filter("upload_where")
def _where_filter(where: str) -> str:
    return where_label(where)


@bp.app_template_filter("upload_message")
def _message_filter(entry: dict[str, Any]) -> str:
    return message_text(entry)


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
