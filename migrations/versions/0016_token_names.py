"""api_tokens.name: what a token is for (issue 23, item 6)

A user creates, names and revokes their own API tokens on /tokens ("QGIS på min dator"); the
name tells them apart there. Tokens made before get the name "API token".

Revision ID: 0016
Revises: 0015 (roads; 0017 run v3 revises this)
Create Date: 2026-12-07 03:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
# 0014 → 0015 (roads) → 0016 → 0017 (run v3).
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("api_tokens", sa.Column("name", sa.String(100)))
    op.execute("UPDATE api_tokens SET name = 'API token'")
    op.alter_column("api_tokens", "name", nullable=False)


def downgrade() -> None:
    op.drop_column("api_tokens", "name")
