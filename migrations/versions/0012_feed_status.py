"""feed status: the outcome of the SMHI polls, and the rule for open-ended warnings (issue 12)

- feed_status: one row per polled feed (source "smhi"): the last successful poll, the first
  failure since then (null while it answers), the last error and when it was tried. The
  pages, the banner and /healthz read it to say when the feed is down.
- weather_warnings.stale_after: a warning without an end time that came in a file or a push
  (not a poll) stops being current at this time (published + RESILIENCE_OPEN_WARNING_MAX_HOURS);
  null for warnings with an end time and for those a poll lists.

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-02 02:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed_status",
        sa.Column("source", sa.String(16), primary_key=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True)),
        sa.Column("failing_since", sa.DateTime(timezone=True)),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column("weather_warnings", sa.Column("stale_after", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("weather_warnings", "stale_after")
    op.drop_table("feed_status")
