"""The energy pages that report: progress against the targets, load shedding (Styrel), a
municipality's report, the audit log and the downloads; on the blueprint of
web/energy_pages/."""

from __future__ import annotations

import json
from datetime import date

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from resilience import energy_figures as energy
from resilience.db import db
from resilience.errors import NotFound
from resilience.services import energy as service
from resilience.web.api.energy import (
    county_series,
    crs_arg,
    filters_arg,
    int_arg,
    peak_factor_arg,
    progress_tables,
    year_arg,
)
from resilience.web.energy_charts import progress_bars, progress_line
from resilience.web.energy_pages import bp

# ?municipality=all on the load-shedding page: every municipality, not one at a time.
ALL_MUNICIPALITIES = "all"


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


@bp.get("/energy/audit")
def audit_page() -> ResponseReturnValue:
    site_id = int_arg("site_id")
    return render_template(
        "energy/audit.html",
        entries=service.audit_entries(db.session, site_id=site_id, limit=500),
        site_id=site_id,
    )


def _download(body: str, filename: str, mimetype: str) -> Response:
    # content_type, not mimetype: Werkzeug adds "; charset=utf-8" to a text mimetype, which
    # here already has it (it came out twice).
    return Response(
        body,
        content_type=mimetype,
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
