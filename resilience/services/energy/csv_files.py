"""The energy register, measures and readings as CSV files (the downloads of the energy
pages); the register's file has x, y in EPSG:3006 so it imports again."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from geodata import exporters
from resilience import energy_figures
from resilience.models import EnergyMeasure, MeterReading, Site
from resilience.services.energy.geojson import assessment_properties
from resilience.services.energy.measures import MEASURE_FIELDS
from resilience.services.energy.register import Register


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else exporters.csv_safe(v) for v in row])
    return out.getvalue()


def register_csv(
    session: Session, register: Register, assessments: Sequence[energy_figures.Assessment]
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
    dummy = energy_figures.assess([energy_figures.Building(0, "", "other")])[0]
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
