"""run results of coverage model v3: each site's outage hours, home-care clients apart,
unreachable people, per area and per instant

Per site its D (outage_hours: the longest duration of the outage areas that contain it, 0
outside all). Per municipality (and what lies in none) home_care_clients_unpowered and the
people unreachable per service, in the scenario and normally; the same per instant in the
timeline (home-care clients and unreachable people). Null in the rows of runs computed
before model v3, which the result document then shows as they were. The "roads" block of
the result document is kept in runs.summary (JSONB), as the municipalities and the county
are.

Revision ID: 0017
Revises: 0016 (token names; 0016 revises 0015 roads)
Create Date: 2026-12-07 03:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

SERVICES = ("food", "care", "shelter")


def upgrade() -> None:
    op.add_column("run_sites", sa.Column("outage_hours", sa.Float(), nullable=True))
    op.add_column(
        "run_municipalities",
        sa.Column("home_care_clients_unpowered", sa.Integer(), nullable=True),
    )
    for service in SERVICES:
        op.add_column("run_municipalities", sa.Column(f"unreachable_{service}", sa.BigInteger()))
        op.add_column(
            "run_municipalities",
            sa.Column(f"baseline_unreachable_{service}", sa.BigInteger()),
        )
    op.add_column(
        "run_timeline", sa.Column("home_care_clients_unpowered", sa.Integer(), nullable=True)
    )
    for service in SERVICES:
        op.add_column("run_timeline", sa.Column(f"unreachable_{service}", sa.BigInteger()))


def downgrade() -> None:
    for service in SERVICES:
        op.drop_column("run_timeline", f"unreachable_{service}")
    op.drop_column("run_timeline", "home_care_clients_unpowered")
    for service in SERVICES:
        op.drop_column("run_municipalities", f"baseline_unreachable_{service}")
        op.drop_column("run_municipalities", f"unreachable_{service}")
    op.drop_column("run_municipalities", "home_care_clients_unpowered")
    op.drop_column("run_sites", "outage_hours")
