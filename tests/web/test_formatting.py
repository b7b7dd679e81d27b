"""Numbers, times and sizes as the pages show them: Babel's formats for sv_SE and en_GB."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from flask_babel import force_locale

from resilience.web.formatting import (
    format_clock,
    format_day_time,
    format_file_size,
    format_iso_time,
    format_mwh,
    format_number,
    format_time,
    iso_clock,
)

NBSP = "\u00a0"
EVENING = datetime(2026, 1, 15, 21, 39, 5, tzinfo=UTC)  # 22:39 in Umeå (CET)
SUMMER = datetime(2026, 7, 2, 20, 39, tzinfo=UTC)  # 22:39 in Umeå (CEST)


def test_numbers_in_swedish_and_english(app: Flask) -> None:
    with app.test_request_context("/"), force_locale("sv_SE"):
        assert format_number(1340) == f"1{NBSP}340"
        assert format_number(5.5) == "5,5"
        assert format_number(1234.567, 1) == f"1{NBSP}234,6"
        assert format_number(2.004) == "2"  # whole after rounding: no decimals
        assert format_number(-3.25, 1) == "\u22123,2"  # a real minus sign
        assert format_number(12.5, 1, sign=True) == "+12,5"
        assert format_number(0, 1, sign=True) == "0"
        assert format_number(None) == "–"
        assert format_mwh(1_340_000, 0) == f"1{NBSP}340"
        assert format_file_size(1_340_000) == "1,3 MB" and format_file_size(999) == "999 B"
    with app.test_request_context("/"), force_locale("en_GB"):
        assert format_number(1340) == "1,340"
        assert format_number(5.5) == "5.5"
        assert format_number(-3.25, 1) == "\u22123.2"
        assert format_file_size(2_500) == "2.5 kB"


def test_numbers_outside_a_request_are_swedish() -> None:
    assert format_number(1340.5, 1) == f"1{NBSP}340,5"


def test_times_are_local(app: Flask) -> None:
    with app.test_request_context("/"), force_locale("sv_SE"):
        assert format_time(EVENING) == "2026-01-15 22:39"
        assert format_time(SUMMER) == "2026-07-02 22:39"
        assert format_time(EVENING, seconds=True) == "2026-01-15 22:39:05"
        assert format_day_time(EVENING, now=SUMMER) == "15/1 22:39"
        # Another year than the current one: the date carries it.
        assert format_day_time(datetime(2021, 9, 16, 8, tzinfo=UTC), now=EVENING) == (
            "2021-09-16 10:00"
        )
        assert format_iso_time(EVENING.isoformat()) == "2026-01-15 22:39"
        assert format_time(None) == format_iso_time(None) == format_day_time(None) == "–"
    with app.test_request_context("/"), force_locale("en_GB"):
        assert format_time(EVENING) == "15/01/2026 22:39"
        assert format_day_time(EVENING, now=EVENING) == "15/01 22:39"
        assert format_day_time(EVENING, now=datetime(2027, 1, 1, tzinfo=UTC)) == (
            "15/01/2026 22:39"
        )


def test_a_clock_time_of_a_run_and_its_iso_form(app: Flask) -> None:
    """A run's hour on a chart's axis and the slider: weekday and time in Sweden (the
    script's Format.clock writes the same); the API and exports: ISO 8601 with the offset."""
    monday = datetime(2026, 12, 7, 8, 18, tzinfo=UTC)  # 09:18 in Umeå (CET)
    with app.test_request_context("/"), force_locale("sv_SE"):
        assert format_clock(monday) == "mån 09:18"
        assert format_clock(None) == "–"
    with app.test_request_context("/"), force_locale("en_GB"):
        assert format_clock(monday) == "Mon 09:18"
    assert iso_clock(monday) == "2026-12-07T09:18:00+01:00"
    assert iso_clock(SUMMER) == "2026-07-02T22:39:00+02:00"
    assert iso_clock(None) is None
