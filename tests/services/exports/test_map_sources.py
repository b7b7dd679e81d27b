"""services/exports/map_sources.py: the map's layers an export offers, their SQL run in
PostGIS, whole and filtered by municipality."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from resilience.services.exports.map_sources import layer_ids, layer_sources
from resilience.vocabulary import SWEREF99TM, category_names
from tests.factories import ogc_county


def _params(municipality: str | None) -> dict[str, Any]:
    return {"crs": SWEREF99TM, "municipality": municipality} | {
        f"category_{c}": c for c in category_names()
    }


def test_the_layers_in_the_files_order() -> None:
    ids = layer_ids()
    assert ids == ("municipalities", "population", *category_names(), "roads")
    assert set(layer_sources(None)) == set(ids) == set(layer_sources("2401"))


@pytest.mark.parametrize(
    ("municipality", "counts"),
    [
        (None, {"municipalities": 2, "population": 3, "care": 1, "food": 2, "roads": 2}),
        ("2401", {"municipalities": 1, "population": 2, "care": 1, "food": 0, "roads": 1}),
        ("2403", {"municipalities": 1, "population": 1, "care": 0, "food": 1, "roads": 1}),
    ],
)
def test_each_layer_counts_what_it_reads(
    db_session: Session, municipality: str | None, counts: dict[str, int]
) -> None:
    ogc_county(db_session)
    sources = layer_sources(municipality)
    params = _params(municipality)
    for layer, expected in counts.items():
        source = sources[layer]
        counted = db_session.execute(text(source.count), params).scalar_one()
        rows = db_session.execute(text(source.select), params).all()
        assert counted == len(rows) == expected, layer
        # The schema's fields in order, then the geometry.
        assert all(len(r) == len(source.schema.fields) + 1 for r in rows), layer


def test_the_rows_carry_the_swedish_names_and_the_categorys_fields(db_session: Session) -> None:
    ogc_county(db_session)
    sources = layer_sources(None)
    params = _params(None)
    kommuner = db_session.execute(text(sources["municipalities"].select), params).all()
    assert [(r[0], r[1], r[2], r[3]) for r in kommuner] == [
        ("2401", "Åbacka", 150, 2),  # care-1, energy-1
        ("2403", "Östervik", 55, 3),  # gen-1, food-1, dh-1 (outside-1 in neither)
    ]
    care = sources["care"]
    (row,) = db_session.execute(text(care.select), params).all()
    values = dict(zip([f.name for f in care.schema.fields], row, strict=False))
    assert values["name"] == "Björkgårdens äldreboende"
    assert values["municipality_name"] == "Åbacka"
    assert values["residents"] == 40 and values["heating"] == "district_heating"
    roads = db_session.execute(text(sources["roads"].select), params).all()
    assert [r[1] for r in roads] == ["Åbackavägen", "E12"]


def test_a_municipality_is_a_bound_value_not_sql(db_session: Session) -> None:
    ogc_county(db_session)
    sources = layer_sources("x")
    hostile = _params("2401' OR '1'='1")
    for layer in ("municipalities", "population", "care", "roads"):
        assert db_session.execute(text(sources[layer].count), hostile).scalar_one() == 0
