"""The one vocabulary: pure, self-consistent, and accepted by the migrated database."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest
from pyproj import CRS
from sqlalchemy import Integer, select
from sqlalchemy.orm import Session

from resilience import energy_figures, vocabulary
from resilience.models import EnergyMeasure, EnergyTarget, Site
from resilience.services import imports
from resilience.vocabulary import (
    CATEGORIES,
    CATEGORY,
    HEATING,
    KINDS,
    MEASURE_STATUSES,
    OWNERS,
    SITE_INTEGERS,
    SITE_NUMBERS,
    SITE_TEXTS,
    SWEREF99TM,
    WGS84,
)
from tests.factories import site


def test_the_analysis_the_energy_figures_and_the_loaders_do_not_import_the_orm() -> None:
    code = (
        "import sys, resilience.vocabulary, resilience.analysis, resilience.energy_figures,"
        " geodata.loaders, geodata.exporters;"
        " print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'geoalchemy2'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_srids_are_the_crs_they_name() -> None:
    assert CRS.from_epsg(SWEREF99TM).name == "SWEREF99 TM"
    assert CRS.from_epsg(WGS84).name == "WGS 84"


def test_category_fields_are_site_columns() -> None:
    """Each category's exported fields are numeric or text site fields, once each."""
    columns = Site.__table__.columns
    for spec in CATEGORY.values():
        assert set(spec.fields) <= {*SITE_NUMBERS, *SITE_TEXTS}, spec.name
        assert all(name in columns for name in spec.fields), spec.name
        assert len(set(spec.fields)) == len(spec.fields), spec.name
        assert len(set(spec.kinds)) == len(spec.kinds), spec.name


def test_every_numeric_field_is_a_site_column_of_its_type() -> None:
    columns = Site.__table__.columns
    for name in SITE_NUMBERS:
        assert isinstance(columns[name].type, Integer) == (name in SITE_INTEGERS), name


@pytest.mark.parametrize(
    ("text", "value"),
    [("fjärrvärme", "district_heating"), ("Heat-Pump", "heat_pump"), ("oil", "oil")],
)
def test_heating_words_map_to_the_stored_value(text: str, value: str) -> None:
    assert energy_figures.normalise_heating(text) == value


def test_every_alias_names_one_value() -> None:
    """An alias listed under two values would silently map to the last one."""
    for words in (vocabulary._HEATING_WORDS, vocabulary._STATUS_WORDS):
        listed = [w for value, aliases in words.items() for w in (value, *aliases)]
        assert len(listed) == len(set(listed))


def test_one_of() -> None:
    assert vocabulary.one_of(OWNERS) == "state, region or municipality"
    assert vocabulary.one_of(("care",)) == "care"


def test_the_database_accepts_every_word(db_session: Session) -> None:
    """Catches a word added here without the migration of its CHECK constraint."""
    numbers = {n: 1 for n in SITE_NUMBERS}
    records = [
        site(f"{category}-{kind}", category, kind, 760_000, 7_085_000, **numbers)
        for category in CATEGORIES
        for kind in KINDS[category]
    ]
    records += [
        site(f"heated-{h}", "care", "elderly_home", 760_000, 7_085_000, heating=h) for h in HEATING
    ]
    imports.import_sites(db_session, records, "vocabulary")
    stored = db_session.execute(
        select(Site.category, Site.kind).where(Site.source == "vocabulary")
    ).all()
    assert sorted(stored) == sorted((r.category, r.kind) for r in records)
    heated = select(Site.heating).where(Site.source == "vocabulary", Site.heating.is_not(None))
    assert sorted(db_session.scalars(heated)) == sorted(HEATING)

    building = db_session.scalars(select(Site).where(Site.category == "energy")).first()
    assert building is not None
    for owner in OWNERS:
        db_session.add(EnergyTarget(owner=owner, reduction_percent=10, base_year=2022))
    for status in MEASURE_STATUSES:
        db_session.add(
            EnergyMeasure(
                site_id=building.id, ref=status, title=status, status=status, date=date(2025, 1, 1)
            )
        )
    db_session.flush()
