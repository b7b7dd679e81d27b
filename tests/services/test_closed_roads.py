"""services/closed_roads.py: the road segments a run's scenario closes, found in PostGIS
(touching counts), and the people a run leaves cut off, per service, municipality and nearest
locality, read from its stored cells."""

from __future__ import annotations

import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from geodata.loaders.basemap import LocalityRecord
from geodata.loaders.roads import RoadRecord
from resilience.scenarios import parse_scenario
from resilience.services import basemap, closed_roads, roads
from resilience.vocabulary import SWEREF99TM
from tests.factories import OUTAGE_ABACKA, TWO_DURATIONS, finished_run, small_county

# TWO_DURATIONS closes the roads in the box x 755-757 km, y 7082-7084 km.
ACROSS = shapely.LineString([(750_000 + 1_000 * i, 7_083_000) for i in range(11)])  # 10 segments
ELSEWHERE = shapely.LineString([(765_000, 7_081_000), (765_000, 7_089_000)])


def _snapshot(document: dict) -> dict:
    return parse_scenario(document).to_definition()


def test_the_closure_areas_as_wkb() -> None:
    area = shapely.from_wkb(closed_roads.closure_wkb(_snapshot(TWO_DURATIONS)))
    assert area.area == 4e6  # the 2 km square
    none = shapely.from_wkb(closed_roads.closure_wkb(_snapshot(OUTAGE_ABACKA)))
    assert none.is_empty


def test_the_closed_segments(db_session: Session) -> None:
    records = [
        RoadRecord(ACROSS, "primary", None, "r-across", "Väg 1"),
        RoadRecord(ELSEWHERE, "trunk", 90.0, "r-else", "Väg 2"),
    ]
    roads.replace_network(db_session, [records], "test-roads")
    found = closed_roads.closed_roads(db_session, _snapshot(TWO_DURATIONS), SWEREF99TM)
    props = [f["properties"] for f in found["features"]]
    # Segments 6 and 7 (755-756 and 756-757 km) cross the box; 5 and 8 touch its sides.
    assert [(p["name"], p["road_class"], p["segment"]) for p in props] == [
        ("Väg 1", "primary", 5),
        ("Väg 1", "primary", 6),
        ("Väg 1", "primary", 7),
        ("Väg 1", "primary", 8),
    ]
    assert found["features"][1]["geometry"]["coordinates"] == [
        [755_000, 7_083_000],
        [756_000, 7_083_000],
    ]
    lonlat = closed_roads.closed_roads(db_session, _snapshot(TWO_DURATIONS))
    lon, lat = lonlat["features"][0]["geometry"]["coordinates"][0]
    assert 20 < lon < 21 and 63 < lat < 64
    assert closed_roads.closed_roads(db_session, _snapshot(OUTAGE_ABACKA))["features"] == []


def test_who_is_cut_off(db_session: Session) -> None:
    """small_county: cells (1 km, lower-left corners) of 120 at 751/7081 and 30 at 752/7081
    km in Åbacka, 55 at 765/7085 in Östervik; no health care and (in the outage) no warm
    shelter reaches any cell, so their minutes are null: cut off. The localities: one inside
    the first cell, one 2 km east and 2 km north of Östervik's cell (2.8 km: 3)."""
    small_county(db_session)
    run_id = finished_run(db_session, OUTAGE_ABACKA)
    basemap.import_localities(
        db_session,
        [
            LocalityRecord("L1", "Åbacka by", 751_500, 7_081_500, 100),
            LocalityRecord("L2", "Östervik", 768_000, 7_088_000, 50),
        ],
        "test-places",
    )
    found = closed_roads.cut_off(db_session, run_id)
    assert [entry["service"] for entry in found] == ["care", "shelter"]
    everyone = {
        "people": 205,
        "municipalities": [
            {"code": "2401", "name": "Åbacka", "people": 150},
            {"code": "2403", "name": "Östervik", "people": 55},
        ],
        "localities": [
            {"name": "Åbacka by", "km": 0, "people": 150},  # 0 km from one cell, 1 from the other
            {"name": "Östervik", "km": 3, "people": 55},
        ],
    }
    assert found[0] == {"service": "care", **everyone}
    assert found[1] == {"service": "shelter", **everyone}

    # As a run over roads stores it: food's minutes null where no open road reaches a store.
    db_session.execute(
        text(
            # A run's cells are one row of arrays in cell_id order (run_cell_arrays; run_cells
            # is its view, with the cells' codes, which may be its data version's).
            "UPDATE run_cell_arrays SET food_minutes = ("
            " SELECT array_agg(CASE WHEN municipality_code = '2401' THEN NULL"
            " ELSE food_minutes END ORDER BY cell_id) FROM run_cells WHERE run_id = :run"
            ") WHERE run_id = :run"
        ),
        {"run": run_id},
    )
    food = closed_roads.cut_off(db_session, run_id)[0]
    assert food == {
        "service": "food",
        "people": 150,
        "municipalities": [{"code": "2401", "name": "Åbacka", "people": 150}],
        "localities": [{"name": "Åbacka by", "km": 0, "people": 150}],
    }
    nearest = closed_roads.cut_off(db_session, run_id, localities=1)
    assert [entry["localities"] for entry in nearest][1] == [
        {"name": "Åbacka by", "km": 0, "people": 150}
    ]
    assert closed_roads.cut_off(db_session, 999_999) == []
