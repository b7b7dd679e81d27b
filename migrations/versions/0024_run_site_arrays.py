"""run_site_arrays: a run's sites as one row of arrays; run_sites becomes a view of them (issue 22)

As 0022 did for the cells: storing a Sweden-sized run's 30,000 sites as rows of run_sites
(a primary key per row, and a foreign key to sites checked per row, which locks each site's
row) cost about 0.35 s inside PostgreSQL, as long as the compute. One row per run holds
the same columns as arrays, in the order of site_id, written by one binary COPY with the
cells' (services/run_results.py), stored out of line without compression.

A site's intervals (a float8[] of up to four hours per site) cannot be an element of an
array: they are kept as the text of their float8[] ('{}' when none; shortest exact floats),
which the view casts back. The generator's route is its EWKB (null for most sites). There is
no foreign key to sites any more: a run is a snapshot, as its cells are (0022); every reader
joins sites for a site's name and place.

`run_sites` is now a view with the table's columns, in its order and site_id order, that
unnests them; a filter on run_id reaches the table's primary key. The site ids come from a
function that says a run has 10,000 (ROWS), so the planner hashes a join with sites
(see run_cell_ids in 0022). run_sites' triggers of 0023 go with the table; deleting a run
deletes its arrays by their foreign key (one row, checked once).

Existing rows are moved into arrays, and back on downgrade (the rows of sites that no
longer exist are dropped, as the foreign key would have).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 08:30:00
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

INTERVALS = ("unpowered_intervals", "unheated_intervals", "cold_intervals")
# run_sites' columns after run_id, with their types (0002, 0009, 0017, 0021), in its order.
COLUMNS: tuple[tuple[str, sa.types.TypeEngine, bool], ...] = (
    ("site_id", sa.Integer(), False),
    ("municipality_code", sa.String(length=4), True),
    ("status", sa.String(length=16), False),
    ("hours_unpowered_before", sa.Float(), False),
    ("hours_unpowered", sa.Float(), False),
    ("generator_id", sa.Integer(), True),
    ("arrival_hours", sa.Float(), True),
    ("heat_plant_id", sa.Integer(), True),
    ("hours_cold", sa.Float(), True),
    ("first_cold_hour", sa.Float(), True),
    ("min_indoor_c", sa.Float(), True),
    *((name, postgresql.ARRAY(sa.Float()), True) for name in INTERVALS),
    ("outage_hours", sa.Float(), True),
    (
        "generator_route",
        Geometry(geometry_type="LINESTRING", srid=3006, spatial_index=False),
        True,
    ),
)
NAMES = [name for name, _type, _nullable in COLUMNS]


def _array_type(name: str, type_: sa.types.TypeEngine) -> sa.types.TypeEngine:
    """The arrays' element types: an interval's text, a route's EWKB, else the column's."""
    if name in INTERVALS:
        return postgresql.ARRAY(sa.Text())
    if name == "generator_route":
        return postgresql.ARRAY(postgresql.BYTEA())
    return postgresql.ARRAY(type_)


def _aggregate(name: str) -> str:
    if name in INTERVALS:
        return f"array_agg({name}::text ORDER BY site_id)"
    if name == "generator_route":
        return f"array_agg(ST_AsEWKB({name}) ORDER BY site_id)"
    return f"array_agg({name} ORDER BY site_id)"


def _unnest(name: str) -> str:
    if name in INTERVALS:
        return f"unnest({name})::float8[] AS {name}"
    if name == "generator_route":
        return f"ST_GeomFromEWKB(unnest({name}))::geometry(LineString, 3006) AS {name}"
    return f"unnest({name}) AS {name}"


RUN_SITE_IDS = (
    "CREATE FUNCTION run_site_ids(ids integer[]) RETURNS SETOF integer LANGUAGE sql IMMUTABLE"
    " ROWS 10000 AS 'SELECT unnest(ids)'"
)
RUN_SITES_VIEW = (
    "CREATE VIEW run_sites AS SELECT run_id, run_site_ids(site_id) AS site_id, "
    + ", ".join(_unnest(n) for n in NAMES[1:])
    + " FROM run_site_arrays"
)

# 0023's trigger function on runs, before (both tables) and after (run_timeline alone).
_DELETE_ROWS = """
    CREATE OR REPLACE FUNCTION runs_delete_their_rows() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        {deletes}
        RETURN NULL;
    END $$
"""
_DELETE_SITES = "DELETE FROM run_sites WHERE run_id IN (SELECT id FROM old_runs);"
_DELETE_TIMELINE = "DELETE FROM run_timeline WHERE run_id IN (SELECT id FROM old_runs);"

# 0005's view of the newest finished run's sites, unchanged: it depends on run_sites, so it
# is dropped and made again around the change.
_LATEST_RUN = """(
    SELECT id FROM runs WHERE status = 'finished'
    ORDER BY finished_at DESC NULLS LAST, id DESC LIMIT 1
)"""
OGC_LATEST_RUN_SITES = f"""
    CREATE VIEW ogc_latest_run_sites AS
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
"""


def upgrade() -> None:
    op.create_table(
        "run_site_arrays",
        sa.Column("run_id", sa.Integer(), nullable=False),
        *(sa.Column(name, _array_type(name, type_), nullable=False) for name, type_, _ in COLUMNS),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id"),
    )
    op.execute(
        "ALTER TABLE run_site_arrays "
        + ", ".join(f"ALTER COLUMN {n} SET STORAGE EXTERNAL" for n in NAMES)
    )
    op.execute(
        "INSERT INTO run_site_arrays (run_id, "
        + ", ".join(NAMES)
        + ") SELECT run_id, "
        + ", ".join(_aggregate(n) for n in NAMES)
        + " FROM run_sites GROUP BY run_id"
    )
    op.execute("DROP VIEW ogc_latest_run_sites")
    op.execute(_DELETE_ROWS.format(deletes=_DELETE_TIMELINE))
    op.drop_table("run_sites")
    op.execute(RUN_SITE_IDS)
    op.execute(RUN_SITES_VIEW)
    op.execute(OGC_LATEST_RUN_SITES)


def downgrade() -> None:
    op.execute("DROP VIEW ogc_latest_run_sites")
    op.execute("ALTER VIEW run_sites RENAME TO run_sites_of_arrays")
    op.create_table(
        "run_sites",
        sa.Column("run_id", sa.Integer(), nullable=False),
        *(sa.Column(name, type_, nullable=nullable) for name, type_, nullable in COLUMNS),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id", "site_id"),
    )
    op.execute(
        "INSERT INTO run_sites (run_id, "
        + ", ".join(NAMES)
        + ") SELECT run_id, "
        + ", ".join(NAMES)
        + " FROM run_sites_of_arrays WHERE site_id IN (SELECT id FROM sites)"
    )
    op.execute("DROP VIEW run_sites_of_arrays")
    op.execute("DROP FUNCTION run_site_ids(integer[])")
    op.drop_table("run_site_arrays")
    # 0023's run checks once per statement, and its deletes of a run's rows.
    for event in ("INSERT", "UPDATE"):
        op.execute(
            f"CREATE TRIGGER run_sites_run_{event.lower()} AFTER {event} ON run_sites"
            " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
            " EXECUTE FUNCTION run_rows_have_their_run()"
        )
    op.execute(_DELETE_ROWS.format(deletes=_DELETE_SITES + "\n" + _DELETE_TIMELINE))
    op.execute(OGC_LATEST_RUN_SITES)
