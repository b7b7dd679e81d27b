"""Domain errors carry an HTTP status and a message fit for the user; one handler maps them."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException


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


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(err: DomainError):  # type: ignore[no-untyped-def]
        body: dict[str, Any] = {"error": err.code, "message": err.message}
        if err.details is not None:
            body["details"] = err.details
        if _wants_json():
            return jsonify(body), err.status
        return render_template("error.html", status=err.status, message=err.message), err.status

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):  # type: ignore[no-untyped-def]
        if _wants_json():
            name = (err.name or "error").lower().replace(" ", "_")
            # Keep the exception's own headers (a 405's Allow), not its HTML media type.
            headers = [(k, v) for k, v in err.get_headers() if k.lower() != "content-type"]
            return jsonify({"error": name, "message": err.description}), err.code, headers
        return render_template("error.html", status=err.code, message=err.description), err.code
