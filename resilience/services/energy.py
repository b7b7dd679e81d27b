"""Energy saving in public buildings: reading the register, measures, readings and targets
from PostGIS into resilience.energy_figures' dataclasses, and every change to them, each
written to the audit log (who, when, old and new value, one row per field).

Functions take a Session and run inside the caller's transaction: the caller commits.
Figures are never computed here, only in resilience.energy_figures.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from geodata import exporters
from geodata.loaders.energy import (
    BuildingRef,
    MeasureRecord,
    ReadingRecord,
    parse_date,
    read_measures,
    read_readings,
    read_register,
)
from geodata.loaders.fields import FieldError, is_blank, label
from geodata.loaders.fields import number as parse_number
from geodata.loaders.fields import whole as parse_whole
from geodata.loaders.results import LoadResult
from geodata.records import ImportValidationError, RecordError, SiteRecord
from resilience import energy_figures as energy
from resilience.errors import BadInput, DomainError, Forbidden, NotFound
from resilience.models import (
    AuditLog,
    EnergyClassLimits,
    EnergyMeasure,
    EnergyTarget,
    MeterReading,
    Municipality,
    Site,
)
from resilience.services import imports
from resilience.services.layers import feature_collection, geometry_sql
from resilience.services.transactions import committed
from resilience.vocabulary import OWNERS, SITE_INTEGERS, WGS84

# Columns of sites that the energy pages edit, and attributes (JSONB) they edit.
SITE_FIELDS = (
    "owner",
    "heated_area_m2",
    "energy_kwh_year",
    "backup_kw",
    "fuel_hours",
    "shelter_capacity",
    "heating",
)
SITE_ATTRIBUTES = ("styrel_priority", "peak_kw")
MEASURE_FIELDS = (
    "ref",
    "title",
    "status",
    "date",
    "expected_kwh_year",
    "verified_kwh_year",
    "cost_sek",
    "note",
)


# --- reading -------------------------------------------------------------------------------


def _as_int(value: Any) -> int | None:
    try:
        return parse_whole(value)
    except FieldError:
        return None


def _as_float(value: Any) -> float | None:
    try:
        return parse_number(value)
    except FieldError:
        return None


def to_building(site: Site) -> energy.Building:
    attrs = site.attributes or {}
    return energy.Building(
        id=site.id,
        name=site.name,
        kind=site.kind,
        owner=site.owner,
        municipality=site.municipality_code,
        heated_area_m2=site.heated_area_m2,
        energy_kwh_year=site.energy_kwh_year,
        heating=site.heating,
        styrel_priority=_as_int(attrs.get("styrel_priority")),
        peak_kw=_as_float(attrs.get("peak_kw")),
        backup_kw=site.backup_kw,
        fuel_hours=site.fuel_hours,
        shelter_capacity=site.shelter_capacity,
    )


def load_buildings(session: Session) -> list[energy.Building]:
    """Every building of the register (sites of category energy), by id."""
    sites = session.scalars(select(Site).where(Site.category == "energy").order_by(Site.id))
    return [to_building(s) for s in sites]


def to_measure(m: EnergyMeasure) -> energy.Measure:
    return energy.Measure(
        id=m.id,
        site_id=m.site_id,
        title=m.title,
        status=m.status,
        date=m.date,
        expected_kwh_year=m.expected_kwh_year,
        verified_kwh_year=m.verified_kwh_year,
        cost_sek=m.cost_sek,
    )


def load_measures(session: Session, site_ids: Iterable[int] | None = None) -> list[energy.Measure]:
    query = select(EnergyMeasure).order_by(EnergyMeasure.site_id, EnergyMeasure.id)
    if site_ids is not None:
        query = query.where(EnergyMeasure.site_id.in_(list(site_ids)))
    return [to_measure(m) for m in session.scalars(query)]


def measures_of(session: Session, site_id: int) -> list[EnergyMeasure]:
    """A building's measures, by date (undated last), then id."""
    return list(
        session.scalars(
            select(EnergyMeasure)
            .where(EnergyMeasure.site_id == site_id)
            .order_by(EnergyMeasure.date.nulls_last(), EnergyMeasure.id)
        )
    )


def readings_of(session: Session, site_id: int) -> list[MeterReading]:
    """A building's readings, newest year first; the whole year before its months."""
    return list(
        session.scalars(
            select(MeterReading)
            .where(MeterReading.site_id == site_id)
            .order_by(MeterReading.year.desc(), MeterReading.month.nulls_first())
        )
    )


def load_readings(session: Session, site_ids: Iterable[int] | None = None) -> list[energy.Reading]:
    query = select(MeterReading).order_by(
        MeterReading.site_id, MeterReading.year, MeterReading.month
    )
    if site_ids is not None:
        query = query.where(MeterReading.site_id.in_(list(site_ids)))
    return [energy.Reading(r.site_id, r.year, r.month, r.kwh) for r in session.scalars(query)]


