"""run_cell_arrays: a run's cells as one row of arrays; run_cells becomes a view of them (issue 22)

Storing a Sweden-sized run's 250,000 cells as rows of run_cells (a composite primary key and
a foreign key to runs per row) cost about 2 s inside PostgreSQL, four times the compute.
One row per run holds the same columns as arrays, in the order of cell_id, written by one
binary COPY (services/run_results.py); the arrays are stored out of line without
compression (STORAGE EXTERNAL: compressing them would cost more than it saves).

`run_cells` is now a view with the table's columns that unnests them (the set-returning
functions in the select list stream the rows; in FROM they would be materialised first),
so every reader (the pages, the API, exports, OGC views) reads what it read before. A
filter on run_id reaches the table's primary key. The view's rows come in cell_id order.
Reading a run's cells now unnests all of them (about 0.1 s for 250,000 on a quiet
machine), where the table could look up a few by key: an OGC page of a bounding box of a
Sweden-sized run pays that once per request.

Existing rows are moved into arrays, and back on downgrade.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 06:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

SERVICES = ("food", "care", "shelter")
# run_cells' columns after run_id, with their types (0002, 0009), in the table's order.
COLUMNS: tuple[tuple[str, sa.types.TypeEngine, bool], ...] = (
    ("cell_id", sa.BigInteger(), False),
    ("municipality_code", sa.String(length=4), True),
    ("population", sa.Integer(), False),
    *((f"{s}_minutes", sa.Float(), True) for s in SERVICES),
    *((f"{s}_minutes_baseline", sa.Float(), True) for s in SERVICES),
    *((f"{s}_covered", sa.Boolean(), False) for s in SERVICES),
    *((f"{s}_covered_baseline", sa.Boolean(), False) for s in SERVICES),
    *((f"{s}_uncovered_at", postgresql.BIT(varying=True), True) for s in SERVICES),
)
NAMES = [name for name, _type, _nullable in COLUMNS]

# PostgreSQL guesses 10 rows for an unnest of a column, so a join of the view with
# population_cells would be a nested loop of index lookups (a second for a Sweden-sized
# run's gap cells); the cell ids come from a function that says a run has 100,000 (ROWS),
# which makes the planner hash. A set-returning SQL function in a select list is not
# inlined, so its ROWS holds; it streams the ids (about 0.2 µs a cell more than unnest).
RUN_CELL_IDS = (
    "CREATE FUNCTION run_cell_ids(ids bigint[]) RETURNS SETOF bigint LANGUAGE sql IMMUTABLE"
    " ROWS 100000 AS 'SELECT unnest(ids)'"
)
RUN_CELLS_VIEW = (
    "CREATE VIEW run_cells AS SELECT run_id, run_cell_ids(cell_id) AS cell_id, "
    + ", ".join(f"unnest({n}) AS {n}" for n in NAMES[1:])
    + " FROM run_cell_arrays"
)

# 0005's view of the newest finished run's cells, unchanged: it depends on run_cells, so it
# is dropped and made again around the change.
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
        "run_cell_arrays",
        sa.Column("run_id", sa.Integer(), nullable=False),
        *(sa.Column(name, postgresql.ARRAY(type_), nullable=False) for name, type_, _ in COLUMNS),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id"),
    )
    op.execute(
        "ALTER TABLE run_cell_arrays "
        + ", ".join(f"ALTER COLUMN {n} SET STORAGE EXTERNAL" for n in NAMES)
    )
    op.execute(
        "INSERT INTO run_cell_arrays (run_id, "
        + ", ".join(NAMES)
        + ") SELECT run_id, "
        + ", ".join(f"array_agg({n} ORDER BY cell_id)" for n in NAMES)
        + " FROM run_cells GROUP BY run_id"
    )
    op.execute("DROP VIEW ogc_latest_run_cells")
    op.drop_table("run_cells")
    op.execute(RUN_CELL_IDS)
    op.execute(RUN_CELLS_VIEW)
    op.execute(OGC_LATEST_RUN_CELLS)


def downgrade() -> None:
    op.execute("DROP VIEW ogc_latest_run_cells")
    op.execute("ALTER VIEW run_cells RENAME TO run_cells_of_arrays")
    op.create_table(
        "run_cells",
        sa.Column("run_id", sa.Integer(), nullable=False),
        *(sa.Column(name, type_, nullable=nullable) for name, type_, nullable in COLUMNS),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id", "cell_id"),
    )
    op.execute(
        "INSERT INTO run_cells (run_id, "
        + ", ".join(NAMES)
        + ") SELECT run_id, "
        + ", ".join(NAMES)
        + " FROM run_cells_of_arrays"
    )
    op.execute("DROP VIEW run_cells_of_arrays")
    op.execute("DROP FUNCTION run_cell_ids(bigint[])")
    op.drop_table("run_cell_arrays")
    op.execute(OGC_LATEST_RUN_CELLS)
