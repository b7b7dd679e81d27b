"""coverage model v2 sites: utility category, heating, heat_plant, tau, food stock

Adds the category `utility` (district heating plants) and the site columns of
coverage-model.md v2, "Inputs": heating (care, food, energy), heat_plant (the source_id of
the district_heating_plant that heats the site), thermal_time_constant_hours (> 0) and
stock_person_days (>= 0). The energy register kept heating in `attributes`; it moves to the
column here, so there is one place for it. The OGC site views of 0005 list their columns,
so they are recreated with the new ones, plus `ogc_sites_utility`.

Revision ID: 0008
Revises: 0005 (re-chained by the integrator after 0006 and 0007)
Create Date: 2026-12-02 01:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_HEATING = ("district_heating", "electricity", "heat_pump", "biofuel", "oil")
_OLD_CATEGORIES = ("care", "power", "food", "energy")
_CATEGORIES = (*_OLD_CATEGORIES, "utility")

_COLUMNS_0005 = """
    s.id, s.name, s.category, s.kind, s.source, s.source_id, s.municipality_code,
    m.name AS municipality_name, s.owner, s.residents, s.critical_load_kw, s.backup_kw,
    s.fuel_hours, s.priority, s.capacity_kw, s.mobilization_hours, s.heated_area_m2,
    s.energy_kwh_year, s.shelter_capacity, s.attributes, s.updated_at, s.geom
"""
_COLUMNS = """
    s.id, s.name, s.category, s.kind, s.source, s.source_id, s.municipality_code,
    m.name AS municipality_name, s.owner, s.residents, s.critical_load_kw, s.backup_kw,
    s.fuel_hours, s.priority, s.capacity_kw, s.mobilization_hours, s.heated_area_m2,
    s.energy_kwh_year, s.shelter_capacity, s.heating, s.heat_plant,
    s.thermal_time_constant_hours, s.stock_person_days, s.attributes, s.updated_at, s.geom
"""


def _view(category: str, columns: str) -> str:
    return f"""
        CREATE VIEW ogc_sites_{category} AS
        SELECT {columns}
        FROM sites s LEFT JOIN municipalities m ON m.code = s.municipality_code
        WHERE s.category = '{category}'
    """


def upgrade() -> None:
    for category in _OLD_CATEGORIES:
        op.execute(f"DROP VIEW IF EXISTS ogc_sites_{category}")
    op.add_column("sites", sa.Column("heating", sa.String(length=32), nullable=True))
    op.add_column("sites", sa.Column("heat_plant", sa.Text(), nullable=True))
    op.add_column("sites", sa.Column("thermal_time_constant_hours", sa.Float(), nullable=True))
    op.add_column("sites", sa.Column("stock_person_days", sa.Float(), nullable=True))
    op.create_index(op.f("ix_sites_heat_plant"), "sites", ["heat_plant"], unique=False)
    # The energy register's heating attribute becomes the column (values the loaders
    # normalised; anything else stays an attribute for its owner to see).
    op.execute(
        "UPDATE sites SET heating = attributes ->> 'heating', attributes = attributes - 'heating'"
        f" WHERE attributes ->> 'heating' IN {_HEATING!r}"
    )
    op.drop_constraint("category_known", "sites", type_="check")
    op.create_check_constraint("category_known", "sites", f"category IN {_CATEGORIES!r}")
    op.create_check_constraint("heating_known", "sites", f"heating IN {_HEATING!r}")
    op.create_check_constraint("tau_positive", "sites", "thermal_time_constant_hours > 0")
    op.create_check_constraint("stock_non_negative", "sites", "stock_person_days >= 0")
    for category in _CATEGORIES:
        op.execute(_view(category, _COLUMNS))


def downgrade() -> None:
    for category in _CATEGORIES:
        op.execute(f"DROP VIEW IF EXISTS ogc_sites_{category}")
    op.execute("DELETE FROM sites WHERE category = 'utility'")
    op.drop_constraint("stock_non_negative", "sites", type_="check")
    op.drop_constraint("tau_positive", "sites", type_="check")
    op.drop_constraint("heating_known", "sites", type_="check")
    op.drop_constraint("category_known", "sites", type_="check")
    op.create_check_constraint("category_known", "sites", f"category IN {_OLD_CATEGORIES!r}")
    op.execute(
        "UPDATE sites SET attributes = attributes || jsonb_build_object('heating', heating)"
        " WHERE heating IS NOT NULL AND category = 'energy'"
    )
    op.drop_index(op.f("ix_sites_heat_plant"), table_name="sites")
    for column in ("stock_person_days", "thermal_time_constant_hours", "heat_plant", "heating"):
        op.drop_column("sites", column)
    for category in _OLD_CATEGORIES:
        op.execute(_view(category, _COLUMNS_0005))