def load_targets(session: Session) -> dict[energy.TargetKey, energy.Target]:
    return {
        (t.owner, t.municipality_code): energy.Target(
            t.reduction_percent, t.base_year, t.target_year
        )
        for t in session.scalars(select(EnergyTarget))
    }


def load_class_limits(session: Session) -> dict[str, tuple[float, ...]]:
    """The class limits in force: the defaults, overridden by the stored ones."""
    limits = energy.default_class_limits()
    for row in session.scalars(select(EnergyClassLimits)):
        limits[row.kind] = tuple(float(v) for v in row.limits)
    return limits


def load_care_sites(session: Session, municipality: str | None = None) -> list[energy.CareSite]:
    query = select(Site).where(Site.category == "care").order_by(Site.id)
    if municipality is not None:
        query = query.where(Site.municipality_code == municipality)
    return [
        energy.CareSite(
            id=s.id,
            name=s.name,
            kind=s.kind,
            municipality=s.municipality_code,
            priority=s.priority,
            critical_load_kw=s.critical_load_kw,
            backup_kw=s.backup_kw,
            fuel_hours=s.fuel_hours,
        )
        for s in session.scalars(query)
    ]


def municipality_names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(Municipality.code, Municipality.name)).all())


@dataclass(frozen=True)
class Register:
    """The whole county's register, assessed; filter with energy.select."""

    buildings: list[energy.Building]
    assessments: list[energy.Assessment]
    readings: list[energy.Reading]
    measures: list[energy.Measure]
    targets: dict[energy.TargetKey, energy.Target]
    limits: dict[str, tuple[float, ...]]
    names: dict[str, str]  # municipality code → name

    def by_id(self, site_id: int) -> energy.Assessment:
        for a in self.assessments:
            if a.building.id == site_id:
                return a
        raise NotFound(f"no energy building with id {site_id}")


def load_register(session: Session, peak_factor: float = energy.DEFAULT_PEAK_FACTOR) -> Register:
    buildings = load_buildings(session)
    readings = load_readings(session)
    measures = load_measures(session)
    limits = load_class_limits(session)
    return Register(
        buildings=buildings,
        assessments=energy.assess(buildings, readings, measures, limits, peak_factor),
        readings=readings,
        measures=measures,
        targets=load_targets(session),
        limits=limits,
        names=municipality_names(session),
    )


def first_year(targets: Mapping[energy.TargetKey, energy.Target]) -> int:
    """The earliest base year in force (the default target's when none is stored)."""
    return min([t.base_year for t in targets.values()] + [energy.DEFAULT_TARGET.base_year])


# --- GeoJSON for the map and the exports ----------------------------------------------------


def assessment_properties(a: energy.Assessment, names: Mapping[str, str]) -> dict[str, Any]:
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
    assessments: Sequence[energy.Assessment],
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
    groups = energy.totals_by(register.assessments, lambda a: a.building.municipality)
    use = {k: t.use_kwh_year / energy.KWH_PER_MWH for k, t in groups.items()}
    saved = {k: t.savings_done_kwh_year / energy.KWH_PER_MWH for k, t in groups.items()}
    geom = f"ST_SimplifyPreserveTopology(geom, {float(simplify_m)})" if simplify_m else "geom"
    sql = f"SELECT code, name, {geometry_sql(geom, crs)} FROM municipalities ORDER BY code"
    rows = []
    for code, name, geometry in session.execute(text(sql)):
        t = groups.get(code, energy.Totals())
        rows.append(
            {
                "code": code,
                "name": name,
                "buildings": t.buildings,
                "heated_area_m2": t.heated_area_m2,
                "use_mwh_year": use.get(code, 0.0),
                "savings_done_mwh_year": saved.get(code, 0.0),
                "saving_potential_mwh_year": t.saving_potential_kwh_year / energy.KWH_PER_MWH,
                "intensity_kwh_m2": t.intensity_kwh_m2,
                "geometry": geometry,
            }
        )
    return feature_collection(rows, crs)


# --- exports ---------------------------------------------------------------------------------


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else exporters.csv_safe(v) for v in row])
    return out.getvalue()


def register_csv(
    session: Session, register: Register, assessments: Sequence[energy.Assessment]
) -> str:
    """The register with every computed figure; x, y in EPSG:3006 so it imports again."""
    ids = [a.building.id for a in assessments]
    sql = "SELECT id, source, source_id, ST_X(geom), ST_Y(geom) FROM sites WHERE id = ANY(:ids)"
    where = {r[0]: r[1:] for r in session.execute(text(sql), {"ids": ids})}
    names = list(assessment_properties_keys())
    header = ["source", "source_id", *names, "x", "y"]
    rows = []
    for a in assessments:
        props = assessment_properties(a, register.names)
        source, source_id, x, y = where[a.building.id]
        rows.append([source, source_id, *(props[n] for n in names), round(x, 2), round(y, 2)])
    return _csv(header, rows)


