"""Backup-power plans: parse a request, start a plan, compute it (called by the RQ job and
the CLI), and read it back for the API, the page and the exports. The computation itself
is resilience.analysis.plan; the inputs come from run_inputs, the scenarios from
their stored definitions (snapshotted when the plan starts, so it can be replayed)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from geodata import exporters
from geodata.exporters import Field, Layer, LayerSchema, record_batch
from resilience.analysis import MODEL_VERSION, PlanParameters, RoadNetwork, compute, plan
from resilience.analysis.plan import OBJECTIVES
from resilience.config import Settings
from resilience.errors import BadInput, Conflict
from resilience.models import BackupPlan, Municipality, Scenario
from resilience.services import runs, scenarios
from resilience.services.lookup import get_or_404
from resilience.services.run_inputs import RunInputs, run_inputs
from resilience.services.transactions import start_then_enqueue
from resilience.vocabulary import SWEREF99TM
from workers import queue

# A plan over more scenarios than this is refused: each one is a full steps 1-2 per site.
MAX_SCENARIOS = 10

ProgressSink = Callable[[int, float, str], None]


@dataclass(frozen=True)
class PlanRequest:
    """What a user asks for: scenario ids (distinct, in order), the plan parameters, and
    the municipality the candidates are restricted to (None: the whole county)."""

    scenario_ids: tuple[int, ...]
    parameters: PlanParameters
    municipality: str | None

    def to_dict(self) -> dict[str, Any]:
        return {**self.parameters.to_dict(), "municipality": self.municipality}


def _whole(value: Any, name: str, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput(f"{name} must be a whole number, not {value!r}", field=field)
    return value


def parse_request(session: Session, body: Any) -> PlanRequest:
    """A plan request from JSON-like data: {"scenarios": [ids], "sites": K,
    "plan_fuel_hours": H, "objective": ..., "municipality": code or null}. Every scenario
    and the municipality must exist. BadInput (400) on anything else."""
    if not isinstance(body, Mapping):
        raise BadInput("send a JSON object with scenarios, sites, plan_fuel_hours, objective")
    known = {"scenarios", "sites", "plan_fuel_hours", "objective", "municipality"}
    unknown = sorted(str(k) for k in body if k not in known)
    if unknown:
        raise BadInput(f"unknown field {', '.join(map(repr, unknown))}")
    ids = body.get("scenarios")
    if not isinstance(ids, list) or not ids:
        raise BadInput("scenarios must be a non-empty list of scenario ids", field="scenarios")
    scenario_ids = tuple(_whole(i, "a scenario id", "scenarios") for i in ids)
    if len(set(scenario_ids)) != len(scenario_ids):
        raise BadInput("scenarios must be distinct", field="scenarios")
    if len(scenario_ids) > MAX_SCENARIOS:
        raise BadInput(f"at most {MAX_SCENARIOS} scenarios in one plan", field="scenarios")
    found = set(session.scalars(select(Scenario.id).where(Scenario.id.in_(scenario_ids))))
    missing = [i for i in scenario_ids if i not in found]
    if missing:
        raise BadInput(f"no scenario with id {missing[0]}", field="scenarios")
    sites = body.get("sites", 10)
    fuel = body.get("plan_fuel_hours", 72.0)
    if isinstance(fuel, bool) or not isinstance(fuel, int | float):
        raise BadInput(f"plan_fuel_hours must be a number, not {fuel!r}", field="plan_fuel_hours")
    try:
        parameters = PlanParameters(
            sites=_whole(sites, "sites", "sites"),
            plan_fuel_hours=float(fuel),
            objective=body.get("objective", OBJECTIVES[0]),
        )
    except ValueError as exc:
        raise BadInput(str(exc)) from exc
    municipality = body.get("municipality")
    if municipality is not None and (
        not isinstance(municipality, str) or session.get(Municipality, municipality) is None
    ):
        raise BadInput(f"no municipality with code {municipality!r}", field="municipality")
    return PlanRequest(scenario_ids, parameters, municipality)


def snapshots(session: Session, scenario_ids: Sequence[int]) -> dict[str, dict[str, Any]]:
    """Each scenario's name, kind and definition as they are now, by id as text."""
    rows = {s.id: s for s in session.scalars(select(Scenario).where(Scenario.id.in_(scenario_ids)))}
    return {
        str(i): {"name": rows[i].name, "kind": rows[i].kind, "definition": rows[i].definition}
        for i in scenario_ids
    }


