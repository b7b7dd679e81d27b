"""/api/v1/energy/*: energy saving in public buildings (issue #6), from
resilience.services.energy (every figure from resilience.energy): the buildings (GeoJSON,
one with its measures and readings), municipalities, progress, load shedding, measures
and readings changed by editors, imports and the audit. The pages (web/energy_pages/)
read their query arguments with the same helpers."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from resilience import energy_figures as energy
from resilience.db import db
from resilience.errors import BadInput
from resilience.services import energy as service
from resilience.services import query_args
from resilience.web import charts, names
from resilience.web.api import bp
from resilience.web.auth import require_role

MAX_PEAK_FACTOR = 10.0


# --- what the API and the pages read from a request -----------------------------------------


def editor() -> service.Editor:
    return service.Editor(current_user.name, current_user.municipality_code)


def int_arg(name: str, default: int | None = None) -> int | None:
    value = (request.args.get(name) or "").strip()
    if not value:
        return default
    if not (value.isascii() and value.lstrip("-").isdigit()) or len(value) > 18:
        raise BadInput(_("{name} must be a whole number").format(name=name))
    return int(value)


def year_arg() -> int:
    year = int_arg("year", date.today().year - 1)
    assert year is not None
    if not energy.MIN_YEAR <= year <= energy.MAX_YEAR:
        raise BadInput(_("year must be between 1990 and 2100"))
    return year


def peak_factor_arg() -> float:
    raw = (request.args.get("peak_factor") or "").strip().replace(",", ".")
    if not raw:
        return energy.DEFAULT_PEAK_FACTOR
    try:
        value = float(raw)
    except ValueError as exc:
        raise BadInput(_("peak_factor must be a number")) from exc
    if not 0 < value <= MAX_PEAK_FACTOR:
        raise BadInput(_("peak_factor must be above 0 and at most 10"))
    return value


def filters_arg(register: service.Register) -> dict[str, str | None]:
    """municipality, owner and kind from the query string, checked."""
    municipality = request.args.get("municipality") or None
    owner = request.args.get("owner") or None
    kind = request.args.get("kind") or None
    if municipality is not None and municipality not in register.names:
        raise BadInput(_("unknown municipality {code}").format(code=municipality))
    if owner is not None and owner not in energy.OWNERS:
        raise BadInput(_("unknown owner {owner}").format(owner=owner))
    if kind is not None and kind not in energy.ENERGY_KINDS:
        raise BadInput(_("unknown kind {kind}").format(kind=kind))
    return {"municipality": municipality, "owner": owner, "kind": kind}


def crs_arg() -> int:
    return query_args.epsg(request.args)


def _json_body() -> dict[str, Any]:
    body = request.get_json()
    if not isinstance(body, dict):
        raise BadInput("send a JSON object (Content-Type: application/json)")
    return body


def progress_tables(register: service.Register, year: int) -> dict[str, Any]:
    args = (register.buildings, register.readings, register.measures, register.targets, year)
    by_muni = energy.progress_by(*args, key=lambda b: b.municipality)
    by_owner = energy.progress_by(*args, key=lambda b: b.owner)
    empty = energy.Progress(year, 0, 0, 0, 0, 0, 0)
    munis = [
        (code, name, by_muni.get(code, empty))
        for code, name in sorted(register.names.items(), key=lambda kv: kv[1])
    ]
    if None in by_muni:
        munis.append(("", _("No municipality"), by_muni[None]))
    owners = [(o, names.label("owner", o), by_owner.get(o, empty)) for o in energy.OWNERS]
    if None in by_owner:
        owners.append(("", _("owner unknown"), by_owner[None]))
    return {"municipalities": munis, "owners": owners, "county": energy.progress(*args)}


def county_series(register: Any, year: int) -> Any:
    """The county's progress line from the first target's base year up to `year`."""
    return energy.progress_series(
        register.buildings,
        register.readings,
        register.measures,
        register.targets,
        service.first_year(register.targets),
        year,
    )


def run_import(
    kind: str, filename: str, data: bytes, crs: str | None, layer: str | None
) -> dict[str, Any]:
    """Read, validate and write one file in one transaction (services/energy.import_file).
    Returns a report: inserted, updated, notes, or errors (each with where, field, message)
    when nothing was written."""
    if kind not in names.NAMES["energy_import"]:
        raise BadInput(_("unknown import {kind}").format(kind=kind))
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in ("csv", "txt", "gpkg", "geojson", "json"):
        raise BadInput(_("Upload a CSV, GeoPackage or GeoJSON file."))
    return service.import_file(db.session, kind, data, filename, crs, layer, editor())


# --- the routes ------------------------------------------------------------------------------


def _progress_json(p: energy.Progress) -> dict[str, Any]:
    return {
        **asdict(p),
        "change_kwh": p.change_kwh,
        "change_percent": p.change_percent,
        "target_percent": p.target_percent,
        "reached": p.reached,
        "on_track": p.on_track,
    }


@bp.get("/energy/buildings")
def energy_buildings() -> ResponseReturnValue:
    register = service.load_register(db.session, peak_factor_arg())
    chosen = energy.rank_by_potential(energy.select(register.assessments, **filters_arg(register)))
    limit = int_arg("limit")
    if limit is not None:
        chosen = chosen[: max(limit, 0)]
    collection = service.buildings_geojson(db.session, chosen, register.names, crs=crs_arg())
    return charts.style_buildings(collection) if request.args.get("styled") == "1" else collection


@bp.get("/energy/buildings/<int:site_id>")
def energy_building(site_id: int) -> ResponseReturnValue:
    register = service.load_register(db.session, peak_factor_arg())
    a = register.by_id(site_id)
    measures = [
        {
            "id": m.id,
            "ref": m.ref,
            "title": m.title,
            "status": m.status,
            "date": m.date.isoformat() if m.date else None,
            "expected_kwh_year": m.expected_kwh_year,
            "verified_kwh_year": m.verified_kwh_year,
            "cost_sek": m.cost_sek,
            "note": m.note,
        }
        for m in service.measures_of(db.session, site_id)
    ]
    readings = [
        {"id": r.id, "year": r.year, "month": r.month, "kwh": r.kwh}
        for r in service.readings_of(db.session, site_id)
    ]
    return jsonify(
        building=service.assessment_properties(a, register.names),
        measures=measures,
        readings=readings,
        target=asdict(
            energy.target_for(a.building.owner, a.building.municipality, register.targets)
        ),
    )


@bp.route("/energy/buildings/<int:site_id>", methods=["PATCH"])
@require_role("editor")
def energy_update_building(site_id: int) -> ResponseReturnValue:
    body = _json_body()
    changes = service.parse_building_changes(body)
    changed = service.update_building(db.session, site_id, changes, editor())
    # Keys this PATCH does not change are named, not silently dropped.
    editable = set(service.SITE_FIELDS + service.SITE_ATTRIBUTES)
    return jsonify(changed=changed, ignored=sorted(k for k in body if k not in editable))


@bp.get("/energy/municipalities")
def energy_municipalities() -> ResponseReturnValue:
    register = service.load_register(db.session)
    collection = service.municipalities_geojson(db.session, register, crs=crs_arg())
    return charts.style_municipalities(collection)


@bp.get("/energy/progress")
def energy_progress() -> ResponseReturnValue:
    register = service.load_register(db.session)
    year = year_arg()
    tables = progress_tables(register, year)
    series = county_series(register, year)
    return jsonify(
        year=year,
        county=_progress_json(tables["county"]),
        municipalities=[
            {"code": code or None, "name": name, **_progress_json(p)}
            for code, name, p in tables["municipalities"]
        ],
        owners=[{"owner": o or None, **_progress_json(p)} for o, _l, p in tables["owners"]],
        series=[_progress_json(p) for p in series],
        targets=[
            {
                "owner": t.owner,
                "municipality_code": t.municipality_code,
                "reduction_percent": t.reduction_percent,
                "base_year": t.base_year,
                "target_year": t.target_year,
            }
            for t in service.targets(db.session)
        ],
        default_target=asdict(energy.DEFAULT_TARGET),
    )


@bp.get("/energy/load-shedding")
def energy_load_shedding() -> ResponseReturnValue:
    peak_factor = peak_factor_arg()
    register = service.load_register(db.session, peak_factor)
    municipality = filters_arg(register)["municipality"]
    codes = [municipality] if municipality else sorted(register.names)
    result = []
    for code in codes:
        plan = energy.load_shedding(
            energy.select(register.assessments, municipality=code),
            service.load_care_sites(db.session, code),
        )
        result.append(
            {
                "code": code,
                "name": register.names[code],
                "classes": [asdict(c) for c in plan.classes],
                "sheddable_kw": plan.sheddable_kw,
                "cumulative_kw": [{"from_class": k, "kw": kw} for k, kw in plan.cumulative_kw()],
                "must_stay_on": [
                    {
                        "id": a.building.id,
                        "name": a.building.name,
                        "kind": a.building.kind,
                        "warm_shelter": a.warm_shelter,
                        "shelter_capacity": a.building.shelter_capacity,
                        "load_kw": a.load_kw,
                        "has_backup": a.has_backup,
                    }
                    for a in plan.must_stay_on
                ],
                "care_sites": [
                    {
                        "id": c.id,
                        "name": c.name,
                        "kind": c.kind,
                        "priority": c.effective_priority,
                        "critical_load_kw": c.critical_load_kw,
                        "has_backup": c.has_backup,
                    }
                    for c in plan.care_sites
                ],
            }
        )
    return jsonify(peak_factor=peak_factor, municipalities=result)


@bp.post("/energy/buildings/<int:site_id>/measures")
@require_role("editor")
def energy_add_measure(site_id: int) -> ResponseReturnValue:
    measure = service.add_measure(
        db.session, site_id, service.parse_measure(_json_body()), editor()
    )
    return jsonify(id=measure.id, ref=measure.ref), 201


@bp.route("/energy/measures/<int:measure_id>", methods=["PATCH"])
@require_role("editor")
def energy_update_measure(measure_id: int) -> ResponseReturnValue:
    body = _json_body()
    values = service.parse_measure(body, partial=True)
    measure = service.update_measure(db.session, measure_id, values, editor())
    ignored = sorted(k for k in body if k not in service.MEASURE_FIELDS)
    return jsonify(id=measure.id, ignored=ignored)


@bp.delete("/energy/measures/<int:measure_id>")
@require_role("editor")
def energy_delete_measure(measure_id: int) -> ResponseReturnValue:
    service.delete_measure(db.session, measure_id, editor())
    return "", 204


@bp.post("/energy/buildings/<int:site_id>/readings")
@require_role("editor")
def energy_save_reading(site_id: int) -> ResponseReturnValue:
    year, month, kwh = service.parse_reading(_json_body())
    reading, action = service.save_reading(db.session, site_id, year, month, kwh, editor())
    return jsonify(id=reading.id, action=action), 201 if action == "insert" else 200


@bp.post("/energy/import/<kind>")
@require_role("editor")
def energy_import(kind: str) -> ResponseReturnValue:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadInput("send the file as multipart form field 'file'")
    result = run_import(
        kind, upload.filename, upload.read(), request.form.get("crs"), request.form.get("layer")
    )
    return jsonify(result), 200 if result["ok"] else 422


@bp.get("/energy/audit")
def energy_audit() -> ResponseReturnValue:
    entries = service.audit_entries(
        db.session, site_id=int_arg("site_id"), limit=min(int_arg("limit", 200) or 200, 5000)
    )
    return jsonify(
        entries=[
            {
                "at": e.at.isoformat() if e.at else None,
                "user": e.user_name,
                "table": e.table_name,
                "row_id": e.row_id,
                "site_id": e.site_id,
                "action": e.action,
                "field": e.field,
                "old": e.old,
                "new": e.new,
                "context": e.context,
            }
            for e in entries
        ]
    )
