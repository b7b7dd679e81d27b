"""A run's affected care and nursing units (issue 12, items 1-3): the table on the run page,
its filter and CSV, home-care clients counted apart from residents, and the warnings banner
that links to the live run's new elderly homes, with its figures against normal conditions.

The small county (tests/factories.py) plus a home-care base in Åbacka, by hand: an outage
over Åbacka for 24 h. The one mobile generator (in Östervik, 765 000 / 7 085 000) goes to the
elderly home (priority 2 before the base's 4): 13 946 m straight, 13 946 × 1.3 m at 70 km/h
= 0.518 h, so the home is 0.518 h without power, 40 × 0.518 = 20.7 resident-hours. The base
(147 clients, no backup, no generator) is 24 h without power; with tau 36 h it is cold from
36 · ln(31/28) = 3.66 h, so it is first (worst) in the table."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyogrio
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from resilience.models import Run, WeatherWarning
from resilience.services import imports, runs, warning_banner, warnings
from tests import factories
from tests.conftest import login
from tests.factories import (
    OUTAGE_ABACKA_WITH_SNOW,
    finished_run,
    ibww,
    ibww_area,
    site,
    small_county,
)
from tests.helpers.pages import table_cells

BASE = "Hemtjänst Åbacka norr"
HOME = "Björkgårdens äldreboende"


def _with_home_care(session: Session) -> None:
    small_county(session)
    base = site("hc-1", "care", "home_care_base", 752_500, 7_082_500, residents=147, name=BASE)
    # Outside the outage: no intervals at all (PostgreSQL cannot aggregate empty arrays).
    calm = site("hc-2", "care", "home_care_base", 766_500, 7_086_500, residents=12)
    imports.import_sites(session, [base, calm], "test-hc")
    session.commit()


class _CareRows(HTMLParser):
    """The care-site table: its headings, and per row its attributes and cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.headings: list[str] = []
        self.rows: list[dict[str, Any]] = []
        self.cell: list[str] | None = None
        self.in_head = False
        self.site_row = False
        self.skip = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and a.get("id") == "care-sites-table":
            self.inside = True
        elif not self.inside:
            return
        elif tag == "thead":
            self.in_head = True
        elif tag == "tr":
            self.site_row = a.get("data-site-id") is not None
            if self.site_row:
                self.rows.append({"attrs": a, "cells": []})
        elif tag in ("th", "td") and (self.in_head or self.site_row):
            self.cell = []
        elif tag == "span" and a.get("class") == "print-heading":
            self.skip = True  # the heading again, for print (the button's text is read)

    def handle_endtag(self, tag: str) -> None:
        if not self.inside:
            return
        if tag == "span":
            self.skip = False
        if tag == "table":
            self.inside = False
        elif tag == "thead":
            self.in_head = False
        elif tag in ("th", "td") and self.cell is not None:
            text = " ".join("".join(self.cell).split())
            if self.in_head:
                self.headings.append(text)
            elif self.rows:
                self.rows[-1]["cells"].append(text)
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None and not self.skip:
            self.cell.append(data)


def care_rows(html: str) -> tuple[list[str], list[dict[str, Any]]]:
    parser = _CareRows()
    parser.feed(html)
    return parser.headings, parser.rows


def _cells(headings: list[str], row: dict[str, Any]) -> dict[str, str]:
    return dict(zip(headings, row["cells"], strict=True))


