"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 20:52:14.508780
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "data_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("filename", sa.Text(), nullable=True),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("user_name", sa.String(length=64), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_geospatial_table(
        "municipalities",
        sa.Column("code", sa.String(length=4), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=3006,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_geospatial_index(
        "idx_municipalities_geom",
        "municipalities",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_geospatial_table(
        "population_cells",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("x_ll", sa.Integer(), nullable=False),
        sa.Column("y_ll", sa.Integer(), nullable=False),
        sa.Column("cell_size", sa.Integer(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=4), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POLYGON",
                srid=3006,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("source", sa.Text(), nullable=False),
        sa.CheckConstraint("cell_size > 0", name="cell_size_positive"),
        sa.CheckConstraint("population >= 0", name="population_non_negative"),
        sa.ForeignKeyConstraint(
            ["municipality_code"], ["municipalities.code"], ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("x_ll", "y_ll", "cell_size", name="uq_population_cells_corner"),
    )
    op.create_geospatial_index(
        "idx_population_cells_geom",
        "population_cells",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        op.f("ix_population_cells_municipality_code"),
        "population_cells",
        ["municipality_code"],
        unique=False,
    )
    op.create_geospatial_table(
        "sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("municipality_code", sa.String(length=4), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=3006,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("residents", sa.Integer(), nullable=True),
        sa.Column("critical_load_kw", sa.Float(), nullable=True),
        sa.Column("backup_kw", sa.Float(), nullable=True),
        sa.Column("fuel_hours", sa.Float(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=True),
        sa.Column("capacity_kw", sa.Float(), nullable=True),
        sa.Column("mobilization_hours", sa.Float(), nullable=True),
        sa.Column("heated_area_m2", sa.Float(), nullable=True),
        sa.Column("energy_kwh_year", sa.Float(), nullable=True),
        sa.Column("owner", sa.String(length=16), nullable=True),
        sa.Column("shelter_capacity", sa.Integer(), nullable=True),
        sa.Column("attributes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "category IN ('care', 'power', 'food', 'energy')", name="category_known"
        ),
        sa.ForeignKeyConstraint(
            ["municipality_code"], ["municipalities.code"], ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "source_id", name="uq_sites_source_id"),
    )
    op.create_geospatial_index(
        "idx_sites_geom",
        "sites",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_sites_category"), "sites", ["category"], unique=False)
    op.create_index(op.f("ix_sites_kind"), "sites", ["kind"], unique=False)
    op.create_index(
        op.f("ix_sites_municipality_code"), "sites", ["municipality_code"], unique=False
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("municipality_code", sa.String(length=4), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("role IN ('viewer', 'planner', 'editor', 'admin')", name="role_known"),
        sa.ForeignKeyConstraint(
            ["municipality_code"], ["municipalities.code"], ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_sha256"),
    )
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_api_tokens_user_id"), table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_table("users")
    op.drop_index(op.f("ix_sites_municipality_code"), table_name="sites")
    op.drop_index(op.f("ix_sites_kind"), table_name="sites")
    op.drop_index(op.f("ix_sites_category"), table_name="sites")
    op.drop_geospatial_index(
        "idx_sites_geom", table_name="sites", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("sites")
    op.drop_index(op.f("ix_population_cells_municipality_code"), table_name="population_cells")
    op.drop_geospatial_index(
        "idx_population_cells_geom",
        table_name="population_cells",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("population_cells")
    op.drop_geospatial_index(
        "idx_municipalities_geom",
        table_name="municipalities",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("municipalities")
    op.drop_table("data_imports")
