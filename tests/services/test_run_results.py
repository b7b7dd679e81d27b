"""A run's results stored and read back (services/run_results.py): storing twice writes
the same rows, and a run stored before v3 reads back without the v3 fields. That the stored
document equals the pure computation is in tests/services/test_runs.py, with the runs."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from resilience.models import RunCell, RunMunicipality, RunSite
from resilience.scenarios import parse_scenario
from resilience.services import run_results, runs, scenarios
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
