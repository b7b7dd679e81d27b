"""weather_warnings.posted_by: who brought a warning (issue 12, item 3)

The user who posted it (POST /api/v1/warnings) or ingested its file (`flask warnings
ingest`, the operating-system user); null for the SMHI polls. A live run started by a
change of the warnings names as its starter the poster of the newest warning the change
brought, or smhi when the polls brought it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 04:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("weather_warnings", sa.Column("posted_by", sa.String(64)))


def downgrade() -> None:
    op.drop_column("weather_warnings", "posted_by")