def assessment_properties_keys() -> tuple[str, ...]:
    dummy = energy.assess([energy.Building(0, "", "other")])[0]
    return tuple(assessment_properties(dummy, {}))


def measures_csv(session: Session, site_ids: Sequence[int] | None = None) -> str:
    query = (
        select(EnergyMeasure, Site)
        .join(Site, Site.id == EnergyMeasure.site_id)
        .order_by(EnergyMeasure.site_id, EnergyMeasure.id)
    )
    if site_ids is not None:
        query = query.where(EnergyMeasure.site_id.in_(list(site_ids)))
    header = [
        "site_id",
        "source",
        "source_id",
        "building",
        "municipality_code",
        *MEASURE_FIELDS,
    ]
    rows = [
        [
            m.site_id,
            s.source,
            s.source_id,
            s.name,
            s.municipality_code,
            *(
                getattr(m, f).isoformat() if f == "date" and m.date else getattr(m, f)
                for f in MEASURE_FIELDS
            ),
        ]
        for m, s in session.execute(query)
    ]
    return _csv(header, rows)


def readings_csv(session: Session, site_ids: Sequence[int] | None = None) -> str:
    query = (
        select(MeterReading, Site)
        .join(Site, Site.id == MeterReading.site_id)
        .order_by(MeterReading.site_id, MeterReading.year, MeterReading.month)
    )
    if site_ids is not None:
        query = query.where(MeterReading.site_id.in_(list(site_ids)))
    header = ["site_id", "source", "source_id", "building", "year", "month", "kwh"]
    rows = [
        [r.site_id, s.source, s.source_id, s.name, r.year, r.month, r.kwh]
        for r, s in session.execute(query)
    ]
    return _csv(header, rows)


# --- the audit log ------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value


def audit(
    session: Session,
    user: str | None,
    table: str,
    row_id: Any,
    action: str,
    changes: Mapping[str, tuple[Any, Any]],
    *,
    site_id: int | None = None,
    context: str | None = None,
) -> None:
    """One audit row per field whose value changed (old, new); an insert or delete without
    fields still gets one row."""
    rows = [
        AuditLog(
            user_name=user,
            table_name=table,
            row_id=str(row_id),
            site_id=site_id,
            action=action,
            field=name,
            old=_jsonable(old),
            new=_jsonable(new),
            context=context,
        )
        for name, (old, new) in changes.items()
        if old != new
    ]
    if not rows and action != "update":
        rows = [
            AuditLog(
                user_name=user,
                table_name=table,
                row_id=str(row_id),
                site_id=site_id,
                action=action,
                context=context,
            )
        ]
    session.add_all(rows)


def audit_entries(
    session: Session, *, site_id: int | None = None, limit: int = 200
) -> list[AuditLog]:
    # Changes only: GIS exports share the table (services/exports.py) but change nothing.
    query = (
        select(AuditLog)
        .where(AuditLog.action != "export")
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
        .limit(limit)
    )
    if site_id is not None:
        query = query.where(AuditLog.site_id == site_id)
    return list(session.scalars(query))


# --- editing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Editor:
    """Who edits: the name for the audit, and the municipality they are limited to (None:
    the whole county)."""

    name: str
    municipality: str | None = None


def energy_site(session: Session, site_id: int) -> Site:
    site = session.get(Site, site_id)
    if site is None or site.category != "energy":
        raise NotFound(f"no energy building with id {site_id}")
    return site


def _check_scope(editor: Editor, site: Site) -> None:
    if editor.municipality is not None and site.municipality_code != editor.municipality:
        raise Forbidden(
            f"you edit buildings in municipality {editor.municipality} only; "
            f"{site.name} is in {site.municipality_code or 'no municipality'}"
        )


def _field_errors(errors: dict[str, str]) -> None:
    if errors:
        message = "; ".join(f"{k}: {v}" for k, v in errors.items())
        raise BadInput(message, details=errors)


def _non_negative(raw: Any, integer: bool = False) -> float | int | None:
    value = (
        parse_whole(raw, decimal_comma=True) if integer else parse_number(raw, decimal_comma=True)
    )
    if value is not None and value < 0:
        raise FieldError(f"{raw!r} is negative; expected a number >= 0")
    return value


