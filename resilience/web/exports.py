"""Exports for GIS: the export page (/exports), its form and the audit page. The direct
downloads, background exports and their API are web/api/exports.py, whose helpers the
form uses.

Everyone logged in (viewer and up) may export the whole county: these are the county's
own layers, and the same data is readable through the API already; a planner's
municipality limits what they edit, not what they read. The audit is for admins.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from geodata import exporters
from resilience.db import db
from resilience.errors import BadInput
from resilience.services import exports, lookup
from resilience.vocabulary import category_names
from resilience.web import names
from resilience.web.api.exports import direct, records_json, start, values_of
from resilience.web.auth import require_role
from resilience.web.forms import Form, FormInvalid

bp = Blueprint("exports", __name__)

# The formats in the order the pages offer them.
FORMAT_ORDER = ("gpkg", "shp", "csv", "geojson")


@bp.app_context_processor
def _export_words() -> dict[str, Any]:
    """For the links on the map and run pages."""
    return {"export_formats": [(f, exporters.FORMAT_NAMES[f]) for f in FORMAT_ORDER]}


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


def _chosen_in(form: Form) -> dict[str, Any]:
    """What the page's form chose, to show it again as it was sent (`exact`: the layers
    checked are those sent, none when none were)."""
    what = "run" if form.text("what") == "run" else "layers"
    run = form.text("run")
    return {
        "what": what,
        "run": int(run) if run.isdigit() else None,
        "layers": form.lists.get("run_layers" if what == "run" else "layers", []),
        "exact": True,
        **{k: form.text(k) for k in ("format", "crs", "municipality", "category", "geometry")},
    }


@bp.get("/exports")
def page() -> ResponseReturnValue:
    return _page()


def _page(form: Form | None = None) -> str:
    """The page; `form`: the export form that failed, as sent, with its problems."""
    exports.purge_now(db.session)
    large = request.args.get("large", "")
    return render_template(
        "exports/page.html",
        chosen=_chosen_in(form) if form else _chosen(),
        form=form,
        large=int(large) if large.isdigit() else None,
        job=request.args.get("job"),
        runs=exports.finished_runs(db.session),
        municipalities=lookup.municipality_choices(db.session, order="name"),
        categories=category_names(),
        layer_labels=names.labels("layer"),
        run_layer_labels=names.labels("run_layer"),
        formats=[(f, exporters.FORMAT_NAMES[f]) for f in FORMAT_ORDER],
        records=records_json(exports.recent_records(db.session)),
        limit=exports.DIRECT_MAX_FEATURES,
        ttl_hours=exports.EXPORT_TTL_S // 3600,
        schemas=exports.schemas(),
        # Each layer's heading in the page's language (its title in the files is Swedish).
        schema_labels={
            group: {
                name: names.label("layer" if group == "layers" else "run_layer", key)
                for name, key in ids.items()
            }
            for group, ids in exports.schema_ids().items()
        },
        config={"listUrl": url_for("api.list_exports")},
    )


@bp.post("/exports")
def start_from_page() -> ResponseReturnValue:
    """The page's form: a small export is the response; a large one starts a job and the
    page shows its progress."""
    form = Form(request.form, "export")
    values = values_of(request.form)
    if request.form.get("what") == "run":
        values["layers"] = request.form.getlist("run_layers")
    else:
        values["run"] = None
    try:
        if not values["layers"]:
            form.error("layers", _("What"), _("Choose at least one layer."))
            form.check()
        req = exports.ExportRequest.parse(values)
    except FormInvalid:
        return _page(form), 400
    except BadInput as err:
        form.general(err.message)
        return _page(form), err.status
    plan = exports.plan_export(db.session, req)
    if plan.direct and not request.form.get("background"):
        return direct(plan)
    record = start(req)
    return redirect(url_for("exports.page", job=record["id"]) + "#exports-jobs", 303)


@bp.get("/exports/audit")
@require_role("admin")
def audit_page() -> ResponseReturnValue:
    return render_template(
        "exports/audit.html", entries=exports.audit_entries(db.session, limit=500)
    )
