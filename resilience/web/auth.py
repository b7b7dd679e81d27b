"""Login pages, session and API-token authentication (bearer, or HTTP Basic with the token as
the password for clients such as QGIS 3.22 that offer nothing else), and the login guard."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from resilience.db import db
from resilience.errors import Forbidden
from resilience.models import User
from resilience.services import users

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
# Reachable without logging in; everything else (maps, API, exports) is sensitive.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "api.healthz", "static"})


class CurrentUser(UserMixin):
    """A detached snapshot of the user row, safe to keep beyond the request's session."""

    def __init__(self, user: User) -> None:
        self.id = user.id
        self.name = user.name
        self.role = user.role
        self.municipality_code = user.municipality_code
        self.session_id = users.session_id(user)

    def get_id(self) -> str:
        # In the session cookie: the user and their session generation (services/users.py).
        return self.session_id

    def has_role(self, role: str) -> bool:
        return users.ROLE_RANK[self.role] >= users.ROLE_RANK[role]


@login_manager.user_loader
def _load_user(session_id: str) -> CurrentUser | None:
    user = users.user_for_session(db.session, session_id)
    return CurrentUser(user) if user else None


# The 401 of the API and /ogc names both schemes: QGIS 3.22 and GDAL answer a Basic challenge.
WWW_AUTHENTICATE = 'Basic realm="Resilienskarta", charset="UTF-8", Bearer'


@login_manager.request_loader
def _load_from_token(req: Any) -> CurrentUser | None:
    header = req.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        user = users.user_for_token(db.session, header.removeprefix("Bearer ").strip())
    elif header.startswith("Basic ") and req.path.startswith(("/api/", "/ogc")):
        user = _basic_user(req)
    else:
        return None
    if user is None:
        return None
    db.session.commit()  # last_used_at
    return CurrentUser(user)


def _basic_user(req: Any) -> User | None:
    """HTTP Basic on the API and /ogc: the user name and an API token as the password, checked
    as a bearer token is (the login password is never accepted here), and the token must be
    that user's."""
    basic = req.authorization
    if basic is None or basic.type != "basic" or not basic.username or not basic.password:
        return None
    user = users.user_for_token(db.session, basic.password)
    if user is None or user.name != basic.username:
        db.session.rollback()  # a token sent under another name is not a use of it
        return None
    return user


def require_role(role: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.has_role(role):
                raise Forbidden(f"this needs the role {role} or above")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def csrf_token() -> str:
    """The session's token for HTML forms (JSON APIs use bearer tokens or SameSite cookies)."""
    token = session.get("csrf_token")
    if not token:
        token = session["csrf_token"] = secrets.token_urlsafe(32)
    return str(token)


def _check_csrf() -> None:
    """Every HTML form POST carries the session's token; the login form is exempt (there is
    no session yet) and the APIs take no forms."""
    if request.method != "POST" or request.endpoint == "auth.login":
        return
    if request.path.startswith(("/api/", "/ogc")):
        return
    sent = request.form.get("csrf_token", "")
    expected = session.get("csrf_token", "")
    if not expected or not secrets.compare_digest(sent, expected):
        raise Forbidden(_("The form has expired; reload the page and try again."))


def _safe_next(target: str | None) -> str:
    # Only same-site relative paths: never redirect to another host after login.
    if target and target.startswith("/") and not urlsplit(target).netloc:
        return target
    return url_for("pages.map_page")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    error = None
    if request.method == "POST":
        user = users.authenticate(
            db.session, request.form.get("name", ""), request.form.get("password", "")
        )
        if user is not None:
            login_user(CurrentUser(user))
            return redirect(_safe_next(request.args.get("next")))
        error = _("Wrong user name or password.")
    return render_template("auth/login.html", error=error), 401 if error else 200


@bp.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    # Server-side: the cookie is worthless from now on, even replayed (every session of the
    # user ends, on every device).
    user = db.session.get(User, current_user.id) if current_user.is_authenticated else None
    if user is not None:
        users.end_sessions(db.session, user)
        db.session.commit()
    logout_user()
    return redirect(url_for("auth.login"))


def init_app(app: Flask) -> None:
    login_manager.init_app(app)

    @app.before_request
    def _require_login() -> ResponseReturnValue | None:
        if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
            return None
        if request.path.startswith(("/api/", "/ogc")):
            body = {
                "error": "unauthorized",
                "message": "log in, send a bearer token, or HTTP Basic with an API token",
            }
            return body, 401, {"WWW-Authenticate": WWW_AUTHENTICATE}
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    app.before_request(_check_csrf)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.register_blueprint(bp)
