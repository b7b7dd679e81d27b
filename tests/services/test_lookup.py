"""services/lookup.py: get-or-404 and the municipalities' names, against PostGIS."""

from __future__ import annotations

import pytest
import shapely
from sqlalchemy.orm import Session

from geodata.records import BoundaryRecord
from resilience.errors import NotFound
from resilience.models import Municipality, Scenario, Site
from resilience.services import imports
from resilience.services.lookup import (
    get_or_404,
    municipality_choices,
    municipality_name,
    municipality_names,
)
from tests.factories import small_county


def test_get_or_404(db_session: Session) -> None:
    small_county(db_session)
    municipality = get_or_404(db_session, Municipality, "2401", "municipality")
    assert municipality.name == "Åbacka"
    site = db_session.query(Site).filter_by(source_id="care-1").one()
    assert get_or_404(db_session, Site, site.id, "site") is site
    with pytest.raises(NotFound) as missing:
        get_or_404(db_session, Scenario, 999_999, "scenario")
    assert str(missing.value) == "no scenario with id 999999"
    assert missing.value.status == 404


def test_names_of_no_municipalities(db_session: Session) -> None:
    assert municipality_names(db_session) == {}
    assert municipality_choices(db_session) == []
    assert municipality_name(db_session, "2401") is None


def test_municipality_names_and_choices(db_session: Session) -> None:
    small_county(db_session)  # 2401 Åbacka, 2403 Östervik
    assert municipality_names(db_session) == {"2401": "Åbacka", "2403": "Östervik"}
    assert municipality_name(db_session, "2403") == "Östervik"
    for unknown in (None, "", "9999"):
        assert municipality_name(db_session, unknown) is None
    assert municipality_choices(db_session) == [("2401", "Åbacka"), ("2403", "Östervik")]


def test_choices_by_code_or_by_name(db_session: Session) -> None:
    square = shapely.MultiPolygon([shapely.box(750_000, 7_080_000, 760_000, 7_090_000)])
    records = [
        BoundaryRecord("2401", "Dalby", square),
        BoundaryRecord("2402", "Bergby", square),
        BoundaryRecord("2403", "Alby", square),
    ]
    imports.import_boundaries(db_session, records, "test")
    assert municipality_choices(db_session) == [
        ("2401", "Dalby"),
        ("2402", "Bergby"),
        ("2403", "Alby"),
    ]
    assert municipality_choices(db_session, "name") == [
        ("2403", "Alby"),
        ("2402", "Bergby"),
        ("2401", "Dalby"),
    ]
