"""resilience/services/situation_report.py against a real PostGIS: the situation report
(lägesbild) of a planning run and of a live run made from a real ingested warning: the
municipalities worst hit, care affected with its causes, the generators, the warnings with
their sources and the feed, hour 0 on the clock, and the map drawn from our own data."""

from __future__ import annotations

import copy
import json
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from resilience.config import Settings
from resilience.models import Run, WeatherWarning
from resilience.services import runs, warning_ingest, warnings
from resilience.services.situation_report import (
    report_map,
    situation_report,
    warning_sources,
    worst_municipalities,
)
from tests import factories

POLL_SECONDS = 300


def outage_run(session: Session) -> Run:
    factories.heat_county(session)
    run = session.get(Run, factories.finished_run(session, factories.OUTAGE_ABACKA))
    assert run is not None
    return run


def test_a_planning_report_lists_care_generators_and_the_worst_hit(db_session: Session) -> None:
    run = outage_run(db_session)
    report = situation_report(db_session, run, POLL_SECONDS)
    assert not report.live and report.warnings == [] and report.feed is None
    assert report.now_hour is None and report.zero_basis in ("scenario", "run")
    assert [s["name"] for s in report.residential] == ["Östergården", "Björkgårdens äldreboende"]
    assert report.residential_total == 2
    assert [c.kind for c in report.residential[0]["causes"]] == ["heat_plant", "cold"]
    assert report.residential[1]["first_unpowered_hour"] == 0
    assert report.home_care == [] and report.home_care_clients == 0
    assert [g["name"] for g in report.generators] == ["Björkgårdens äldreboende"]
    # Östergården's 25 residents cold for hours outweigh Björkgården's few minutes unpowered.
    assert [m["name"] for m in report.worst] == ["Östervik", "Åbacka"]
    assert report.food[-1].code is None and report.duration_hours == 24
    assert report.back is report.instants[-1]
    # The map: both municipalities, the outage over Åbacka with its hours, the sites ranked.
    assert len(report.map.municipalities) == 2 and report.map.outage[0][1] == 24
    assert [s.rank for s in report.map.sites] == [1, 2]
    assert [s.cold for s in report.map.sites] == [True, False]


def test_a_calm_run_has_nobody_worst_hit_and_no_care_affected(db_session: Session) -> None:
    factories.heat_county(db_session)
    run = db_session.get(Run, factories.finished_run(db_session, factories.CALM))
    assert run is not None
    report = situation_report(db_session, run, POLL_SECONDS)
    assert report.worst == [] and report.residential == [] and report.generators == []
    assert report.map.outage == [] and report.map.sites == []
    assert report.map.view_box  # the municipalities still drawn


def test_worst_municipalities_by_resident_hours_then_people_without(db_session: Session) -> None:
    summary = copy.deepcopy(outage_run(db_session).summary)
    ranked = worst_municipalities(summary)
    assert [m["code"] for m in ranked] == ["2403", "2401"]  # resident-hours cold count too
    assert [m["people_without"] for m in ranked] == [55, 150]  # no warm shelter for anyone
    assert worst_municipalities(summary, limit=1) == ranked[:1]
    for m in summary["municipalities"]:  # without the cold, Åbacka's hours without power lead
        m["resident_hours_cold"] = 0.0
    assert [m["code"] for m in worst_municipalities(summary)] == ["2401", "2403"]
    for m in summary["municipalities"]:  # nobody hit: nobody listed
        m["resident_hours_unpowered"], m["resident_hours_cold"] = 0.0, 0.0
        m["uncovered"] = dict(m["baseline_uncovered"])
    assert worst_municipalities(summary) == []


def test_the_map_of_a_snapshot_that_no_longer_parses_has_no_outage(db_session: Session) -> None:
    run = outage_run(db_session)
    run.scenario_snapshot = {"name": "Trasig", "outage": {"areas": "inte en geometri"}}
    drawn = report_map(db_session, run, [], [])
    assert drawn.outage == [] and drawn.snow == [] and len(drawn.municipalities) == 2


def test_the_map_of_nothing_is_the_county_roughly(db_session: Session) -> None:
    factories.small_county(db_session)
    run = db_session.get(Run, factories.finished_run(db_session, factories.CALM))
    assert run is not None
    db_session.execute(text("DELETE FROM municipalities"))
    drawn = report_map(db_session, run, [], [])
    assert drawn.municipalities == [] and drawn.width_km == 410.0  # 400 km and 5 km each side


def test_warning_sources_tell_a_poll_a_push_and_a_file(db_session: Session) -> None:
    factories.user(db_session, "åsa", "editor")
    db_session.flush()
    made = [
        WeatherWarning(id=1, posted_by=None, source="smhi-ibww"),
        WeatherWarning(id=2, posted_by="åsa", source="cap"),
        WeatherWarning(id=3, posted_by="root", source="smhi-ibww"),
    ]
    sources = warning_sources(db_session, made)
    assert [(s.channel, s.format, s.by) for s in sources.values()] == [
        ("poll", "smhi-ibww", None),
        ("api", "cap", "åsa"),
        ("file", "smhi-ibww", "root"),
    ]
    assert warning_sources(db_session, []) == {}


def test_a_live_report_names_its_warnings_and_the_hour_now(
    db_session: Session, settings: Settings
) -> None:
    factories.small_county(db_session)
    area = factories.ibww_area(level="ORANGE", hours=(-2, 24))
    document = json.dumps(factories.ibww(area)).encode()
    result = warning_ingest.ingest(db_session, settings, document, "application/json")
    assert result.recalculation is not None
    run = warnings.start_live_run(db_session, result.recalculation)
    assert run is not None
    runs.compute_run(db_session, run.id)
    db_session.commit()
    [warning] = db_session.query(WeatherWarning).all()
    now = warning.starts + timedelta(hours=3)  # type: ignore[operator]
    report = situation_report(db_session, run, POLL_SECONDS, now=now)
    assert report.live and [w.id for w in report.warnings] == [warning.id]
    assert report.warnings[0].area_name_sv == "Västerbottens län"
    assert report.sources[warning.id].channel == "poll"
    assert report.zero == warning.starts and report.zero_basis == "warnings"
    assert report.now_hour == 3
    assert report.feed is not None
    assert [s["name"] for s in report.residential] == ["Björkgårdens äldreboende"]
