"""weather warnings and live states

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 21:40:00
"""

import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_geospatial_table(
        "weather_warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("identity", sa.Text(), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("event_code", sa.Text(), nullable=False),
        sa.Column("event_sv", sa.Text(), nullable=True),
        sa.Column("event_en", sa.Text(), nullable=True),
        sa.Column("area_name_sv", sa.Text(), nullable=True),
        sa.Column("area_name_en", sa.Text(), nullable=True),
        sa.Column("starts", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="GEOMETRY",
                srid=3006,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("polygonal", sa.Boolean(), nullable=False),
        sa.Column("involves_wind", sa.Boolean(), nullable=False),
        sa.Column("in_county", sa.Boolean(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("identity", "version", name="uq_warning_version"),
    )
    op.create_geospatial_index(
        "idx_weather_warnings_geom",
        "weather_warnings",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index("ix_weather_warnings_identity", "weather_warnings", ["identity"])
    op.create_index("ix_weather_warnings_message", "weather_warnings", ["message"])
    op.create_table(
        "live_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("warning_ids", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["scenario_id"], ["scenarios.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("fingerprint"),
    )


def downgrade() -> None:
    op.drop_table("live_states")
    op.drop_index("ix_weather_warnings_message", table_name="weather_warnings")
    op.drop_index("ix_weather_warnings_identity", table_name="weather_warnings")
    op.drop_geospatial_index(
        "idx_weather_warnings_geom",
        table_name="weather_warnings",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("weather_warnings")
