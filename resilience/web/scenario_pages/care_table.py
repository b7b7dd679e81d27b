"""The care sites of a run as a table, on the run page and as a CSV file: the filter of the
request's query, the columns of each, every site's hours as texts on the clock and the
reason for its gap, the filter's choices and the CSV for Excel. Used by the run pages
(web/scenario_pages/results.py)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import request
from flask_babel import gettext as _

from resilience.analysis import STATUSES
from resilience.db import db
from resilience.errors import BadInput
from resilience.models import Run
from resilience.services import run_clock, run_reports
from resilience.vocabulary import CARE_PRIORITY
from resilience.web import formatting, names
from resilience.web.causes import cause_line
from resilience.web.formatting import format_day_time
from resilience.web.i18n import current_language
from resilience.web.names import N_

_CODE = re.compile(r"\d{4}")


def care_filter() -> run_reports.CareFilter:
    """The care-site filter of the request's query: municipality (a code), kind, status
    (a power status) and care=new; the run page, its table and its CSV read the same."""
    municipality = request.args.get("municipality") or None
    kind = request.args.get("kind") or None
    status = request.args.get("status") or None
    care = request.args.get("care") or None
    if municipality is not None and not _CODE.fullmatch(municipality):
        raise BadInput(_("municipality must be a four-digit code"))
    if kind is not None and kind not in CARE_PRIORITY:
        raise BadInput(_("unknown kind of care site: {kind}").format(kind=kind))
    if status is not None and status not in STATUSES:
        raise BadInput(_("unknown power status: {status}").format(status=status))
    if care not in (None, "new"):
        raise BadInput(_("care must be new"))
    return run_reports.CareFilter(municipality, kind, status, care == "new")


@dataclass(frozen=True)
class CareColumn:
    """A column of the care-site table, and of its CSV: the row key, its heading, number
    (and with how many decimals) or text, and whether only model v2 has it."""

    key: str
    heading: str
    decimals: int | None = None  # None: text
    v2: bool = False


CARE_COLUMNS = (
    CareColumn("name", N_("Unit")),
    CareColumn("kind", N_("Kind")),
    CareColumn("municipality", N_("Municipality")),
    CareColumn("residents", N_("Residents"), 0),
    CareColumn("clients", N_("Home-care clients"), 0),
    CareColumn("status", N_("Status")),
    CareColumn("hours_unpowered_before", N_("Hours without power, before generators"), 1),
    CareColumn("hours_unpowered", N_("Hours without power, after generators"), 1),
    CareColumn("generator_name", N_("Generator")),
    CareColumn("generator_municipality", N_("Generator from")),
    CareColumn("generator_distance_km", N_("Distance (km, straight line)"), 1),
    CareColumn("arrival_hours", N_("Arrival (hours)"), 1),
    CareColumn("first_cold_hour", N_("First cold hour"), 1, v2=True),
    CareColumn("hours_cold", N_("Hours cold"), 1, v2=True),
    CareColumn("min_indoor_c", N_("Lowest indoor °C"), 1, v2=True),
    CareColumn("cause", N_("Why")),
)


def care_columns(run: Run) -> list[CareColumn]:
    """The columns a run's CSV has: the cold ones with model v2 only."""
    v2 = (run.model_version or 1) >= 2
    return [c for c in CARE_COLUMNS if v2 or not c.v2]


@dataclass(frozen=True)
class CareTableColumn:
    """A column of the care-site table on the page (issue 20, item 9): fewer than the CSV's,
    so that the cold and power columns are in view at 1440 px; the generator's name, origin,
    distance and arrival in one cell, the hours before the generators under the hours
    after. `sort` is how the heading's button sorts (number or text), `card` whether a
    phone's card shows it."""

    key: str
    heading: str
    sort: str = "text"
    card: bool = True
    v2: bool = False


CARE_TABLE_COLUMNS = (
    CareTableColumn("name", N_("Unit")),
    CareTableColumn("kind", N_("Kind")),
    CareTableColumn("municipality", N_("Municipality")),
    CareTableColumn("status", N_("Status")),
    CareTableColumn("first_cold_hour", N_("Cold from"), "number", v2=True),
    CareTableColumn("hours_cold", N_("Hours cold"), "number", card=False, v2=True),
    CareTableColumn("min_indoor_c", N_("Lowest indoor °C"), "number", card=False, v2=True),
    CareTableColumn("hours_unpowered", N_("Without power"), "number"),
    CareTableColumn("generator", N_("Generator"), "number"),
    CareTableColumn("residents", N_("Residents"), "number", card=False),
    CareTableColumn("clients", N_("Home-care clients"), "number", card=False),
    CareTableColumn("cause", N_("Why")),
)


def care_table_columns(run: Run) -> list[CareTableColumn]:
    """The columns of a run's table on the page: the cold ones with model v2 only."""
    v2 = (run.model_version or 1) >= 2
    return [c for c in CARE_TABLE_COLUMNS if v2 or not c.v2]


def clock_hour(zero: datetime, hours: float) -> str:
    """Hour `hours` of a run as a time of day with the hours after hour 0: "7/12 09:18 (7,3 h)"."""
    at = format_day_time(run_clock.clock(zero, hours))
    return f"{at} ({formatting.format_number(hours, 1)} h)"