def test_the_run_page_lists_the_affected_care_sites_worst_first(
    client: FlaskClient, db_session: Session
) -> None:
    _with_home_care(db_session)
    run_id = finished_run(db_session, OUTAGE_ABACKA_WITH_SNOW)
    page = client.get(f"/runs/{run_id}")
    assert page.status_code == 200
    assert 'id="care-sites"' in page.text
    headings, rows = care_rows(page.text)
    assert headings == [
        "Enhet",
        "Typ",
        "Kommun",
        "Status",
        "Kallt från",  # model v2, a time of day
        "Timmar kall",
        "Lägsta inomhus °C",
        "Utan ström",  # after the generators, from and to on the clock
        "Reservkraftverk",  # its name, origin, distance and arrival in one cell
        "Boende",
        "Hemtjänstens brukare",
        "Varför",  # the reason for the gap, one line
    ]
    names = [r["attrs"]["data-name"] for r in rows]
    # Residential care first (the base goes cold sooner, at 3.7 h, but its clients live at
    # home: home-care bases come after).
    assert names == [HOME, BASE]
    assert [r["attrs"]["data-rank"] for r in rows] == ["1", "2"]
    home, base = (_cells(headings, r) for r in rows)
    assert base["Hemtjänstens brukare"] == "147" and base["Boende"] == "–"
    assert home["Boende"] == "40" and home["Hemtjänstens brukare"] == "–"
    # Hours as times of day after hour 0 (the run's start: a scenario without a start of
    # its own), with the hours since hour 0 in brackets.
    run = db_session.get(Run, run_id)
    assert run is not None
    zero = (run.started_at or run.created_at).astimezone(ZoneInfo("Europe/Stockholm"))

    def at(hours: float) -> str:
        t = zero + timedelta(minutes=round(hours * 60))
        return f"{t.day}/{t.month} {t:%H:%M}"

    assert base["Reservkraftverk"] == "–"
    assert base["Utan ström"] == f"{at(0)}–{at(24)} (24 h)"
    assert home["Reservkraftverk"] == (
        f"mobile_generator gen-1, från Östervik, 13,9 km; framme {at(0.518)} (0,5 h)"
    )
    assert home["Utan ström"] == f"{at(0)}–{at(0.518)} (0,5 h) 24 h före reservkraftverken"
    assert base["Kallt från"] == f"{at(36 * math.log(31 / 28))} (3,7 h)"
    assert "ny mot normalläget" in base["Status"]
    assert all(r["attrs"]["data-new"] == "1" for r in rows)  # both lose power: new
    assert not any("hidden" in r["attrs"] for r in rows)

    # Home-care clients apart (model v3): the API and the page give the same figures.
    document = client.get(f"/api/v1/runs/{run_id}/result").json
    assert document["county"]["residents_unpowered"] == 40
    assert document["county"]["home_care_clients_unpowered"] == 147
    base_doc = next(s for s in document["sites"] if s["source_id"] == "hc-1")
    assert base_doc["outage_hours"] == 24
    cells = table_cells(page.text, "municipality-table")
    assert cells["2401"]["residents_unpowered"] == "40"
    assert cells["2401"]["home_care_clients_unpowered"] == "147"
    assert cells["county"]["resident_hours_unpowered"] == "21"  # 20.72, without decimals
    assert "<strong>40</strong> boende utan ström" in page.text
    assert "<strong>147</strong> hemtjänstens brukare vars bas saknar ström" in page.text
    assert "vårdplats" not in page.text.lower()


def test_the_filter_in_the_query_hides_the_rows_it_leaves_out(
    client: FlaskClient, db_session: Session
) -> None:
    _with_home_care(db_session)
    run_id = finished_run(db_session, OUTAGE_ABACKA_WITH_SNOW)
    page = client.get(f"/runs/{run_id}?care=new&kind=elderly_home")
    _headings, rows = care_rows(page.text)
    shown = [r["attrs"]["data-name"] for r in rows if "hidden" not in r["attrs"]]
    assert shown == [HOME]
    assert '<option value="elderly_home" selected>' in page.text
    assert 'name="care" value="new" checked' in page.text
    assert "1 enhet visas" in page.text
    # The CSV link carries the same filter.
    assert f"/runs/{run_id}/care-sites.csv?kind=elderly_home&amp;care=new" in page.text
    # Both are without power throughout before the generators (status "none", step 1).
    by_status = client.get(f"/runs/{run_id}?status=none")
    assert not any("hidden" in r["attrs"] for r in care_rows(by_status.text)[1])
    elsewhere = client.get(f"/runs/{run_id}?municipality=2403").text
    assert all("hidden" in r["attrs"] for r in care_rows(elsewhere)[1])
    assert "Ingen enhet matchar filtret." in elsewhere
    assert '<tr class="care-empty" id="care-empty" >' in elsewhere  # shown, not hidden
    for bad in ("kind=castle", "status=dark", "municipality=Umeå", "care=old"):
        assert client.get(f"/runs/{run_id}?{bad}").status_code == 400, bad


