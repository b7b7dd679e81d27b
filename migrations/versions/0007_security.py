"""security: polls that must confirm an all-clear, server-side sessions, disabled users and
expiring API tokens (issue 15)

- weather_warnings.missed_polls: SMHI polls in a row that did not list the warning; it ends
  at the second (services/warnings.py, POLLS_TO_END).
- users.session_generation: part of every session cookie; logging out or changing the
  password raises it, which ends every session of the user at once.
- users.disabled: a disabled user cannot log in, and their sessions and tokens stop working.
- api_tokens.expires_at: a token past it is refused (null: does not expire).
- live_states.fingerprint is no longer unique: the county may return to an earlier state
  (a warning in force again after an all-clear), which gets a live run again.

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-02 01:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "weather_warnings",
        sa.Column("missed_polls", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column(
        "users", sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column(
        "users", sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("api_tokens", sa.Column("expires_at", sa.DateTime(timezone=True)))
    op.drop_constraint("live_states_fingerprint_key", "live_states", type_="unique")
    op.create_index("ix_live_states_fingerprint", "live_states", ["fingerprint"])


def downgrade() -> None:
    op.drop_index("ix_live_states_fingerprint", "live_states")
    op.execute(  # keep the newest state of each fingerprint, as 0004 allowed only one
        "DELETE FROM live_states a USING live_states b"
        " WHERE a.fingerprint = b.fingerprint AND a.id < b.id"
    )
    op.create_unique_constraint("live_states_fingerprint_key", "live_states", ["fingerprint"])
    op.drop_column("api_tokens", "expires_at")
    op.drop_column("users", "disabled")
    op.drop_column("users", "session_generation")
    op.drop_column("weather_warnings", "missed_polls")
