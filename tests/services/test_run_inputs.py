"""The data version (migration 0018) moves with every change of the inputs of runs, imports
or not, once per transaction; services/run_inputs.py keeps the inputs per version."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from resilience.analysis import RoadNetwork
from resilience.models import DataImport, Municipality, Scenario, Site
from resilience.services import imports, run_inputs
from resilience.services.energy import Editor, update_building
from tests.factories import small_county


def _school(session: Session) -> Site:
    return session.scalars(select(Site).where(Site.source_id == "energy-1")).one()


def test_the_data_version_moves_with_every_change_of_the_inputs(committed: Session) -> None:
    small_county(committed)
    seen = [imports.data_version(committed)]
    recorded = committed.scalar(select(func.count()).select_from(DataImport))

    def moved() -> None:
        committed.commit()
        seen.append(imports.data_version(committed))
        assert seen[-1] > seen[-2]

    update_building(committed, _school(committed).id, {"shelter_capacity": 5}, Editor("eva"))
    moved()  # an editor's change, no import
    committed.get_one(Municipality, "2401").name = "Åbacka kommun"
    moved()
    committed.execute(text("UPDATE population_cells SET population = population + 1"))
    moved()
    committed.delete(committed.scalars(select(Site).where(Site.source_id == "outside-1")).one())
    moved()
    # Several statements of one transaction: the row is written once (by the first).
    committed.execute(text("UPDATE sites SET priority = priority"))
    inside = imports.data_version(committed)
    committed.execute(text("UPDATE population_cells SET population = population"))
    assert imports.data_version(committed) == inside
    moved()
    # Other tables leave it alone.
    committed.add(Scenario(name="x", kind="user", definition={}))
    committed.commit()
    assert imports.data_version(committed) == seen[-1]
    assert committed.scalar(select(func.count()).select_from(DataImport)) == recorded


def test_the_inputs_are_kept_per_data_version(committed: Session) -> None:
    small_county(committed)
    run_inputs.forget()
    first = run_inputs.run_inputs(committed)
    committed.commit()
    assert first.kept and first.version == imports.data_version(committed)
    hits = run_inputs.stats()["hits"]
    assert run_inputs.run_inputs(committed) is first
    committed.commit()
    assert run_inputs.stats()["hits"] == hits + 1
    with pytest.raises(ValueError, match="read-only"):
        first.sites.shelter_capacity[0] = 1.0  # no run can change the next one's inputs

    update_building(committed, _school(committed).id, {"shelter_capacity": 7}, Editor("eva"))
    second = run_inputs.run_inputs(committed)
    committed.commit()
    assert second is not first and second.version > first.version
    school = np.flatnonzero(second.sites.source_id == "energy-1")[0]
    assert second.sites.shelter_capacity[school] == 7
    assert run_inputs.kept_version(committed) == second.version


def test_inputs_changed_by_the_reading_transaction_are_not_kept(db_session: Session) -> None:
    small_county(db_session)  # in the test's one transaction: its own change
    inputs = run_inputs.run_inputs(db_session)
    assert not inputs.kept and len(inputs.sites) == 5


def test_the_roads_when_their_table_exists(db_session: Session) -> None:
    # The table exists since migration 0015; without it (an older schema) straight lines.
    assert run_inputs.load_roads(db_session) is None  # no road: straight lines
    db_session.execute(text("ALTER TABLE roads RENAME TO roads_kept"))
    assert run_inputs.load_roads(db_session) is None  # no table: straight lines
    db_session.execute(text("ALTER TABLE roads_kept RENAME TO roads"))
    db_session.execute(
        text(
            "INSERT INTO roads (road_class, speed_kmh, geom) VALUES"
            " ('primary', NULL, ST_GeomFromText('LINESTRING(751000 7081000, 765000 7085000)',"
            " 3006)), ('track', 20, ST_GeomFromText('LINESTRING(765000 7085000,"
            " 766000 7085500)', 3006))"
        )
    )
    roads = run_inputs.load_roads(db_session)
    assert isinstance(roads, RoadNetwork) and roads.n_edges == 2


def test_what_a_kept_network_keeps_goes_with_its_data_version(committed: Session) -> None:
    """The baseline searches kept with a road network (RoadNetwork.memo) live as long as the
    network: a run of the same data version finds them, a new data version (here, a road
    added) reads a new network, which keeps nothing, and its baseline is the new roads'."""
    from resilience.analysis import Parameters, Scenario, compute

    small_county(committed)
    committed.execute(
        text(
            "INSERT INTO roads (road_class, speed_kmh, geom) VALUES ('primary', 60,"
            " ST_GeomFromText('LINESTRING(751500 7081500, 766000 7085500)', 3006))"
        )
    )
    committed.commit()
    run_inputs.forget()
    first = run_inputs.run_inputs(committed)
    committed.commit()
    assert first.roads is not None and first.kept
    assert {"tree", "pairs", "open_access_tree"} <= set(vars(first.roads))  # before any fork
    scenario = Scenario(parameters=Parameters.from_overrides({"offroad_max_km": 1}))

    def baseline(inputs: run_inputs.RunInputs) -> np.ndarray:
        result = compute(inputs.sites, inputs.cells, inputs.names, scenario, roads=inputs.roads)
        return result.baseline_minutes["food"]

    before = baseline(first)
    assert len(first.roads._memo) > 0
    assert run_inputs.run_inputs(committed) is first  # same version: the same network
    committed.commit()
    committed.execute(
        text(
            "INSERT INTO roads (road_class, speed_kmh, geom) VALUES ('primary', 120,"
            " ST_GeomFromText('LINESTRING(751500 7081500, 766000 7085500)', 3006))"
        )
    )
    committed.commit()
    second = run_inputs.run_inputs(committed)
    committed.commit()
    assert second.version > first.version and second.roads is not first.roads
    assert second.roads is not None and len(second.roads._memo) == 0
    after = baseline(second)
    # The cells that went by road now take the faster one; the one nearby walks as before.
    assert (after <= before).all() and (after < before).sum() == 2