def test_the_csv_has_the_table_s_columns_and_filter_for_excel(
    client: FlaskClient, db_session: Session
) -> None:
    _with_home_care(db_session)
    run_id = finished_run(db_session, OUTAGE_ABACKA_WITH_SNOW)
    response = client.get(f"/runs/{run_id}/care-sites.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.data
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads å ä ö right
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    # Every figure in a column of its own, for Excel (the page merges a few).
    assert rows[0] == [
        "Enhet",
        "Typ",
        "Kommun",
        "Boende",
        "Hemtjänstens brukare",
        "Status",
        "Timmar utan ström, före reservkraftverk",
        "Timmar utan ström, efter reservkraftverk",
        "Reservkraftverk",
        "Reservkraftverk från",
        "Avstånd (km, fågelvägen)",
        "Ankomst (timmar)",
        "Kall från timme",
        "Timmar kall",
        "Lägsta inomhus °C",
        "Varför",
    ]
    table = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert [r["Enhet"] for r in table] == [HOME, BASE]  # residential care first
    assert table[0]["Kommun"] == "Åbacka" and table[0]["Avstånd (km, fågelvägen)"] == "13,9"
    assert table[0]["Reservkraftverk från"] == "Östervik"
    assert table[1]["Hemtjänstens brukare"] == "147" and table[1]["Boende"] == ""
    assert table[1]["Status"] == "utan ström"

    lowest = [r["Lägsta inomhus °C"] for r in table if r["Lägsta inomhus °C"]]
    assert lowest and not any(v.startswith("'") for v in lowest)  # numbers, even negative
    only = client.get(f"/runs/{run_id}/care-sites.csv?kind=home_care_base")
    assert [
        r[0] for r in csv.reader(io.StringIO(only.data.decode("utf-8-sig")), delimiter=";")
    ] == [
        "Enhet",
        BASE,
    ]
    english = client.get(f"/runs/{run_id}/care-sites.csv?lang=en")
    rows_en = list(csv.reader(io.StringIO(english.data.decode("utf-8-sig"))))
    assert rows_en[0][:2] == ["Unit", "Kind"]
    assert dict(zip(rows_en[0], rows_en[1], strict=True))["Distance (km, straight line)"] == "13.9"


def test_compare_and_report_count_home_care_clients_apart(
    client: FlaskClient, db_session: Session
) -> None:
    _with_home_care(db_session)
    a = finished_run(db_session, OUTAGE_ABACKA_WITH_SNOW)
    b = finished_run(db_session, OUTAGE_ABACKA_WITH_SNOW | {"name": "Samma igen"})
    page = client.get(f"/runs/compare?a={a}&b={b}")
    assert page.status_code == 200
    assert "Hemtjänstens brukare vars bas saknar ström" in page.text
    county = page.text[page.text.index('data-code="county"') :]
    assert '<td class="num" data-run="a" data-metric="residents_unpowered">40</td>' in county
    clients = '<td class="num" data-run="b" data-metric="home_care_clients_unpowered">147</td>'
    assert clients in county
    report = client.get(f"/runs/{a}/report")
    assert report.status_code == 200
    assert "Hemtjänstens brukare vars bas saknar ström" in report.text
    row = report.text[report.text.index('data-metric="residents_unpowered"') :]
    assert '<td class="num">40</td>' in row.split("</tr>")[0]


JSON = "application/json"


@pytest.fixture
def editor(app: Flask, db_session: Session) -> FlaskClient:
    factories.user(db_session, "elsa", "editor")
    db_session.commit()
    test_client = app.test_client()
    login(test_client, "elsa")
    return test_client


def _live_run(session: Session, editor: FlaskClient) -> Run:
    """A red wind warning over the small county, posted by elsa; its live run computed."""
    response = editor.post(
        "/api/v1/warnings", data=json.dumps(ibww(ibww_area(level="RED"))), content_type=JSON
    )
    assert response.status_code == 202, response.text
    fingerprint = response.json["recalculation"]
    run = warnings.start_live_run(session, fingerprint)
    assert run is not None
    runs.compute_run(session, run.id)
    session.commit()
    return run


def test_the_banner_links_to_the_new_elderly_homes_and_compares_with_normal(
    editor: FlaskClient, db_session: Session
) -> None:
    _with_home_care(db_session)
    run = _live_run(db_session, editor)
    assert db_session.scalar(select(WeatherWarning.posted_by)) == "elsa"
    assert run.created_by == "elsa"  # the poster, not "smhi"
    changes = warning_banner.live_changes(db_session)
    assert changes is not None
    county = run.summary["county"]  # type: ignore[index]
    # Against the baseline, not against zero.
    assert changes["normal"]["food"] == county["baseline_uncovered"]["food"]
    assert changes["vs_normal"]["food"] == (
        county["uncovered"]["food"] - county["baseline_uncovered"]["food"]
    )
    # "Now" is this moment (the warning began an hour ago; the generator reached the home
    # after half an hour), the peak is hour 0, called the peak.
    assert round(changes["now_hour"]) == 1
    assert changes["now"]["residents"] == 0 and changes["now"]["home_care_clients"] == 147 + 12
    assert changes["peak"]["hour"] == 0 and changes["peak"]["residents"] == 40
    assert changes["vs_normal"]["elderly_homes_new"] == 1

    page = editor.get("/scenarios")
    text = page.text
    link = f'href="/runs/{run.id}?care=new&amp;kind=elderly_home#care-sites"'
    assert link in text and "1 nytt äldreboende utan ström eller värme" in text
    assert "startad av elsa" in text
    assert (
        "0 boende utan ström" in text
        and "Topp " in text
        and "(timme 0): 40 boende utan ström" in text
    )
    assert "159 av hemtjänstens brukare vars bas saknar ström" in text
    assert "jämfört med normalläget" in text
    normal = changes["normal"]["food"]
    assert f"{normal} normalt" in text

    # The link's table: exactly the new elderly homes the banner counts.
    target = editor.get(f"/runs/{run.id}?care=new&kind=elderly_home")
    shown = [r for r in care_rows(target.text)[1] if "hidden" not in r["attrs"]]
    assert [r["attrs"]["data-name"] for r in shown] == [HOME]
    assert "av elsa" in target.text
    zero = re.search(r'<span id="hour-zero"[^>]*>([^<]+)</span>', target.text)
    assert zero and zero.group(1).startswith("Timme 0 är ")
    assert zero.group(1).endswith("(den tidigaste varningens start).")
    # The live run page: "nu" is this moment (hour 1, the home has its generator), the
    # peak is called the peak with its clock time (hour 0, 40 residents).
    now = re.search(r'<span id="clock-now"[^>]*>([^<]+)</span>', target.text)
    assert now and now.group(1).startswith("Nu (")
    assert "timme 1): 0 boende utan ström" in now.group(1)
    peak = re.search(r'<span id="clock-peak"[^>]*>([^<]+)</span>', target.text)
    assert peak and peak.group(1).startswith("Topp ")
    assert "(timme 0): 40 boende utan ström" in peak.group(1)


def test_the_live_scenario_speaks_the_page_s_language(
    editor: FlaskClient, db_session: Session
) -> None:
    _with_home_care(db_session)
    run = _live_run(db_session, editor)
    swedish = editor.get(f"/runs/{run.id}")
    assert "Live: aktiva vädervarningar" in swedish.text
    assert "Röd varning: Vind i kombination med snöfall" in swedish.text
    english = editor.get(f"/runs/{run.id}?lang=en")
    assert "Live: active weather warnings" in english.text
    assert "Live: aktiva vädervarningar" not in english.text
    assert "Red warning: Wind in combination with snowfall" in english.text
    listed = editor.get("/scenarios")  # the session keeps English
    assert "Live: active weather warnings" in listed.text
    assert "Red warning: Wind in combination with snowfall" in listed.text


def test_the_first_screen_after_login_answers_the_director(
    app: Flask, editor: FlaskClient, db_session: Session
) -> None:
    factories.user(db_session, "dora", "viewer")
    db_session.commit()
    director = app.test_client()
    landed = director.post("/login", data={"name": "dora", "password": "correct horse battery"})
    assert landed.headers["Location"] == "/situation"
    calm = director.get("/situation").text
    assert "Inget händer: inga varningar gäller över länet." in calm

    _with_home_care(db_session)
    run = _live_run(db_session, editor)
    text = director.get("/situation").text
    assert "1 varning gäller" in text and "Mycket" not in text
    figures = re.findall(
        r'<li data-metric="(\w+)"><a href="([^"]+)"><strong>([^<]+)</strong>', text
    )
    assert figures[0] == (
        "residential",
        f"/runs/{run.id}?care=new#care-sites",
        "1",
    )
    assert figures[1][0] == "home_care" and figures[1][2] == "159"
    # Now (an hour after the warning began, the generator there) and the peak (hour 0).
    row = re.search(r'<tr data-metric="residents_unpowered">(.*?)</tr>', text, re.S)
    assert row and re.findall(r'<td class="num">([^<]*)</td>', row.group(1)) == ["0", "40"]
    assert HOME in text and "inom avbrottsområdet" in text  # the unit, and why


def test_one_figure_one_meaning_on_every_surface(
    client: FlaskClient, db_session: Session, tmp_path: Path
) -> None:
    """One run's figures over the whole outage read on every surface that shows them: the
    API's result document, the run page's key figures and municipality table, the runs list,
    the comparison page, the lägesbild and the CSV and GeoPackage exports (their kommuner
    rows add up to the county); the figures at hour 0 in the API's timeline, the lägesbild
    and both exports' tidslinje. Two that disagree fail."""
    _with_home_care(db_session)
    run_id = finished_run(db_session, OUTAGE_ABACKA_WITH_SNOW)
    county = client.get(f"/api/v1/runs/{run_id}/result").json["county"]
    timeline = client.get(f"/api/v1/runs/{run_id}/timeline").json
    page = client.get(f"/runs/{run_id}").text
    table = table_cells(page, "municipality-table")["county"]
    runs_list = client.get("/runs").text
    compared = client.get(f"/runs/compare?a={run_id}&b={run_id}").text
    compared_county = compared[compared.index('<tr class="county"') :]
    report = client.get(f"/runs/{run_id}/report").text
    exported = {fmt: _export_layers(client, run_id, fmt, tmp_path) for fmt in ("csv", "gpkg")}

    def key_figure(metric: str) -> str:
        found = re.search(rf'<li data-metric="{metric}"><strong>([^<]+)</strong>', page)
        assert found, metric
        return found.group(1)

    def compare_cell(metric: str, run: str) -> str:
        found = re.search(
            rf'<td class="num" data-run="{run}" data-metric="{metric}">([^<]+)</td>',
            compared_county,
        )
        assert found, (metric, run)
        return found.group(1)

    def report_cells(metric: str) -> list[str]:
        row = re.search(rf'<tr data-metric="{metric}">(.*?)</tr>', report, re.S)
        assert row, metric
        return re.findall(r'<td class="num[^"]*">([^<]*)</td>', row.group(1))

    def number(text: str) -> float:
        return float(text.replace("\u00a0", "").replace("\u2212", "-").replace(",", "."))

    for metric in ("residents_unpowered", "home_care_clients_unpowered", "care_sites_unpowered"):
        seen = {
            "api": str(county[metric]),
            "key figures": key_figure(metric),
            "municipality table": table[metric],
            "comparison A": compare_cell(metric, "a"),
            "comparison B": compare_cell(metric, "b"),
            **{
                f"{fmt} kommuner": _total(layers["kommuner"], metric)
                for fmt, layers in exported.items()
            },
        }
        if metric == "residents_unpowered":
            listed = re.search(
                r'<td class="num" data-metric="residents_unpowered">([^<]+)<', runs_list
            )
            assert listed
            seen["runs list"] = listed.group(1)
        assert len(set(seen.values())) == 1, (metric, seen)
    for service in ("food", "care", "shelter"):
        seen = {
            "api": county["uncovered"][service],
            "comparison A": number(compare_cell(service, "a")),
            **{
                f"{fmt} kommuner": number(_total(layers["kommuner"], f"uncovered_{service}"))
                for fmt, layers in exported.items()
            },
        }
        assert len(set(seen.values())) == 1, (service, seen)

    # Hour 0: the API's timeline, the lägesbild's first column and both exports' tidslinje.
    for metric in ("residents_unpowered", "home_care_clients_unpowered", "residents_cold"):
        at_zero = {
            "api timeline": str(timeline["county"][metric][0]),
            "lägesbild start": report_cells(metric)[0],
            **{
                f"{fmt} tidslinje": _hour_zero(layers["tidslinje"], metric)
                for fmt, layers in exported.items()
            },
        }
        assert len(set(at_zero.values())) == 1, (metric, at_zero)

    assert county["residents_unpowered"] == 40 and county["home_care_clients_unpowered"] == 147
    sent = f"({county['generators_assigned']} utsända, {county['generators_free']} lediga)"
    assert sent in report
    assert table["generators_assigned"] == str(county["generators_assigned"])


def _headers(html: str, table_id: str) -> list[str]:
    table = html[html.index(f'id="{table_id}"') :]
    head = table[: table.index("</thead>")]
    return [
        " ".join(re.sub(r"<[^>]+>", "", h).split())
        for h in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)
    ]