def parse_building_changes(data: Mapping[str, Any]) -> dict[str, Any]:
    """The energy fields of a form or JSON body, validated; absent keys are left out and
    blank values clear the field."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in SITE_FIELDS + SITE_ATTRIBUTES:
        if name not in data:
            continue
        raw = data[name]
        try:
            if is_blank(raw):
                values[name] = None
            elif name == "owner":
                owner = str(raw).strip().lower()
                if owner not in OWNERS:
                    raise FieldError(f"unknown owner {raw!r}; expected one of {', '.join(OWNERS)}")
                values[name] = owner
            elif name == "heating":
                values[name] = energy.normalise_heating(str(raw))
            elif name == "styrel_priority":
                priority = parse_whole(raw)
                if priority not in energy.STYREL_CLASSES:
                    raise FieldError(f"{raw!r} is not a Styrel priority class 1 (highest) to 8")
                values[name] = priority
            else:
                values[name] = _non_negative(raw, integer=name in SITE_INTEGERS)
        except (FieldError, ValueError) as exc:
            errors[name] = str(exc)
    _field_errors(errors)
    return values


@committed
def update_building(
    session: Session, site_id: int, changes: Mapping[str, Any], editor: Editor
) -> list[str]:
    """Apply validated changes (parse_building_changes) and audit them; returns the names of
    the fields that changed."""
    site = energy_site(session, site_id)
    _check_scope(editor, site)
    attributes = dict(site.attributes or {})
    diff: dict[str, tuple[Any, Any]] = {}
    for name, new in changes.items():
        if name in SITE_ATTRIBUTES:
            old = attributes.get(name)
            if old != new:
                diff[name] = (old, new)
                if new is None:
                    attributes.pop(name, None)
                else:
                    attributes[name] = new
        elif name in SITE_FIELDS:
            old = getattr(site, name)
            if old != new:
                diff[name] = (old, new)
                setattr(site, name, new)
    site.attributes = attributes
    audit(session, editor.name, "sites", site.id, "update", diff, site_id=site.id)
    session.flush()
    return list(diff)


def parse_measure(data: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """A measure's fields from a form or JSON body, validated as the importer does."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in MEASURE_FIELDS:
        if name not in data:
            continue
        raw = data[name]
        try:
            if name in ("ref", "title", "note"):
                values[name] = label(raw)
            elif name == "status":
                values[name] = energy.normalise_status(str(raw)) if not is_blank(raw) else None
            elif name == "date":
                values[name] = parse_date(raw)
            else:
                values[name] = _non_negative(raw)
        except (FieldError, ValueError) as exc:
            errors[name] = str(exc)
    if not partial:
        for name in ("title", "status"):
            if values.get(name) is None and name not in errors:
                errors[name] = "required"
    _field_errors(errors)
    return values


def _check_measure(m: EnergyMeasure) -> None:
    errors = {}
    if not m.title:
        errors["title"] = "required"
    if m.status not in energy.MEASURE_STATUSES:
        errors["status"] = f"expected one of {', '.join(energy.MEASURE_STATUSES)}"
    if m.status == "done" and m.date is None:
        errors["date"] = "a done measure needs the date it was completed"
    _field_errors(errors)


def _unique_ref(session: Session, site_id: int, wanted: str, measure_id: int | None) -> str:
    taken = set(
        session.scalars(
            select(EnergyMeasure.ref).where(
                EnergyMeasure.site_id == site_id, EnergyMeasure.id != (measure_id or 0)
            )
        )
    )
    ref, n = wanted, 1
    while ref in taken:
        n += 1
        ref = f"{wanted} ({n})"
    return ref


@committed
def add_measure(
    session: Session, site_id: int, values: Mapping[str, Any], editor: Editor
) -> EnergyMeasure:
    site = energy_site(session, site_id)
    _check_scope(editor, site)
    measure = EnergyMeasure(site_id=site.id, source="web")
    for name in MEASURE_FIELDS:
        setattr(measure, name, values.get(name))
    if not measure.ref and measure.title:
        measure.ref = _unique_ref(session, site.id, measure.title, None)
    elif measure.ref and _unique_ref(session, site.id, measure.ref, None) != measure.ref:
        raise BadInput(f"ref: {site.name} has a measure {measure.ref!r} already")
    _check_measure(measure)
    session.add(measure)
    session.flush()
    changes = {n: (None, getattr(measure, n)) for n in MEASURE_FIELDS}
    audit(session, editor.name, "energy_measures", measure.id, "insert", changes, site_id=site.id)
    return measure


def get_measure(session: Session, measure_id: int) -> EnergyMeasure:
    measure = session.get(EnergyMeasure, measure_id)
    if measure is None:
        raise NotFound(f"no measure with id {measure_id}")
    return measure


@committed
def update_measure(
    session: Session, measure_id: int, values: Mapping[str, Any], editor: Editor
) -> EnergyMeasure:
    measure = get_measure(session, measure_id)
    _check_scope(editor, energy_site(session, measure.site_id))
    diff = {}
    for name, new in values.items():
        if name == "ref" and not new:
            continue  # the ref is the import key: never emptied
        old = getattr(measure, name)
        if old != new:
            diff[name] = (old, new)
            setattr(measure, name, new)
    if "ref" in diff and _unique_ref(session, measure.site_id, measure.ref, measure.id) != (
        measure.ref
    ):
        raise BadInput(f"ref: the building has a measure {measure.ref!r} already")
    _check_measure(measure)
    session.flush()
    audit(
        session, editor.name, "energy_measures", measure.id, "update", diff, site_id=measure.site_id
    )
    return measure


