"""run_sites and run_timeline: their run checked once per statement, not once per row (issue 22)

A foreign key checks every inserted row on its own (a query per row, locking the run's
row each time): for the 30,000 sites and 7,000 timeline rows of a Sweden-sized run that
cost about 0.5 s of its end to end, as long as the compute. The same rule is kept by
triggers with transition tables, once per statement:
- after an INSERT or UPDATE of run_sites or run_timeline, the statement's distinct run
  ids are locked as a foreign key locks them (FOR KEY SHARE: the run cannot be deleted
  until this transaction ends) and a missing one fails the statement (foreign_key_violation);
- after a DELETE of runs (by hand or cascaded from its scenario), their rows are deleted.
The foreign key of run_sites to sites stays (checked per row, a fraction of the cost).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 06:10:00
"""

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

TABLES = ("run_sites", "run_timeline")


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION run_rows_have_their_run() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            missing integer;
        BEGIN
            PERFORM 1 FROM runs WHERE id IN (SELECT run_id FROM new_rows) FOR KEY SHARE;
            SELECT n.run_id INTO missing FROM (SELECT DISTINCT run_id FROM new_rows) n
                WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = n.run_id) LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION 'insert or update on table "%" violates its run''s key',
                    TG_TABLE_NAME
                    USING ERRCODE = 'foreign_key_violation',
                    DETAIL = format('Key (run_id)=(%s) is not present in table "runs".',
                        missing);
            END IF;
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION runs_delete_their_rows() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM run_sites WHERE run_id IN (SELECT id FROM old_runs);
            DELETE FROM run_timeline WHERE run_id IN (SELECT id FROM old_runs);
            RETURN NULL;
        END $$
        """
    )
    for table in TABLES:
        op.drop_constraint(f"{table}_run_id_fkey", table, type_="foreignkey")
        for event in ("INSERT", "UPDATE"):
            op.execute(
                f"CREATE TRIGGER {table}_run_{event.lower()} AFTER {event} ON {table}"
                " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
                " EXECUTE FUNCTION run_rows_have_their_run()"
            )
    op.execute(
        "CREATE TRIGGER runs_delete_their_rows AFTER DELETE ON runs"
        " REFERENCING OLD TABLE AS old_runs FOR EACH STATEMENT"
        " EXECUTE FUNCTION runs_delete_their_rows()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER runs_delete_their_rows ON runs")
    for table in TABLES:
        for event in ("insert", "update"):
            op.execute(f"DROP TRIGGER {table}_run_{event} ON {table}")
        op.create_foreign_key(
            f"{table}_run_id_fkey", table, "runs", ["run_id"], ["id"], ondelete="CASCADE"
        )
    op.execute("DROP FUNCTION runs_delete_their_rows()")
    op.execute("DROP FUNCTION run_rows_have_their_run()")
