"""The one JSON reader for everything the service takes in (scenario files, uploaded
GeoJSON, IBWW warning documents, API bodies): json.loads behind a nesting-depth limit, so a
document nested 100,000 levels deep is refused with a message instead of exhausting the
stack (RecursionError, or worse, inside the C scanner)."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

# The deepest real document is a GeoJSON MultiPolygon inside a FeatureCollection inside a
# scenario: about ten levels. Python's own parser gives up near 1,000.
MAX_DEPTH = 64

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))


class JSONError(ValueError):
    """Not JSON, or JSON this service does not read; the message says why and where
    (`where`: "line 2 column 16" for a syntax error, else "document")."""

    def __init__(self, message: str, where: str = "document") -> None:
        super().__init__(message)
        self.where = where


def depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text (brackets inside strings do
    not count). Vectorised: a 50 MB upload is scanned in well under a second."""
    brackets = np.frombuffer(_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS), np.uint8)
    steps = np.where((brackets == ord("[")) | (brackets == ord("{")), 1, -1)
    return int(np.cumsum(steps).max(initial=0))


def loads(raw: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Decode a JSON text; JSONError when it is malformed, not UTF-8 or nested deeper than
    `max_depth`."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    found = depth(data)
    if found > max_depth:
        raise JSONError(f"JSON nested {found} levels deep; at most {max_depth} levels are accepted")
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise JSONError(
            f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
            f"line {exc.lineno} column {exc.colno}",
        ) from None
    except UnicodeDecodeError as exc:
        raise JSONError(f"JSON must be UTF-8; byte {exc.start} is not") from None
    except RecursionError:  # unreachable after the depth check; kept as a last guard
        raise JSONError(f"JSON nested too deep; at most {max_depth} levels") from None
