"""services/imports.py: validated records upserted into PostGIS by natural key, each site and
cell in the municipality covering it, every import recorded, the data version moved."""

from __future__ import annotations

import pytest
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geodata.records import BoundaryRecord, CellRecord
from resilience.errors import BadInput
from resilience.models import DataImport, Municipality, PopulationCell, Site
from resilience.services import imports
from tests.factories import ABACKA, OSTERVIK, site


def _municipality_of(session: Session, model: type, **key: object) -> str | None:
    row = session.scalars(select(model).filter_by(**key)).one()
    return row.municipality_code


def test_an_empty_database(db_session: Session) -> None:
    assert imports.database_is_empty(db_session)
    imports.import_population(db_session, [CellRecord(751_000, 7_081_000, 1)], "grid")
    assert imports.database_is_empty(db_session)  # cells alone are no data set
    imports.import_sites(db_session, [site("s-1", "food", "grocery", 1, 1)], "r")
    assert not imports.database_is_empty(db_session)


def test_boundaries_then_cells_and_sites_in_them(db_session: Session) -> None:
    summary = imports.import_boundaries(
        db_session, [ABACKA, OSTERVIK], "scb", "kommuner.gpkg", "ada"
    )
    assert (summary.inserted, summary.updated) == (2, 0)
    assert not imports.database_is_empty(db_session)
    cells = [
        CellRecord(751_000, 7_081_000, 120),  # Åbacka
        CellRecord(759_600, 7_081_000, 30, cell_size=1000),  # centre 760.1 km: Östervik
        CellRecord(900_000, 7_500_000, 5),  # outside both
    ]
    assert imports.import_population(db_session, cells, "scb-grid").inserted == 3
    assert _municipality_of(db_session, PopulationCell, x_ll=751_000) == "2401"
    assert _municipality_of(db_session, PopulationCell, x_ll=759_600) == "2403"
    assert _municipality_of(db_session, PopulationCell, x_ll=900_000) is None
    sites = [
        site("s-1", "food", "grocery", 755_000, 7_085_000),
        site("s-2", "food", "grocery", 760_000, 7_085_000),  # on the border: the lowest code
        site("s-3", "food", "grocery", 900_000, 7_500_000),
    ]
    assert imports.import_sites(db_session, sites, "register").inserted == 3
    codes = [_municipality_of(db_session, Site, source_id=s) for s in ("s-1", "s-2", "s-3")]
    assert codes == ["2401", "2401", None]
    recorded = db_session.scalars(select(DataImport).order_by(DataImport.id)).all()
    assert [(d.kind, d.source, d.filename, d.inserted, d.user_name) for d in recorded] == [
        ("boundaries", "scb", "kommuner.gpkg", 2, "ada"),
        ("population", "scb-grid", None, 3, None),
        ("sites", "register", None, 3, None),
    ]


def test_upserts_by_natural_key_move_the_data_version(db_session: Session) -> None:
    before = imports.data_version(db_session)
    imports.import_boundaries(db_session, [ABACKA], "scb")
    first = imports.data_version(db_session)
    assert first > before
    again = imports.import_sites(
        db_session, [site("s-1", "food", "grocery", 755_000, 7_085_000)], "r"
    )
    changed = imports.import_sites(
        db_session, [site("s-1", "food", "supermarket", 755_500, 7_085_000, name="Ny")], "r"
    )
    assert (again.inserted, changed.inserted, changed.updated) == (1, 0, 1)
    stored = db_session.scalars(select(Site)).one()
    assert (stored.kind, stored.name) == ("supermarket", "Ny")
    assert db_session.scalar(select(func.ST_X(Site.geom))) == 755_500
    assert imports.data_version(db_session) == first  # it moves once per transaction
    # Another source's s-1 is another site.
    assert (
        imports.import_sites(db_session, [site("s-1", "food", "grocery", 1, 2)], "q").inserted == 1
    )


def test_new_boundaries_reassign_every_site_and_cell(db_session: Session) -> None:
    imports.import_boundaries(db_session, [ABACKA, OSTERVIK], "scb")
    imports.import_sites(db_session, [site("s-1", "food", "grocery", 765_000, 7_085_000)], "r")
    assert _municipality_of(db_session, Site, source_id="s-1") == "2403"
    wider = BoundaryRecord(
        "2401",
        "Åbacka",
        shapely.MultiPolygon([shapely.box(750_000, 7_080_000, 770_000, 7_090_000)]),
    )
    summary = imports.import_boundaries(db_session, [wider], "scb")
    assert (summary.inserted, summary.updated) == (0, 1)
    assert _municipality_of(db_session, Site, source_id="s-1") == "2401"  # lowest of both
    assert db_session.scalar(select(func.count()).select_from(Municipality)) == 2


def test_heat_plants_stored(db_session: Session) -> None:
    imports.import_sites(
        db_session,
        [
            site("dh-1", "utility", "district_heating_plant", 1, 1),
            site("food-1", "food", "grocery", 2, 2),
        ],
        "r",
    )
    assert imports.stored_plants(db_session) == frozenset({"dh-1"})


@pytest.mark.parametrize(
    ("source", "filename", "message"),
    [("x" * 1001, None, "the source"), ("scb", "a\x00b.gpkg", "the file name")],
)
def test_an_unstorable_source_or_file_name_is_refused(
    db_session: Session, source: str, filename: str | None, message: str
) -> None:
    with pytest.raises(BadInput, match=message):
        imports.import_boundaries(db_session, [ABACKA], source, filename)


def test_no_records_is_a_recorded_import_of_nothing(db_session: Session) -> None:
    summary = imports.import_sites(db_session, [], "empty")
    assert (summary.inserted, summary.updated, str(summary)) == (
        0,
        0,
        "sites: 0 inserted, 0 updated",
    )
    assert db_session.scalar(select(func.count()).select_from(DataImport)) == 1
