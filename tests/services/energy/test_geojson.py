"""services/energy/geojson.py: the energy register's buildings and municipalities as GeoJSON,
over the energy pages' county (tests/helpers/energy.py: four buildings with hand-checked
figures, and the school energy-1 without area or use)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from resilience.services.energy.geojson import buildings_geojson, municipalities_geojson
from resilience.services.energy.register import load_register
from resilience.services.lookup import municipality_names
from resilience.vocabulary import SWEREF99TM
from tests.helpers.energy import energy_county


def test_the_buildings_with_their_figures(db_session: Session) -> None:
    ids = energy_county(db_session)
    register = load_register(db_session)
    collection = buildings_geojson(
        db_session, register.assessments, municipality_names(db_session), SWEREF99TM
    )
    features = {f["properties"]["id"]: f for f in collection["features"]}
    assert set(features) == {ids[s] for s in ("e-a1", "e-a2", "e-o1", "e-o2", "energy-1")}
    a2 = features[ids["e-a2"]]
    assert a2["geometry"]["coordinates"] == [752_000, 7_082_000]
    props = a2["properties"]
    assert (props["name"], props["kind"], props["owner"]) == (
        "Åbacka gymnasium",
        "school",
        "municipality",
    )
    assert (props["municipality_code"], props["municipality_name"]) == ("2401", "Åbacka")
    assert props["intensity_kwh_m2"] == 200.0  # 400 000 kWh over 2 000 m²
    assert props["kind_median_kwh_m2"] == 150.0  # of 100, 200 and 150
    assert props["saving_potential_kwh_year"] == 100_000.0  # (200 - 150) × 2 000
    assert props["styrel_priority"] == 7
    unknown = features[ids["energy-1"]]["properties"]
    assert unknown["intensity_kwh_m2"] is None and unknown["shelter_capacity"] == 200


def test_only_the_buildings_given(db_session: Session) -> None:
    ids = energy_county(db_session)
    register = load_register(db_session)
    chosen = [a for a in register.assessments if a.building.id == ids["e-o2"]]
    collection = buildings_geojson(db_session, chosen, {})
    (feature,) = collection["features"]
    assert feature["properties"]["municipality_name"] is None  # no names given
    lon, lat = feature["geometry"]["coordinates"]
    assert 20 < lon < 21 and 63 < lat < 64


def test_the_municipalities_totals_in_mwh(db_session: Session) -> None:
    energy_county(db_session)
    collection = municipalities_geojson(db_session, load_register(db_session), SWEREF99TM)
    by_code = {f["properties"]["code"]: f["properties"] for f in collection["features"]}
    assert sorted(by_code) == ["2401", "2403"]
    abacka, ostervik = by_code["2401"], by_code["2403"]
    assert abacka["buildings"] == 3 and ostervik["buildings"] == 2
    assert abacka["heated_area_m2"] == 3_000 and ostervik["heated_area_m2"] == 1_500
    assert abacka["use_mwh_year"] == pytest.approx(500.0)  # 100 + 400; energy-1 unknown
    assert ostervik["use_mwh_year"] == pytest.approx(193.8)  # 150 + 43.8
    assert abacka["saving_potential_mwh_year"] == pytest.approx(100.0)
    assert abacka["savings_done_mwh_year"] == 0.0
    assert collection["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
