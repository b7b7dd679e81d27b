"""Write the base map's reference layers (localities, power lines). Like services/imports.py
each function runs in the caller's transaction and upserts by (source, source_id), so the
same file twice changes nothing. They are not recorded in data_imports: the coverage model
reads neither table, so a new base layer must not change a run's input data version."""

from __future__ import annotations

from collections.abc import Sequence

import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from geodata.demo.build import DemoDataset
from geodata.demo.localities import find_localities
from geodata.loaders.basemap import LocalityRecord, PowerLineRecord
from resilience.models import Locality, PowerLine
from resilience.services.imports import ImportSummary, _ewkb, _upsert

# A locality without a municipality code (or with one we do not store) gets the one
# covering its point.
_LOCALITY_MUNICIPALITY = (
    "UPDATE localities l SET municipality_code = ("
    " SELECT m.code FROM municipalities m WHERE ST_Covers(m.geom, l.geom)"
    " ORDER BY m.code LIMIT 1)"
    " WHERE l.source = :source AND (l.municipality_code IS NULL"
    " OR l.municipality_code NOT IN (SELECT code FROM municipalities))"
)


def import_localities(
    session: Session, records: Sequence[LocalityRecord], source: str, **_ignored: object
) -> ImportSummary:
    rows = [
        {
            "source": source,
            "source_id": r.source_id,
            "name": r.name,
            "population": r.population,
            "municipality_code": r.municipality_code,
            "geom": _ewkb(shapely.Point(r.x, r.y)),
        }
        for r in records
    ]
    ins, upd = _upsert(session, Locality, rows, ["source", "source_id"]) if rows else (0, 0)
    session.execute(text(_LOCALITY_MUNICIPALITY), {"source": source})
    return ImportSummary("localities", ins, upd)


def import_power_lines(
    session: Session, records: Sequence[PowerLineRecord], source: str, **_ignored: object
) -> ImportSummary:
    rows = [
        {
            "source": source,
            "source_id": r.source_id,
            "voltage_kv": r.voltage_kv,
            "geom": _ewkb(r.geom),
        }
        for r in records
    ]
    ins, upd = _upsert(session, PowerLine, rows, ["source", "source_id"]) if rows else (0, 0)
    return ImportSummary("power lines", ins, upd)


def demo_localities(demo: DemoDataset) -> list[LocalityRecord]:
    """The built-in data's localities (geodata/demo/localities.py, GeoNames) as records."""
    return [
        LocalityRecord(
            loc.geonameid or f"seat-{loc.code}", loc.name, loc.x, loc.y, loc.population, loc.code
        )
        for loc in find_localities(demo.municipalities, demo.county)
    ]
