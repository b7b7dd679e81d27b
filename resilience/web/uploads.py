"""Uploads of planners' site registers (issue #5): the /uploads pages (the API,
/api/v1/uploads, is web/api/uploads.py, whose helpers read and check the file). Views parse
the request, call resilience.services.uploads and render. Everything needs the planner
role; form posts carry a per-session token."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.exceptions import RequestEntityTooLarge

from resilience.db import db
from resilience.errors import BadInput
from resilience.services import lookup
from resilience.services import uploads as service
from resilience.vocabulary import category_names
from resilience.web.api.uploads import check_file, note_text, too_large, uploader
from resilience.web.auth import require_role
from resilience.web.forms import Form
from resilience.web.messages import message_text, where_label

bp = Blueprint("uploads", __name__)

SHOWN_ROWS = 1000  # the page lists this many accepted rows; the API returns every one


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(err: RequestEntityTooLarge) -> ResponseReturnValue:
    """Flask refuses a body above MAX_CONTENT_LENGTH before any view runs; say the limit."""
    return too_large(err)


# --- pages -----------------------------------------------------------------------------------


@bp.get("/uploads")
@require_role("planner")
def upload_page() -> ResponseReturnValue:
    return render_template(
        "uploads/upload.html",
        scope=service.scope_label(db.session, uploader()),
        categories=category_names(),
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
    form = Form(request.form, "upload")
    try:
        doc = check_file()
    except (service.InvalidFile, BadInput) as err:
        # The file's own problems next to the file field (a table); a refused CRS next to
        # the CRS field, any other problem next to the field the check names.
        errors = list(err.details) if isinstance(err, service.InvalidFile) else []
        for e in [e for e in errors if e.get("where") == "crs argument"]:
            errors.remove(e)
            form.error("crs", _("CRS of the coordinates"), message_text(e))
        if not isinstance(err, service.InvalidFile) and err.field in ("file", "profile"):
            label = _("File") if err.field == "file" else _("Profile")
            form.error(err.field, label, err.message)
        elif not errors and not form.errors:
            form.error("file", _("File"), err.message)
        page = render_template(
            "uploads/upload.html",
            scope=service.scope_label(db.session, uploader()),
            categories=category_names(),
            errors=errors,
            form=form,
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
    doc = service.get_upload(db.session, uploader(), upload_id)
    return render_template(
        "uploads/report.html",
        report=service.public(doc),
        expires=datetime.fromisoformat(doc["expires_at"]),
        shown=SHOWN_ROWS,
        note_text=note_text,
        municipality_names=lookup.municipality_names(db.session),
    )


@bp.post("/uploads/<upload_id>/confirm")
@require_role("planner")
def confirm_form(upload_id: str) -> ResponseReturnValue:
    doc = service.confirm_upload(db.session, uploader(), upload_id)
    result = doc["result"]
    flash(
        _("The import is done: {inserted} new, {updated} updated, {unchanged} unchanged.").format(
            **result
        ),
        "ok",
    )
    return redirect(url_for("uploads.report_page", upload_id=upload_id))


# --- the reports' words in templates -------------------------------------------------------


@bp.app_template_filter("upload_where")
def _where_filter(where: str) -> str:
    return where_label(where)


@bp.app_template_filter("upload_message")
def _message_filter(entry: dict[str, Any]) -> str:
    return message_text(entry)
