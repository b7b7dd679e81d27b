"""The one handler table: domain errors (resilience/errors.py), the database's and Redis'
errors and HTTP errors into responses, JSON under /api/ and /ogc (or when asked for), else
an HTML page. Registered once by the app factory."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from psycopg import errors as pg_errors
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from resilience.db import db
from resilience.errors import BadInput, DomainError, Unavailable
from resilience.web.names import N_


def _wants_json() -> bool:
    return request.path.startswith(
        ("/api/", "/ogc", "/tiles/")
    ) or request.accept_mimetypes.best == ("application/json")


def database_trouble(err: OperationalError | InterfaceError) -> Unavailable:
    """A statement stopped by statement_timeout, or a database that cannot be reached."""
    if isinstance(err.orig, pg_errors.QueryCanceled):
        return Unavailable(
            N_("the request took too long and was stopped; ask for less (a smaller bbox, a filter)")
        )
    return Unavailable(N_("the database cannot be reached just now; try again in a minute"))


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database(err: OperationalError | InterfaceError) -> ResponseReturnValue:
        # The service's own 503, rendered without touching the database (no user, no banner).
        app.logger.warning("database trouble: %s", err)
        db.rollback_quietly()
        # Flask-Login would load the user again for the template, from the same database.
        g._login_user = app.login_manager.anonymous_user()  # type: ignore[attr-defined]  # set by Flask-Login
        trouble = database_trouble(err)
        headers = {"Retry-After": "30"}
        if _wants_json():
            return jsonify({"error": trouble.code, "message": trouble.message}), 503, headers
        return render_template("unavailable.html", message=trouble.message), 503, headers

    @app.errorhandler(DataError)
    def _data(err: DataError) -> ResponseReturnValue:
        # A value PostgreSQL cannot store (a NUL character in text, a number out of range):
        # the request's fault, and its transaction is rolled back, so nothing is written.
        app.logger.info("refused a value: %s", err.orig)
        db.rollback_quietly()
        return _domain(BadInput(f"a value cannot be stored: {err.orig}"))

    @app.errorhandler(RedisConnectionError)
    @app.errorhandler(RedisTimeoutError)
    def _redis(err: Exception) -> ResponseReturnValue:
        app.logger.warning("Redis trouble: %s", err)
        return _domain(
            Unavailable("the job queue (Redis) cannot be reached; try again in a minute")
        )

    @app.errorhandler(DomainError)
    def _domain(err: DomainError) -> ResponseReturnValue:
        body: dict[str, Any] = {"error": err.code, "message": err.message}
        if err.details is not None:
            body["details"] = err.details
        if err.field is not None:  # the member of the request the error is about
            body["field"] = err.field
        if _wants_json():
            return jsonify(body), err.status
        return render_template("error.html", status=err.status, message=err.message), err.status

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException) -> ResponseReturnValue:
        if _wants_json():
            name = (err.name or "error").lower().replace(" ", "_")
            # Keep the exception's own headers (a 405's Allow), not its HTML media type.
            headers = [(k, v) for k, v in err.get_headers() if k.lower() != "content-type"]
            return jsonify({"error": name, "message": err.description}), err.code or 500, headers
        status = err.code or 500
        return render_template("error.html", status=status, message=err.description), status