def test_the_pages_in_english_have_no_swedish_headers(
    client: FlaskClient, db_session: Session
) -> None:
    """Issue 20, item 11: the food stock and care tables, the mark of a unit new compared
    with normal, and the export page's layers, in English (and still in Swedish)."""
    _with_home_care(db_session)
    run_id = finished_run(db_session, OUTAGE_ABACKA_WITH_SNOW)
    swedish = client.get(f"/runs/{run_id}").text
    assert _headers(swedish, "food-table")[2] == "Livsmedelslager, dagar"
    assert re.search(
        r'<abbr class="new-mark" title="ny jämfört med normalläget: [^"]+">'
        r"ny mot normalläget</abbr>",
        swedish,
    )
    swedish_exports = client.get("/exports").text
    assert "<code>vard</code> – Vård och omsorg <span" in swedish_exports
    english = client.get(f"/runs/{run_id}?lang=en").text
    assert _headers(english, "food-table") == [
        "Municipality",
        "Population",
        "Food stock, days",
        "Food stock, days normally",
        "Short of the target, person-days",
        "Food sites with unknown stock",
    ]
    assert _headers(english, "care-sites-table")[:5] == [
        "Unit",
        "Kind",
        "Municipality",
        "Status",
        "Cold from",
    ]
    new = re.findall(r'<abbr class="new-mark" title="([^"]+)">([^<]+)</abbr>', english)
    assert new and new[0] == (
        "new compared with normal: without power after the generators, or cold;"
        " normally every unit has power and heat",
        "new vs. normal",
    )
    exports = client.get("/exports?lang=en").text
    layers = [
        " ".join(re.sub(r"<[^>]+>", "", h).split())
        for h in re.findall(r"<h3>(.*?)</h3>", exports, re.S)
    ]
    assert "vard – Care (Point; title in the file: Vård och omsorg)" in layers, layers
    assert not any(re.search(r"[åäö]", h.split("title in the file")[0]) for h in layers), layers


