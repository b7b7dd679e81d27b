"""run_cell_inputs: the cells a run covers, stored once per data version (issue 22)

Every run of one data version covers the same populated cells, in the same order (their
ids ascending): their ids, municipality codes and population were three of the arrays of
each run's row (0022), about half of what PostgreSQL had to read when storing a
Sweden-sized run (0.08 s of the cells' 0.16 s). They are now one row per data version,
written by the first run or by a worker as it keeps a version's inputs, with a digest of
their contents; a run whose cells match that row leaves its own three arrays null, and
run_cells takes them from the row of the run's data version. A run whose cells do not match
(its data changed within its own transaction) keeps its own, as every run before this did.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 11:40:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

SERVICES = ("food", "care", "shelter")
INPUTS = ("cell_id", "municipality_code", "population")
MINUTES = tuple(f"{s}_minutes" for s in SERVICES) + tuple(f"{s}_minutes_baseline" for s in SERVICES)
FLAGS = tuple(f"{s}_covered" for s in SERVICES) + tuple(f"{s}_covered_baseline" for s in SERVICES)
BIT = {name: 1 << i for i, name in enumerate(FLAGS)}
UNCOVERED_AT = tuple(f"{s}_uncovered_at" for s in SERVICES)


def _run_cells(inputs: dict[str, str], source: str) -> str:
    """0025's run_cells with the three input columns as `inputs[name]`, over `source`: the
    same columns in the same order."""
    return (
        f"CREATE VIEW run_cells AS SELECT a.run_id, run_cell_ids({inputs['cell_id']}) AS cell_id,"
        f" unnest({inputs['municipality_code']}) AS municipality_code,"
        f" unnest({inputs['population']}) AS population, "
        + ", ".join(f"unnest(a.{n}) AS {n}" for n in MINUTES)
        + ", "
        + ", ".join(f"(unnest(a.covered) & {BIT[n]}) <> 0 AS {n}" for n in FLAGS)
        + ", "
        + ", ".join(f"unnest(a.{n}) AS {n}" for n in UNCOVERED_AT)
        + f" FROM {source}"
    )


RUN_CELLS_WITH_INPUTS = _run_cells(
    {n: f"COALESCE(a.{n}, i.{n})" for n in INPUTS},
    "run_cell_arrays a JOIN runs r ON r.id = a.run_id"
    " LEFT JOIN run_cell_inputs i ON a.cell_id IS NULL AND i.data_version = r.data_version",
)
RUN_CELLS_OWN = _run_cells({n: f"a.{n}" for n in INPUTS}, "run_cell_arrays a")

# 0005's view of the newest finished run's cells, as 0025 made it again: it depends on
# run_cells, so it is dropped and made again around the change.
_LATEST_RUN = """(
    SELECT id FROM runs WHERE status = 'finished'
    ORDER BY finished_at DESC NULLS LAST, id DESC LIMIT 1
)"""
OGC_LATEST_RUN_CELLS = f"""
    CREATE VIEW ogc_latest_run_cells AS
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
"""


def upgrade() -> None:
    op.create_table(
        "run_cell_inputs",
        sa.Column("data_version", sa.BigInteger(), primary_key=True),
        sa.Column("digest", sa.Text(), nullable=False),
        sa.Column("cell_id", postgresql.ARRAY(sa.BigInteger()), nullable=False),
        sa.Column("municipality_code", postgresql.ARRAY(sa.String(4)), nullable=False),
        sa.Column("population", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )
    op.execute("DROP VIEW ogc_latest_run_cells")
    op.execute("DROP VIEW run_cells")
    op.execute(
        "ALTER TABLE run_cell_arrays "
        + ", ".join(f"ALTER COLUMN {n} DROP NOT NULL" for n in INPUTS)
    )
    op.execute(RUN_CELLS_WITH_INPUTS)
    op.execute(OGC_LATEST_RUN_CELLS)


def downgrade() -> None:
    op.execute("DROP VIEW ogc_latest_run_cells")
    op.execute("DROP VIEW run_cells")
    op.execute(
        "UPDATE run_cell_arrays a SET "
        + ", ".join(f"{n} = i.{n}" for n in INPUTS)
        + " FROM runs r, run_cell_inputs i"
        " WHERE r.id = a.run_id AND i.data_version = r.data_version AND a.cell_id IS NULL"
    )
    op.execute(
        "ALTER TABLE run_cell_arrays " + ", ".join(f"ALTER COLUMN {n} SET NOT NULL" for n in INPUTS)
    )
    op.execute(RUN_CELLS_OWN)
    op.execute(OGC_LATEST_RUN_CELLS)
    op.drop_table("run_cell_inputs")
