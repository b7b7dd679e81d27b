"""Login pages, session and API-token authentication (bearer, or HTTP Basic with the token as
the password for clients such as QGIS 3.22 that offer nothing else), and the login guard."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from resilience.db import db
from resilience.errors import Forbidden, UnsupportedMediaType
from resilience.models import User
from resilience.services import login_limits, users
from workers.queue import fail_fast_redis

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
# Reachable without logging in; everything else (maps, API, exports) is sensitive.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "health.healthz", "static"})


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
        user = users.use_token(db.session, header.removeprefix("Bearer ").strip())
    elif header.startswith("Basic ") and req.path.startswith(("/api/", "/ogc")):
        user = _basic_user(req)
    else:
        return None
    if user is None:
        return None
    g.authenticated_by_header = True
    return CurrentUser(user)


NOT_A_TOKEN = (
    "The password sent is not an API token. HTTP Basic here takes your user name and an API"
    " token as the password, never your login password: create a token at {url} and use it"
    " instead."
)


def _basic_user(req: Any) -> User | None:
    """HTTP Basic on the API and /ogc: the user name and an API token as the password, checked
    as a bearer token is (the login password is never accepted here), and the token must be
    that user's. A password that cannot be a token (a login password, most likely) is
    refused with a 401 that says so, told by its shape alone (users.looks_like_token)."""
    basic = req.authorization
    if basic is None or basic.type != "basic" or not basic.username or not basic.password:
        return None
    if not users.looks_like_token(basic.password):
        g.auth_problem = NOT_A_TOKEN.format(url=url_for("tokens.page", _external=True))
        return None
    return users.use_token(db.session, basic.password, user_name=basic.username)


def _wants_html() -> bool:
    """A browser: it names text/html in Accept. QGIS, GDAL and curl do not."""
    return any(value == "text/html" for value, _q in request.accept_mimetypes)


def _unauthorized(message: str, **extra: Any) -> ResponseReturnValue:
    body = {"error": "unauthorized", "message": message, **extra}
    return body, 401, {"WWW-Authenticate": WWW_AUTHENTICATE}


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
    no session yet). A state-changing API or /ogc request that relies on the session cookie
    sends the same token in X-CSRF-Token (static/js/csrf.js does); one with an
    Authorization header (a bearer token) needs none, as no browser sends that by itself."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.endpoint == "auth.login":
        return
    if request.path.startswith(("/api/", "/ogc")):
        if _authenticated_by_header():
            return  # a valid token: no browser sends one by itself
        if "_user_id" not in session:
            return  # no session: the login guard answers 401 if need be
        sent = request.headers.get("X-CSRF-Token", "")
    elif request.method != "POST":
        return
    else:
        sent = request.form.get("csrf_token", "")
    expected = session.get("csrf_token", "")
    if not expected or not secrets.compare_digest(sent, expected):
        if request.path.startswith(("/api/", "/ogc")):
            raise Forbidden(
                _(
                    "A request with the session cookie needs the page's token in the "
                    "X-CSRF-Token header (or send a bearer token); reload the page."
                )
            )
        raise Forbidden(_("The form has expired; reload the page and try again."))


def _authenticated_by_header() -> bool:
    """Whether this request is authenticated by its Authorization header (a valid bearer
    token, or Basic with a valid API token); then it is that token's user, even when a
    session cookie came along. An invalid header authenticates nothing: the cookie's
    session then needs its CSRF token as any other."""
    if "Authorization" not in request.headers:
        return False
    if not g.get("authenticated_by_header"):
        user = _load_from_token(request)  # Flask-Login tries it only without a session
        if user is None:
            return False
        g._login_user = user  # Flask-Login's current user for this request
    return True


# What a browser's form or a cross-site fetch may send without asking the server first (a
# "simple" request, no CORS preflight); the API takes JSON, XML, CSV files and multipart.
_SIMPLE_TEXT = frozenset({"text/plain"})


def _refuse_plain_text() -> None:
    """A body sent to the API as text/plain is 415: JSON sent that way is how a cross-site
    form would forge a JSON request."""
    if (
        request.method in ("POST", "PUT", "PATCH", "DELETE")
        and request.path.startswith(("/api/", "/ogc"))
        and request.mimetype in _SIMPLE_TEXT
    ):
        raise UnsupportedMediaType(
            f"the content type {request.mimetype} is not accepted here; send JSON as "
            "application/json (CAP as application/xml, files as multipart/form-data)"
        )


def safe_next(target: str | None, default: str | None = None) -> str:
    """`target` if it is a path on this site, else `default` (the map): every view that
    redirects to a `next` goes through here. Browsers read "//host", "/\\host" and
    "/<tab>/host" as another host, so backslashes and control characters are refused too."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not any(ord(c) < 32 or ord(c) == 127 for c in target)
        and not urlsplit(target).netloc
    ):
        return target
    return default or url_for("pages.map_page")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    error = None
    if request.method == "POST":
        name, address = request.form.get("name", ""), request.remote_addr or "unknown"
        redis = fail_fast_redis(current_app.config["SETTINGS"].redis_url)
        lock = login_limits.locked(redis, name, address)
        if lock is not None:
            minutes = -(-lock.seconds_left // 60)
            error = _(
                "Too many failed logins; try again in %(minutes)d minutes or ask an admin.",
                minutes=minutes,
            )
            page = render_template("auth/login.html", error=error)
            return page, 429, {"Retry-After": str(lock.seconds_left)}
        user = users.authenticate(db.session, name, request.form.get("password", ""))
        if user is not None:
            login_limits.record_success(redis, name)
            session.permanent = True  # re-signed each request: RESILIENCE_SESSION_IDLE_MINUTES
            login_user(CurrentUser(user))
            # The director's first screen (web/warning_pages.py) unless a page was asked for.
            return redirect(safe_next(request.args.get("next"), url_for("warnings.situation_page")))
        login_limits.record_failure(redis, name, address)
        error = _("Wrong user name or password.")
    return render_template("auth/login.html", error=error), 401 if error else 200


def session_values(user: User) -> dict[str, Any]:
    """What a login writes into the session for `user`: the same `login_user` as the login
    form, run in the current request context (a fresh one: Flask-Login binds the session to
    its client's address and User-Agent) and read back. For logging a user in without the
    form and its password check, as the tests do."""
    login_user(CurrentUser(user))
    return dict(session)


@bp.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    # Server-side: the cookie is worthless from now on, even replayed (every session of the
    # user ends, on every device).
    if current_user.is_authenticated:
        users.log_out(db.session, current_user.id)
    logout_user()
    return redirect(url_for("auth.login"))


def init_app(app: Flask) -> None:
    login_manager.init_app(app)

    @app.before_request
    def _require_login() -> ResponseReturnValue | None:
        if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
            return None
        problem = g.get("auth_problem")
        if request.path.startswith(("/api/", "/ogc", "/tiles/")):  # machines: 401, no redirect
            return _unauthorized(
                problem or "log in, send a bearer token, or HTTP Basic with an API token"
            )
        if request.path == "/" and ("Authorization" in request.headers or not _wants_html()):
            # The service's root typed into QGIS instead of /ogc: a relative redirect to the
            # login page ends there in 'Protocol "" is unknown'. Say where the service is.
            ogc = url_for("ogc.landing_page", _external=True).rstrip("/")
            if request.authorization and _basic_user(request) is not None:
                # Right credentials, wrong address: on to the service, absolutely (QGIS's
                # Basic configuration follows it and reads the links there).
                return redirect(ogc, 307)
            return _unauthorized(
                f"This is the map's web site. In QGIS, GDAL or another OGC API client use {ogc}"
                " with your user name and an API token (HTTP Basic), or a bearer token.",
                links=[
                    {"href": ogc, "rel": "service", "type": "application/json", "title": "OGC API"}
                ],
            )
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    app.before_request(_refuse_plain_text)
    app.before_request(_check_csrf)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.register_blueprint(bp)
