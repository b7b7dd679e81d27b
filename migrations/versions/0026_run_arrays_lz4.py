"""run_cell_arrays, run_site_arrays: their arrays compressed with lz4, not pglz (issue 22)

A run's cells and sites are one row of arrays each (0022, 0024), every array a few MB for
a Sweden-sized run, so PostgreSQL compresses each on the way into TOAST. pglz, the default,
spent about 70 % of the time of storing a double precision[] of 208,000 minutes (27 ms of
which 19 ms compressing, for little gain on minutes that do not repeat); lz4 takes 8 ms
and still shrinks what repeats (municipality codes, bit strings). Where the server was
built without lz4, the arrays are stored uncompressed (STORAGE EXTERNAL), as fast.
Rows already stored stay as they are: both are read the same way.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 11:00:00
"""

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

TABLES = ("run_cell_arrays", "run_site_arrays")


def _each_array(statement: str) -> str:
    """A DO block running `statement` (a format() string over table and column) for every
    array column of the tables."""
    tables = ", ".join(f"'{t}'" for t in TABLES)
    return f"""
DO $$
DECLARE
    col record;
    lz4 boolean := true;
BEGIN
    BEGIN
        SET LOCAL default_toast_compression = lz4;  -- refused by a server without lz4
    EXCEPTION WHEN OTHERS THEN
        lz4 := false;
    END;
    FOR col IN
        SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name IN ({tables})
          AND data_type = 'ARRAY'
        ORDER BY table_name, ordinal_position
    LOOP
        EXECUTE {statement};
    END LOOP;
END $$;
"""


def upgrade() -> None:
    op.execute(
        _each_array(
            "CASE WHEN lz4"
            " THEN format('ALTER TABLE %I ALTER COLUMN %I SET COMPRESSION lz4',"
            " col.table_name, col.column_name)"
            " ELSE format('ALTER TABLE %I ALTER COLUMN %I SET STORAGE EXTERNAL',"
            " col.table_name, col.column_name) END"
        )
    )


def downgrade() -> None:
    op.execute(
        _each_array(
            "format('ALTER TABLE %I ALTER COLUMN %I SET STORAGE EXTENDED, ALTER COLUMN %I SET"
            " COMPRESSION DEFAULT', col.table_name, col.column_name, col.column_name)"
        )
    )
