"""Reading the energy register from PostGIS into resilience.energy_figures' dataclasses:
buildings, measures, readings, targets, class limits and care sites, and the whole
register assessed (Register)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from geodata.loaders.fields import FieldError
from geodata.loaders.fields import number as parse_number
from geodata.loaders.fields import whole as parse_whole
from resilience import energy_figures
from resilience.errors import NotFound
from resilience.models import (
    EnergyClassLimits,
    EnergyMeasure,
    EnergyTarget,
    MeterReading,
    Site,
)
from resilience.services import lookup


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


def to_building(site: Site) -> energy_figures.Building:
    attrs = site.attributes or {}
    return energy_figures.Building(
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


def load_buildings(session: Session) -> list[energy_figures.Building]:
    """Every building of the register (sites of category energy), by id."""
    sites = session.scalars(select(Site).where(Site.category == "energy").order_by(Site.id))
    return [to_building(s) for s in sites]


def to_measure(m: EnergyMeasure) -> energy_figures.Measure:
    return energy_figures.Measure(
        id=m.id,
        site_id=m.site_id,
        title=m.title,
        status=m.status,
        date=m.date,
        expected_kwh_year=m.expected_kwh_year,
        verified_kwh_year=m.verified_kwh_year,
        cost_sek=m.cost_sek,
    )


def load_measures(
    session: Session, site_ids: Iterable[int] | None = None
) -> list[energy_figures.Measure]:
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


def load_readings(
    session: Session, site_ids: Iterable[int] | None = None
) -> list[energy_figures.Reading]:
    query = select(MeterReading).order_by(
        MeterReading.site_id, MeterReading.year, MeterReading.month
    )
    if site_ids is not None:
        query = query.where(MeterReading.site_id.in_(list(site_ids)))
    return [
        energy_figures.Reading(r.site_id, r.year, r.month, r.kwh) for r in session.scalars(query)
    ]


def load_targets(session: Session) -> dict[energy_figures.TargetKey, energy_figures.Target]:
    return {
        (t.owner, t.municipality_code): energy_figures.Target(
            t.reduction_percent, t.base_year, t.target_year
        )
        for t in session.scalars(select(EnergyTarget))
    }


def load_class_limits(session: Session) -> dict[str, tuple[float, ...]]:
    """The class limits in force: the defaults, overridden by the stored ones."""
    limits = energy_figures.default_class_limits()
    for row in session.scalars(select(EnergyClassLimits)):
        limits[row.kind] = tuple(float(v) for v in row.limits)
    return limits


def load_care_sites(
    session: Session, municipality: str | None = None
) -> list[energy_figures.CareSite]:
    query = select(Site).where(Site.category == "care").order_by(Site.id)
    if municipality is not None:
        query = query.where(Site.municipality_code == municipality)
    return [
        energy_figures.CareSite(
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


@dataclass(frozen=True)
class Register:
    """The whole county's register, assessed; filter with energy_figures.select."""

    buildings: list[energy_figures.Building]
    assessments: list[energy_figures.Assessment]
    readings: list[energy_figures.Reading]
    measures: list[energy_figures.Measure]
    targets: dict[energy_figures.TargetKey, energy_figures.Target]
    limits: dict[str, tuple[float, ...]]
    names: dict[str, str]  # municipality code → name

    def by_id(self, site_id: int) -> energy_figures.Assessment:
        for a in self.assessments:
            if a.building.id == site_id:
                return a
        raise NotFound(f"no energy building with id {site_id}")


def load_register(
    session: Session, peak_factor: float = energy_figures.DEFAULT_PEAK_FACTOR
) -> Register:
    buildings = load_buildings(session)
    readings = load_readings(session)
    measures = load_measures(session)
    limits = load_class_limits(session)
    return Register(
        buildings=buildings,
        assessments=energy_figures.assess(buildings, readings, measures, limits, peak_factor),
        readings=readings,
        measures=measures,
        targets=load_targets(session),
        limits=limits,
        names=lookup.municipality_names(session),
    )


def first_year(targets: Mapping[energy_figures.TargetKey, energy_figures.Target]) -> int:
    """The earliest base year in force (the default target's when none is stored)."""
    return min([t.base_year for t in targets.values()] + [energy_figures.DEFAULT_TARGET.base_year])
