"""The energy register as GeoJSON for the map and the API: buildings with every
figure, municipalities with their buildings' totals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from resilience import energy_figures
from resilience.services.energy.register import Register
from resilience.services.layers import feature_collection, geometry_sql
from resilience.vocabulary import WGS84


def assessment_properties(a: energy_figures.Assessment, names: Mapping[str, str]) -> dict[str, Any]:
    b = a.building
    return {
        "id": b.id,
        "name": b.name,
        "kind": b.kind,
        "owner": b.owner,
        "municipality_code": b.municipality,
        "municipality_name": names.get(b.municipality or ""),
        "heating": b.heating,
        "styrel_priority": b.styrel_priority,
        "heated_area_m2": b.heated_area_m2,
        "energy_kwh_year": b.energy_kwh_year,
        "use_kwh_year": a.use_kwh_year,
        "use_source": a.use_source,
        "use_year": a.use_year,
        "intensity_kwh_m2": a.intensity_kwh_m2,
        "energy_class": a.energy_class,
        "primary_energy_kwh_m2": a.primary_energy_kwh_m2,
        "class_method": a.class_method,
        "kind_median_kwh_m2": a.kind_median_kwh_m2,
        "saving_potential_kwh_year": a.saving_potential_kwh_year,
        "load_kw": a.load_kw,
        "load_source": a.load_source,
        "peak_kw": b.peak_kw,
        "backup_kw": b.backup_kw,
        "fuel_hours": b.fuel_hours,
        "has_backup": a.has_backup,
        "shelter_capacity": b.shelter_capacity,
        "warm_shelter": a.warm_shelter,
        "must_stay_on": a.must_stay_on,
        "savings_done_kwh_year": a.savings_done_kwh_year,
        "savings_verified_kwh_year": a.savings_verified_kwh_year,
        "savings_pending_kwh_year": a.savings_pending_kwh_year,
        "measures_cost_sek": a.measures_cost_sek,
        "measures": a.measures,
    }


def buildings_geojson(
    session: Session,
    assessments: Sequence[energy_figures.Assessment],
    names: Mapping[str, str],
    crs: int = WGS84,
) -> dict[str, Any]:
    """The given buildings as GeoJSON."""
    ids = [a.building.id for a in assessments]
    sql = f"SELECT id, {geometry_sql('geom', crs)} FROM sites WHERE id = ANY(:ids)"
    geometry: dict[int, Any] = dict(session.execute(text(sql), {"ids": ids}).all())
    rows = []
    for a in assessments:
        props = assessment_properties(a, names)
        rows.append({**props, "geometry": geometry[a.building.id]})
    return feature_collection(rows, crs)


def municipalities_geojson(
    session: Session, register: Register, crs: int = WGS84, simplify_m: float = 100.0
) -> dict[str, Any]:
    """Municipalities with their buildings' totals (MWh/year)."""
    groups = energy_figures.totals_by(register.assessments, lambda a: a.building.municipality)
    use = {k: t.use_kwh_year / energy_figures.KWH_PER_MWH for k, t in groups.items()}
    saved = {k: t.savings_done_kwh_year / energy_figures.KWH_PER_MWH for k, t in groups.items()}
    geom = f"ST_SimplifyPreserveTopology(geom, {float(simplify_m)})" if simplify_m else "geom"
    sql = f"SELECT code, name, {geometry_sql(geom, crs)} FROM municipalities ORDER BY code"
    rows = []
    for code, name, geometry in session.execute(text(sql)):
        t = groups.get(code, energy_figures.Totals())
        rows.append(
            {
                "code": code,
                "name": name,
                "buildings": t.buildings,
                "heated_area_m2": t.heated_area_m2,
                "use_mwh_year": use.get(code, 0.0),
                "savings_done_mwh_year": saved.get(code, 0.0),
                "saving_potential_mwh_year": t.saving_potential_kwh_year
                / energy_figures.KWH_PER_MWH,
                "intensity_kwh_m2": t.intensity_kwh_m2,
                "geometry": geometry,
            }
        )
    return feature_collection(rows, crs)