@committed
def delete_measure(session: Session, measure_id: int, editor: Editor) -> int:
    """Delete a measure; returns its building's id."""
    measure = get_measure(session, measure_id)
    _check_scope(editor, energy_site(session, measure.site_id))
    changes = {n: (getattr(measure, n), None) for n in MEASURE_FIELDS}
    audit(
        session,
        editor.name,
        "energy_measures",
        measure.id,
        "delete",
        changes,
        site_id=measure.site_id,
    )
    site_id = measure.site_id
    session.delete(measure)
    session.flush()
    return site_id


def parse_reading(data: Mapping[str, Any]) -> tuple[int, int | None, float]:
    """(year, month or None, kWh) from a form or JSON body."""
    errors: dict[str, str] = {}
    year = month = kwh = None
    try:
        year = parse_whole(data.get("year"))
        if year is None or not energy.MIN_YEAR <= year <= energy.MAX_YEAR:
            raise FieldError(f"a year between {energy.MIN_YEAR} and {energy.MAX_YEAR}")
    except FieldError as exc:
        errors["year"] = str(exc)
    try:
        month = parse_whole(data.get("month"))
        if month is not None and not 1 <= month <= 12:
            raise FieldError("a month 1-12, or empty for the whole year")
    except FieldError as exc:
        errors["month"] = str(exc)
    try:
        kwh = _non_negative(data.get("kwh"))
        if kwh is None:
            raise FieldError("required")
    except FieldError as exc:
        errors["kwh"] = str(exc)
    _field_errors(errors)
    assert year is not None and kwh is not None
    return year, month, float(kwh)


def _find_reading(
    session: Session, site_id: int, year: int, month: int | None
) -> MeterReading | None:
    return session.scalar(
        select(MeterReading).where(
            MeterReading.site_id == site_id,
            MeterReading.year == year,
            MeterReading.month.is_(None) if month is None else MeterReading.month == month,
        )
    )


def put_reading(
    session: Session,
    site_id: int,
    year: int,
    month: int | None,
    kwh: float,
    editor: Editor,
    *,
    source: str = "web",
    context: str | None = None,
) -> tuple[MeterReading, str]:
    """Insert or replace the reading of a period; returns it and "insert", "update" or
    "same"."""
    site = energy_site(session, site_id)
    _check_scope(editor, site)
    reading = _find_reading(session, site_id, year, month)
    if reading is None:
        reading = MeterReading(site_id=site_id, year=year, month=month, kwh=kwh, source=source)
        session.add(reading)
        session.flush()
        changes = {"year": (None, year), "month": (None, month), "kwh": (None, kwh)}
        audit(
            session,
            editor.name,
            "meter_readings",
            reading.id,
            "insert",
            changes,
            site_id=site_id,
            context=context,
        )
        return reading, "insert"
    if reading.kwh == kwh:
        return reading, "same"
    audit(
        session,
        editor.name,
        "meter_readings",
        reading.id,
        "update",
        {"kwh": (reading.kwh, kwh)},
        site_id=site_id,
        context=context,
    )
    reading.kwh, reading.source = kwh, source
    session.flush()
    return reading, "update"


save_reading = committed(put_reading)  # one reading from a form or the API, its own transaction


@committed
def delete_reading(session: Session, reading_id: int, editor: Editor) -> int:
    reading = session.get(MeterReading, reading_id)
    if reading is None:
        raise NotFound(f"no meter reading with id {reading_id}")
    _check_scope(editor, energy_site(session, reading.site_id))
    changes = {
        "year": (reading.year, None),
        "month": (reading.month, None),
        "kwh": (reading.kwh, None),
    }
    audit(
        session,
        editor.name,
        "meter_readings",
        reading.id,
        "delete",
        changes,
        site_id=reading.site_id,
    )
    site_id = reading.site_id
    session.delete(reading)
    session.flush()
    return site_id


# --- settings: targets and class limits ------------------------------------------------------


def targets(session: Session) -> list[EnergyTarget]:
    return list(
        session.scalars(
            select(EnergyTarget).order_by(
                EnergyTarget.owner.nulls_first(), EnergyTarget.municipality_code.nulls_first()
            )
        )
    )


