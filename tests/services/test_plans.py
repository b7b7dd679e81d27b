"""Backup-power plans stored in PostGIS: the stored document equals the pure computation on
the same inputs, it replays from its snapshots, bad requests change nothing, and a real RQ
worker computes a plan started through the API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from redis import Redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from resilience.analysis import PlanParameters, plan
from resilience.config import Settings
from resilience.errors import BadInput
from resilience.models import BackupPlan
from resilience.scenarios import parse_scenario
from resilience.services import imports, plans, runs, scenarios, users
from tests import factories
from tests.factories import OUTAGE_ABACKA, OUTAGE_ABACKA_LONG, plan_county
from tests.helpers.workers import run_worker

OUTAGE_ABACKA_LONG["outage"]["duration_hours"] = 72


def test_stored_plan_equals_the_pure_computation_and_replays(db_session: Session) -> None:
    ids = plan_county(db_session)
    request = plans.parse_request(db_session, {"scenarios": ids, "sites": 5, "plan_fuel_hours": 72})
    row = plans.start_plan(db_session, request, user="pia")
    progress: list[float] = []
    plans.compute_plan(db_session, row.id, lambda _id, pct, _step: progress.append(pct))
    assert row.status == "finished" and progress == sorted(progress)
    assert row.data_version == imports.data_version(db_session)

    sites, _cells, _names = runs.load_inputs(db_session)
    cases = [
        (str(i), parse_scenario(d).to_analysis())
        for i, d in zip(ids, (OUTAGE_ABACKA, OUTAGE_ABACKA_LONG), strict=True)
    ]
    expected = plan(sites, cases, PlanParameters(sites=5, plan_fuel_hours=72))
    document = row.document
    assert document is not None
    assert document["model_version"] == 3 and row.model_version == 3
    assert document["scenarios"] == [str(i) for i in ids]
    assert document["objective_before"] == expected.objective_before
    assert [s["site_id"] for s in document["steps"]] == [s.site_id for s in expected.steps]
    assert [s["objective_after"] for s in document["steps"]] == [
        s.objective_after for s in expected.steps
    ]
    names = {s["source_id"]: s["name"] for s in document["steps"]}
    assert names["care-2"] == "Gruppboendet Åsen"
    assert len(document["steps"]) == 2  # both care sites, then no candidate is left

    # Replay from the stored snapshots: the same document, even after the scenario changed.
    scenarios.update_scenario(
        db_session, scenarios.get_scenario(db_session, ids[0]), parse_scenario({"name": "tömd"})
    )
    replayed, _food = plans.compute_document(
        db_session, row.parameters, row.scenario_snapshots, row.scenario_ids
    )
    assert replayed == document

    food = row.food_stock
    assert food is not None
    codes = [m["code"] for m in food["municipalities"]]
    assert sorted(codes) == ["2401", "2403"]
    deficits = [m["largest_deficit"] for m in food["municipalities"]]
    assert deficits == sorted(deficits, reverse=True)
    # No stock is recorded: the deficit is the target (7 days) times the population.
    abacka = next(m for m in food["municipalities"] if m["code"] == "2401")
    assert abacka["deficit"][str(ids[0])] == 7 * 150

    ranked = plans.ranked_sites(db_session, row)
    assert [r["rank"] for r in ranked] == [1, 2]
    assert ranked[-1]["cumulative_reduction"] == pytest.approx(document["objective_before"])
    assert 63 < ranked[0]["lat"] < 64 and 19 < ranked[0]["lon"] < 21


def test_a_home_care_base_is_no_candidate_of_the_plan(db_session: Session) -> None:
    """v3: a home-care base's clients live at home; backup power at the base keeps no one
    warm, so the plan's objectives leave them out and the base is never ranked."""
    ids = plan_county(db_session)
    imports.import_sites(
        db_session,
        [factories.site("hc-1", "care", "home_care_base", 753_000, 7_083_000, residents=500)],
        "test3",
    )
    request = plans.parse_request(db_session, {"scenarios": ids, "sites": 5})
    row = plans.start_plan(db_session, request)
    plans.compute_plan(db_session, row.id)
    document = row.document
    assert document is not None and document["model_version"] == 3
    assert "hc-1" not in {s["source_id"] for s in document["steps"]}
    assert {s["source_id"] for s in document["steps"]} == {"care-1", "care-2"}


