"""services/basemap.py: the base map's localities and power lines upserted into PostGIS by
(source, source_id), a locality's municipality filled in from the boundaries, and no change
to the data version of runs."""

from __future__ import annotations

import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geodata.demo import build_demo
from geodata.loaders.basemap import LocalityRecord, PowerLineRecord
from resilience.models import Locality, PowerLine
from resilience.services import basemap, imports
from tests.factories import ABACKA, OSTERVIK

LOCALITIES = [
    LocalityRecord("L1", "Åbacka by", 755_000, 7_085_000, 1200),  # no code: Åbacka's
    LocalityRecord("L2", "Östervik", 765_000, 7_085_000, 300, "2403"),
    LocalityRecord("L3", "Fjärran", 900_000, 7_500_000, None, "9999"),  # unknown code, nowhere
]
LINES = [
    PowerLineRecord(
        "P1", shapely.MultiLineString([[(750_000, 7_080_000), (770_000, 7_090_000)]]), 130.0
    ),
    PowerLineRecord("P2", shapely.MultiLineString([[(755_000, 7_081_000), (756_000, 7_089_000)]])),
]


def _localities(session: Session) -> list[tuple[object, ...]]:
    rows = session.execute(
        select(
            Locality.source_id,
            Locality.name,
            Locality.population,
            Locality.municipality_code,
            func.ST_X(Locality.geom),
            func.ST_SRID(Locality.geom),
        ).order_by(Locality.source_id)
    )
    return [tuple(r) for r in rows]


def test_localities_upserted_with_their_municipality(db_session: Session) -> None:
    imports.import_boundaries(db_session, [ABACKA, OSTERVIK], "test")
    version = imports.data_version(db_session)
    summary = basemap.import_localities(db_session, LOCALITIES, "places")
    assert (summary.kind, summary.inserted, summary.updated) == ("localities", 3, 0)
    assert _localities(db_session) == [
        ("L1", "Åbacka by", 1200, "2401", 755_000, 3006),
        ("L2", "Östervik", 300, "2403", 765_000, 3006),
        ("L3", "Fjärran", None, None, 900_000, 3006),
    ]
    # The same file again adds nothing and leaves the rows as they were (each row is written
    # again: counted as updated); a changed row is updated, not added.
    before = _localities(db_session)
    again = basemap.import_localities(db_session, LOCALITIES, "places")
    assert (again.inserted, again.updated) == (0, 3)
    assert _localities(db_session) == before
    renamed = [LocalityRecord("L2", "Östervik hamn", 765_000, 7_085_000, 310, "2403")]
    changed = basemap.import_localities(db_session, renamed, "places")
    assert (changed.inserted, changed.updated) == (0, 1)
    assert _localities(db_session)[1][:3] == ("L2", "Östervik hamn", 310)
    # Another source's L1 is another locality.
    other = basemap.import_localities(db_session, LOCALITIES[:1], "other-places")
    assert other.inserted == 1
    assert db_session.scalar(select(func.count()).select_from(Locality)) == 4
    assert imports.data_version(db_session) == version  # no input of runs changed


def test_power_lines_upserted(db_session: Session) -> None:
    summary = basemap.import_power_lines(db_session, LINES, "grid")
    assert (summary.kind, summary.inserted, summary.updated) == ("power lines", 2, 0)
    rows = db_session.execute(
        select(PowerLine.source_id, PowerLine.voltage_kv, func.ST_Length(PowerLine.geom)).order_by(
            PowerLine.source_id
        )
    ).all()
    assert [(sid, kv) for sid, kv, _length in rows] == [("P1", 130.0), ("P2", None)]
    assert rows[1][2] == shapely.length(LINES[1].geom)
    again = basemap.import_power_lines(db_session, LINES[:1], "grid")
    assert (again.inserted, again.updated) == (0, 1)
    assert db_session.scalar(select(func.count()).select_from(PowerLine)) == 2
    nothing = basemap.import_power_lines(db_session, [], "grid")
    assert (nothing.inserted, nothing.updated) == (0, 0)


def test_the_demos_localities_are_records_with_a_municipality() -> None:
    records = basemap.demo_localities(build_demo())
    assert len(records) > 15  # at least each municipality's seat
    assert len({r.source_id for r in records}) == len(records)
    assert all(r.municipality_code and r.municipality_code.startswith("24") for r in records)
    assert {r.name for r in records} >= {"Umeå", "Skellefteå", "Lycksele"}