def _power_text(site: dict[str, Any], zero: datetime) -> str:
    """When a site is without power after the generators: from and to on the clock, and how
    long; "–" when it keeps power."""
    hours = site["hours_unpowered"] or 0.0
    intervals = site.get("unpowered_intervals") or []
    if hours <= 0 or len(intervals) < 2:
        return f"{formatting.format_number(hours, 1)} h" if hours > 0 else "–"
    start = format_day_time(run_clock.clock(zero, float(intervals[0])))
    end = format_day_time(run_clock.clock(zero, float(intervals[-1])))
    spells = len(intervals) // 2
    if spells > 1:  # power back in between: how long in all, and in how many spells
        total = _("{hours} h in {count} spells").format(
            hours=formatting.format_number(hours, 1), count=spells
        )
        return f"{start}–{end} ({total})"
    return f"{start}–{end} ({formatting.format_number(hours, 1)} h)"


def _generator_text(site: dict[str, Any], zero: datetime) -> str:
    """The generator sent to a site: its name, where it comes from, how far (straight line)
    and when it arrives on the clock; "–" when none is."""
    if not site["generator_name"]:
        return "–"
    parts = [str(site["generator_name"])]
    if site["generator_municipality"]:
        parts.append(_("from {municipality}").format(municipality=site["generator_municipality"]))
    if site["generator_distance_km"] is not None:
        parts.append(f"{formatting.format_number(site['generator_distance_km'], 1)} km")
    text = ", ".join(parts)
    if site["arrival_hours"] is None:
        return text
    arrives = _("arrives {at}").format(at=clock_hour(zero, float(site["arrival_hours"])))
    return f"{text}; {arrives}"


def with_clock_texts(sites: list[dict[str, Any]], zero: datetime) -> list[dict[str, Any]]:
    """The care sites each with the table's texts of its hours on the clock: `cold_from`,
    `power_text` (without power, after the generators) and `generator_text`."""
    return [
        s
        | {
            "cold_from": clock_hour(zero, float(s["first_cold_hour"]))
            if s.get("first_cold_hour") is not None
            else "–",
            "power_text": _power_text(s, zero),
            "generator_text": _generator_text(s, zero),
        }
        for s in sites
    ]


def care_value(site: dict[str, Any], key: str) -> Any:
    """A care site's value in a column: residents are a home-care base's clients, and a
    care home's residents, each in its own column."""
    if key == "residents":
        return None if site["clients"] else site["residents"]
    if key == "clients":
        return site["residents"] if site["clients"] else None
    return site.get(key)


def care_choices(sites: Sequence[dict[str, Any]]) -> dict[str, list[tuple[str, str]]]:
    """The filter's choices: the municipalities, kinds and statuses of the affected sites."""
    municipalities = {s["municipality_code"]: s["municipality"] for s in sites}
    return {
        "municipality": sorted(
            ((code, name or code) for code, name in municipalities.items() if code),
            key=lambda c: c[1],
        ),
        "kind": [
            (k, names.label("kind", k)) for k in CARE_PRIORITY if any(s["kind"] == k for s in sites)
        ],
        "status": [
            (st, names.label("power_status", st))
            for st in STATUSES
            if any(s["status"] == st for s in sites)
        ],
    }


def _csv_text(site: dict[str, Any], column: CareColumn, english: bool) -> str:
    value = care_value(site, column.key)
    if value is None:
        return ""
    if column.key == "kind":
        return names.label("kind", value)
    if column.key == "status":
        return names.label("power_status", value)
    if column.decimals is not None:
        return formatting.csv_number(value, column.decimals, english)
    return str(value)


def with_cause_lines(
    run: Run, sites: list[dict[str, Any]], zero: datetime | None = None
) -> list[dict[str, Any]]:
    """The care sites each with `cause`: the reason for its gap, one line in the reader's
    language (web/causes.py), its hours also as clock times, and the table's clock texts
    (with_clock_texts); hour 0 `zero`, else the run's."""
    zero = zero or run_clock.run_hour_zero(db.session, run)
    return with_clock_texts(
        [
            s | {"cause": cause_line(s["causes"], zero)}
            for s in run_reports.with_causes(db.session, run, sites)
        ],
        zero,
    )


def care_sites_csv(run: Run, sites: Sequence[dict[str, Any]]) -> bytes:
    """The table as a CSV file for Excel: UTF-8 with a byte order mark (so å, ä and ö
    open right), headings in the page's language; in Swedish ';' between the fields and a
    decimal comma, as Swedish Excel reads them, in English ',' and a point."""
    from geodata.exporters import csv_safe

    english = current_language() == "en"
    out = io.StringIO()
    writer = csv.writer(out, delimiter="," if english else ";", lineterminator="\r\n")
    columns = care_columns(run)
    writer.writerow([_(c.heading) for c in columns])
    for site in sites:
        # Formulas are neutralised in text only: a number (−1,8 included) stays a number.
        writer.writerow(
            [
                _csv_text(site, c, english)
                if c.decimals is not None
                else csv_safe(_csv_text(site, c, english))
                for c in columns
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
