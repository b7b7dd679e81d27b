"""The reason for a care site's gap in the reader's language, one line (issue 20, item 4):
the facts of analysis.causes as words, names never ids, hours also as clock times."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from flask_babel import gettext as _

from resilience.analysis.causes import Cause
from resilience.web.formatting import format_day_time, format_number

SEPARATOR = " · "


def _clock(zero: datetime | None, hours: float | None) -> str:
    """Hour `hours` as a time of day (to the minute), with the hours after hour 0."""
    if hours is None:
        return "–"
    if zero is None:
        return _("hour {hours}").format(hours=format_number(hours, 1))
    at = zero + timedelta(minutes=round(hours * 60))
    return f"{format_day_time(at)} ({format_number(hours, 1)} h)"


def cause_text(cause: Cause, zero: datetime | None) -> str:
    h = format_number(cause.hours, 1) if cause.hours is not None else "–"
    if cause.kind == "outage":
        return _("inside the outage area ({hours} h)").format(hours=h)
    if cause.kind == "own_backup":
        return _("own backup power {hours} h").format(hours=h)
    if cause.kind == "backup_too_small":
        return _("own backup power too small ({kw} kW for {needed} kW)").format(
            kw=format_number(cause.kw, 0), needed=format_number(cause.needed_kw, 0)
        )
    if cause.kind == "no_backup":
        return _("no own backup power")
    if cause.kind == "generator":
        return _("mobile generator {name} arrives {at}").format(
            name=cause.name, at=_clock(zero, cause.hours)
        )
    if cause.kind == "no_generator":
        nearest = _("nearest: {name}, {km} km").format(
            name=cause.name, km=format_number(cause.km, 1)
        )
        if cause.needed_kw is None:
            return _(
                "no mobile generator: every free one arrives after {hours} h ({nearest})"
            ).format(hours=h, nearest=nearest)
        return _(
            "no mobile generator: every free one with ≥ {kw} kW arrives after {hours} h ({nearest})"
        ).format(kw=format_number(cause.needed_kw, 0), hours=h, nearest=nearest)
    if cause.kind == "all_generators_taken":
        if cause.needed_kw is None:
            return _("no mobile generator: none is left free")
        return _("no mobile generator: no free one carries {kw} kW").format(
            kw=format_number(cause.needed_kw, 0)
        )
    if cause.kind == "no_open_road":
        return _("no open road: no free mobile generator can reach it")
    if cause.kind == "heat_plant":
        return _("heating plant {name} without power from {at}").format(
            name=cause.name, at=_clock(zero, cause.hours)
        )
    if cause.kind == "cold":
        return _("cold from {at}").format(at=_clock(zero, cause.hours))
    return cause.kind


def cause_line(causes: Sequence[Cause], zero: datetime | None) -> str:
    """Every fact of a site's gap, in the order they happen, on one line."""
    return SEPARATOR.join(cause_text(c, zero) for c in causes)
