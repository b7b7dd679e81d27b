"""Energy saving in public buildings (issue #6): the pages under /energy (the JSON API,
/api/v1/energy, is web/api/energy.py, whose argument helpers the pages use). Views parse
the request, call resilience.services.energy and render; every figure comes from
resilience.energy. Changing anything needs the editor role, and form posts carry a
per-session token."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from resilience import energy_figures as energy
from resilience.db import db
from resilience.errors import BadInput, NotFound
from resilience.services import energy as service
from resilience.web import charts, names
from resilience.web.api.energy import (
    county_series,
    crs_arg,
    editor,
    filters_arg,
    int_arg,
    peak_factor_arg,
    progress_tables,
    run_import,
    year_arg,
)
from resilience.web.auth import require_role, safe_next
from resilience.web.formatting import format_number
from resilience.web.i18n import current_language
from resilience.web.maps import JsInit, base_map, basemap_config, map_parts

bp = Blueprint("energy", __name__)

SORTS = ("potential", "intensity", "use", "name")
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
    year = year_arg()
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
    series = county_series(register, year)
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
    filters = filters_arg(register)
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
    """Run a change from a form (the service commits it) and say so, or show why not (the
    service rolled it back)."""
    try:
        message = action()
        if message:
            flash(message, "ok")
    except BadInput as err:
        flash(_("Not saved: {message}").format(message=err.message), "error")
    return _back(default_url)


@bp.post("/energy/buildings/<int:site_id>")
@require_role("editor")
def update_building(site_id: int) -> ResponseReturnValue:
    def act() -> str:
        changes = service.parse_building_changes(request.form)
        changed = service.update_building(db.session, site_id, changes, editor())
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
        service.add_measure(db.session, site_id, values, editor())
        return _("Measure added.")

    return _form_action(act, url_for("energy.building", site_id=site_id) + "#measures")


@bp.post("/energy/measures/<int:measure_id>")
@require_role("editor")
def update_measure(measure_id: int) -> ResponseReturnValue:
    measure = service.get_measure(db.session, measure_id)
    site_id = measure.site_id

    def act() -> str:
        values = service.parse_measure(request.form)
        service.update_measure(db.session, measure_id, values, editor())
        return _("Measure saved.")

    return _form_action(act, url_for("energy.building", site_id=site_id) + "#measures")


@bp.post("/energy/measures/<int:measure_id>/delete")
@require_role("editor")
def delete_measure(measure_id: int) -> ResponseReturnValue:
    site_id = service.delete_measure(db.session, measure_id, editor())
    flash(_("Measure deleted."), "ok")
    return redirect(url_for("energy.building", site_id=site_id) + "#measures")


@bp.post("/energy/buildings/<int:site_id>/readings")
@require_role("editor")
def save_reading(site_id: int) -> ResponseReturnValue:
    def act() -> str:
        year, month, kwh = service.parse_reading(request.form)
        _r, action = service.save_reading(db.session, site_id, year, month, kwh, editor())
        return {"insert": _("Reading added."), "update": _("Reading replaced.")}.get(
            action, _("Nothing changed.")
        )

    return _form_action(act, url_for("energy.building", site_id=site_id) + "#readings")


@bp.post("/energy/readings/<int:reading_id>/delete")
@require_role("editor")
def delete_reading(reading_id: int) -> ResponseReturnValue:
    site_id = service.delete_reading(db.session, reading_id, editor())
    flash(_("Reading deleted."), "ok")
    return redirect(url_for("energy.building", site_id=site_id) + "#readings")


# --- map --------------------------------------------------------------------------------------


@bp.get("/energy/map")
def map_page() -> ResponseReturnValue:
    register = service.load_register(db.session)
    filters: dict[str, Any] = {k: v for k, v in filters_arg(register).items() if v}
    settings = current_app.config["SETTINGS"]
    fmap = base_map(settings)
    config = {
        "urls": {
            "buildings": url_for("api.energy_buildings", styled=1, **filters),
            "municipalities": url_for("api.energy_municipalities"),
            "buildingPage": url_for("energy.building", site_id=0).removesuffix("0"),
        },
        "classes": {k or "none": v for k, v in charts.CLASS_COLORS.items()},
        "useColors": list(charts.USE_COLORS),
        "savingsColors": list(charts.SAVINGS_COLORS),
        "lang": current_language(),
        "basemap": basemap_config(),  # our own base map when the internet's fails
    }
    JsInit("EnergyMap.init", config).add_to(fmap)
    return render_template(
        "energy/map.html",
        map=map_parts(fmap),
        filters=filters,
        names=register.names,
    )


# --- progress, load shedding, report ----------------------------------------------------------


@bp.get("/energy/progress")
def progress_page() -> ResponseReturnValue:
    register = service.load_register(db.session)
    year = year_arg()
    tables = progress_tables(register, year)
    series = county_series(register, year)
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
    peak_factor = peak_factor_arg()
    register = service.load_register(db.session, peak_factor)
    by_name = sorted(register.names, key=lambda code: register.names[code])
    # One municipality at a time (the user's, else the first by name); all on request.
    show_all = request.args.get("municipality") == ALL_MUNICIPALITIES
    municipality = None if show_all else filters_arg(register)["municipality"]
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
    year = year_arg()
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
        service.save_target(db.session, service.parse_target(request.form), editor())
        return _("Target saved.")

    return _form_action(act, url_for("energy.settings_page"))


@bp.post("/energy/targets/<int:target_id>/delete")
@require_role("editor")
def delete_target(target_id: int) -> ResponseReturnValue:
    service.delete_target(db.session, target_id, editor())
    flash(_("Target deleted."), "ok")
    return redirect(url_for("energy.settings_page"))


@bp.post("/energy/class-limits")
@require_role("editor")
def save_class_limits() -> ResponseReturnValue:
    kind = request.form.get("kind", "")

    def act() -> str:
        if request.form.get("reset"):
            service.save_class_limits(db.session, kind, None, editor())
            return _("Class limits reset to the default.")
        limits = [request.form.get(f"limit_{c}", "") for c in energy.CLASSES[:-1]]
        service.save_class_limits(db.session, kind, limits, editor())
        return _("Class limits saved.")

    return _form_action(act, url_for("energy.settings_page"))


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
    site_id = int_arg("site_id")
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
    chosen = energy.rank_by_potential(energy.select(register.assessments, **filters_arg(register)))
    ids = [a.building.id for a in chosen]
    if what == "register.csv":
        body = service.register_csv(db.session, register, chosen)
        return _download(body, "energy-register.csv", "text/csv; charset=utf-8")
    if what == "register.geojson":
        doc = service.buildings_geojson(db.session, chosen, register.names, crs=crs_arg())
        body = json.dumps(doc, ensure_ascii=False)
        return _download(body, "energy-register.geojson", "application/geo+json")
    if what == "measures.csv":
        body = service.measures_csv(db.session, ids)
        return _download(body, "energy-measures.csv", "text/csv; charset=utf-8")
    if what == "readings.csv":
        body = service.readings_csv(db.session, ids)
        return _download(body, "meter-readings.csv", "text/csv; charset=utf-8")
    raise NotFound(_("no export {what}").format(what=what))
