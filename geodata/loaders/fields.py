"""Parsing one property value: text, numbers and JSON-safe extras.

Values come as JSON types (GeoJSON), Python types from Arrow (GeoPackage) or strings (CSV),
so every parser accepts all three and says in plain words what is wrong.
"""

from __future__ import annotations

import base64
import json
import math
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from geodata.messages import Message, msg, reason_of
from resilience.numbers import NumberError, parse_number

# A stored text (a name, a source id, an owner...) is at most this long; longer is a mistake
# in the file (or an attack), refused per row with the field named.
MAX_TEXT_CHARS = 1_000
# A row's other properties, kept as JSON attributes, at most this many characters in all.
MAX_EXTRA_CHARS = 20_000


class FieldError(ValueError):
    """A value that cannot be used; the message is for the person who made the file, a text
    or a structured Message (geodata/messages.py)."""

    @property
    def reason(self) -> str | Message:
        return reason_of(self)


def is_blank(value: Any) -> bool:
    """Null, or a string of only whitespace: an absent optional value."""
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Any) -> str | None:
    """Text, with whole numbers accepted as their digits (ids like 6644203982)."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise FieldError(f"expected text, got {value!r}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise FieldError(f"expected text, got {value!r}")
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return storable(value.strip())
    raise FieldError(f"expected text, got {type(value).__name__}")


def storable(value: str, limit: int = MAX_TEXT_CHARS) -> str:
    """The text, if PostgreSQL can store it (no NUL character) and it is at most `limit`
    characters long; else FieldError."""
    if "\x00" in value:
        raise FieldError("contains a NUL character (\\x00), which cannot be stored")
    if len(value) > limit:
        raise FieldError(f"is {len(value):,} characters long; at most {limit:,} are accepted")
    return value


def check_extra(value: Any) -> Any:
    """A row's other properties as JSON attributes (json_safe), refused when a text in them
    holds a NUL or they are longer than MAX_EXTRA_CHARS in all."""
    safe = json_safe(value)
    encoded = json.dumps(safe, ensure_ascii=False)
    if "\\u0000" in encoded:
        raise FieldError("contains a NUL character (\\x00), which cannot be stored")
    if len(encoded) > MAX_EXTRA_CHARS:
        raise FieldError(
            f"is {len(encoded):,} characters long as JSON; at most {MAX_EXTRA_CHARS:,} are accepted"
        )
    return safe


def label(value: Any) -> str | None:
    """A human-readable name: text in Unicode NFC, so 'å' typed on a Mac equals 'å' from SCB."""
    result = text(value)
    return None if result is None else unicodedata.normalize("NFC", result)


def number(value: Any, *, decimal_comma: bool = False) -> float | None:
    """A finite number; "" and null are None. A text is read as the pages print numbers
    (resilience/numbers.py: "250 000", "−1,8"); `decimal_comma` accepts Swedish "1 234,5",
    without it a comma is refused."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise FieldError(f"expected a number, got {value!r}")
    if isinstance(value, int | float | Decimal):
        result = float(value)
    elif isinstance(value, str):
        if not decimal_comma and "," in value:
            # Without the decimal comma a comma is ambiguous in a file (1,500: 1.5 or 1500?).
            raise FieldError(msg("not_a_number", value=repr(value)))
        try:
            result = parse_number(value, decimal_comma=decimal_comma)
        except NumberError as exc:
            raise FieldError(msg(exc.reason, value=repr(value))) from None
    else:
        raise FieldError(f"expected a number, got {type(value).__name__}")
    if not math.isfinite(result):
        raise FieldError(msg("not_finite", value=repr(value)))
    return result


def whole(value: Any, *, decimal_comma: bool = False) -> int | None:
    """A whole number; "12.0" is 12, "12.5" is refused rather than rounded."""
    result = number(value, decimal_comma=decimal_comma)
    if result is None:
        return None
    if not result.is_integer():
        raise FieldError(f"{value!r} is not a whole number")
    return int(result)


def json_safe(value: Any) -> Any:
    """A value that json.dumps (and PostgreSQL JSONB) accepts; NaN and infinity become null."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float | Decimal):
        result = float(value)
        return result if math.isfinite(result) else None
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if hasattr(value, "item"):  # NumPy scalars
        return json_safe(value.item())
    return str(value)


def canonical_key(key: str) -> str:
    return key.strip().lower()


def find(props: Mapping[str, Any], names: Iterable[str]) -> tuple[str, Any] | None:
    """The first property, by the order of `names`, whose key matches case-insensitively;
    returns the key as spelt in the file (for error messages) and its value."""
    by_key = {canonical_key(k): k for k in props}
    for name in names:
        key = by_key.get(name)
        if key is not None:
            return key, props[key]
    return None
