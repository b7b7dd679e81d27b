"""The one JSON reader for everything the service takes in (scenario files, uploaded
GeoJSON, IBWW warning documents, API bodies): json.loads behind a nesting-depth limit, so a
document nested 100,000 levels deep is refused with a message instead of exhausting the
stack (RecursionError, or worse, inside the C scanner)."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

# Integers longer than this cannot even be floats (10**309 overflows); Python itself refuses
# to convert more than 4,300 digits (sys.get_int_max_str_digits) with a bare ValueError.
MAX_INT_DIGITS = 308
_LONG_DIGITS = re.compile(rb"(?<![0-9])[0-9]{%d}" % (MAX_INT_DIGITS + 1))
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]", re.IGNORECASE)

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
    # NaN, Infinity and 1e400 are read as Python reads them (GDAL and pandas write NaN for
    # a missing value): each field's parser decides whether a non-finite number will do.
    # Integers past any float are refused here; the hook costs a Python call per integer,
    # so only when the text has such a run of digits.
    hooks: dict[str, Any] = {}
    if _LONG_DIGITS.search(data):
        hooks["parse_int"] = _int
    try:
        document = json.loads(data, **hooks)
    except JSONError:
        raise
    except json.JSONDecodeError as exc:
        raise JSONError(
            f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
            f"line {exc.lineno} column {exc.colno}",
        ) from None
    except UnicodeDecodeError as exc:
        raise JSONError(f"JSON must be UTF-8; byte {exc.start} is not") from None
    except RecursionError:  # unreachable after the depth check; kept as a last guard
        raise JSONError(f"JSON nested too deep; at most {max_depth} levels") from None
    except ValueError as exc:  # Python's own int digit limit, should a hook be bypassed
        raise JSONError(f"a number in the JSON is too long: {exc}") from None
    if _SURROGATE_ESCAPE.search(data):
        _no_lone_surrogates(document)
    return document


def _int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise JSONError(
            f"an integer of {digits:,} digits; at most {MAX_INT_DIGITS} digits are accepted"
        )
    return int(text)


def _no_lone_surrogates(value: Any) -> None:
    """A "\\ud800" escape decodes to a string no UTF-8 (nor PostgreSQL) can hold."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict):
            for key, inner in item.items():
                _check_text(key)
                stack.append(inner)
        elif isinstance(item, list):
            stack.extend(item)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise JSONError(
            "a text holds a lone surrogate (\\ud800-\\udfff escape); it is not Unicode"
        ) from None


def count_positions(value: Any, budget: int) -> int:
    """The positions ([x, y] lists) in a decoded JSON document's nested lists, counted from
    the list lengths alone before any geometry is built; stops once past `budget` (it then
    returns a number above it), so 60,000 small polygons cost a walk, not a union."""
    count = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            if item and not isinstance(item[0], list | dict):
                count += 1  # a position: its numbers are checked when it is built
                if count > budget:
                    return count
            else:
                stack.extend(item)
    return count
