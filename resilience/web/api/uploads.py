"""/api/v1/uploads: a planner's register of sites checked row by row (nothing written),
read again, then confirmed and imported (services/uploads.py). The reports are English
unless the client asks for Swedish. The upload pages (web/uploads.py) read and check files
with the same helpers."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from resilience.db import db
from resilience.errors import BadInput
from resilience.services import uploads as service
from resilience.web import names
from resilience.web.api import bp
from resilience.web.auth import require_role
from resilience.web.formatting import format_time
from resilience.web.messages import api_language, message_text, where_label

SUFFIXES = (".csv", ".txt", ".tsv", ".gpkg", ".geojson", ".json")
PROFILES = ("", "osm")


# --- the reports in the user's language -------------------------------------------------------
# (resilience/web/messages.py translates the checks' messages; the notes are said here)


def note_text(note: str, coded: dict[str, Any] | None) -> str:
    if coded and coded.get("code") == "same_content":
        return same_content_text(coded["params"])
    if coded and coded.get("code") == "rows_outside_county":
        return ngettext(
            "%(num)d accepted row lies in no municipality of the county",
            "%(num)d accepted rows lie in no municipality of the county",
            coded["params"]["num"],
        )
    return note


def same_content_text(params: dict[str, Any]) -> str:
    """ "Same content as 'vard_umea.csv', imported 2026-12-07 08:14 by kari: no new sites"."""
    new = int(params["new"])
    said = _("Same content as '{filename}', imported {time} by {user}").format(
        filename=params["filename"],
        time=format_time(datetime.fromisoformat(params["imported_at"])),
        user=params["user"] or "–",
    )
    if new == 0:
        return said + ": " + _("no new sites")
    more = ngettext(
        "%(num)d row would still be a new site (another source was given)",
        "%(num)d rows would still be new sites (another source was given)",
        new,
    )
    return f"{said}: {more}"


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


def uploader() -> service.Uploader:
    return service.Uploader(
        current_user.id, current_user.name, current_user.role, current_user.municipality_code
    )


def too_large(_err: RequestEntityTooLarge) -> ResponseReturnValue:
    """Flask refuses a body above MAX_CONTENT_LENGTH when the view reads it; say the limit
    (JSON for the API, the error page for the pages)."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    size = f"{limit / 1024**2:g} MB" if limit >= 1024**2 else f"{limit} bytes"
    message = _("The file is too large: the limit is {size}.").format(size=size)
    if request.path.startswith("/api/"):
        body = {"error": "too_large", "message": message, "details": {"max_bytes": limit}}
        return jsonify(body), 413
    return render_template("error.html", status=413, message=message), 413


def check_file() -> dict[str, Any]:
    """Read the multipart request (file, source, crs, profile, layer) and check the file."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadInput(_("Choose a file to upload (the multipart field 'file')."), field="file")
    filename = Path(upload.filename).name
    if not filename.lower().endswith(SUFFIXES):
        raise BadInput(_("Upload a CSV, GeoPackage or GeoJSON file."), field="file")
    profile = request.form.get("profile", "").strip()
    if profile not in PROFILES:
        raise BadInput(_("unknown profile {profile}").format(profile=profile), field="profile")
    return service.check_upload(
        db.session,
        uploader(),
        upload.read(),
        filename,
        source=request.form.get("source"),
        crs=request.form.get("crs", "").strip() or None,
        profile=profile or None,
        layer=request.form.get("layer", "").strip() or None,
        max_bytes=current_app.config["SETTINGS"].max_upload_bytes,
        labels=names.code_labels("category", "kind"),
    )


def _json(doc: dict[str, Any]) -> dict[str, Any]:
    body = service.public(doc)
    if api_language() == "sv":
        body = _translated(body)
    else:  # the service's English, but the time of an earlier import on the local clock
        with force_locale("en_GB"):
            for i, coded in enumerate(body.get("notes_coded") or []):
                if coded and coded.get("code") == "same_content":
                    body["notes"][i] = same_content_text(coded["params"])
    body["links"] = {
        "self": url_for("api.get_upload", upload_id=doc["id"]),
        "confirm": url_for("api.confirm_upload", upload_id=doc["id"]),
        "page": url_for("uploads.report_page", upload_id=doc["id"]),
    }
    return body


@bp.post("/uploads")
@require_role("planner")
def upload() -> ResponseReturnValue:
    try:
        doc = check_file()
    except RequestEntityTooLarge as err:  # only this route takes files this large
        return too_large(err)
    return _json(doc), 200, {"Location": url_for("api.get_upload", upload_id=doc["id"])}


@bp.get("/uploads/<upload_id>")
@require_role("planner")
def get_upload(upload_id: str) -> ResponseReturnValue:
    return _json(service.get_upload(db.session, uploader(), upload_id))


@bp.post("/uploads/<upload_id>/confirm")
@require_role("planner")
def confirm_upload(upload_id: str) -> ResponseReturnValue:
    return _json(service.confirm_upload(db.session, uploader(), upload_id))
