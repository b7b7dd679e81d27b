"""Domain errors carry an HTTP status and a message fit for the user; one handler maps them."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from flask import Flask, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from psycopg import errors as pg_errors
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from resilience.web.names import N_


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class BadInput(DomainError):
    status, code = 400, "bad_input"


class NotFound(DomainError):
    status, code = 404, "not_found"


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class Conflict(DomainError):
    status, code = 409, "conflict"


class TooLarge(DomainError):
    status, code = 413, "too_large"


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/ogc")) or request.accept_mimetypes.best == (
        "application/json"
    )


class Unavailable(DomainError):
    status, code = 503, "unavailable"


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
        from resilience.db import db

        app.logger.warning("database trouble: %s", err)
        with suppress(Exception):  # the connection may be gone: nothing to roll back
            db.session.rollback()
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
        from resilience.db import db

        app.logger.info("refused a value: %s", err.orig)
        with suppress(Exception):
            db.session.rollback()
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
