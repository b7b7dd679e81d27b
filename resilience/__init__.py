"""Västerbotten resilience map: the Flask application factory."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from resilience.config import PROJECT_ROOT, Settings


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(
        __name__,
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
        JSON_SORT_KEYS=False,
    )
    from resilience.web.requests import JSONProvider, Request

    app.json = JSONProvider(app)  # request bodies through the one depth-limited JSON reader
    app.request_class = Request
    app.json.ensure_ascii = False  # å, ä, ö as themselves
    if settings.behind_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]  # Flask documents this

    from resilience import cli, errors
    from resilience.db import db
    from resilience.web import (
        api,
        auth,
        compression,
        energy_pages,
        formatting,
        i18n,
        pages,
        scenario_pages,
        security,
        tiles,
        uploads,
        warnings,
    )
    from resilience.web.exports import bp as exports_bp
    from resilience.web.ogc import bp as ogc_bp
    from resilience.web.plans import bp as plans_bp

    db.init_app(app)
    i18n.init_app(app)
    formatting.init_app(app)
    errors.register_error_handlers(app)
    auth.init_app(app)
    security.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(scenario_pages.bp)
    app.register_blueprint(energy_pages.bp)
    app.register_blueprint(uploads.bp)
    app.register_blueprint(tiles.bp)  # our own vector tiles: /tiles
    app.register_blueprint(ogc_bp)  # OGC API - Features under /ogc
    app.register_blueprint(exports_bp)  # GIS exports: /exports, /api/v1/exports
    app.register_blueprint(plans_bp)  # backup-power plans: /plans, /api/v1/plans
    warnings.init_app(app)
    compression.init_app(app)
    cli.init_app(app)
    return app
