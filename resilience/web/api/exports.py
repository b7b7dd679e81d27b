"""Exports for GIS through the API: direct files (GET /api/v1/exports/layers,
/api/v1/runs/<id>/export), background exports (POST /api/v1/exports, their status, list and
download) and the audit (admins), from services/exports.py. The export page (web/exports.py)
builds and starts exports with the same helpers.

Direct downloads answer with the file when the export has at most
services.exports.DIRECT_MAX_FEATURES features. Above that an API client gets 413 and is
pointed to POST /api/v1/exports, while a browser is sent to the export page with the same
choices, where one click starts the background export.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from flask import Response, current_app, redirect, request, stream_with_context, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from resilience.config import Settings
from resilience.db import db
from resilience.errors import BadInput, NotFound, TooLarge
from resilience.services import exports, query_args
from resilience.web.api import bp
from resilience.web.auth import require_role
from workers.queue import check_queue, enqueue_export, job_state, job_states


def _settings() -> Settings:
    return current_app.config["SETTINGS"]


def _user() -> str | None:
    return current_user.name if current_user.is_authenticated else None


def values_of(source: Any) -> dict[str, Any]:
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


def attachment(name: str) -> str:
    """Content-Disposition for a download named `name`: `filename` for every client
    (ASCII, as our names are: å, ä → a, ö → o) and RFC 6266's `filename*` in UTF-8."""
    plain = name.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


def _file(data: bytes | Iterator[bytes], name: str) -> Response:
    return Response(
        data,
        mimetype=exports.media_type(name),
        headers={
            "Content-Disposition": attachment(name),
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


def direct(plan: exports.Plan) -> ResponseReturnValue:
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
                "background": url_for("api.start_export"),
                "request": plan.request.to_dict(),
            },
        )
    return _file(exports.direct_file(db.session, plan, _user()), plan.file_name)


def records_json(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
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
        "self": url_for("api.export_status", export_id=record["id"]),
        "download": (
            url_for("api.export_download", export_id=record["id"])
            if shown["status"] == "finished"
            else None
        ),
    }
    return out


def start(req: exports.ExportRequest) -> dict[str, Any]:
    """A background export: reuse a live or finished one, or enqueue a new job."""
    settings = _settings()
    check_queue(settings)  # Redis down: 503 before any record or audit row is written
    return exports.start_export(
        db.session,
        req,
        _user(),
        lambda job_id: job_state(settings, job_id),
        lambda export_id, body: enqueue_export(settings, export_id, body),
    )


@bp.get("/exports/layers")
def export_layers() -> ResponseReturnValue:
    """?format=gpkg|geojson|csv|shp&crs=3006|4326&layers=a,b&municipality=&category=
    &geometry=wkt|xy (CSV)."""
    values = values_of(request.args) | {"run": None}
    return direct(exports.plan_export(db.session, exports.ExportRequest.parse(values)))


@bp.get("/runs/<int:run_id>/export")
def run_export(run_id: int) -> ResponseReturnValue:
    req = exports.ExportRequest.parse(values_of(request.args), run_id=run_id)
    return direct(exports.plan_export(db.session, req))


@bp.post("/exports")
def start_export() -> ResponseReturnValue:
    """A background export: JSON {"layers": [...] or "run": id, "format", "crs",
    "municipality", "category", "geometry"}, or the same as form fields. 202 with the
    export's status and its Location."""
    if request.is_json:
        body = request.get_json()
        if not isinstance(body, dict):
            raise BadInput("send the export as a JSON object")
        values = body
    else:
        values = values_of(request.form) if request.form else values_of(request.args)
    record = start(exports.ExportRequest.parse(values))
    location = url_for("api.export_status", export_id=record["id"])
    return records_json([record])[0], 202, {"Location": location}


@bp.get("/exports")
def list_exports() -> ResponseReturnValue:
    """The background exports on record (the last 24 hours), newest first."""
    return {"exports": records_json(exports.recent_records(db.session))}


@bp.get("/exports/audit")
@require_role("admin")
def export_audit() -> ResponseReturnValue:
    limit = query_args.whole(request.args, "limit", 500, maximum=5000, clamp=True)
    entries = exports.audit_entries(db.session, limit)
    return {"entries": [exports.audit_json(e) for e in entries]}


def _record(export_id: str) -> dict[str, Any]:
    record = exports.read_record(db.session, export_id)
    if record is None:
        raise NotFound(f"no export {export_id} (finished ones expire after 24 hours)")
    return record


@bp.get("/exports/<export_id>")
def export_status(export_id: str) -> ResponseReturnValue:
    return records_json([_record(export_id)])[0]


@bp.get("/exports/<export_id>/download")
def export_download(export_id: str) -> ResponseReturnValue:
    record = _record(export_id)
    # Streamed from the database a piece at a time; the request's session stays open until
    # the last piece is sent. Ranges work as they did for files on disk (a download resumed).
    pieces = exports.open_download(db.session, _user(), record, job_state(_settings(), export_id))
    response = _file(stream_with_context(pieces), record["file_name"])
    response.content_length = record["size_bytes"]
    response.set_etag(f"{export_id}-{record['finished_at']}")
    response.last_modified = datetime.fromisoformat(record["finished_at"])
    return response.make_conditional(
        request, accept_ranges=True, complete_length=record["size_bytes"]
    )
