"""run results of coverage model v2: heat per site, food stock per municipality, timeline

Per site the heat plant it depends on and its indoor figures, and its unpowered, unheated
and cold intervals as flat float8 arrays [a1, b1, a2, b2] (at most two intervals each), so
the map's time slider needs no row per hour. Per populated cell not covered in step 3, a
bit string per service: bit k set when the cell is uncovered at the timeline's instant k
(null: covered at every instant, which is every cell covered in step 3). Per municipality
the v2 figures. The timeline: one row per area and instant (municipalities and the county).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 01:40:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SERVICES = ("food", "care", "shelter")


def upgrade() -> None:
    floats = postgresql.ARRAY(sa.Float())
    op.add_column("run_sites", sa.Column("heat_plant_id", sa.Integer(), nullable=True))
    op.add_column("run_sites", sa.Column("hours_cold", sa.Float(), nullable=True))
    op.add_column("run_sites", sa.Column("first_cold_hour", sa.Float(), nullable=True))
    op.add_column("run_sites", sa.Column("min_indoor_c", sa.Float(), nullable=True))
    op.add_column("run_sites", sa.Column("unpowered_intervals", floats, nullable=True))
    op.add_column("run_sites", sa.Column("unheated_intervals", floats, nullable=True))
    op.add_column("run_sites", sa.Column("cold_intervals", floats, nullable=True))
    for service in SERVICES:
        op.add_column(
            "run_cells", sa.Column(f"{service}_uncovered_at", postgresql.BIT(varying=True))
        )
    for name, kind in (
        ("care_sites_cold", sa.Integer()),
        ("residents_cold", sa.Integer()),
        ("resident_hours_cold", sa.Float()),
        ("shelters_cold", sa.Integer()),
        ("food_stock_days", sa.Float()),
        ("food_stock_days_baseline", sa.Float()),
        ("food_stock_deficit_person_days", sa.Float()),
        ("food_sites_stock_unknown", sa.Integer()),
    ):
        op.add_column("run_municipalities", sa.Column(name, kind, nullable=True))
    op.create_table(
        "run_timeline",
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id", ondelete="CASCADE")),
        sa.Column("code", sa.String(8)),  # a municipality code, or "county"
        sa.Column("k", sa.Integer()),
        sa.Column("hour", sa.Float(), nullable=False),
        sa.Column("care_sites_unpowered", sa.Integer(), nullable=False),
        sa.Column("residents_unpowered", sa.Integer(), nullable=False),
        sa.Column("care_sites_cold", sa.Integer(), nullable=False),
        sa.Column("residents_cold", sa.Integer(), nullable=False),
        sa.Column("uncovered_food", sa.BigInteger(), nullable=False),
        sa.Column("uncovered_care", sa.BigInteger(), nullable=False),
        sa.Column("uncovered_shelter", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "code", "k"),
    )


def downgrade() -> None:
    op.drop_table("run_timeline")
    for name in (
        "care_sites_cold",
        "residents_cold",
        "resident_hours_cold",
        "shelters_cold",
        "food_stock_days",
        "food_stock_days_baseline",
        "food_stock_deficit_person_days",
        "food_sites_stock_unknown",
    ):
        op.drop_column("run_municipalities", name)
    for service in SERVICES:
        op.drop_column("run_cells", f"{service}_uncovered_at")
    for name in (
        "heat_plant_id",
        "hours_cold",
        "first_cold_hour",
        "min_indoor_c",
        "unpowered_intervals",
        "unheated_intervals",
        "cold_intervals",
    ):
        op.drop_column("run_sites", name)
