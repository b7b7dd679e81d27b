"""Admin pages: the login lockout (issue 14, item 7). An admin sees which accounts and client
addresses are locked after failed logins, for how long still, and unlocks them; every unlock
is written to audit_log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from redis import Redis
from redis.exceptions import RedisError

from resilience.db import db
from resilience.errors import BadInput
from resilience.services import login_limits
from resilience.web.auth import require_role
from workers.queue import fail_fast_redis

bp = Blueprint("admin", __name__)


def _redis() -> Redis:
    url = current_app.config["SETTINGS"].redis_url
    return fail_fast_redis(url)


@bp.get("/admin/logins")
@require_role("admin")
def logins_page() -> ResponseReturnValue:
    now = datetime.now(UTC)
    try:
        locks = login_limits.locks(_redis())
        redis_down = False
    except RedisError as exc:
        current_app.logger.warning("login locks not listed, Redis is down: %s", exc)
        locks, redis_down = [], True
    rows = [
        {
            "lock": lock,
            "minutes": -(-lock.seconds_left // 60),
            "until": now + timedelta(seconds=lock.seconds_left),
        }
        for lock in locks
    ]
    return render_template(
        "admin/logins.html",
        rows=rows,
        redis_down=redis_down,
        unlocks=login_limits.unlock_entries(db.session),
        window_minutes=login_limits.WINDOW_SECONDS // 60,
        account_limit=login_limits.ACCOUNT_LIMIT,
        address_limit=login_limits.ADDRESS_LIMIT,
    )


@bp.post("/admin/logins/unlock")
@require_role("admin")
def unlock() -> ResponseReturnValue:
    kind, key = request.form.get("kind", ""), request.form.get("key", "")
    if kind not in login_limits.KINDS or not key or len(key) > 1_000 or "\x00" in key:
        raise BadInput(_("Unlock what? Choose an account or an address from the list."))
    lock = login_limits.unlock_committed(db.session, _redis(), kind, key, current_user.name)
    if lock is None:
        flash(_("%(key)s was no longer locked.", key=key), "ok")
    elif kind == "account":
        flash(_("The account %(key)s may log in again.", key=key), "ok")
    else:
        flash(_("Logins from the address %(key)s are allowed again.", key=key), "ok")
    return redirect(url_for("admin.logins_page"), 303)
