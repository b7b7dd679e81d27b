"""A page's form read back: its numbers as the page prints them (resilience/numbers.py, the
decimal comma in Swedish, the point in English), and every problem as a message next to
its field, in the user's language and naming the field by its visible label. A form that
fails is shown again with the values as typed (templates/_form.html's macros).

    form = Form(request.form, "plan")
    sites = form.number("sites", _("Number of sites"), whole=True, low=1, high=500)
    form.check()  # FormInvalid(form) when any field failed: the view renders it again
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from resilience.errors import DomainError
from resilience.numbers import NumberError, parse_number
from resilience.web.formatting import format_number, locale
from resilience.web.messages import message_text


class FormInvalid(Exception):
    """A form with problems: its view shows it again (status 400) with `form`."""

    def __init__(self, form: Form) -> None:
        super().__init__("; ".join(form.errors.values()))
        self.form = form


class Form:
    """A submitted form: the values as typed (`values`, what the page shows again), and the
    errors per field name (`errors`). `prefix` keeps the error elements' ids unique on a
    page with several forms."""

    def __init__(self, data: Mapping[str, Any], prefix: str) -> None:
        self.values: dict[str, str] = {str(k): str(data.get(k, "")) for k in data}
        getlist = getattr(data, "getlist", None)
        # Every value of a field given more than once (checkboxes), as typed.
        self.lists: dict[str, list[str]] = {
            str(k): [str(v) for v in (getlist(k) if getlist else [data[k]])] for k in data
        }
        self.errors: dict[str, str] = {}
        self.prefix = prefix

    def error_id(self, name: str) -> str:
        return f"{self.prefix}-{name}-error"

    def error(self, name: str, label: str, problem: str) -> None:
        """A problem with field `name`, said with its label (the first one of a field)."""
        self.errors.setdefault(name, _("{label}: {problem}").format(label=label, problem=problem))

    def general(self, problem: str) -> None:
        """A problem of the form as a whole (shown at the top of the form)."""
        self.errors.setdefault("", problem)

    def text(self, name: str) -> str:
        return self.values.get(name, "").strip()

    def number(
        self,
        name: str,
        label: str,
        *,
        whole: bool = False,
        required: bool = True,
        low: float | None = None,
        high: float | None = None,
    ) -> Any:
        """The field as a number (int when `whole`), None when blank and not `required`;
        None too, with an error, when it is not one or out of [low, high]."""
        typed = self.text(name)
        if not typed:
            if required:
                self.error(name, label, _("required"))
            return None
        try:
            value = parse_number(typed, decimal_comma=locale().language == "sv")
        except NumberError as exc:
            self.error(name, label, number_problem(exc))
            return None
        if whole and not value.is_integer():
            self.error(name, label, _("“{value}” is not a whole number").format(value=typed))
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            self.error(name, label, range_problem(low, high))
            return None
        return int(value) if whole else value

    def service_error(self, err: DomainError, labels: Mapping[str, str]) -> bool:
        """Place a service's error next to its field (its `field`, or each key of its
        details that names a field of the form); False when it names none."""
        fields = {err.field: err.message} if err.field else {}
        if not fields and isinstance(err.details, Mapping):
            fields = {str(k): v for k, v in err.details.items() if k in labels}
        placed = False
        for name, problem in fields.items():
            if name in labels:
                # A service's own words: a Message in the user's language; a text that is a
                # catalog id ("required") translated, any other as it came.
                said = _(problem) if isinstance(problem, str) else message_text(problem)
                self.error(name, labels[name], said)
                placed = True
        return placed

    def check(self) -> None:
        if self.errors:
            raise FormInvalid(self)


def number_problem(exc: NumberError) -> str:
    """Why a typed text is no number, in the user's language."""
    value = exc.text.strip()
    if exc.reason == "number_grouping":
        return _("“{value}” is not a number: digits are grouped by three, as in {example}").format(
            value=value, example=format_number(250000)
        )
    if exc.reason == "number_marks":
        return _("“{value}” is not a number: it has more than one decimal mark").format(value=value)
    return _("“{value}” is not a number").format(value=value)


def range_problem(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return _("from {low} to {high}").format(low=format_number(low), high=format_number(high))
    if low is not None:
        return _("at least {low}").format(low=format_number(low))
    return _("at most {high}").format(high=format_number(high))