def start_plan(
    session: Session,
    request: PlanRequest,
    user: str | None = None,
    limits: runs.WorkLimits | None = None,
) -> BackupPlan:
    """A queued plan with a snapshot of each scenario as it is now (later edits don't leak
    in). With `limits`, data larger than a run may compute over is refused (TooLarge)."""
    if limits is not None:
        runs.check_work(session, limits)
    row = BackupPlan(
        status="queued",
        progress=0.0,
        attempts=0,
        parameters=request.to_dict(),
        scenario_ids=list(request.scenario_ids),
        scenario_snapshots=snapshots(session, request.scenario_ids),
        created_by=user,
    )
    session.add(row)
    session.flush()
    return row


def start_and_enqueue_plan(
    session: Session, settings: Settings, request: PlanRequest, user: str | None
) -> BackupPlan:
    """The use-case "compute this plan" (the page's form and the API): a queued plan within
    the request limits, committed, then its job enqueued. Redis down: 503 before anything is
    written, and the plan taken back when Redis goes away between the commit and the
    enqueue."""
    queue.check_queue(settings)
    return start_then_enqueue(
        session,
        lambda: start_plan(session, request, user=user, limits=runs.WorkLimits.of(settings)),
        lambda row: queue.enqueue_plan(settings, row.id),
    )


def get_plan(session: Session, plan_id: int) -> BackupPlan:
    return get_or_404(session, BackupPlan, plan_id, "plan")


def unfinished_plans(session: Session) -> list[BackupPlan]:
    query = select(BackupPlan).where(BackupPlan.status.in_(("queued", "running")))
    return list(session.scalars(query.order_by(BackupPlan.id)))


def fail_lost(
    session: Session,
    job_states: dict[int, str | None],
    lost_after_s: float,
    now: datetime | None = None,
) -> list[int]:
    """Mark failed, with the reason, the unfinished plans whose job died or vanished (Redis
    lost it) `lost_after_s` after the plan was made, as runs.fail_lost does for runs.
    `job_states` maps plan id to RQ's state of its job. Returns the ids marked."""
    marked = runs.mark_lost(
        unfinished_plans(session),
        job_states,
        lambda _row: lost_after_s,
        "the plan's job was lost (was Redis restarted?); start the plan again",
        now or datetime.now(UTC),
    )
    session.flush()
    return marked


def latest_plans(session: Session, limit: int = 50) -> list[BackupPlan]:
    return list(session.scalars(select(BackupPlan).order_by(BackupPlan.id.desc()).limit(limit)))


def shown_status(row: BackupPlan, job_state: str | None) -> tuple[str, str | None]:
    """The plan's status and error as users see them: failed when RQ says the job died
    (runs.reconcile reads only status and error, which a plan has too)."""
    error = runs.reconcile(row, job_state)
    return ("failed", error) if error else (row.status, row.error)


def _site_names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(
        text("SELECT id, name FROM sites WHERE id = ANY(:ids)"), {"ids": list(ids)}
    ).all()
    return {int(i): str(n) for i, n in rows}


