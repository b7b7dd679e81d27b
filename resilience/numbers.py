"""Numbers as the pages print them, read back: the one parser of every number a person
types into a form or writes into a CSV cell (web/formatting.py's format_number is its
inverse). Pure, no Flask.

Accepted, with either decimal rule:
- plain numbers as Python reads them: "250000", "-1.8", "+3", ".5", "1e3";
- a sign "+", "-" or the minus sign "−" (U+2212, as the pages print it);
- digits grouped by three with a space, a no-break space (U+00A0), a narrow no-break space
  (U+202F) or a thin space (U+2009): "250 000", "1 234 567,5".

`decimal_comma=True` (Swedish pages, a ;-separated CSV): a comma or a point is the decimal
mark, "−1,8" and "1 234,5"; a comma never groups. `decimal_comma=False` (English pages, a
,-separated CSV): the point is the decimal mark and a comma groups by three, "1,234.5".

Refused (NumberError, with a reason code): anything else, in particular a group that is not
three digits ("12 34": 1234 or two numbers? "1,5" on an English page: 1.5 or 15?), more
than one decimal mark ("1,234,5", "1.234,5"), a mark without digits after it ("5,"), and
NaN or infinity.
"""

from __future__ import annotations

import math
import re

MINUS_SIGNS = "-\u2212"
GROUP_SPACES = " \u00a0\u202f\u2009"
_PLAIN = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", re.ASCII)
_GROUPED = re.compile(r"\d{1,3}(?:[" + GROUP_SPACES + r"]\d{3})+", re.ASCII)
_COMMA_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+", re.ASCII)


class NumberError(ValueError):
    """A text that is no number; `reason` is "not_a_number", "number_grouping",
    "number_marks" or "not_finite" (geodata/messages.py has their words)."""

    def __init__(self, reason: str, text: str) -> None:
        super().__init__(f"{text!r}: {reason}")
        self.reason = reason
        self.text = text


def parse_number(text: str, *, decimal_comma: bool = True) -> float:
    """The finite number `text` writes (see the module's docstring for what is accepted),
    surrounding whitespace ignored; NumberError otherwise."""
    raw = text.strip()
    sign = ""
    if raw and raw[0] in MINUS_SIGNS + "+":
        sign, raw = ("-" if raw[0] in MINUS_SIGNS else ""), raw[1:]
    if raw.lower() in {"nan", "inf", "infinity"}:
        raise NumberError("not_finite", text)
    if not raw or raw[0] in MINUS_SIGNS + "+":
        raise NumberError("not_a_number", text)
    if _PLAIN.fullmatch(raw):
        return _finite(sign + raw, text)
    whole, fraction = _split_mark(raw, decimal_comma, text)
    if not whole.isdigit() or not whole.isascii():
        whole = _ungrouped(whole, decimal_comma, text)
    if fraction is not None and not (fraction.isascii() and fraction.isdigit()):
        raise NumberError("not_a_number", text)
    return _finite(sign + whole + ("." + fraction if fraction is not None else ""), text)


def _split_mark(raw: str, decimal_comma: bool, text: str) -> tuple[str, str | None]:
    """The digits before and after the one decimal mark (None: no mark)."""
    marks = ",." if decimal_comma else "."
    found = [i for i, c in enumerate(raw) if c in marks]
    if len(found) > 1:
        raise NumberError("number_marks", text)
    if not found:
        return raw, None
    whole, fraction = raw[: found[0]], raw[found[0] + 1 :]
    if not fraction:
        raise NumberError("not_a_number", text)
    if "," in fraction:
        raise NumberError("number_marks", text)
    return whole or "0", fraction


def _ungrouped(whole: str, decimal_comma: bool, text: str) -> str:
    """The digits of a whole part grouped by three, without the separators."""
    if _GROUPED.fullmatch(whole) or (not decimal_comma and _COMMA_GROUPED.fullmatch(whole)):
        return re.sub(r"\D", "", whole)
    if any(c in GROUP_SPACES for c in whole) or (not decimal_comma and "," in whole):
        digits_and_groups = set(whole) <= set("0123456789," + GROUP_SPACES)
        raise NumberError("number_grouping" if digits_and_groups else "not_a_number", text)
    raise NumberError("number_marks" if "," in whole else "not_a_number", text)


def _finite(plain: str, text: str) -> float:
    try:
        value = float(plain)
    except ValueError:
        raise NumberError("not_a_number", text) from None
    if not math.isfinite(value):
        raise NumberError("not_finite", text)
    return value
