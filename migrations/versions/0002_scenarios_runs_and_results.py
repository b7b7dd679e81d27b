"""scenarios runs and results

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 20:54:29.871062
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_geospatial_table(
        "scenarios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("definition", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "outage_geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=3006,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("kind IN ('user', 'builtin', 'live')", name="scenario_kind_known"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_geospatial_index(
        "idx_scenarios_outage_geom",
        "scenarios",
        ["outage_geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("step", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=True),
        sa.Column("parameters", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("scenario_snapshot", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("data_version", sa.Integer(), nullable=True),
        sa.Column("summary", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'finished', 'failed')", name="run_status_known"
        ),
        sa.ForeignKeyConstraint(["scenario_id"], ["scenarios.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_runs_scenario_id"), "runs", ["scenario_id"], unique=False)
    op.create_table(
        "run_cells",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("cell_id", sa.BigInteger(), nullable=False),
        sa.Column("municipality_code", sa.String(length=4), nullable=True),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("food_minutes", sa.Float(), nullable=True),
        sa.Column("care_minutes", sa.Float(), nullable=True),
        sa.Column("shelter_minutes", sa.Float(), nullable=True),
        sa.Column("food_minutes_baseline", sa.Float(), nullable=True),
        sa.Column("care_minutes_baseline", sa.Float(), nullable=True),
        sa.Column("shelter_minutes_baseline", sa.Float(), nullable=True),
        sa.Column("food_covered", sa.Boolean(), nullable=False),
        sa.Column("care_covered", sa.Boolean(), nullable=False),
        sa.Column("shelter_covered", sa.Boolean(), nullable=False),
        sa.Column("food_covered_baseline", sa.Boolean(), nullable=False),
        sa.Column("care_covered_baseline", sa.Boolean(), nullable=False),
        sa.Column("shelter_covered_baseline", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id", "cell_id"),
    )
    op.create_table(
        "run_municipalities",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=4), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("population", sa.BigInteger(), nullable=False),
        sa.Column("uncovered_food", sa.BigInteger(), nullable=False),
        sa.Column("uncovered_care", sa.BigInteger(), nullable=False),
        sa.Column("uncovered_shelter", sa.BigInteger(), nullable=False),
        sa.Column("baseline_uncovered_food", sa.BigInteger(), nullable=False),
        sa.Column("baseline_uncovered_care", sa.BigInteger(), nullable=False),
        sa.Column("baseline_uncovered_shelter", sa.BigInteger(), nullable=False),
        sa.Column("care_sites_unpowered", sa.Integer(), nullable=False),
        sa.Column("residents_unpowered", sa.Integer(), nullable=False),
        sa.Column("resident_hours_unpowered", sa.Float(), nullable=False),
        sa.Column("generators_assigned", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id", "code"),
    )
    op.create_table(
        "run_sites",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=4), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("hours_unpowered_before", sa.Float(), nullable=False),
        sa.Column("hours_unpowered", sa.Float(), nullable=False),
        sa.Column("generator_id", sa.Integer(), nullable=True),
        sa.Column("arrival_hours", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id", "site_id"),
    )


def downgrade() -> None:
    op.drop_table("run_sites")
    op.drop_table("run_municipalities")
    op.drop_table("run_cells")
    op.drop_index(op.f("ix_runs_scenario_id"), table_name="runs")
    op.drop_table("runs")
    op.drop_geospatial_index(
        "idx_scenarios_outage_geom",
        table_name="scenarios",
        postgresql_using="gist",
        column_name="outage_geom",
    )
    op.drop_geospatial_table("scenarios")
