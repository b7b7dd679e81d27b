"""Flask's request and JSON provider with the service's rules: JSON bodies are read by the
one depth-limited reader (resilience/jsonio.py) and a bad one is a 400 naming the problem."""

from __future__ import annotations

from typing import Any

from flask import Request as FlaskRequest
from flask.json.provider import DefaultJSONProvider

from resilience import jsonio
from resilience.errors import BadInput


class JSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return jsonio.loads(s)


class Request(FlaskRequest):
    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        if e is None:
            raise BadInput("send a JSON object (Content-Type: application/json)")
        raise BadInput(f"the body is not usable JSON: {e}")
