"""run_baselines: a run's baseline minutes stored once per distinct content (issue 22)

A run's baseline (coverage-model.md: the same computation with no outage and no snow
zones) is the same for every run of one data version and one set of travel parameters, yet
each run's row held its three arrays of baseline minutes: 6 MB of a Sweden-sized run's
12 MB of minutes, half of what PostgreSQL parsed, wrote to TOAST and logged for each run.
They are now one row of run_baselines per distinct content, keyed by a digest of it
(SHA-256 of the three arrays as stored): a run whose baseline matches a row names it in
baseline_digest and leaves its own three arrays null, and run_cells takes them from that
row. Content-addressed, so no rule of which parameters move the baseline is needed: equal
minutes share, any difference gets a row of its own. Runs stored before keep their own.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 14:20:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

SERVICES = ("food", "care", "shelter")
INPUTS = ("cell_id", "municipality_code", "population")
SCENARIO = tuple(f"{s}_minutes" for s in SERVICES)
BASELINE = tuple(f"{s}_minutes_baseline" for s in SERVICES)
FLAGS = tuple(f"{s}_covered" for s in SERVICES) + tuple(f"{s}_covered_baseline" for s in SERVICES)
BIT = {name: 1 << i for i, name in enumerate(FLAGS)}
UNCOVERED_AT = tuple(f"{s}_uncovered_at" for s in SERVICES)


def _run_cells(baseline: dict[str, str], source: str) -> str:
    """0027's run_cells with the three baseline columns as `baseline[name]`, over `source`:
    the same columns in the same order."""
    return (
        "CREATE VIEW run_cells AS SELECT a.run_id,"
        " run_cell_ids(COALESCE(a.cell_id, i.cell_id)) AS cell_id,"
        " unnest(COALESCE(a.municipality_code, i.municipality_code)) AS municipality_code,"
        " unnest(COALESCE(a.population, i.population)) AS population, "
        + ", ".join(f"unnest(a.{n}) AS {n}" for n in SCENARIO)
        + ", "
        + ", ".join(f"unnest({baseline[n]}) AS {n}" for n in BASELINE)
        + ", "
        + ", ".join(f"(unnest(a.covered) & {BIT[n]}) <> 0 AS {n}" for n in FLAGS)
        + ", "
        + ", ".join(f"unnest(a.{n}) AS {n}" for n in UNCOVERED_AT)
        + f" FROM {source}"
    )


_WITH_INPUTS = (
    "run_cell_arrays a JOIN runs r ON r.id = a.run_id"
    " LEFT JOIN run_cell_inputs i ON a.cell_id IS NULL AND i.data_version = r.data_version"
)
RUN_CELLS_SHARED = _run_cells(
    {n: f"COALESCE(a.{n}, b.{n})" for n in BASELINE},
    _WITH_INPUTS + " LEFT JOIN run_baselines b ON b.digest = a.baseline_digest",
)
RUN_CELLS_0027 = _run_cells({n: f"a.{n}" for n in BASELINE}, _WITH_INPUTS)

# 0005's view of the newest finished run's cells, as 0027 made it again: it depends on
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

# The arrays compressed with lz4 as the runs' own (0026), or stored uncompressed where the
# server was built without lz4.
_LZ4 = """
DO $$
BEGIN
    BEGIN
        SET LOCAL default_toast_compression = lz4;  -- refused by a server without lz4
    EXCEPTION WHEN OTHERS THEN
        ALTER TABLE run_baselines ALTER COLUMN food_minutes_baseline SET STORAGE EXTERNAL,
            ALTER COLUMN care_minutes_baseline SET STORAGE EXTERNAL,
            ALTER COLUMN shelter_minutes_baseline SET STORAGE EXTERNAL;
        RETURN;
    END;
    ALTER TABLE run_baselines ALTER COLUMN food_minutes_baseline SET COMPRESSION lz4,
        ALTER COLUMN care_minutes_baseline SET COMPRESSION lz4,
        ALTER COLUMN shelter_minutes_baseline SET COMPRESSION lz4;
END $$;
"""


def upgrade() -> None:
    op.create_table(
        "run_baselines",
        sa.Column("digest", sa.Text(), primary_key=True),
        *(sa.Column(n, postgresql.ARRAY(sa.Float()), nullable=False) for n in BASELINE),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )
    op.execute(_LZ4)
    op.execute("DROP VIEW ogc_latest_run_cells")
    op.execute("DROP VIEW run_cells")
    op.add_column(
        "run_cell_arrays",
        sa.Column("baseline_digest", sa.Text(), sa.ForeignKey("run_baselines.digest")),
    )
    op.execute(
        "ALTER TABLE run_cell_arrays "
        + ", ".join(f"ALTER COLUMN {n} DROP NOT NULL" for n in BASELINE)
    )
    op.execute(RUN_CELLS_SHARED)
    op.execute(OGC_LATEST_RUN_CELLS)


def downgrade() -> None:
    op.execute("DROP VIEW ogc_latest_run_cells")
    op.execute("DROP VIEW run_cells")
    op.execute(
        "UPDATE run_cell_arrays a SET "
        + ", ".join(f"{n} = b.{n}" for n in BASELINE)
        + " FROM run_baselines b WHERE b.digest = a.baseline_digest"
        f" AND a.{BASELINE[0]} IS NULL"
    )
    op.execute(
        "ALTER TABLE run_cell_arrays "
        + ", ".join(f"ALTER COLUMN {n} SET NOT NULL" for n in BASELINE)
    )
    op.drop_column("run_cell_arrays", "baseline_digest")
    op.execute(RUN_CELLS_0027)
    op.execute(OGC_LATEST_RUN_CELLS)
    op.drop_table("run_baselines")
