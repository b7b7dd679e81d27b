"""services/run_layers.py: a computed run's gap sites and cells as GeoJSON, built in PostGIS,
over small_county with OUTAGE_ABACKA (24 h without power in Åbacka)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from resilience.services import run_layers
from resilience.vocabulary import SWEREF99TM
from tests.factories import OUTAGE_ABACKA, finished_run, small_county


@pytest.fixture
def run_id(db_session: Session) -> int:
    small_county(db_session)
    return finished_run(db_session, OUTAGE_ABACKA)


def _by_source(collection: dict) -> dict[str, dict]:
    assert collection["type"] == "FeatureCollection"
    return {f["properties"]["source_id"]: f for f in collection["features"]}


def test_the_gap_sites_and_the_generator_line(db_session: Session, run_id: int) -> None:
    gaps = _by_source(run_layers.gap_sites(db_session, run_id, SWEREF99TM))
    # The elderly home waits for the mobile generator from Östervik; the school has none.
    assert sorted(gaps) == ["care-1", "energy-1"]
    care = gaps["care-1"]
    assert care["geometry"]["coordinates"] == [751_500, 7_081_500]
    props = care["properties"]
    assert (props["generator_source_id"], props["outage_hours"]) == ("gen-1", 24.0)
    assert 0 < props["hours_unpowered"] == props["arrival_hours"] < 24
    assert props["unpowered_intervals"] == [0.0, props["arrival_hours"]]
    line = props["generator_line"]
    assert line["type"] == "LineString"
    assert line["coordinates"] == [[765_000, 7_085_000], [751_500, 7_081_500]]
    school = gaps["energy-1"]["properties"]
    assert school["hours_unpowered"] == 24.0 and school["generator_line"] is None


def test_every_site_of_the_run_without_the_gap_filter(db_session: Session, run_id: int) -> None:
    every = _by_source(run_layers.gap_sites(db_session, run_id, SWEREF99TM, only_gaps=False))
    # The generator is no site of the run's results; the sites outside the outage are.
    assert sorted(every) == ["care-1", "energy-1", "food-1", "outside-1"]
    assert every["food-1"]["properties"]["status"] == "grid"
    assert every["food-1"]["properties"]["hours_unpowered"] == 0


def test_lon_lat_by_default(db_session: Session, run_id: int) -> None:
    care = _by_source(run_layers.gap_sites(db_session, run_id))["care-1"]
    lon, lat = care["geometry"]["coordinates"]
    assert 20.0 < lon < 20.3 and 63.7 < lat < 63.9  # west of Umeå
    start, end = care["properties"]["generator_line"]["coordinates"]
    assert end == [lon, lat] and start[0] > lon  # from Östervik, east of it


def test_the_gap_cells(db_session: Session, run_id: int) -> None:
    cells = run_layers.gap_cells(db_session, run_id, SWEREF99TM)["features"]
    assert [f["properties"]["municipality_code"] for f in cells] == ["2401", "2401", "2403"]
    assert [f["properties"]["population"] for f in cells] == [120, 30, 55]
    for cell in cells:
        props = cell["properties"]
        assert cell["geometry"]["type"] == "Polygon"
        # No health care serves the cells (an elderly home serves its residents); the
        # school's shelter, lost to the outage, is a new gap.
        assert props["care_covered"] is False and props["new_care_gap"] is False
        assert props["new_shelter_gap"] is True
        assert set(props["shelter_uncovered_at"]) == {"1"}  # at every instant
        assert props["food_covered"] is True and props["food_uncovered_at"] is None
    every = run_layers.gap_cells(db_session, run_id, SWEREF99TM, only_gaps=False)
    assert len(every["features"]) == 3


def test_an_unknown_run_has_empty_layers(db_session: Session) -> None:
    assert run_layers.gap_sites(db_session, 999_999)["features"] == []
    assert run_layers.gap_cells(db_session, 999_999)["features"] == []
