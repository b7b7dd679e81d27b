"""/tokens: a user's own API tokens (issue 23, item 6). They create one with a name and an
optional expiry, see it once, see the others' names, use and expiry, and revoke them; the
page gives the exact /ogc address and the steps for QGIS 3.22 and 3.24+."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from resilience.db import db
from resilience.errors import BadInput
from resilience.services import users
from resilience.web.forms import Form

bp = Blueprint("tokens", __name__)

# The expiries offered; "" is never.
EXPIRY_DAYS = ("30", "90", "365", "")
DEFAULT_EXPIRY = "90"


def _page(
    token: str | None = None, status: int = 200, form: Form | None = None
) -> ResponseReturnValue:
    """The page; `form`: the new-token form that failed, as typed, with its problems."""
    rows = users.tokens_of(db.session, current_user.id)
    page = render_template(
        "tokens/page.html",
        tokens=rows,
        new_token=token,
        form=form,
        now=datetime.now(UTC),
        ogc_url=url_for("ogc.landing_page", _external=True).rstrip("/"),
        expiry_days=EXPIRY_DAYS,
        default_expiry=DEFAULT_EXPIRY,
        token_name_max=users.TOKEN_NAME_MAX,
    )
    return page, status


@bp.get("/tokens")
def page() -> ResponseReturnValue:
    return _page()


@bp.post("/tokens")
def create() -> ResponseReturnValue:
    """The new token is on this answer only (never in a redirect, a flash or a log)."""
    form = Form(request.form, "token")
    days_text = request.form.get("days", DEFAULT_EXPIRY)
    if days_text not in EXPIRY_DAYS:
        form.error("days", _("Expires"), _("Choose an expiry from the list."))
    try:
        name = users.token_name(request.form.get("name", ""))
    except BadInput:
        error = _("Give the token a name of 1 to %(max)d characters.", max=users.TOKEN_NAME_MAX)
        form.error("name", _("Name"), error)
    if form.errors:
        return _page(status=400, form=form)
    token = users.create_own_token(
        db.session, current_user.name, name, int(days_text) if days_text else None
    )
    return _page(token)


@bp.post("/tokens/<int:token_id>/revoke")
def revoke(token_id: int) -> ResponseReturnValue:
    row = users.revoke_own_token(db.session, current_user.id, token_id)
    flash(_("The token %(name)s is revoked: it no longer works.", name=row.name), "ok")
    return redirect(url_for("tokens.page"), 303)
