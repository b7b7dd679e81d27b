"""How numbers, times and sizes read on every page, in Babel's formats for the page's
locale (sv_SE: 1 340 with a non-breaking space, 5,5, 2026-12-02 22:39; en_GB: 1,340, 5.5,
02/12/2026, 22:39). Figures are rounded only here (coverage-model.md); times are stored in
UTC and shown in LOCAL_TZ."""

from __future__ import annotations

from datetime import UTC, datetime

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton
from babel.dates import format_time as babel_time
from babel.numbers import format_decimal
from flask import Flask
from flask_babel import get_locale

from resilience import energy_figures as energy
from resilience.config import LOCAL_TZ

DEFAULT_LOCALE = Locale("sv", "SE")
MINUS = "\u2212"  # a real minus sign, as wide as the plus


def locale() -> Locale:
    """The page's locale; Swedish outside a request."""
    return get_locale() or DEFAULT_LOCALE


def format_number(value: float | None, decimals: int = 2, sign: bool = False) -> str:
    """A number for display: whole numbers as they are, others to at most `decimals`
    places, with the locale's separators; "–" for none."""
    if value is None:
        return "–"
    pattern = "#,##0." + "#" * decimals if decimals > 0 else "#,##0"
    text = format_decimal(value, format=pattern, locale=locale())
    if sign and value > 0:
        text = "+" + text
    return text.replace("-", MINUS)


def csv_number(value: float, decimals: int, english: bool) -> str:
    """A number for a CSV cell that a spreadsheet reads as a number: no thousands
    separator, at most `decimals` decimals (trailing zeros dropped), a decimal comma in
    Swedish and a point in English."""
    text = f"{round(float(value), decimals):.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    return text if english else text.replace(".", ",")


def format_mwh(kwh: float | None, decimals: int = 1) -> str:
    """kWh shown as MWh."""
    return format_number(energy.to_mwh(kwh), decimals)


def format_time(value: datetime | None, seconds: bool = False) -> str:
    """Date and time of day (sv_SE: 2026-12-02 22:39), local."""
    if value is None:
        return "–"
    local = value.astimezone(LOCAL_TZ)
    time = babel_time(local, "medium" if seconds else "short", tzinfo=LOCAL_TZ, locale=locale())
    return f"{format_date(local, 'short', locale=locale())} {time}"


def format_day_time(value: datetime | None, now: datetime | None = None) -> str:
    """Day, month and time of day (sv_SE: 2/12 22:39), local: for times near today; with
    the year (2021-09-16 10:00) when it is not the current one."""
    if value is None:
        return "–"
    local = value.astimezone(LOCAL_TZ)
    if local.year != (now or datetime.now(UTC)).astimezone(LOCAL_TZ).year:
        return format_time(value)
    day = format_skeleton("Md", local, tzinfo=LOCAL_TZ, locale=locale())
    return f"{day} {babel_time(local, 'short', tzinfo=LOCAL_TZ, locale=locale())}"


def format_clock(value: datetime | None) -> str:
    """A weekday and time of day, local (sv_SE: mån 09:18; en_GB: Mon 09:18): an hour of a
    run on a chart's axis or the time slider (static/js/format.js `clock` writes the same)."""
    if value is None:
        return "–"
    return format_datetime(value.astimezone(LOCAL_TZ), "EEE HH:mm", locale=locale())


def iso_clock(value: datetime | None) -> str | None:
    """An instant as ISO 8601 in local time with its offset, to the second
    (2026-12-07T09:18:00+01:00): clock times in the API and the exports."""
    if value is None:
        return None
    return value.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def format_iso_time(value: str | None) -> str:
    """A stored ISO time, as format_time."""
    return format_time(datetime.fromisoformat(value)) if value else "–"


def format_file_size(value: int | None) -> str:
    if value is None:
        return "–"
    for unit, size in (("MB", 1_000_000), ("kB", 1_000)):
        if value >= size:
            return f"{format_number(value / size, 1)} {unit}"
    return f"{value} B"


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        fmt_number=format_number,
        fmt_time=format_time,
        fmt_day_time=format_day_time,
        fmt_clock=format_clock,
        iso_time=format_iso_time,
        file_size=format_file_size,
        mwh=format_mwh,
    )
