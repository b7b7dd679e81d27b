"""The road network page (/roads, admin): what is stored (segments and km per class, the
source, when and by whom it was imported) and a form that replaces it with a file, showing
the import's report (web/api/roads.py reads the request, services/roads.py imports)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import RequestEntityTooLarge

from resilience.db import db
from resilience.errors import DomainError
from resilience.services import roads as service
from resilience.web.api.roads import import_request
from resilience.web.api.uploads import too_large
from resilience.web.auth import require_role
from resilience.web.forms import Form

bp = Blueprint("roads", __name__)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(err: RequestEntityTooLarge) -> ResponseReturnValue:
    return too_large(err)


def _page(status: int = 200, **context: Any) -> ResponseReturnValue:
    return render_template(
        "roads/roads.html", network=service.summary(db.session), **context
    ), status


@bp.get("/roads")
@require_role("admin")
def roads_page() -> ResponseReturnValue:
    return _page()


@bp.post("/roads")
@require_role("admin")
def roads_form() -> ResponseReturnValue:
    try:
        report = import_request()
    except DomainError as err:
        errors = err.details.get("errors") if isinstance(err.details, dict) else None
        # The file's problems next to the file field, the other fields as typed.
        form = Form(request.form, "roads")
        return _page(err.status, error=err.message, errors=errors, form=form)
    return _page(report=report)
