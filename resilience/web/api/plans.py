"""/api/v1/plans: backup-power plans ("Reservkraftsplan") started, listed and read
(services/plans.py). The pages (web/plans.py) start plans the same way (`start`)."""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from resilience.db import db
from resilience.errors import BadInput, Forbidden
from resilience.models import BackupPlan
from resilience.services import plans
from resilience.web.api import bp
from resilience.web.auth import require_role
from workers.queue import plan_job_states


def _restricted(requested: str | None) -> str | None:
    """The municipality the candidates are restricted to: a user of a municipality may only
    plan for their own (and does so even without asking)."""
    own = getattr(current_user, "municipality_code", None)
    if own is None:
        return requested
    if requested is not None and requested != own:
        raise Forbidden(_("You can plan only for your own municipality ({code}).").format(code=own))
    return str(own)


def start(body: Any) -> BackupPlan:
    """Parse and restrict a plan request, then the one use-case (services/plans.py
    `start_and_enqueue_plan`) stores and enqueues it."""
    parsed = plans.parse_request(db.session, body)
    parsed = plans.PlanRequest(
        parsed.scenario_ids, parsed.parameters, _restricted(parsed.municipality)
    )
    settings = current_app.config["SETTINGS"]
    return plans.start_and_enqueue_plan(db.session, settings, parsed, current_user.name)


def states(rows: list[BackupPlan]) -> list[tuple[str, str | None]]:
    """The plans' status and error as users see them, RQ asked once."""
    jobs = plan_job_states(current_app.config["SETTINGS"], rows)
    return [plans.shown_status(row, jobs.get(row.id)) for row in rows]


def _plan_json(row: BackupPlan, state: tuple[str, str | None]) -> dict[str, Any]:
    status, error = state
    return {
        "id": row.id,
        "status": status,
        "progress": row.progress,
        "step": row.step,
        "error": error,
        "attempts": row.attempts,
        "parameters": row.parameters,
        "scenarios": row.scenario_ids,
        "model_version": row.model_version,
        "data_version": row.data_version,
        "compute_seconds": row.compute_seconds,
        "created_by": row.created_by,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "finished_at": row.finished_at.isoformat() if row.finished_at else None,
        "document": row.document if status == "finished" else None,
        "food_stock": row.food_stock if status == "finished" else None,
        "links": {
            "self": url_for("api.plan", plan_id=row.id),
            "page": url_for("plans.plan_page", plan_id=row.id),
        },
    }


@bp.post("/plans")
@require_role("planner")
def start_plan() -> ResponseReturnValue:
    body = request.get_json(silent=True)
    if body is None:
        raise BadInput("send the plan request as a JSON object")
    row = start(body)
    return (
        _plan_json(row, states([row])[0]),
        202,
        {"Location": url_for("api.plan", plan_id=row.id)},
    )


@bp.get("/plans")
def list_plans() -> ResponseReturnValue:
    rows = plans.latest_plans(db.session)
    return {"plans": [_plan_json(r, s) for r, s in zip(rows, states(rows), strict=True)]}


@bp.get("/plans/<int:plan_id>")
def plan(plan_id: int) -> ResponseReturnValue:
    row = plans.get_plan(db.session, plan_id)
    return _plan_json(row, states([row])[0])
