"""The Flask application factory: `create_app(settings=None)`. The package's `__init__` stays
empty, so that importing the domain (`resilience.analysis`, `resilience.vocabulary`) never
imports Flask; app.py, the workers and the tests build the app from here."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from resilience import cli
from resilience.config import PROJECT_ROOT, Settings
from resilience.db import db
from resilience.web import (
    admin,
    api,
    auth,
    compression,
    energy_pages,
    errors,
    exports,
    formatting,
    health,
    i18n,
    ogc,
    pages,
    plans,
    roads,
    scenario_pages,
    security,
    tiles,
    tokens,
    uploads,
    warning_pages,
)
from resilience.web.requests import JSONProvider, Request


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(
        "resilience",  # the package: its static/ folder, and the logger's name
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
    )
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        # Idle timeout: sessions are permanent (web/auth.py) so each request re-signs the
        # cookie; one unused for longer fails the signature's age check on load.
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.session_idle_minutes),
        SESSION_REFRESH_EACH_REQUEST=True,
        JSON_SORT_KEYS=False,
    )
    app.json = JSONProvider(app)  # request bodies through the one depth-limited JSON reader
    app.request_class = Request
    app.json.ensure_ascii = False  # å, ä, ö as themselves
    if settings.behind_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]  # Flask documents this

    db.init_app(app)
    i18n.init_app(app)
    formatting.init_app(app)
    errors.register_error_handlers(app)
    auth.init_app(app)
    security.init_app(app)
    app.register_blueprint(health.bp)  # /healthz, public
    app.register_blueprint(api.bp)  # the JSON API, /api/v1 (web/api/, a module per resource)
    app.register_blueprint(admin.bp)  # /admin/logins: the login lockouts
    app.register_blueprint(pages.bp)
    app.register_blueprint(scenario_pages.bp)
    app.register_blueprint(energy_pages.bp)
    app.register_blueprint(uploads.bp)
    app.register_blueprint(ogc.bp)  # OGC API - Features under /ogc
    app.register_blueprint(exports.bp)  # the GIS export page, /exports
    app.register_blueprint(plans.bp)  # backup-power plan pages, /plans
    app.register_blueprint(tiles.bp)  # our own vector tiles: /tiles
    app.register_blueprint(roads.bp)  # the road network: /roads (admin)
    app.register_blueprint(tokens.bp)  # a user's own API tokens: /tokens
    warning_pages.init_app(app)
    compression.init_app(app)
    cli.init_app(app)
    return app
