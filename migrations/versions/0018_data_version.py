"""data_version: one counter that moves on every change of a run's inputs (issue 22, item 3)

Until now the data version was max(data_imports.id): it moved with imports, but not with a
site changed by an editor (energy fields), a confirmed upload that recorded no import, or a
row deleted by hand. Workers keep the inputs of runs and plans in memory per data version
(services/run_inputs.py), so the version must move on EVERY change of those inputs.

A statement-level trigger (INSERT, UPDATE, DELETE, TRUNCATE) on sites, population_cells,
municipalities and, when it exists, roads sets the one row of `data_version` to the next
value of the sequence `data_version_seq`, at most once per transaction. The row is written
in the changing transaction, so a reader sees the new version exactly when it sees the new
data; the sequence is owned by no column (TRUNCATE ... RESTART IDENTITY leaves it alone), so
a version never repeats, even after a rollback or the row's deletion. The value starts above
the largest data_imports.id, so versions recorded by earlier runs stay smaller.

Roads arrive in another migration (0015, re-chained before this one on merge): the trigger
on roads is created here when the table exists; `data_version_trigger(table)` below is what
a later migration of an input table calls.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 03:40:00
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

INPUT_TABLES = ("sites", "population_cells", "municipalities")


def data_version_trigger(table: str) -> str:
    """The SQL that makes changes of `table` move the data version."""
    return (
        f"CREATE TRIGGER {table}_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
        f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()"
    )


def upgrade() -> None:
    op.execute("CREATE SEQUENCE data_version_seq")
    op.execute(
        "SELECT setval('data_version_seq', (SELECT coalesce(max(id), 0) + 1 FROM data_imports),"
        " false)"
    )
    op.execute(
        "CREATE TABLE data_version ("
        " id integer PRIMARY KEY CHECK (id = 1),"
        " version bigint NOT NULL,"
        " xact bigint NOT NULL,"
        " changed_at timestamptz NOT NULL DEFAULT now())"
    )
    op.execute(
        "INSERT INTO data_version (id, version, xact)"
        " VALUES (1, nextval('data_version_seq'), txid_current())"
    )
    # Once per transaction: a second statement of the same transaction finds its own xact.
    op.execute(
        """
        CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO data_version (id, version, xact)
            VALUES (1, nextval('data_version_seq'), txid_current())
            ON CONFLICT (id) DO UPDATE
                SET version = nextval('data_version_seq'), xact = EXCLUDED.xact,
                    changed_at = now()
                WHERE data_version.xact <> EXCLUDED.xact;
            RETURN NULL;
        END
        $$
        """
    )
    for table in INPUT_TABLES:
        op.execute(data_version_trigger(table))
    op.execute(
        f"""
        DO $$ BEGIN
            IF to_regclass('roads') IS NOT NULL THEN
                EXECUTE '{data_version_trigger("roads")}';
            END IF;
        END $$
        """
    )


def downgrade() -> None:
    for table in (*INPUT_TABLES, "roads"):
        op.execute(
            f"DO $$ BEGIN IF to_regclass('{table}') IS NOT NULL THEN"
            f" DROP TRIGGER IF EXISTS {table}_data_version ON {table}; END IF; END $$"
        )
    op.execute("DROP FUNCTION bump_data_version()")
    op.execute("DROP TABLE data_version")
    op.execute("DROP SEQUENCE data_version_seq")
