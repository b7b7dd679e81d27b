"""views behind the OGC API - Features collections

One view per collection, each with an `id` column (unique within the view) and a `geom`
column in EPSG:3006, so the OGC service (resilience/services/ogc.py) treats every
collection alike. Views, not tables: they read the live rows, and PostgreSQL inlines them,
so a bbox filter on `geom` still uses the GiST index of the underlying table.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 09:00:00
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_SITE_COLUMNS = """
    s.id, s.name, s.category, s.kind, s.source, s.source_id, s.municipality_code,
    m.name AS municipality_name, s.owner, s.residents, s.critical_load_kw, s.backup_kw,
    s.fuel_hours, s.priority, s.capacity_kw, s.mobilization_hours, s.heated_area_m2,
    s.energy_kwh_year, s.shelter_capacity, s.attributes, s.updated_at, s.geom
"""

# The newest finished run; a scalar subquery, so the planner evaluates it once.
_LATEST_RUN = """(
    SELECT id FROM runs WHERE status = 'finished'
    ORDER BY finished_at DESC NULLS LAST, id DESC LIMIT 1
)"""

VIEWS: dict[str, str] = {
    "ogc_municipalities": """
        SELECT m.code AS id, m.code, m.name, m.source, m.updated_at, m.geom
        FROM municipalities m
    """,
    "ogc_population": """
        SELECT c.id, c.x_ll, c.y_ll, c.cell_size, c.population, c.municipality_code, c.geom
        FROM population_cells c
    """,
    **{
        f"ogc_sites_{category}": f"""
            SELECT {_SITE_COLUMNS}
            FROM sites s LEFT JOIN municipalities m ON m.code = s.municipality_code
            WHERE s.category = '{category}'
        """
        for category in ("care", "power", "food", "energy")
    },
    "ogc_latest_run_sites": f"""
        SELECT s.id, r.run_id, ru.scenario_snapshot ->> 'name' AS scenario_name,
            ru.finished_at AS run_finished_at, s.name, s.category, s.kind, s.source_id,
            s.residents, r.municipality_code, r.status, r.hours_unpowered_before,
            r.hours_unpowered, r.generator_id, g.name AS generator_name, r.arrival_hours,
            s.geom
        FROM run_sites r
        JOIN runs ru ON ru.id = r.run_id
        JOIN sites s ON s.id = r.site_id
        LEFT JOIN sites g ON g.id = r.generator_id
        WHERE r.run_id = {_LATEST_RUN}
    """,
    "ogc_latest_run_cells": f"""
        SELECT c.id, r.run_id, ru.scenario_snapshot ->> 'name' AS scenario_name,
            ru.finished_at AS run_finished_at, r.municipality_code, r.population,
            r.food_minutes, r.care_minutes, r.shelter_minutes,
            r.food_minutes_baseline, r.care_minutes_baseline, r.shelter_minutes_baseline,
            r.food_covered, r.care_covered, r.shelter_covered,
            r.food_covered_baseline, r.care_covered_baseline, r.shelter_covered_baseline,
            (NOT r.food_covered AND r.food_covered_baseline) AS new_food_gap,
            (NOT r.care_covered AND r.care_covered_baseline) AS new_care_gap,
            (NOT r.shelter_covered AND r.shelter_covered_baseline) AS new_shelter_gap,
            c.geom
        FROM run_cells r
        JOIN runs ru ON ru.id = r.run_id
        JOIN population_cells c ON c.id = r.cell_id
        WHERE r.run_id = {_LATEST_RUN}
    """,
}


def upgrade() -> None:
    for name, sql in VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {sql}")


def downgrade() -> None:
    for name in reversed(VIEWS):
        op.execute(f"DROP VIEW IF EXISTS {name}")
