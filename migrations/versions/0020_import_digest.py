"""import_digest: each import's content digest, to recognise a file imported before under
another name (issue 20, item 10)

`content_sha256`: the SHA-256 of the file's normalised bytes (geodata/loaders/sources.py
content_digest), null for imports recorded before this revision and for the demo data.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("data_imports", sa.Column("content_sha256", sa.String(64), nullable=True))
    op.create_index("ix_data_imports_content_sha256", "data_imports", ["kind", "content_sha256"])


def downgrade() -> None:
    op.drop_index("ix_data_imports_content_sha256", table_name="data_imports")
    op.drop_column("data_imports", "content_sha256")
