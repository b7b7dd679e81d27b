"""Domain errors: what the services raise, each with an HTTP status and a message fit for the
user. Nothing here knows Flask or the web; web/errors.py maps them (and the database's and
Redis' own errors) to responses in one handler table."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """`field`: the input the error is about (a form's field name, a JSON member), so that
    a page can show the message next to that field."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: Any = None, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.field = field


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


class UnsupportedMediaType(DomainError):
    status, code = 415, "unsupported_media_type"


class Unavailable(DomainError):
    status, code = 503, "unavailable"