def compute_document(
    session: Session,
    request: Mapping[str, Any],
    snapshots: Mapping[str, Mapping[str, Any]],
    scenario_ids: Sequence[int],
    progress: Callable[[float, str], None] | None = None,
    inputs: RunInputs | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the plan document, the food stock figures) for stored parameters and scenario
    snapshots, from the data as it is now (or `inputs`). Used by the job and, in process,
    by the CLI."""
    report = progress if progress is not None else (lambda fraction, step: None)
    if inputs is None:
        inputs = run_inputs(session)  # kept by the worker per data version
    sites, cells, names = inputs.sites, inputs.cells, inputs.names
    cases = [
        (str(i), scenarios.spec_of(dict(snapshots[str(i)]["definition"])).to_analysis())
        for i in scenario_ids
    ]
    parameters = PlanParameters(
        sites=int(request["sites"]),
        plan_fuel_hours=float(request["plan_fuel_hours"]),
        objective=str(request["objective"]),
    )
    municipality = request.get("municipality")
    eligible = None if municipality is None else np.equal(sites.municipality, municipality)
    result = plan(
        sites,
        cases,
        parameters,
        eligible=eligible,
        progress=lambda fraction, step: report(0.8 * fraction, step),
        roads=inputs.roads,
    )
    # Names of the steps' sites and of the generators they move and the sites those go to.
    named = [int(sites.id[r]) for r in result.site_rows()]
    document = result.to_document(_site_names(session, named))
    document["parameters"]["municipality"] = municipality
    document["parameters"]["scenarios"] = {
        key: {**scenario.parameters.to_dict(), "duration_hours": scenario.duration_hours}
        for key, scenario in cases
    }
    food = food_stock(sites, cells, names, cases, report, roads=inputs.roads)
    return document, food


def food_stock(
    sites: Any,
    cells: Any,
    names: Mapping[str, str],
    cases: Sequence[tuple[str, Any]],
    report: Callable[[float, str], None],
    roads: RoadNetwork | None = None,
) -> dict[str, Any]:
    """Per municipality, the food stock deficit against the target in each scenario (model
    v2, "Food stock"), ranked by the largest deficit in any scenario."""
    by_code: dict[str, dict[str, Any]] = {}
    county: dict[str, Any] = {}
    for number, (key, scenario) in enumerate(cases):
        report(0.8 + 0.15 * number / len(cases), "food stock")
        result = compute(sites, cells, names, scenario, timeline=False, roads=roads)
        county[key] = result.county.v2_dict()
        for area in result.municipalities:
            entry = by_code.setdefault(
                area.code,
                {
                    "code": area.code,
                    "name": area.name,
                    "population": area.population,
                    "deficit": {},
                    "days": {},
                    "days_baseline": None,
                    "stock_unknown": 0,
                },
            )
            entry["deficit"][key] = area.food.food_stock_deficit_person_days
            entry["days"][key] = area.food.food_stock_days
            entry["days_baseline"] = area.food.food_stock_days_baseline
            entry["stock_unknown"] = area.food.food_sites_stock_unknown
    rows = list(by_code.values())
    for entry in rows:
        entry["largest_deficit"] = max(entry["deficit"].values(), default=0.0)
    rows.sort(key=lambda e: (-e["largest_deficit"], e["code"]))
    targets = {key: scenario.parameters.food_stock_target_days for key, scenario in cases}
    return {"target_days": targets, "municipalities": rows, "county": county}


def compute_plan(
    session: Session, plan_id: int, progress: ProgressSink | None = None
) -> BackupPlan:
    """Compute a stored plan and store its document, in the caller's transaction.
    Idempotent: the document is replaced as a whole."""
    row = get_plan(session, plan_id)
    started = time.monotonic()

    def report(fraction: float, step: str) -> None:
        if progress is not None:
            progress(plan_id, round(5 + 90 * fraction, 1), step)

    inputs = run_inputs(session)
    document, food = compute_document(
        session, row.parameters, row.scenario_snapshots, row.scenario_ids, report, inputs
    )
    row.document = document
    row.food_stock = food
    row.model_version = MODEL_VERSION
    row.data_version = inputs.version
    row.compute_seconds = round(time.monotonic() - started, 3)
    row.status, row.progress, row.step, row.error = "finished", 100.0, None, None
    row.finished_at = datetime.now(UTC)
    session.flush()
    return row


def ranked_sites(session: Session, row: BackupPlan) -> list[dict[str, Any]]:
    """The plan's steps with what the page, map and exports show of each site: rank, kind,
    residents, municipality name, WGS 84 lon/lat and EPSG:3006 x/y (from the sites table as
    it is now; a deleted site keeps only what the document says)."""
    steps = (row.document or {}).get("steps") or []
    ids = [int(s["site_id"]) for s in steps]
    found: dict[int, Any] = {}
    if ids:
        for r in session.execute(
            text(
                "SELECT s.id, s.kind, s.residents, m.name AS municipality_name,"
                " ST_X(s.geom) AS x, ST_Y(s.geom) AS y,"
                " ST_X(ST_Transform(s.geom, 4326)) AS lon, ST_Y(ST_Transform(s.geom, 4326)) AS lat"
                " FROM sites s LEFT JOIN municipalities m ON m.code = s.municipality_code"
                " WHERE s.id = ANY(:ids)"
            ),
            {"ids": ids},
        ).mappings():
            found[int(r["id"])] = r
    before = float((row.document or {}).get("objective_before") or 0.0)
    out = []
    for rank, step in enumerate(steps, start=1):
        extra = found.get(int(step["site_id"]))
        after = float(step["objective_after"])
        out.append(
            {
                "rank": rank,
                **step,
                "kind": extra["kind"] if extra else None,
                "residents": extra["residents"] if extra else None,
                "municipality_name": extra["municipality_name"] if extra else None,
                "x": extra["x"] if extra else None,
                "y": extra["y"] if extra else None,
                "lon": extra["lon"] if extra else None,
                "lat": extra["lat"] if extra else None,
                "cumulative_reduction": before - after,
                "share": (before - after) / before if before > 0 else 0.0,
            }
        )
    return out


def cumulative_curve(row: BackupPlan) -> list[tuple[int, float]]:
    """(number of sites, cumulative reduction) from 0 sites on."""
    document = row.document or {}
    before = float(document.get("objective_before") or 0.0)
    points = [(0, 0.0)]
    for number, step in enumerate(document.get("steps") or [], start=1):
        points.append((number, before - float(step["objective_after"])))
    return points


PLAN_LAYER = LayerSchema(
    name="backup_power_plan",
    title="Reservkraftsplan",
    geometry_type="Point",
    fields=(
        Field("rank", "int", description="order in the plan, 1 first"),
        Field("site_id", "int"),
        Field("source_id", "text", "source_id"),
        Field("name", "text"),
        Field("municipality", "text", "kommun", "4-digit code"),
        Field("kind", "text"),
        Field("residents", "int", "residents"),
        Field("reduction", "float", "reduction", "objective reduction, person-hours"),
        Field("objective_after", "float", "obj_after", "objective after it, person-hours"),
        Field("cumulative_reduction", "float", "cum_reduc", "person-hours"),
        Field(
            "effects",
            "text",
            "effects",
            "what it changes per scenario: person-hours saved, generators freed for other sites",
        ),
    ),
    description="Care sites to equip with fixed backup power, in order",
)
EXPORT_FORMATS = ("gpkg", "csv")


def export_file(
    session: Session,
    row: BackupPlan,
    fmt: str,
    directory: Path,
    effects: Callable[[dict[str, Any]], str] | None = None,
) -> Path:
    """The ranked sites as a GeoPackage or CSV (EPSG:3006) in directory. effects: a ranked
    site (ranked_sites) → what its step changes, in words (the web's, in the reader's
    language); without it the field is empty."""
    if fmt not in EXPORT_FORMATS:
        raise BadInput(f"unknown format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    if row.status != "finished" or row.document is None:
        raise Conflict(f"plan {row.id} has no result yet (status {row.status})")
    ranked = ranked_sites(session, row)
    ranked = [r | {"effects": effects(r) if effects else None} for r in ranked]
    columns = {f.name: [r.get(f.name) for r in ranked] for f in PLAN_LAYER.fields}
    wkb = [
        shapely.to_wkb(shapely.Point(r["x"], r["y"])) if r["x"] is not None else None
        for r in ranked
    ]
    layer = Layer(PLAN_LAYER, [record_batch(PLAN_LAYER, columns, wkb)])
    return exporters.write(fmt, [layer], directory, f"reservkraftsplan-{row.id}", SWEREF99TM)
