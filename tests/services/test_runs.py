"""Runs stored in PostGIS: the stored result equals the pure computation (storing twice and
reading back old runs: tests/services/test_run_results.py)."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from resilience.analysis import compute
from resilience.errors import TooLarge
from resilience.scenarios import parse_scenario
from resilience.services import imports, run_results, runs, scenarios
from tests.factories import OUTAGE_ABACKA, TWO_DURATIONS, heat_county, site, small_county


def test_stored_result_equals_the_pure_computation(db_session: Session) -> None:
    small_county(db_session)
    spec = parse_scenario(OUTAGE_ABACKA)
    scenario = scenarios.create_scenario(db_session, spec)
    run = runs.start_run(db_session, scenario)
    progress: list[float] = []
    runs.compute_run(db_session, run.id, lambda _id, pct, _step: progress.append(pct))
    stored = run_results.result_document(db_session, run.id)

    sites, cells, names = runs.load_inputs(db_session)
    expected = compute(sites, cells, names, spec.to_analysis()).to_document()
    assert stored == expected
    assert progress == sorted(progress) and progress[-1] <= 100
    # The elderly home in Åbacka has no backup: unpowered the whole 24 h, no generator can
    # reach it in time? The generator is 14.1 km away: A = 14142 m · 1.3 / (70 000/60) min
    # = 15.8 min, well within 12 h, so it is assigned and the home is powered again.
    home = next(s for s in stored["sites"] if s["source_id"] == "care-1")
    assert home["hours_unpowered_before"] == 24
    assert home["generator_source_id"] == "gen-1"
    assert 0 < home["hours_unpowered"] < 0.3
    assert run.model_version == 3 and run.data_version >= 1
    assert run.parameters["duration_hours"] == 24


def test_a_runs_rows_go_with_it_and_need_it(db_session: Session) -> None:
    """run_timeline checks its run once per statement (triggers, not a foreign key per
    row); the sites' and the cells' arrays keep their foreign key. Deleting the scenario
    deletes its runs and, with them, every row of their results."""
    small_county(db_session)
    scenario = scenarios.create_scenario(db_session, parse_scenario(OUTAGE_ABACKA))
    run = runs.start_run(db_session, scenario)
    runs.compute_run(db_session, run.id)
    tables = ("run_site_arrays", "run_cell_arrays", "run_municipalities", "run_timeline")

    def count(table: str) -> int:
        sql = text(f"SELECT count(*) FROM {table} WHERE run_id = :run")
        return int(db_session.scalar(sql, {"run": run.id}) or 0)

    assert all(count(t) > 0 for t in tables)
    db_session.execute(
        text("CREATE TEMP TABLE copied AS SELECT * FROM run_timeline WHERE run_id = :run"),
        {"run": run.id},
    )
    db_session.execute(text("UPDATE copied SET run_id = run_id + 1000"))
    with pytest.raises(IntegrityError, match="not present in table"), db_session.begin_nested():
        db_session.execute(text("INSERT INTO run_timeline SELECT * FROM copied"))
    with pytest.raises(IntegrityError, match="not present in table"), db_session.begin_nested():
        db_session.execute(
            text("UPDATE run_timeline SET run_id = run_id + 1000 WHERE run_id = :run"),
            {"run": run.id},
        )
    db_session.execute(text("DROP TABLE copied"))
    db_session.delete(scenario)
    db_session.flush()
    assert [count(t) for t in tables] == [0, 0, 0, 0]


def test_the_run_keeps_its_snapshot_when_the_scenario_changes(db_session: Session) -> None:
    small_county(db_session)
    scenario = scenarios.create_scenario(db_session, parse_scenario(OUTAGE_ABACKA))
    run = runs.start_run(db_session, scenario)
    scenarios.update_scenario(db_session, scenario, parse_scenario({"name": "Inget avbrott"}))
    runs.compute_run(db_session, run.id)
    county = run_results.result_document(db_session, run.id)["county"]
    # The outage of the snapshot applies: the home waits ~16 min for its generator.
    assert county["care_sites_unpowered"] == 1 and county["generators_assigned"] == 1


def test_heat_plant_inside_the_outage_chills_a_home_outside_it(db_session: Session) -> None:
    heat_county(db_session)
    spec = parse_scenario(OUTAGE_ABACKA)
    run = runs.start_run(db_session, scenarios.create_scenario(db_session, spec))
    runs.compute_run(db_session, run.id)
    stored = run_results.result_document(db_session, run.id)
    sites_, cells, names = runs.load_inputs(db_session)
    result = compute(sites_, cells, names, spec.to_analysis())
    assert stored == result.to_document()

    # tau 72 h (elderly home): t* = 72 · ln(31 / 28) h; cold from t* until the grid returns.
    tstar = 72 * math.log(31 / 28)
    home = next(s for s in stored["sites"] if s["source_id"] == "care-2")
    assert home["hours_unpowered"] == 0 and home["heat_plant_source_id"] == "dh-1"
    assert home["first_cold_hour"] == pytest.approx(tstar)
    assert home["hours_cold"] == pytest.approx(24 - tstar)
    assert home["min_indoor_c"] == pytest.approx(-10 + 31 * math.exp(-24 / 72))
    ostervik = next(m for m in stored["municipalities"] if m["code"] == "2403")
    assert ostervik["care_sites_cold"] == 1 and ostervik["residents_cold"] == 25
    assert ostervik["food_stock_days"] == pytest.approx(2000 / 55)
    assert ostervik["food_sites_stock_unknown"] == 1  # food-1 has no stock figure
    cold = stored["timeline"]["municipalities"]["2403"]["residents_cold"]
    assert cold == [25 if h > tstar else 0 for h in stored["timeline"]["hours"]]

    # What the map's slider reads: the intervals per site, the instants per cell.
    row = db_session.execute(
        text(
            "SELECT unpowered_intervals, unheated_intervals, cold_intervals, hours_cold"
            " FROM run_sites r JOIN sites s ON s.id = r.site_id"
            " WHERE r.run_id = :run AND s.source_id = 'care-2'"
        ),
        {"run": run.id},
    ).one()
    assert row[0] == [] and row[1] == [0.0, 24.0]
    assert row[2] == pytest.approx([tstar, 24.0])
    plant = db_session.scalar(
        text(
            "SELECT unpowered_intervals FROM run_sites r JOIN sites s ON s.id = r.site_id"
            " WHERE r.run_id = :run AND s.source_id = 'dh-1'"
        ),
        {"run": run.id},
    )
    assert plant == [0.0, 24.0]
    bits = dict(
        db_session.execute(
            text("SELECT cell_id, shelter_uncovered_at::text FROM run_cells WHERE run_id = :run"),
            {"run": run.id},
        ).all()
    )
    for k in range(24):  # each cell's bit k is its coverage at instant k, from the result
        for row_index, cell_id in enumerate(result.cells.id.tolist()):
            covered = bool(result.covered_at("shelter", k)[row_index])
            if bits[cell_id] is None:
                assert covered
            else:
                assert bits[cell_id][k] == ("0" if covered else "1")


def test_a_run_whose_job_redis_lost_fails_within_minutes(db_session: Session) -> None:
    """No job for a minute: Redis lost it (the audit waited 17 minutes for this). A live
    run, computed inside its recalculation job, is given the job timeout."""
    from datetime import timedelta

    small_county(db_session)
    scenario = scenarios.create_scenario(db_session, parse_scenario(OUTAGE_ABACKA))
    live = scenarios.create_scenario(db_session, parse_scenario(OUTAGE_ABACKA), kind="live")
    user_run, live_run = runs.start_run(db_session, scenario), runs.start_run(db_session, live)
    db_session.flush()
    states: dict[int, str | None] = {user_run.id: None, live_run.id: None}
    soon = user_run.created_at + timedelta(seconds=30)
    later = user_run.created_at + timedelta(seconds=90)
    assert runs.fail_lost(db_session, states, 60, soon, live_lost_after_s=960) == []
    assert runs.fail_lost(db_session, states, 60, later, live_lost_after_s=960) == [user_run.id]
    assert "lost" in (user_run.error or "") and live_run.status == "queued"
    redis_down = {live_run.id: "unavailable"}  # no answer from Redis is not a lost job
    assert runs.fail_lost(db_session, redis_down, 60, later + timedelta(hours=1), 960) == []


def test_per_area_durations_and_home_care_clients_read_back_as_computed(
    db_session: Session,
) -> None:
    """v3: each outage area its own D, a home-care base's clients apart from residents;
    the stored document equals compute()'s, timeline and v3 fields included."""
    small_county(db_session)
    imports.import_sites(
        db_session,
        [
            site("hc-1", "care", "home_care_base", 766_500, 7_086_000, residents=70),
            site("care-3", "care", "group_home", 767_500, 7_086_500, residents=6),
        ],
        "test",
    )
    spec = parse_scenario(TWO_DURATIONS)
    run = runs.start_run(db_session, scenarios.create_scenario(db_session, spec))
    runs.compute_run(db_session, run.id)
    stored = run_results.result_document(db_session, run.id)
    sites_, cells, names = runs.load_inputs(db_session)
    expected = compute(sites_, cells, names, spec.to_analysis()).to_document()
    assert stored == expected
    assert stored["model_version"] == 3 and stored["roads"] is None
    by_source = {s["source_id"]: s for s in stored["sites"]}
    assert by_source["care-1"]["outage_hours"] == 12
    assert by_source["hc-1"]["outage_hours"] == 48
    assert by_source["outside-1"]["outage_hours"] == 0
    ostervik = next(m for m in stored["municipalities"] if m["code"] == "2403")
    # The one generator goes to Åbacka's elderly home: the base and the group home stay dark.
    assert ostervik["home_care_clients_unpowered"] == 70
    assert ostervik["residents_unpowered"] == 6  # the group home's; the clients are apart
    assert stored["county"]["home_care_clients_unpowered"] == 70
    assert set(ostervik["unreachable"]) == {"food", "care", "shelter"}
    county = stored["timeline"]["county"]
    assert len(stored["timeline"]["hours"]) == 48
    assert county["home_care_clients_unpowered"][0] == 70
    assert run_results.timeline_document(db_session, run.id) == stored["timeline"]
    row = db_session.execute(
        text(
            "SELECT home_care_clients_unpowered, unreachable_food FROM run_municipalities"
            " WHERE run_id = :run AND code = '2403'"
        ),
        {"run": run.id},
    ).one()
    assert row == (70, ostervik["unreachable"]["food"])


