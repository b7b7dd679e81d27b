"""A run's results stored and read back (services/run_results.py): storing twice writes
the same rows, and a run stored before v3 reads back without the v3 fields. That the stored
document equals the pure computation is in tests/services/test_runs.py, with the runs."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from resilience.analysis import compute
from resilience.models import RunCell, RunMunicipality, RunSite
from resilience.scenarios import parse_scenario
from resilience.services import run_results, runs, scenarios
from resilience.services.run_inputs import run_inputs
from tests.factories import OUTAGE_ABACKA, small_county


def _rows(session: Session, run_id: int) -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        session.scalar(select(func.count()).select_from(t).where(t.run_id == run_id))
        for t in (RunSite, RunCell, RunMunicipality)
    )


def test_computing_twice_writes_the_same_rows(db_session: Session) -> None:
    small_county(db_session)
    scenario = scenarios.create_scenario(db_session, parse_scenario(OUTAGE_ABACKA))
    run = runs.start_run(db_session, scenario)
    runs.compute_run(db_session, run.id)
    first, counts = run_results.result_document(db_session, run.id), _rows(db_session, run.id)
    runs.compute_run(db_session, run.id)
    assert run_results.result_document(db_session, run.id) == first
    assert _rows(db_session, run.id) == counts == (4, 3, 3)  # 2 municipalities + "none"


def test_a_run_stored_before_v3_reads_back_without_the_v3_fields(db_session: Session) -> None:
    small_county(db_session)
    run = runs.start_run(
        db_session, scenarios.create_scenario(db_session, parse_scenario(OUTAGE_ABACKA))
    )
    runs.compute_run(db_session, run.id)
    db_session.execute(
        text(
            "UPDATE run_site_arrays SET outage_hours ="
            " array_fill(NULL::float8, ARRAY[cardinality(site_id)]) WHERE run_id = :run"
        ),
        {"run": run.id},
    )
    db_session.execute(
        text(
            "UPDATE run_timeline SET home_care_clients_unpowered = NULL,"
            " unreachable_food = NULL, unreachable_care = NULL, unreachable_shelter = NULL"
            " WHERE run_id = :run"
        ),
        {"run": run.id},
    )
    run.model_version = 2
    db_session.flush()
    stored = run_results.result_document(db_session, run.id)
    assert stored["model_version"] == 2 and "roads" not in stored
    assert all("outage_hours" not in s for s in stored["sites"])
    assert "unreachable" not in stored["timeline"]["county"]


def _cells(session: Session, run_id: int) -> list[tuple[object, ...]]:
    """run_cells of a run, without its id."""
    rows = session.execute(
        text("SELECT * FROM run_cells WHERE run_id = :run ORDER BY cell_id"), {"run": run_id}
    )
    return [tuple(row)[1:] for row in rows]


def test_runs_of_one_data_version_share_their_cells(db_session: Session) -> None:
    """The cells' ids, codes and population are stored once per data version (migration
    0027): the runs' own arrays stay null, and run_cells reads exactly what a run with its
    own arrays reads. A run whose data changed within its version's own transaction keeps
    its own arrays, and its own population."""
    small_county(db_session)
    scenario = scenarios.create_scenario(db_session, parse_scenario(OUTAGE_ABACKA))
    first, second = runs.start_run(db_session, scenario), runs.start_run(db_session, scenario)
    runs.compute_run(db_session, first.id)
    runs.compute_run(db_session, second.id)
    own = text("SELECT cell_id IS NOT NULL FROM run_cell_arrays WHERE run_id = :run")
    assert db_session.scalar(own, {"run": first.id}) is False
    assert db_session.scalar(own, {"run": second.id}) is False
    shared_rows = text("SELECT count(*) FROM run_cell_inputs WHERE data_version = :version")
    assert first.data_version == second.data_version
    assert db_session.scalar(shared_rows, {"version": first.data_version}) == 1

    # The same result stored with its own arrays (no data version) reads back the same.
    alone = runs.start_run(db_session, scenario)
    sites, cells, names = runs.load_inputs(db_session)
    result = compute(sites, cells, names, parse_scenario(OUTAGE_ABACKA).to_analysis())
    run_results.store_result(db_session, alone, result)
    assert db_session.scalar(own, {"run": alone.id}) is True
    shared = _cells(db_session, first.id)
    assert shared and shared == _cells(db_session, alone.id) == _cells(db_session, second.id)
    assert run_results.result_document(db_session, first.id) == result.to_document()

    # The data change in this same transaction: the version stays, the digest does not.
    db_session.execute(text("UPDATE population_cells SET population = population + 7"))
    changed = runs.start_run(db_session, scenario)
    runs.compute_run(db_session, changed.id)
    assert db_session.scalar(own, {"run": changed.id}) is True
    population = text("SELECT sum(population) FROM run_cells WHERE run_id = :run")
    before = db_session.scalar(population, {"run": first.id})
    assert db_session.scalar(population, {"run": changed.id}) == before + 7 * len(shared)
    assert db_session.scalar(population, {"run": first.id}) == before


def test_runs_with_one_baseline_share_it(db_session: Session) -> None:
    """A run's baseline minutes are stored once per distinct content (migration 0028): the
    runs of one scenario name one run_baselines row and leave their own arrays null; a
    scenario whose travel parameters move the baseline gets a row of its own; run_cells
    reads each run's own baseline, as a run stored with its own arrays does. The row of
    the default parameters is there before the first run (the worker writes it)."""
    small_county(db_session)
    same = scenarios.create_scenario(db_session, parse_scenario(OUTAGE_ABACKA))
    slower = scenarios.create_scenario(
        db_session, parse_scenario(OUTAGE_ABACKA | {"parameters": {"speed_kmh": 35}})
    )
    # As a worker keeps a data version's inputs: the baseline of the default parameters.
    default = runs.keep_default_baseline(db_session, run_inputs(db_session))
    first, second, other = (runs.start_run(db_session, s) for s in (same, same, slower))
    for run in (first, second, other):
        runs.compute_run(db_session, run.id)
    arrays = text(
        "SELECT baseline_digest, food_minutes_baseline IS NULL FROM run_cell_arrays"
        " WHERE run_id = :run"
    )
    digests = [db_session.execute(arrays, {"run": r.id}).one() for r in (first, second, other)]
    assert all(own_is_null for _digest, own_is_null in digests)
    assert default == digests[0][0] == digests[1][0] != digests[2][0]
    assert db_session.scalar(text("SELECT count(*) FROM run_baselines")) == 2

    sites, cells, names = runs.load_inputs(db_session)
    for scenario, run in ((same, first), (slower, other)):
        alone = runs.start_run(db_session, scenario)
        result = compute(sites, cells, names, parse_scenario(scenario.definition).to_analysis())
        run_results.store_result(db_session, alone, result)  # no data version: its own arrays
        assert db_session.execute(arrays, {"run": alone.id}).one() == (None, False)
        assert _cells(db_session, run.id) == _cells(db_session, alone.id)
    baseline = text("SELECT sum(food_minutes_baseline) FROM run_cells WHERE run_id = :run")
    assert db_session.scalar(baseline, {"run": other.id}) > db_session.scalar(
        baseline, {"run": first.id}
    )
