"""resilience/services/run_reports.py against a real PostGIS: a finished run of an outage
over Åbacka read back as the pages read it: scenarios with their latest run, the table per
municipality (the county the sum of its rows, what lies outside apart), two runs compared,
the care sites worst first and filtered, why each site has its gap, food stock, and the
newest live run."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from resilience.models import Run
from resilience.scenarios import parse_scenario
from resilience.services import run_reports, runs, scenarios
from resilience.services.run_reports import CareFilter
from tests import factories


@pytest.fixture
def outage(db_session: Session) -> Run:
    """heat_county with the outage over Åbacka: Björkgården loses power, Östergården in
    Östervik goes cold (its plant, Åbacka värmeverk, has no backup)."""
    factories.heat_county(db_session)
    run = db_session.get(Run, factories.finished_run(db_session, factories.OUTAGE_ABACKA))
    assert run is not None
    return run


def site_id(session: Session, source_id: str) -> int:
    return int(session.scalar(text("SELECT id FROM sites WHERE source_id = :s"), {"s": source_id}))


def test_scenarios_built_in_then_live_then_the_users_each_with_its_latest_run(
    db_session: Session,
) -> None:
    factories.small_county(db_session)
    mine = factories.saved_scenario(db_session, factories.OUTAGE_ABACKA)
    live = factories.saved_scenario(db_session, {"name": "Läget just nu"}, kind="live")
    builtin = factories.saved_scenario(db_session, factories.CALM, kind="builtin")
    first = runs.start_run(db_session, mine)
    second = runs.start_run(db_session, mine)
    db_session.commit()
    listed = run_reports.scenarios_with_latest_run(db_session)
    assert [(s.id, r.id if r else None) for s, r in listed] == [
        (builtin.id, None),
        (live.id, None),
        (mine.id, second.id),
    ]
    assert first.id < second.id


def test_the_table_per_municipality_sums_to_the_county(db_session: Session, outage: Run) -> None:
    rows = run_reports.area_rows(outage.summary)
    assert [(r.kind, r.code, r.name) for r in rows] == [
        ("municipality", "2401", "Åbacka"),
        ("municipality", "2403", "Östervik"),
        ("county", None, ""),
    ]  # nothing outside both: no such row
    abacka, ostervik, county = rows
    assert (abacka.values["care_sites_unpowered"], abacka.values["residents_unpowered"]) == (1, 40)
    assert (ostervik.values["care_sites_cold"], ostervik.values["residents_cold"]) == (1, 25)
    for metric in run_reports.METRICS:
        assert county.values[metric] == pytest.approx(
            abacka.values[metric] + ostervik.values[metric]
        ), metric


def test_what_lies_in_no_municipality_is_its_own_row(outage: Run) -> None:
    summary = copy.deepcopy(outage.summary)
    summary["county"]["population"] += 7
    summary["county"]["uncovered"]["care"] += 7
    outside = [r for r in run_reports.area_rows(summary) if r.kind == "outside"]
    assert len(outside) == 1
    assert outside[0].values["population"] == 7 and outside[0].values["care"] == 7
    assert outside[0].values["food"] == 0


def test_a_summary_from_before_model_v2_reads_its_heat_figures_as_zero(outage: Run) -> None:
    summary = copy.deepcopy(outage.summary)
    for area in (*summary["municipalities"], summary["county"]):
        for key in ("care_sites_cold", "residents_cold", "home_care_clients_unpowered"):
            area.pop(key, None)
    county = run_reports.area_rows(summary)[-1]
    assert (county.values["care_sites_cold"], county.values["residents_cold"]) == (0, 0)


def test_a_run_compared_with_calm_weather_is_worse_where_it_hurts(
    db_session: Session, outage: Run
) -> None:
    calm = db_session.get(Run, factories.finished_run(db_session, factories.CALM))
    assert calm is not None
    rows = {(r.kind, r.code): r for r in run_reports.compare(calm.summary, outage.summary)}
    assert list(rows) == [("municipality", "2401"), ("municipality", "2403"), ("county", None)]
    unpowered = rows[("municipality", "2401")].cells["residents_unpowered"]
    assert (unpowered.a, unpowered.b, unpowered.delta, unpowered.verdict) == (0, 40, 40, "worse")
    assert rows[("municipality", "2403")].name == "Östervik"
    # More generators sent is neither better nor worse.
    assert rows[("county", None)].cells["generators_assigned"].verdict == ""
    back = {(r.kind, r.code): r for r in run_reports.compare(outage.summary, calm.summary)}
    assert back[("municipality", "2401")].cells["residents_unpowered"].verdict == "better"
    same = run_reports.compare(outage.summary, outage.summary)
    assert {d.verdict for row in same for d in row.cells.values()} == {"same"}


def test_a_municipality_in_one_run_only_is_not_comparable(outage: Run) -> None:
    fewer = copy.deepcopy(outage.summary)
    fewer["municipalities"] = [m for m in fewer["municipalities"] if m["code"] == "2401"]
    rows = {(r.kind, r.code): r for r in run_reports.compare(fewer, outage.summary)}
    cell = rows[("municipality", "2403")].cells["care"]
    assert (cell.a, cell.delta, cell.verdict) == (None, None, "")
    # The county now differs by Östervik's figures: they lie "outside" in run A's table.
    assert ("outside", None) in rows


def test_care_sites_worst_first_and_filtered(db_session: Session, outage: Run) -> None:
    sites = run_reports.care_sites(db_session, outage.id)
    # The cold one first (cold harms residents first), then the one without power.
    assert [s["name"] for s in sites] == ["Östergården", "Björkgårdens äldreboende"]
    assert sites[0]["heat_plant_name"] == "Åbacka värmeverk" and sites[0]["status"] == "grid"
    assert sites[1]["generator_name"] == "mobile_generator gen-1"
    assert sites[1]["municipality"] == "Åbacka"
    assert all(s["affected"] and s["new"] for s in sites)
    chosen = run_reports.affected_care_sites(db_session, outage.id, CareFilter(municipality="2403"))
    assert [s["name"] for s in chosen] == ["Östergården"] and chosen[0]["clients"] is False
    by_status = run_reports.affected_care_sites(db_session, outage.id, CareFilter(status="none"))
    assert [s["name"] for s in by_status] == ["Björkgårdens äldreboende"]
    assert (
        run_reports.affected_care_sites(db_session, outage.id, CareFilter(kind="group_home")) == []
    )


def test_a_calm_run_affects_no_care_site(db_session: Session) -> None:
    factories.heat_county(db_session)
    calm = factories.finished_run(db_session, factories.CALM)
    assert len(run_reports.care_sites(db_session, calm)) == 2
    assert run_reports.affected_care_sites(db_session, calm) == []


def test_every_gap_site_says_why(db_session: Session, outage: Run) -> None:
    causes = run_reports.gap_site_causes(db_session, outage)
    kinds = {sid: [c.kind for c in found] for sid, found in causes.items()}
    assert kinds[site_id(db_session, "care-1")] == ["outage", "no_backup", "generator"]
    assert kinds[site_id(db_session, "care-2")] == ["heat_plant", "cold"]
    assert causes[site_id(db_session, "care-2")][0].name == "Åbacka värmeverk"
    assert site_id(db_session, "food-1") not in causes  # in Östervik: kept its power


def test_a_sites_latest_gap_or_none(db_session: Session, outage: Run) -> None:
    gap = run_reports.latest_site_gap(db_session, site_id(db_session, "care-2"))
    assert gap is not None and gap.run.id == outage.id
    assert gap.plant == (site_id(db_session, "dh-1"), "Åbacka värmeverk")
    assert [c.kind for c in gap.causes] == ["heat_plant", "cold"]
    assert run_reports.latest_site_gap(db_session, site_id(db_session, "food-1")) is None
    assert run_reports.latest_site_gap(db_session, 10**9) is None


def test_heat_plant_of_a_source_id(db_session: Session, outage: Run) -> None:
    assert run_reports.heat_plant_of(db_session, "dh-1") == (
        site_id(db_session, "dh-1"),
        "Åbacka värmeverk",
    )
    assert run_reports.heat_plant_of(db_session, "care-1") is None  # not a heat plant
    assert run_reports.heat_plant_of(db_session, None) is None
    assert run_reports.heat_plant_of(db_session, "") is None


def test_food_stock_per_municipality_then_the_county(outage: Run) -> None:
    rows = run_reports.food_rows(outage.summary)
    assert [(r.code, r.name) for r in rows] == [
        ("2401", "Åbacka"),
        ("2403", "Östervik"),
        (None, ""),
    ]
    abacka, ostervik, county = rows
    assert abacka.days == 0 and abacka.deficit_person_days > 0  # no stock where 150 live
    assert ostervik.days is not None and ostervik.days > 30
    assert county.population == 205 and county.sites_stock_unknown == 2


def test_the_live_run_is_the_newest_finished_run_of_the_live_scenario(
    db_session: Session,
) -> None:
    factories.small_county(db_session)
    assert run_reports.live_run_id(db_session) is None
    factories.finished_run(db_session, factories.OUTAGE_ABACKA)  # a user's: not live
    assert run_reports.live_run_id(db_session) is None
    live = scenarios.create_scenario(db_session, parse_scenario(factories.CALM), kind="live")
    done = runs.start_run(db_session, live)
    runs.compute_run(db_session, done.id)
    runs.start_run(db_session, live)  # newer, not finished
    db_session.commit()
    assert run_reports.live_run_id(db_session) == done.id