def test_a_generator_s_line_follows_the_roads_when_the_run_has_them(db_session: Session) -> None:
    """Issue 21: the generator in Östervik (765000, 7085000) reaches Björkgården in Åbacka
    by a road that bends at (758000, 7083000). The run stores the route, and the map's
    layer (run_layers.gap_sites) serves it as the generator's line: the generator's point,
    the road's vertices in order, the home's point. Without roads the line is straight."""
    from resilience.services import run_layers

    small_county(db_session)
    straight = runs.start_run(
        db_session, scenarios.create_scenario(db_session, parse_scenario(OUTAGE_ABACKA))
    )
    runs.compute_run(db_session, straight.id)
    db_session.execute(
        text(
            "INSERT INTO roads (name, road_class, geom) VALUES ('Länsväg', 'primary',"
            " ST_GeomFromText('LINESTRING(765000 7085000, 758000 7083000, 751500 7081500)',"
            " 3006))"
        )
    )
    routed = runs.start_run(
        db_session,
        scenarios.create_scenario(
            db_session, parse_scenario({**OUTAGE_ABACKA, "name": "Åbacka, längs vägen"})
        ),
    )
    runs.compute_run(db_session, routed.id)

    def line(run_id: int) -> list[list[float]]:
        sites = run_layers.gap_sites(db_session, run_id, crs=3006)["features"]
        home = next(f for f in sites if f["properties"]["name"] == "Björkgårdens äldreboende")
        return home["properties"]["generator_line"]["coordinates"]  # type: ignore[no-any-return]

    assert len(line(straight.id)) == 2
    home = db_session.execute(
        text("SELECT ST_X(geom), ST_Y(geom) FROM sites WHERE name = 'Björkgårdens äldreboende'")
    ).one()
    assert line(routed.id) == [
        [765000.0, 7085000.0],
        [765000.0, 7085000.0],
        [758000.0, 7083000.0],
        [751500.0, 7081500.0],
        [float(home[0]), float(home[1])],
    ]


def test_the_work_limits_count_the_data_of_its_version(committed: Session) -> None:
    """check_work keeps its counts per data version: a committed change of the cells moves
    the version, and the next start counts again."""
    small_county(committed)
    committed.commit()
    populated = "SELECT count(*) FROM population_cells WHERE population > 0"
    cells = int(committed.scalar(text(populated)) or 0)
    assert cells > 1
    roomy, tight = runs.WorkLimits(cells, 10**6), runs.WorkLimits(cells - 1, 10**6)
    runs.check_work(committed, roomy)
    with pytest.raises(TooLarge, match=f"{cells:,} populated cells"):
        runs.check_work(committed, tight)
    committed.commit()
    committed.execute(
        text(
            "UPDATE population_cells SET population = 0"
            " WHERE id = (SELECT min(id) FROM population_cells WHERE population > 0)"
        )
    )
    committed.commit()
    runs.check_work(committed, tight)  # one cell fewer now
