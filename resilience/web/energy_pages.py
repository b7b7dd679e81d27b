"""Energy saving in public buildings (issue #6): pages under /energy and the JSON API under
/api/v1/energy. Views parse the request, call resilience.services.energy and serialise;
every figure comes from resilience.energy. Changing anything needs the editor role, and
form posts carry a per-session token."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from geodata.loaders.energy import read_measures, read_readings, read_register
from geodata.loaders.results import LoadResult
from geodata.records import ImportValidationError
from resilience import energy
from resilience.crs import parse_epsg
from resilience.db import db
from resilience.errors import BadInput, DomainError, NotFound
from resilience.services import energy as service
from resilience.services import imports
from resilience.vocabulary import WGS84
from resilience.web import charts, names
from resilience.web.auth import require_role, safe_next
from resilience.web.formatting import format_number
from resilience.web.i18n import current_language
from resilience.web.maps import JsInit, base_map, map_parts

bp = Blueprint("energy", __name__)

SORTS = ("potential", "intensity", "use", "name")
MAX_PEAK_FACTOR = 10.0
# ?municipality=all on the load-shedding page: every municipality, not one at a time.
ALL_MUNICIPALITIES = "all"


# --- helpers ------------------------------------------------------------------------------


def _fmt(decimals: int = 0) -> Callable[[float | None], str]:
    return lambda value: format_number(value, decimals)


@bp.context_processor
def _words() -> dict[str, Any]:
    return {
        "can_edit": current_user.is_authenticated and current_user.has_role("editor"),
        "class_colors": charts.CLASS_COLORS,
        "energy_kinds": energy.ENERGY_KINDS,
        "owners": energy.OWNERS,
        "heatings": energy.HEATING,
        "statuses": energy.MEASURE_STATUSES,
        "classes": energy.CLASSES,
        "heating_share": energy.DEFAULT_HEATING_SHARE,
        "import_kinds": names.labels("energy_import"),
    }


def _editor() -> service.Editor:
    return service.Editor(current_user.name, current_user.municipality_code)


def _int_arg(name: str, default: int | None = None) -> int | None:
    value = (request.args.get(name) or "").strip()
    if not value:
        return default
    if not (value.isascii() and value.lstrip("-").isdigit()):
        raise BadInput(_("{name} must be a whole number").format(name=name))
    return int(value)


def _year_arg() -> int:
    year = _int_arg("year", date.today().year - 1)
    assert year is not None
    if not energy.MIN_YEAR <= year <= energy.MAX_YEAR:
        raise BadInput(_("year must be between 1990 and 2100"))
    return year


def _peak_factor_arg() -> float:
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


def _filters(register: service.Register) -> dict[str, str | None]:
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


def _crs_arg() -> int:
    try:
        return parse_epsg(request.args.get("crs"), default=WGS84)
    except ValueError as exc:
        raise BadInput(str(exc)) from exc


def _json_body() -> dict[str, Any]:
    body = request.get_json()
    if not isinstance(body, dict):
        raise BadInput("send a JSON object (Content-Type: application/json)")
    return body


def _back(default: str) -> Any:
    return redirect(safe_next(request.form.get("next"), default))


def _sorted(assessments: list[energy.Assessment], sort: str) -> list[energy.Assessment]:
    if sort == "intensity":
        return sorted(assessments, key=lambda a: (-(a.intensity_kwh_m2 or -1.0), a.building.name))
    if sort == "use":
        return sorted(assessments, key=lambda a: (-(a.use_kwh_year or -1.0), a.building.name))
    if sort == "name":
        return sorted(assessments, key=lambda a: (a.building.name, a.building.id))
    return energy.rank_by_potential(assessments)


# --- charts ---------------------------------------------------------------------------------


def progress_bars(rows: list[tuple[str, str, energy.Progress]], title: str) -> Markup:
    """Bars per municipality: the change from the base year (%), the target as a tick."""
    bars = [
        charts.Bar(
            label=name,
            value=p.change_percent or 0.0,
            marker=p.target_percent,
            href=url_for("energy.report", code=code),
        )
        for code, name, p in rows
        if p.buildings
    ]
    svg = charts.bar_chart_svg(bars, title=title, unit="%", fmt=_fmt(1), marker_label=_("target"))
    return Markup(svg)


def savings_bars(rows: list[tuple[str, str, energy.Totals]], title: str) -> Markup:
    bars = [
        charts.Bar(
            label=name,
            value=energy.to_mwh(t.savings_done_kwh_year) or 0.0,
            href=url_for("energy.report", code=code),
        )
        for code, name, t in rows
    ]
    return Markup(
        charts.bar_chart_svg(
            bars,
            title=title,
            unit=_("MWh/year"),
            fmt=_fmt(1),
        )
    )


def progress_line(series: list[energy.Progress], title: str) -> Markup:
    lines = [
        charts.Series(
            _("Use"), [(p.year, energy.to_mwh(p.use_kwh) or 0.0) for p in series], "line"
        ),
        charts.Series(
            _("Target"), [(p.year, energy.to_mwh(p.target_kwh) or 0.0) for p in series], "target"
        ),
        charts.Series(
            _("Base year"), [(p.year, energy.to_mwh(p.base_kwh) or 0.0) for p in series], "base"
        ),
    ]
    # Markup: the chart functions escape every text they put in the SVG.
    return Markup(charts.line_chart_svg(lines, title=title, unit=_("MWh/year"), fmt=_fmt(0)))


# --- pages: overview, register, building ------------------------------------------------------


@bp.get("/energy")
def overview() -> ResponseReturnValue:
    register = service.load_register(db.session)
    year = _year_arg()
    county = energy.totals(register.assessments)
    groups = energy.totals_by(register.assessments, lambda a: a.building.municipality)
    rows = [
        (code, name, groups.get(code, energy.Totals()))
        for code, name in sorted(register.names.items(), key=lambda kv: kv[1])
    ]
    progress = energy.progress_by(
        register.buildings,
        register.readings,
        register.measures,
        register.targets,
        year,
        key=lambda b: b.municipality,
    )
    progress_rows = [
        (code, name, progress.get(code, energy.Progress(year, 0, 0, 0, 0, 0, 0)))
        for code, name, _t in rows
    ]
    county_progress = energy.progress(
        register.buildings, register.readings, register.measures, register.targets, year
    )
    series = _county_series(register, year)
    top = energy.rank_by_potential(register.assessments)[:10]
    return render_template(
        "energy/overview.html",
        year=year,
        county=county,
        rows=rows,
        county_progress=county_progress,
        top=top,
        names=register.names,
        bars=progress_bars(progress_rows, _("Change since the base year per municipality")),
        savings=savings_bars(rows, _("Savings achieved per municipality")),
        line=progress_line(series, _("Energy use in the county")),
    )


@bp.get("/energy/buildings")
def buildings() -> ResponseReturnValue:
    register = service.load_register(db.session)
    filters = _filters(register)
    sort = request.args.get("sort") or "potential"
    if sort not in SORTS:
        raise BadInput(_("unknown sort {sort}").format(sort=sort))
    chosen = _sorted(energy.select(register.assessments, **filters), sort)
    return render_template(
        "energy/buildings.html",
        rows=chosen,
        totals=energy.totals(chosen),
        filters=filters,
        sort=sort,
        names=register.names,
        limits=register.limits,
        export_args={k: v for k, v in filters.items() if v},
    )


@bp.get("/energy/buildings/<int:site_id>")
def building(site_id: int) -> ResponseReturnValue:
    register = service.load_register(db.session)
    a = register.by_id(site_id)
    site = service.energy_site(db.session, site_id)
    measures = service.measures_of(db.session, site_id)
    readings = service.readings_of(db.session, site_id)
    metered = energy.annual_metered(r for r in register.readings if r.site_id == site_id)
    return render_template(
        "energy/building.html",
        a=a,
        b=a.building,
        site=site,
        measures=measures,
        readings=readings,
        metered=metered,
        limits=register.limits.get(a.building.kind),
        target=energy.target_for(a.building.owner, a.building.municipality, register.targets),
        municipality_name=register.names.get(a.building.municipality or ""),
        history=service.audit_entries(db.session, site_id=site_id, limit=100),
    )


def _form_action(action: Callable[[], str | None], default_url: str) -> ResponseReturnValue:
    """Run a change from a form: commit and say so, or roll back and show why."""
    try:
        message = action()
        db.session.commit()
        if message:
            flash(message, "ok")
    except BadInput as err:
        db.session.rollback()
        flash(_("Not saved: {message}").format(message=err.message), "error")
    return _back(default_url)


@bp.post("/energy/buildings/<int:site_id>")
@require_role("editor")
def update_building(site_id: int) -> ResponseReturnValue:
    def act() -> str:
        changes = service.parse_building_changes(request.form)
        changed = service.update_building(db.session, site_id, changes, _editor())
        return (
            _("Saved: {fields}.").format(fields=", ".join(names.label("field", f) for f in changed))
            if changed
            else _("Nothing changed.")
        )

    return _form_action(act, url_for("energy.building", site_id=site_id))


@bp.post("/energy/buildings/<int:site_id>/measures")
@require_role("editor")
def add_measure(site_id: int) -> ResponseReturnValue:
    def act() -> str:
        values = service.parse_measure(request.form)
        service.add_measure(db.session, site_id, values, _editor())
        return _("Measure added.")

    return _form_action(act, url_for("energy.building", site_id=site_id) + "#measures")


@bp.post("/energy/measures/<int:measure_id>")
@require_role("editor")
def update_measure(measure_id: int) -> ResponseReturnValue:
    measure = service.get_measure(db.session, measure_id)
    site_id = measure.site_id

    def act() -> str:
        values = service.parse_measure(request.form)
        service.update_measure(db.session, measure_id, values, _editor())
        return _("Measure saved.")

    return _form_action(act, url_for("energy.building", site_id=site_id) + "#measures")


@bp.post("/energy/measures/<int:measure_id>/delete")
@require_role("editor")
def delete_measure(measure_id: int) -> ResponseReturnValue:
    site_id = service.delete_measure(db.session, measure_id, _editor())
    db.session.commit()
    flash(_("Measure deleted."), "ok")
    return redirect(url_for("energy.building", site_id=site_id) + "#measures")


@bp.post("/energy/buildings/<int:site_id>/readings")
@require_role("editor")
def save_reading(site_id: int) -> ResponseReturnValue:
    def act() -> str:
        year, month, kwh = service.parse_reading(request.form)
        _r, action = service.save_reading(db.session, site_id, year, month, kwh, _editor())
        return {"insert": _("Reading added."), "update": _("Reading replaced.")}.get(
            action, _("Nothing changed.")
        )

    return _form_action(act, url_for("energy.building", site_id=site_id) + "#readings")


@bp.post("/energy/readings/<int:reading_id>/delete")
@require_role("editor")
def delete_reading(reading_id: int) -> ResponseReturnValue:
    site_id = service.delete_reading(db.session, reading_id, _editor())
    db.session.commit()
    flash(_("Reading deleted."), "ok")
    return redirect(url_for("energy.building", site_id=site_id) + "#readings")


# --- map --------------------------------------------------------------------------------------


@bp.get("/energy/map")
def map_page() -> ResponseReturnValue:
    register = service.load_register(db.session)
    filters: dict[str, Any] = {k: v for k, v in _filters(register).items() if v}
    settings = current_app.config["SETTINGS"]
    fmap = base_map(settings)
    config = {
        "urls": {
            "buildings": url_for("energy.api_buildings", styled=1, **filters),
            "municipalities": url_for("energy.api_municipalities"),
            "buildingPage": url_for("energy.building", site_id=0).removesuffix("0"),
        },
        "classes": {k or "none": v for k, v in charts.CLASS_COLORS.items()},
        "useColors": list(charts.USE_COLORS),
        "savingsColors": list(charts.SAVINGS_COLORS),
        "lang": current_language(),
    }
    JsInit("EnergyMap.init", config).add_to(fmap)
    return render_template(
        "energy/map.html",
        map=map_parts(fmap),
        filters=filters,
        names=register.names,
    )


# --- progress, load shedding, report ----------------------------------------------------------


def _progress_tables(register: service.Register, year: int) -> dict[str, Any]:
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


def _county_series(register: Any, year: int) -> Any:
    """The county's progress line from the first target's base year up to `year`."""
    return energy.progress_series(
        register.buildings,
        register.readings,
        register.measures,
        register.targets,
        service.first_year(register.targets),
        year,
    )


@bp.get("/energy/progress")
def progress_page() -> ResponseReturnValue:
    register = service.load_register(db.session)
    year = _year_arg()
    tables = _progress_tables(register, year)
    series = _county_series(register, year)
    return render_template(
        "energy/progress.html",
        year=year,
        **tables,
        targets=service.targets(db.session),
        bars=progress_bars(
            [r for r in tables["municipalities"] if r[0]],
            _("Change since the base year per municipality"),
        ),
        line=progress_line(series, _("Energy use in the county")),
        series=series,
        default_target=energy.DEFAULT_TARGET,
    )


@bp.get("/energy/load-shedding")
def load_shedding_page() -> ResponseReturnValue:
    peak_factor = _peak_factor_arg()
    register = service.load_register(db.session, peak_factor)
    by_name = sorted(register.names, key=lambda code: register.names[code])
    # One municipality at a time (the user's, else the first by name); all on request.
    show_all = request.args.get("municipality") == ALL_MUNICIPALITIES
    municipality = None if show_all else _filters(register)["municipality"]
    if municipality is None and not show_all and by_name:
        own = current_user.municipality_code
        municipality = own if own in register.names else by_name[0]
    codes = [municipality] if municipality else by_name
    plans = [
        (
            code,
            register.names[code],
            energy.load_shedding(
                energy.select(register.assessments, municipality=code),
                service.load_care_sites(db.session, code),
            ),
        )
        for code in codes
    ]
    return render_template(
        "energy/load_shedding.html",
        plans=plans,
        municipality=municipality,
        all_municipalities=ALL_MUNICIPALITIES,
        names=register.names,
        peak_factor=peak_factor,
        default_peak_factor=energy.DEFAULT_PEAK_FACTOR,
        styrel_classes=energy.STYREL_CLASSES,
    )


@bp.get("/energy/report/<code>")
def report(code: str) -> ResponseReturnValue:
    register = service.load_register(db.session)
    if code not in register.names:
        raise NotFound(_("unknown municipality {code}").format(code=code))
    year = _year_arg()
    mine = energy.select(register.assessments, municipality=code)
    buildings_here = [a.building for a in mine]
    ids = {b.id for b in buildings_here}
    readings = [r for r in register.readings if r.site_id in ids]
    measures = [m for m in register.measures if m.site_id in ids]
    args = (buildings_here, readings, measures, register.targets)
    series = energy.progress_series(*args, service.first_year(register.targets), year)
    by_owner = energy.progress_by(*args, year, key=lambda b: b.owner)
    names = {a.building.id: a.building.name for a in mine}
    measure_rows = sorted(
        (m for m in register.measures if m.site_id in ids),
        key=lambda m: (energy.MEASURE_STATUSES.index(m.status), names[m.site_id], m.title),
    )
    return render_template(
        "energy/report.html",
        code=code,
        name=register.names[code],
        year=year,
        today=date.today(),
        totals=energy.totals(mine),
        progress=energy.progress(*args, year),
        owners=[(o, by_owner[o]) for o in energy.OWNERS if o in by_owner],
        line=progress_line(series, _("Energy use in {name}").format(name=register.names[code])),
        top=[a for a in energy.rank_by_potential(mine) if a.saving_potential_kwh_year > 0][:15],
        measures=measure_rows,
        building_names=names,
        shedding=energy.load_shedding(mine, service.load_care_sites(db.session, code)),
        styrel_classes=energy.STYREL_CLASSES,
        peak_factor=energy.DEFAULT_PEAK_FACTOR,
    )


# --- settings, import, audit, exports -------------------------------------------------------


@bp.get("/energy/settings")
def settings_page() -> ResponseReturnValue:
    register = service.load_register(db.session)
    defaults = energy.default_class_limits()
    return render_template(
        "energy/settings.html",
        targets=service.targets(db.session),
        default_target=energy.DEFAULT_TARGET,
        limits=register.limits,
        defaults=defaults,
        ratios=energy.BOVERKET_CLASS_RATIOS,
        reference=energy.BBR_LOKALER_EP_KWH_M2,
        names=register.names,
    )


@bp.post("/energy/targets")
@require_role("editor")
def save_target() -> ResponseReturnValue:
    def act() -> str:
        service.save_target(db.session, service.parse_target(request.form), _editor())
        return _("Target saved.")

    return _form_action(act, url_for("energy.settings_page"))


@bp.post("/energy/targets/<int:target_id>/delete")
@require_role("editor")
def delete_target(target_id: int) -> ResponseReturnValue:
    service.delete_target(db.session, target_id, _editor())
    db.session.commit()
    flash(_("Target deleted."), "ok")
    return redirect(url_for("energy.settings_page"))


@bp.post("/energy/class-limits")
@require_role("editor")
def save_class_limits() -> ResponseReturnValue:
    kind = request.form.get("kind", "")

    def act() -> str:
        if request.form.get("reset"):
            service.save_class_limits(db.session, kind, None, _editor())
            return _("Class limits reset to the default.")
        limits = [request.form.get(f"limit_{c}", "") for c in energy.CLASSES[:-1]]
        service.save_class_limits(db.session, kind, limits, _editor())
        return _("Class limits saved.")

    return _form_action(act, url_for("energy.settings_page"))


def _read_upload(
    kind: str, data: bytes, filename: str, crs: str | None, layer: str | None
) -> LoadResult[Any]:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in ("csv", "txt", "gpkg", "geojson", "json"):
        raise BadInput(_("Upload a CSV, GeoPackage or GeoJSON file."))
    if kind == "register":
        plants = imports.stored_plants(db.session)
        return read_register(data, crs or None, layer=layer or None, stored_plants=plants)
    if kind == "measures":
        return read_measures(data, layer=layer or None)
    return read_readings(data, layer=layer or None)


def run_import(
    kind: str, filename: str, data: bytes, crs: str | None, layer: str | None
) -> dict[str, Any]:
    """Read, validate and write one file in one transaction. Returns a report: inserted,
    updated, notes, or errors (each with where, field, message) when nothing was written."""
    if kind not in names.NAMES["energy_import"]:
        raise BadInput(_("unknown import {kind}").format(kind=kind))
    editor = _editor()
    source = filename.rsplit(".", 1)[0] or kind
    try:
        result = _read_upload(kind, data, filename, crs, layer)
        writers: dict[str, Callable[..., Any]] = {
            "register": service.import_register,
            "measures": service.import_measures,
            "readings": service.import_readings,
        }
        writer = writers[kind]
        summary = writer(db.session, result.records, source, editor, filename=filename)
        db.session.commit()
    except ImportValidationError as err:
        db.session.rollback()
        return {
            "ok": False,
            "errors": [
                {"where": e.where, "field": e.field, "message": e.message} for e in err.errors
            ],
        }
    except DomainError:
        db.session.rollback()
        raise
    return {
        "ok": True,
        "kind": kind,
        "format": result.format,
        "inserted": summary.inserted,
        "updated": summary.updated,
        "notes": result.notes,
    }


@bp.route("/energy/import", methods=["GET", "POST"])
@require_role("editor")
def import_page() -> ResponseReturnValue:
    report_ = None
    kind = request.form.get("kind", "measures")
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise BadInput(_("Choose a file to import."))
        report_ = run_import(
            kind,
            upload.filename,
            upload.read(),
            request.form.get("crs"),
            request.form.get("layer"),
        )
    return render_template("energy/import.html", report=report_, kind=kind), (
        200 if report_ is None or report_["ok"] else 422
    )


@bp.get("/energy/audit")
def audit_page() -> ResponseReturnValue:
    site_id = _int_arg("site_id")
    return render_template(
        "energy/audit.html",
        entries=service.audit_entries(db.session, site_id=site_id, limit=500),
        site_id=site_id,
    )


def _download(body: str, filename: str, mimetype: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/energy/export/<what>")
def export(what: str) -> ResponseReturnValue:
    """register.csv, register.geojson, measures.csv, readings.csv; filtered like the
    register page (municipality, owner, kind)."""
    register = service.load_register(db.session)
    chosen = energy.rank_by_potential(energy.select(register.assessments, **_filters(register)))
    ids = [a.building.id for a in chosen]
    if what == "register.csv":
        body = service.register_csv(db.session, register, chosen)
        return _download(body, "energy-register.csv", "text/csv; charset=utf-8")
    if what == "register.geojson":
        doc = service.buildings_geojson(db.session, chosen, register.names, crs=_crs_arg())
        body = json.dumps(doc, ensure_ascii=False)
        return _download(body, "energy-register.geojson", "application/geo+json")
    if what == "measures.csv":
        body = service.measures_csv(db.session, ids)
        return _download(body, "energy-measures.csv", "text/csv; charset=utf-8")
    if what == "readings.csv":
        body = service.readings_csv(db.session, ids)
        return _download(body, "meter-readings.csv", "text/csv; charset=utf-8")
    raise NotFound(_("no export {what}").format(what=what))


# --- JSON API -----------------------------------------------------------------------------------


def _progress_json(p: energy.Progress) -> dict[str, Any]:
    return {
        **asdict(p),
        "change_kwh": p.change_kwh,
        "change_percent": p.change_percent,
        "target_percent": p.target_percent,
        "reached": p.reached,
        "on_track": p.on_track,
    }


@bp.get("/api/v1/energy/buildings")
def api_buildings() -> ResponseReturnValue:
    register = service.load_register(db.session, _peak_factor_arg())
    chosen = energy.rank_by_potential(energy.select(register.assessments, **_filters(register)))
    limit = _int_arg("limit")
    if limit is not None:
        chosen = chosen[: max(limit, 0)]
    collection = service.buildings_geojson(db.session, chosen, register.names, crs=_crs_arg())
    return charts.style_buildings(collection) if request.args.get("styled") == "1" else collection


@bp.get("/api/v1/energy/buildings/<int:site_id>")
def api_building(site_id: int) -> ResponseReturnValue:
    register = service.load_register(db.session, _peak_factor_arg())
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


@bp.route("/api/v1/energy/buildings/<int:site_id>", methods=["PATCH"])
@require_role("editor")
def api_update_building(site_id: int) -> ResponseReturnValue:
    changes = service.parse_building_changes(_json_body())
    changed = service.update_building(db.session, site_id, changes, _editor())
    db.session.commit()
    return jsonify(changed=changed)


@bp.get("/api/v1/energy/municipalities")
def api_municipalities() -> ResponseReturnValue:
    register = service.load_register(db.session)
    collection = service.municipalities_geojson(db.session, register, crs=_crs_arg())
    return charts.style_municipalities(collection)


@bp.get("/api/v1/energy/progress")
def api_progress() -> ResponseReturnValue:
    register = service.load_register(db.session)
    year = _year_arg()
    tables = _progress_tables(register, year)
    series = _county_series(register, year)
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


@bp.get("/api/v1/energy/load-shedding")
def api_load_shedding() -> ResponseReturnValue:
    peak_factor = _peak_factor_arg()
    register = service.load_register(db.session, peak_factor)
    municipality = _filters(register)["municipality"]
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


@bp.post("/api/v1/energy/buildings/<int:site_id>/measures")
@require_role("editor")
def api_add_measure(site_id: int) -> ResponseReturnValue:
    measure = service.add_measure(
        db.session, site_id, service.parse_measure(_json_body()), _editor()
    )
    db.session.commit()
    return jsonify(id=measure.id, ref=measure.ref), 201


@bp.route("/api/v1/energy/measures/<int:measure_id>", methods=["PATCH"])
@require_role("editor")
def api_update_measure(measure_id: int) -> ResponseReturnValue:
    values = service.parse_measure(_json_body(), partial=True)
    measure = service.update_measure(db.session, measure_id, values, _editor())
    db.session.commit()
    return jsonify(id=measure.id)


@bp.delete("/api/v1/energy/measures/<int:measure_id>")
@require_role("editor")
def api_delete_measure(measure_id: int) -> ResponseReturnValue:
    service.delete_measure(db.session, measure_id, _editor())
    db.session.commit()
    return "", 204


@bp.post("/api/v1/energy/buildings/<int:site_id>/readings")
@require_role("editor")
def api_save_reading(site_id: int) -> ResponseReturnValue:
    year, month, kwh = service.parse_reading(_json_body())
    reading, action = service.save_reading(db.session, site_id, year, month, kwh, _editor())
    db.session.commit()
    return jsonify(id=reading.id, action=action), 201 if action == "insert" else 200


@bp.post("/api/v1/energy/import/<kind>")
@require_role("editor")
def api_import(kind: str) -> ResponseReturnValue:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadInput("send the file as multipart form field 'file'")
    result = run_import(
        kind, upload.filename, upload.read(), request.form.get("crs"), request.form.get("layer")
    )
    return jsonify(result), 200 if result["ok"] else 422


@bp.get("/api/v1/energy/audit")
def api_audit() -> ResponseReturnValue:
    entries = service.audit_entries(
        db.session, site_id=_int_arg("site_id"), limit=min(_int_arg("limit", 200) or 200, 5000)
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