def parse_target(data: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    owner = str(data.get("owner") or "").strip().lower() or None
    code = str(data.get("municipality_code") or "").strip() or None
    if owner is not None and owner not in OWNERS:
        errors["owner"] = f"unknown owner {owner!r}; expected one of {', '.join(OWNERS)}"
    if owner is None and code is not None:
        errors["municipality_code"] = "a municipality's target is for one owner: choose one"
    values["owner"], values["municipality_code"] = owner, code
    try:
        pct = parse_number(data.get("reduction_percent"), decimal_comma=True)
        if pct is None or not 0 < pct < 100:
            raise FieldError("a percentage above 0 and below 100")
        values["reduction_percent"] = pct
    except FieldError as exc:
        errors["reduction_percent"] = str(exc)
    try:
        base = parse_whole(data.get("base_year"))
        if base is None or not energy.MIN_YEAR <= base <= energy.MAX_YEAR:
            raise FieldError(f"a year between {energy.MIN_YEAR} and {energy.MAX_YEAR}")
        values["base_year"] = base
    except FieldError as exc:
        errors["base_year"] = str(exc)
    try:
        target_year = parse_whole(data.get("target_year"))
        if target_year is not None and target_year <= values.get("base_year", 0):
            raise FieldError("after the base year, or empty")
        values["target_year"] = target_year
    except FieldError as exc:
        errors["target_year"] = str(exc)
    values["note"] = label(data.get("note")) if not is_blank(data.get("note")) else None
    _field_errors(errors)
    return values


TARGET_FIELDS = (
    "owner",
    "municipality_code",
    "reduction_percent",
    "base_year",
    "target_year",
    "note",
)


@committed
def save_target(session: Session, values: Mapping[str, Any], editor: Editor) -> EnergyTarget:
    """Set the target of a scope (owner, municipality), creating it or replacing it. A
    municipality's editor may set only their municipality's targets."""
    code = values.get("municipality_code")
    if editor.municipality is not None and code != editor.municipality:
        raise Forbidden(f"you set targets for municipality {editor.municipality} only")
    if code is not None and session.get(Municipality, code) is None:
        raise BadInput(f"municipality_code: no municipality {code}", {"municipality_code": code})
    row = session.scalar(
        select(EnergyTarget).where(
            EnergyTarget.owner.is_(None)
            if values["owner"] is None
            else EnergyTarget.owner == values["owner"],
            EnergyTarget.municipality_code.is_(None)
            if code is None
            else EnergyTarget.municipality_code == code,
        )
    )
    if row is None:
        row = EnergyTarget(**{k: values.get(k) for k in TARGET_FIELDS})
        session.add(row)
        session.flush()
        changes = {k: (None, getattr(row, k)) for k in TARGET_FIELDS}
        audit(session, editor.name, "energy_targets", row.id, "insert", changes)
        return row
    diff = {}
    for k in TARGET_FIELDS:
        if getattr(row, k) != values.get(k):
            diff[k] = (getattr(row, k), values.get(k))
            setattr(row, k, values.get(k))
    session.flush()
    audit(session, editor.name, "energy_targets", row.id, "update", diff)
    return row


@committed
def delete_target(session: Session, target_id: int, editor: Editor) -> None:
    row = session.get(EnergyTarget, target_id)
    if row is None:
        raise NotFound(f"no target with id {target_id}")
    if editor.municipality is not None and row.municipality_code != editor.municipality:
        raise Forbidden(f"you set targets for municipality {editor.municipality} only")
    changes = {k: (getattr(row, k), None) for k in TARGET_FIELDS}
    audit(session, editor.name, "energy_targets", row.id, "delete", changes)
    session.delete(row)
    session.flush()


@committed
def save_class_limits(
    session: Session, kind: str, limits: Sequence[Any] | None, editor: Editor
) -> None:
    """Store the upper limits of A..F for a kind (kWh/m² and year); None: back to the
    default. County-wide editors only: the classes must mean the same everywhere."""
    if editor.municipality is not None:
        raise Forbidden("class limits are set for the whole county")
    if kind not in energy.ENERGY_KINDS:
        raise BadInput(f"unknown kind {kind!r}; expected one of {', '.join(energy.ENERGY_KINDS)}")
    row = session.get(EnergyClassLimits, kind)
    old = list(row.limits) if row else None
    if limits is None:
        if row is not None:
            session.delete(row)
            audit(
                session, editor.name, "energy_class_limits", kind, "delete", {"limits": (old, None)}
            )
        return
    try:
        parsed = [parse_number(v, decimal_comma=True) for v in limits]
        checked = list(energy.check_class_limits([v if v is not None else -1 for v in parsed]))
    except (FieldError, ValueError) as exc:
        raise BadInput(f"limits: {exc}", {"limits": str(exc)}) from exc
    if row is None:
        session.add(EnergyClassLimits(kind=kind, limits=checked))
        audit(
            session, editor.name, "energy_class_limits", kind, "insert", {"limits": (None, checked)}
        )
    elif old != checked:
        row.limits = checked
        audit(
            session, editor.name, "energy_class_limits", kind, "update", {"limits": (old, checked)}
        )
    session.flush()


# --- imports ---------------------------------------------------------------------------------


def resolve_buildings(
    session: Session, refs: Sequence[tuple[str, BuildingRef]], field: str = "source_id"
) -> dict[BuildingRef, Site]:
    """The energy site each reference names; ImportValidationError listing every row whose
    building is missing or ambiguous."""
    unique = {ref for _w, ref in refs}
    ids = [r.site_id for r in unique if r.site_id is not None]
    sids = [r.source_id for r in unique if r.source_id is not None]
    sites = list(
        session.scalars(
            select(Site).where(
                Site.category == "energy",
                or_(Site.id.in_(ids), Site.source_id.in_(sids)),
            )
        )
    )
    by_id = {s.id: s for s in sites}
    by_sid: dict[str, list[Site]] = {}
    for s in sites:
        by_sid.setdefault(s.source_id, []).append(s)
    found: dict[BuildingRef, Site] = {}
    errors: list[RecordError] = []
    for where, ref in refs:
        if ref in found:
            continue
        if ref.site_id is not None:
            site = by_id.get(ref.site_id)
            if site is None:
                errors.append(RecordError(where, "site_id", f"no energy building with {ref}"))
            else:
                found[ref] = site
            continue
        candidates = [
            s for s in by_sid.get(ref.source_id or "", []) if ref.source in (None, s.source)
        ]
        if len(candidates) == 1:
            found[ref] = candidates[0]
        elif not candidates:
            errors.append(RecordError(where, field, f"no energy building with {ref}"))
        else:
            sources = ", ".join(sorted(s.source for s in candidates))
            message = f"{ref} is in several sources ({sources}); add a source column"
            errors.append(RecordError(where, field, message))
    if errors:
        raise ImportValidationError(errors)
    return found


def _scope_rows(editor: Editor, rows: Iterable[tuple[str, Site]]) -> None:
    if editor.municipality is None:
        return
    errors = [
        RecordError(where, None, f"{site.name} is not in municipality {editor.municipality}")
        for where, site in rows
        if site.municipality_code != editor.municipality
    ]
    if errors:
        raise ImportValidationError(errors, "you may import for your own municipality only")


def import_measures(
    session: Session,
    records: Sequence[MeasureRecord],
    source: str,
    editor: Editor,
    filename: str | None = None,
) -> imports.ImportSummary:
    """Upsert measures by (building, ref), auditing every changed field. All or nothing:
    the caller's transaction rolls back on any error."""
    sites = resolve_buildings(session, [(r.where, r.building) for r in records])
    _scope_rows(editor, [(r.where, sites[r.building]) for r in records])
    context = f"import {filename or source}"
    keys = {(sites[r.building].id, r.ref) for r in records}
    existing = {
        (m.site_id, m.ref): m
        for m in session.scalars(
            select(EnergyMeasure).where(EnergyMeasure.site_id.in_(sorted({k[0] for k in keys})))
        )
    }
    inserted = updated = 0
    for r in records:
        site = sites[r.building]
        values = {n: getattr(r, n) for n in MEASURE_FIELDS}
        measure = existing.get((site.id, r.ref))
        if measure is None:
            measure = EnergyMeasure(site_id=site.id, source=source, **values)
            session.add(measure)
            session.flush()
            existing[(site.id, r.ref)] = measure
            changes = {n: (None, v) for n, v in values.items()}
            audit(
                session,
                editor.name,
                "energy_measures",
                measure.id,
                "insert",
                changes,
                site_id=site.id,
                context=context,
            )
            inserted += 1
            continue
        diff = {n: (getattr(measure, n), v) for n, v in values.items() if getattr(measure, n) != v}
        if diff:
            for n, (_old, v) in diff.items():
                setattr(measure, n, v)
            measure.source = source
            audit(
                session,
                editor.name,
                "energy_measures",
                measure.id,
                "update",
                diff,
                site_id=site.id,
                context=context,
            )
            updated += 1
    session.flush()
    summary = imports.ImportSummary("energy measures", inserted, updated)
    imports.record_import(session, "energy-measures", source, filename, summary, editor.name)
    return summary


def import_readings(
    session: Session,
    records: Sequence[ReadingRecord],
    source: str,
    editor: Editor,
    filename: str | None = None,
) -> imports.ImportSummary:
    """Upsert readings by (building, year, month), auditing every change."""
    sites = resolve_buildings(session, [(r.where, r.building) for r in records])
    _scope_rows(editor, [(r.where, sites[r.building]) for r in records])
    context = f"import {filename or source}"
    inserted = updated = 0
    for r in records:
        _reading, action = put_reading(
            session,
            sites[r.building].id,
            r.year,
            r.month,
            r.kwh,
            editor,
            source=source,
            context=context,
        )
        inserted += action == "insert"
        updated += action == "update"
    summary = imports.ImportSummary("meter readings", inserted, updated)
    imports.record_import(session, "energy-readings", source, filename, summary, editor.name)
    return summary


def _register_snapshot(
    session: Session, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """The audited values of the sites with these (source, source_id), read from the table
    itself (not the session's identity map, which an upsert in SQL does not refresh)."""
    wanted = set(keys)
    if not wanted:
        return {}
    columns = [Site.id, Site.source, Site.source_id, Site.category, Site.kind, Site.name]
    columns += [getattr(Site, n) for n in SITE_FIELDS]
    columns += [Site.municipality_code, Site.attributes]
    query = select(*columns).where(
        Site.source.in_(sorted({k[0] for k in wanted})),
        Site.source_id.in_(sorted({k[1] for k in wanted})),
    )
    snapshot = {}
    for row in session.execute(query).mappings():
        if (row["source"], row["source_id"]) not in wanted:
            continue
        values = {n: row[n] for n in ("id", "category", "kind", "name", *SITE_FIELDS)}
        values.update({n: (row["attributes"] or {}).get(n) for n in SITE_ATTRIBUTES})
        values["municipality_code"] = row["municipality_code"]
        snapshot[(row["source"], row["source_id"])] = values
    return snapshot


def _kept(
    session: Session, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], tuple[dict[str, Any], str | None]]:
    """The stored attributes and heating of these buildings."""
    if not keys:
        return {}
    query = select(Site.source, Site.source_id, Site.attributes, Site.heating).where(
        Site.source.in_(sorted({k[0] for k in keys})),
        Site.source_id.in_(sorted({k[1] for k in keys})),
    )
    return {
        (src, sid): (dict(attrs or {}), heating)
        for src, sid, attrs, heating in session.execute(query)
    }


def import_register(
    session: Session,
    records: Sequence[SiteRecord],
    source: str,
    editor: Editor,
    filename: str | None = None,
) -> imports.ImportSummary:
    """Upsert the buildings (imports.import_sites) and audit what changed in them."""
    keys = [(r.source or source, r.source_id) for r in records]
    before = _register_snapshot(session, keys)
    for key, values in before.items():
        if values["category"] != "energy":
            raise BadInput(
                f"source_id {key[1]!r} of source {key[0]!r} is a {values['category']} site, "
                "not a building of the energy register"
            )
    # A building's attributes and heating the file does not give are kept (import_sites
    # replaces them), as when heating was an attribute.
    kept = _kept(session, keys)
    records = [
        dataclasses.replace(
            r,
            attributes={**kept.get(k, ({}, None))[0], **r.attributes},
            heating=r.heating or kept.get(k, ({}, None))[1],
        )
        for r, k in zip(records, keys, strict=True)
    ]
    summary = imports.import_sites(session, records, source, filename=filename, user=editor.name)
    session.flush()
    after = _register_snapshot(session, keys)
    if editor.municipality is not None:
        outside = [k for k, v in after.items() if v["municipality_code"] != editor.municipality]
        if outside:
            raise Forbidden(
                f"{len(outside)} building(s) lie outside municipality {editor.municipality}, "
                f"e.g. source_id {outside[0][1]!r}; nothing was imported"
            )
    context = f"import {filename or source}"
    for key, new in after.items():
        old = before.get(key)
        fields = ("name", "kind", *SITE_FIELDS, *SITE_ATTRIBUTES)
        if old is None:
            changes = {n: (None, new[n]) for n in fields}
            audit(
                session,
                editor.name,
                "sites",
                new["id"],
                "insert",
                changes,
                site_id=new["id"],
                context=context,
            )
        else:
            changes = {n: (old[n], new[n]) for n in fields}
            audit(
                session,
                editor.name,
                "sites",
                new["id"],
                "update",
                changes,
                site_id=new["id"],
                context=context,
            )
    session.flush()
    return summary


def import_file(
    session: Session,
    kind: str,
    data: bytes,
    filename: str,
    crs: str | None,
    layer: str | None,
    editor: Editor,
) -> dict[str, Any]:
    """Read, validate and write one file (`kind`: register, measures or readings) in one
    transaction, committed. Returns a report: inserted, updated, notes, or errors (each with
    where, field, message) when nothing was written."""
    source = filename.rsplit(".", 1)[0] or kind
    try:
        result: LoadResult[Any]
        # The file name goes along: its extension must agree with the content (a .gpkg that
        # is not SQLite is refused, not read as CSV).
        if kind == "register":
            plants = imports.stored_plants(session)
            result = read_register(
                data, crs or None, layer=layer or None, stored_plants=plants, filename=filename
            )
        elif kind == "measures":
            result = read_measures(data, layer=layer or None, filename=filename)
        else:
            result = read_readings(data, layer=layer or None, filename=filename)
        writers: dict[str, Callable[..., Any]] = {
            "register": import_register,
            "measures": import_measures,
            "readings": import_readings,
        }
        writer = writers[kind]
        summary = writer(session, result.records, source, editor, filename=filename)
        session.commit()
    except ImportValidationError as err:
        session.rollback()
        return {
            "ok": False,
            "errors": [
                {"where": e.where, "field": e.field, "message": e.message} for e in err.errors
            ],
        }
    except DomainError:
        session.rollback()
        raise
    return {
        "ok": True,
        "kind": kind,
        "format": result.format,
        "inserted": summary.inserted,
        "updated": summary.updated,
        "notes": result.notes,
    }
