"""run_cell_arrays: a cell's six covered booleans as the bits of one smallint (issue 22)

A Sweden-sized run stores about 208,000 populated cells as one row of arrays (0022), and
PostgreSQL reads every element of every array on its own (a call of the element type's
receive function): the six boolean[] of covered (scenario and baseline per service) were
six times as many elements as one smallint[]. The flags hold them as bits, per cell:

    food_covered 1, care_covered 2, shelter_covered 4,
    food_covered_baseline 8, care_covered_baseline 16, shelter_covered_baseline 32

(resilience/models.py COVERED_BITS, which services/run_results.py writes by). The view
run_cells unpacks them into the same boolean columns, in the same order, so every reader
(the pages, the API, exports, OGC views) reads what it read before. Existing rows are
packed, and unpacked again on downgrade.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 10:00:00
"""

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

SERVICES = ("food", "care", "shelter")
# The flags' bits, in this order: the scenario's covered per service, then the baseline's.
FLAGS = tuple(f"{s}_covered" for s in SERVICES) + tuple(f"{s}_covered_baseline" for s in SERVICES)
BIT = {name: 1 << i for i, name in enumerate(FLAGS)}
MINUTES = tuple(f"{s}_minutes" for s in SERVICES) + tuple(f"{s}_minutes_baseline" for s in SERVICES)
UNCOVERED_AT = tuple(f"{s}_uncovered_at" for s in SERVICES)


def _view(covered: dict[str, str]) -> str:
    """0022's run_cells with each covered column as `covered[name]` (an expression over
    the table's columns): the same columns in the same order."""
    return (
        "CREATE VIEW run_cells AS SELECT run_id, run_cell_ids(cell_id) AS cell_id,"
        " unnest(municipality_code) AS municipality_code, unnest(population) AS population, "
        + ", ".join(f"unnest({n}) AS {n}" for n in MINUTES)
        + ", "
        + ", ".join(f"{covered[n]} AS {n}" for n in FLAGS)
        + ", "
        + ", ".join(f"unnest({n}) AS {n}" for n in UNCOVERED_AT)
        + " FROM run_cell_arrays"
    )


RUN_CELLS_OF_FLAGS = _view({n: f"(unnest(covered) & {BIT[n]}) <> 0" for n in FLAGS})
RUN_CELLS_OF_BOOLEANS = _view({n: f"unnest({n})" for n in FLAGS})

# 0005's view of the newest finished run's cells, unchanged (as 0022 made it again): it
# depends on run_cells, so it is dropped and made again around the change.
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
    op.execute("DROP VIEW ogc_latest_run_cells")
    op.execute("DROP VIEW run_cells")
    op.execute("ALTER TABLE run_cell_arrays ADD COLUMN covered smallint[]")
    packed = " + ".join(f"{BIT[n]} * {n}::int" for n in FLAGS)
    op.execute(
        f"UPDATE run_cell_arrays SET covered = ARRAY(SELECT ({packed})::smallint"
        f" FROM unnest({', '.join(FLAGS)}) WITH ORDINALITY AS u({', '.join(FLAGS)}, i)"
        " ORDER BY i)"
    )
    op.execute(
        "ALTER TABLE run_cell_arrays ALTER COLUMN covered SET NOT NULL,"
        " ALTER COLUMN covered SET STORAGE EXTERNAL, "
        + ", ".join(f"DROP COLUMN {n}" for n in FLAGS)
    )
    op.execute(RUN_CELLS_OF_FLAGS)
    op.execute(OGC_LATEST_RUN_CELLS)


def downgrade() -> None:
    op.execute("DROP VIEW ogc_latest_run_cells")
    op.execute("DROP VIEW run_cells")
    op.execute(
        "ALTER TABLE run_cell_arrays " + ", ".join(f"ADD COLUMN {n} boolean[]" for n in FLAGS)
    )
    op.execute(
        "UPDATE run_cell_arrays SET "
        + ", ".join(
            f"{n} = ARRAY(SELECT (f & {BIT[n]}) <> 0"
            " FROM unnest(covered) WITH ORDINALITY AS u(f, i) ORDER BY i)"
            for n in FLAGS
        )
    )
    op.execute(
        "ALTER TABLE run_cell_arrays "
        + ", ".join(
            f"ALTER COLUMN {n} SET NOT NULL, ALTER COLUMN {n} SET STORAGE EXTERNAL" for n in FLAGS
        )
        + ", DROP COLUMN covered"
    )
    op.execute(RUN_CELLS_OF_BOOLEANS)
    op.execute(OGC_LATEST_RUN_CELLS)
