"""The energy register's pages: the county's overview, the register of buildings (filtered
and sorted), a building's page and the map; on the blueprint of web/energy_pages/."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from resilience import energy_figures as energy
from resilience.db import db
from resilience.errors import BadInput
from resilience.services import energy as service
from resilience.web import charts
from resilience.web.api.energy import county_series, filters_arg, year_arg
from resilience.web.energy_charts import progress_bars, progress_line, savings_bars
from resilience.web.energy_pages import bp
from resilience.web.forms import Form
from resilience.web.i18n import current_language
from resilience.web.maps import JsInit, base_map, basemap_config, map_parts

SORTS = ("potential", "intensity", "use", "name")


def _sorted(assessments: list[energy.Assessment], sort: str) -> list[energy.Assessment]:
    if sort == "intensity":
        return sorted(assessments, key=lambda a: (-(a.intensity_kwh_m2 or -1.0), a.building.name))
    if sort == "use":
        return sorted(assessments, key=lambda a: (-(a.use_kwh_year or -1.0), a.building.name))
    if sort == "name":
        return sorted(assessments, key=lambda a: (a.building.name, a.building.id))
    return energy.rank_by_potential(assessments)


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
def building(site_id: int, forms: dict[str, Form] | None = None) -> ResponseReturnValue:
    """The building's page; `forms`: a form that failed, by its key (building, reading,
    measure-new, measure-<id>), shown again as typed with its problems."""
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
        forms=forms or {},
    )


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