def test_municipality_restricts_the_candidates(db_session: Session) -> None:
    ids = plan_county(db_session)
    request = plans.parse_request(db_session, {"scenarios": ids, "municipality": "2403"})
    row = plans.start_plan(db_session, request)
    plans.compute_plan(db_session, row.id)
    assert row.document is not None
    assert row.document["steps"] == []  # no care site of Östervik is ever unpowered
    assert row.document["parameters"]["municipality"] == "2403"


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {},
        {"scenarios": []},
        {"scenarios": ["1"]},
        {"scenarios": [999_999]},
        {"scenarios": [0, 0]},
        {"scenarios": "SCEN", "sites": 3},
        {"scenarios": "SCEN", "sites": 0},
        {"scenarios": "SCEN", "sites": 2.5},
        {"scenarios": "SCEN", "sites": True},
        {"scenarios": "SCEN", "plan_fuel_hours": -1},
        {"scenarios": "SCEN", "plan_fuel_hours": "72"},
        {"scenarios": "SCEN", "objective": "most_votes"},
        {"scenarios": "SCEN", "municipality": "9999"},
        {"scenarios": "SCEN", "colour": "red"},
    ],
)
def test_bad_requests_are_refused(db_session: Session, body: Any) -> None:
    ids = plan_county(db_session)
    if isinstance(body, dict) and body.get("scenarios") == "SCEN":
        body = {**body, "scenarios": ids}
        if body.get("sites") == 3:
            body["scenarios"] = [*ids, ids[0]]
    if isinstance(body, dict) and body.get("scenarios") == [0, 0]:
        body = {"scenarios": [ids[0], ids[0]]}
    with pytest.raises(BadInput):
        plans.parse_request(db_session, body)


@pytest.mark.worker
def test_api_plan_computed_by_a_real_worker(
    app, committed: Session, redis_conn: Redis, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    ids = plan_county(committed)
    factories.user(committed, "planner-per", "planner")
    token = users.create_token(committed, "planner-per")
    factories.user(committed, "viewer-vi", "viewer")
    viewer = users.create_token(committed, "viewer-vi")
    committed.commit()
    auth = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    body = {"scenarios": ids, "sites": 10, "plan_fuel_hours": 72}

    def count() -> int:
        return committed.scalar(select(func.count()).select_from(BackupPlan)) or 0

    refused = client.post("/api/v1/plans", json=body, headers={"Authorization": f"Bearer {viewer}"})
    assert refused.status_code == 403
    bad = client.post("/api/v1/plans", json={**body, "sites": -1}, headers=auth)
    assert bad.status_code == 400 and count() == 0
    not_json = client.post("/api/v1/plans", data="x", headers=auth)
    assert not_json.status_code == 400 and count() == 0

    started = client.post("/api/v1/plans", json=body, headers=auth)
    assert started.status_code == 202, started.text
    url = started.headers["Location"]
    queued = client.get(url, headers=auth).json
    assert queued["status"] == "queued" and queued["document"] is None

    worker = run_worker(settings)
    assert worker.returncode == 0, worker.stderr[-3000:]
    status = client.get(url, headers=auth).json
    assert status["status"] == "finished", status
    assert status["progress"] == 100 and status["attempts"] == 1
    document = status["document"]
    assert document["objective"] == "resident_hours_unpowered"
    assert [s["source_id"] for s in document["steps"]][:1] == ["care-1"]
    assert status["food_stock"]["municipalities"]
    listed = client.get("/api/v1/plans", headers=auth).json["plans"]
    assert [p["id"] for p in listed] == [status["id"]]
    json.dumps(status)  # plain JSON throughout

    # A plan whose stored scenario cannot be read fails visibly once the retries are spent.
    broken = client.post("/api/v1/plans", json=body, headers=auth)
    row = committed.get(BackupPlan, broken.json["id"])
    assert row is not None
    key = str(ids[0])
    snapshot = dict(row.scenario_snapshots)
    snapshot[key] = {**snapshot[key], "definition": {"name": "x", "outage": {"duration_hours": -1}}}
    row.scenario_snapshots = snapshot
    committed.commit()
    worker = run_worker(settings)
    assert worker.returncode == 0, worker.stderr[-3000:]
    failed = client.get(broken.headers["Location"], headers=auth).json
    assert failed["status"] == "failed" and failed["error"], failed
    assert failed["attempts"] == 4 and failed["document"] is None
