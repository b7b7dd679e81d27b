"""Exports for GIS: the export page, direct downloads, background exports and their audit.

Everyone logged in (viewer and up) may export the whole county: these are the county's
own layers, and the same data is readable through the API already; a planner's
municipality limits what they edit, not what they read. The audit is for admins.

Direct downloads (GET) answer with the file when the export has at most
services.exports.DIRECT_MAX_FEATURES features. Above that an API client gets 413 and is
pointed to POST /api/v1/exports, while a browser is sent to the export page with the same
choices, where one click starts the background export.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from geodata import exporters
from resilience.config import Settings
from resilience.db import db
from resilience.errors import BadInput, NotFound, TooLarge, Unavailable
from resilience.services import exports
from resilience.vocabulary import CATEGORIES
from resilience.web import names
from resilience.web.auth import require_role
from workers.queue import check_queue, enqueue_export, job_state, job_states

bp = Blueprint("exports", __name__)

# The formats in the order the pages offer them.
FORMAT_ORDER = ("gpkg", "shp", "csv", "geojson")


def _settings() -> Settings:
    return current_app.config["SETTINGS"]


def _user() -> str | None:
    return current_user.name if current_user.is_authenticated else None


@bp.app_context_processor
def _export_words() -> dict[str, Any]:
    """For the links on the map and run pages."""
    return {"export_formats": [(f, exporters.FORMAT_NAMES[f]) for f in FORMAT_ORDER]}


def _values(source: Any) -> dict[str, Any]:
    """The export choices from query arguments or a form (layers may repeat)."""
    return {
        "format": source.get("format"),
        "crs": source.get("crs"),
        "layers": source.getlist("layers"),
        "municipality": source.get("municipality"),
        "category": source.get("category"),
        "geometry": source.get("geometry"),
        "run": source.get("run"),
    }


def _wants_page() -> bool:
    """A browser following a link (it names text/html), not an API client (*/*, JSON)."""
    return any(value == "text/html" for value, _q in request.accept_mimetypes)


def _file(data: bytes | Iterator[bytes], name: str) -> Response:
    return Response(
        data,
        mimetype=exports.media_type(name),
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def _page_args(req: exports.ExportRequest, features: int | None = None) -> dict[str, Any]:
    args: dict[str, Any] = {
        "format": req.format,
        "crs": req.crs,
        "layers": ",".join(req.layers),
        "municipality": req.municipality or None,
        "category": req.category or None,
        "geometry": req.csv_geometry if req.format == "csv" else None,
        "run": req.run_id,
        "large": features,
    }
    return {k: v for k, v in args.items() if v is not None}


def _direct(plan: exports.Plan) -> ResponseReturnValue:
    """The file now, or (too large) where to get it built."""
    if not plan.direct:
        if _wants_page():
            return redirect(url_for("exports.page", **_page_args(plan.request, plan.features)), 303)
        raise TooLarge(
            f"{plan.features} features, more than {exports.DIRECT_MAX_FEATURES} for a direct"
            " download: POST /api/v1/exports with the same parameters builds the file in the"
            " background",
            details={
                "features": plan.features,
                "limit": exports.DIRECT_MAX_FEATURES,
                "background": url_for("exports.api_start"),
                "request": plan.request.to_dict(),
            },
        )
    data = exports.build_bytes(db.session, plan)
    exports.audit(db.session, _user(), plan, "direct")
    db.session.commit()
    return _file(data, plan.file_name)


def _records_json(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records as the API shows them, with RQ's job states read in one round trip."""
    states = job_states(_settings(), [r["id"] for r in records])
    return [_record_json(r, states.get(r["id"])) for r in records]


def _record_json(record: dict[str, Any], state: str | None) -> dict[str, Any]:
    shown = exports.record_state(record, state, datetime.now(UTC))
    keys = (
        "id",
        "status",
        "progress",
        "step",
        "error",
        "description",
        "request",
        "features",
        "file_name",
        "size_bytes",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
        "expires_at",
        "attempts",
    )
    out = {k: shown.get(k) for k in keys}
    out["links"] = {
        "self": url_for("exports.api_status", export_id=record["id"]),
        "download": (
            url_for("exports.api_download", export_id=record["id"])
            if shown["status"] == "finished"
            else None
        ),
    }
    return out


def _start(req: exports.ExportRequest) -> dict[str, Any]:
    """A background export: reuse a live or finished one, or enqueue a new job."""
    settings = _settings()
    check_queue(settings)  # Redis down: 503 before any record or audit row is written
    record, enqueue = exports.start_background(
        db.session, req, _user(), lambda job_id: job_state(settings, job_id)
    )
    db.session.commit()  # the record and the audit row, before the job looks for them
    if enqueue:
        try:
            enqueue_export(settings, record["id"], req.to_dict())
        except Unavailable:  # Redis went away just now: the record says so
            exports.mark_failed(db.session, record["id"], "the job queue (Redis) was down", False)
            db.session.commit()
            raise
    return record


# --- the API ------------------------------------------------------------------------------


@bp.get("/api/v1/exports/layers")
def api_layers() -> ResponseReturnValue:
    """?format=gpkg|geojson|csv|shp&crs=3006|4326&layers=a,b&municipality=&category=
    &geometry=wkt|xy (CSV)."""
    values = _values(request.args) | {"run": None}
    return _direct(exports.plan_export(db.session, exports.ExportRequest.parse(values)))


@bp.get("/api/v1/runs/<int:run_id>/export")
def api_run_export(run_id: int) -> ResponseReturnValue:
    req = exports.ExportRequest.parse(_values(request.args), run_id=run_id)
    return _direct(exports.plan_export(db.session, req))


@bp.post("/api/v1/exports")
def api_start() -> ResponseReturnValue:
    """A background export: JSON {"layers": [...] or "run": id, "format", "crs",
    "municipality", "category", "geometry"}, or the same as form fields. 202 with the
    export's status and its Location."""
    if request.is_json:
        body = request.get_json()
        if not isinstance(body, dict):
            raise BadInput("send the export as a JSON object")
        values = body
    else:
        values = _values(request.form) if request.form else _values(request.args)
    record = _start(exports.ExportRequest.parse(values))
    location = url_for("exports.api_status", export_id=record["id"])
    return _records_json([record])[0], 202, {"Location": location}


@bp.get("/api/v1/exports")
def api_list() -> ResponseReturnValue:
    """The background exports on record (the last 24 hours), newest first."""
    return {"exports": _records_json(exports.recent_records(db.session))}


@bp.get("/api/v1/exports/audit")
@require_role("admin")
def api_audit() -> ResponseReturnValue:
    limit = request.args.get("limit", "500")
    if not (limit.isascii() and limit.isdigit()):
        raise BadInput("limit must be a whole number")
    entries = exports.audit_entries(db.session, min(int(limit), 5000))
    return {"entries": [exports.audit_json(e) for e in entries]}


def _record(export_id: str) -> dict[str, Any]:
    record = exports.read_record(db.session, export_id)
    if record is None:
        raise NotFound(f"no export {export_id} (finished ones expire after 24 hours)")
    return record


@bp.get("/api/v1/exports/<export_id>")
def api_status(export_id: str) -> ResponseReturnValue:
    return _records_json([_record(export_id)])[0]


@bp.get("/api/v1/exports/<export_id>/download")
def api_download(export_id: str) -> ResponseReturnValue:
    record = _record(export_id)
    exports.downloadable(db.session, record, job_state(_settings(), export_id))
    exports.audit_download(db.session, _user(), record)
    db.session.commit()
    # Streamed from the database a piece at a time; the request's session stays open until
    # the last piece is sent. Ranges work as they did for files on disk (a download resumed).
    pieces = stream_with_context(_to_the_end(exports.file_pieces(db.session, export_id)))
    response = _file(pieces, record["file_name"])
    response.content_length = record["size_bytes"]
    response.set_etag(f"{export_id}-{record['finished_at']}")
    response.last_modified = datetime.fromisoformat(record["finished_at"])
    return response.make_conditional(
        request, accept_ranges=True, complete_length=record["size_bytes"]
    )


def _to_the_end(pieces: Iterator[bytes]) -> Iterator[bytes]:
    """The pieces, then the end of the request's read snapshot: with the last piece, not
    when the response object is collected (an idle transaction keeps its table locks)."""
    try:
        yield from pieces
    finally:
        db.session.rollback()


# --- the pages ------------------------------------------------------------------------------


def _chosen() -> dict[str, Any]:
    """The page's preselection from the query: a run or layers, format, CRS, filters."""
    args = request.args
    run = args.get("run", "")
    layers = [p for v in args.getlist("layers") for p in v.split(",") if p]
    return {
        "what": "run" if run.isdigit() else "layers",
        "run": int(run) if run.isdigit() else None,
        "layers": layers,
        "format": args.get("format") if args.get("format") in exporters.FORMATS else "gpkg",
        "crs": args.get("crs", ""),
        "municipality": args.get("municipality", ""),
        "category": args.get("category", ""),
        "geometry": args.get("geometry", "wkt"),
    }


@bp.get("/exports")
def page() -> ResponseReturnValue:
    exports.purge_expired(db.session)
    db.session.commit()
    large = request.args.get("large", "")
    return render_template(
        "exports/page.html",
        chosen=_chosen(),
        large=int(large) if large.isdigit() else None,
        job=request.args.get("job"),
        runs=exports.finished_runs(db.session),
        municipalities=exports.municipality_choices(db.session),
        categories=CATEGORIES,
        layer_labels=names.labels("layer"),
        run_layer_labels=names.labels("run_layer"),
        formats=[(f, exporters.FORMAT_NAMES[f]) for f in FORMAT_ORDER],
        records=_records_json(exports.recent_records(db.session)),
        limit=exports.DIRECT_MAX_FEATURES,
        ttl_hours=exports.EXPORT_TTL_S // 3600,
        schemas=exports.schemas(),
        config={"listUrl": url_for("exports.api_list")},
    )


@bp.post("/exports")
def start_from_page() -> ResponseReturnValue:
    """The page's form: a small export is the response; a large one starts a job and the
    page shows its progress."""
    form = request.form
    values = _values(form)
    if form.get("what") == "run":
        values["layers"] = form.getlist("run_layers")
    else:
        values["run"] = None
    if not values["layers"]:
        raise BadInput(_("Choose at least one layer."))
    req = exports.ExportRequest.parse(values)
    plan = exports.plan_export(db.session, req)
    if plan.direct and not form.get("background"):
        return _direct(plan)
    record = _start(req)
    return redirect(url_for("exports.page", job=record["id"]) + "#exports-jobs", 303)


@bp.get("/exports/audit")
@require_role("admin")
def audit_page() -> ResponseReturnValue:
    return render_template(
        "exports/audit.html", entries=exports.audit_entries(db.session, limit=500)
    )