def _export_layers(
    client: FlaskClient, run_id: int, fmt: str, folder: Path
) -> dict[str, dict[str, list[Any]]]:
    """A run's kommuner and tidslinje layers in the export `fmt`, as GDAL reads them."""
    response = client.get(f"/api/v1/runs/{run_id}/export?format={fmt}")
    assert response.status_code == 200, response.text
    path = folder / f"run-{run_id}.{'zip' if fmt == 'csv' else fmt}"
    path.write_bytes(response.data)
    layers = {}
    for layer in ("kommuner", "tidslinje"):
        source = str(path) if fmt == "gpkg" else f"/vsizip/{path}/{layer}.csv"
        meta, _fids, _geoms, fields = pyogrio.raw.read(
            source, layer=layer if fmt == "gpkg" else None
        )
        layers[layer] = {n: list(v) for n, v in zip(meta["fields"], fields, strict=True)}
    return layers


def _total(layer: dict[str, list[Any]], field: str) -> str:
    """The county's figure from an export's kommuner rows (the municipalities and what lies
    in none), as the pages print a whole number."""
    total = sum(float(v) for v in layer[field] if v not in (None, ""))
    assert total == int(total)
    return f"{int(total):,}".replace(",", "\u00a0")


def _hour_zero(layer: dict[str, list[Any]], field: str) -> str:
    """The county's figure at hour 0 from an export's tidslinje."""
    rows = [
        value
        for code, hour, value in zip(layer["code"], layer["hour"], layer[field], strict=True)
        if code == "county" and float(hour) == 0
    ]
    assert len(rows) == 1, rows
    return str(int(float(rows[0])))
