"""base map: localities and power lines for the map's own vector tiles (issue 12, item 7)

- localities: named places (SCB tätorter, or the built-in data's localities) with their
  population, drawn and labelled on the base layer that needs no internet.
- power_lines: lines of the power grid (e.g. OpenStreetMap's power=line), drawn there too.
Both are reference data for the map only; the coverage model reads neither.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 04:30:00
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _geom(kind: str) -> sa.Column:
    return sa.Column(
        "geom",
        Geometry(geometry_type=kind, srid=3006, spatial_index=False, nullable=False),
        nullable=False,
    )


def upgrade() -> None:
    op.create_geospatial_table(
        "localities",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("municipality_code", sa.String(4)),
        sa.Column("population", sa.Integer()),
        _geom("POINT"),
        sa.UniqueConstraint("source", "source_id", name="uq_localities_source_id"),
    )
    op.create_geospatial_index(
        "idx_localities_geom", "localities", ["geom"], postgresql_using="gist", postgresql_ops={}
    )
    op.create_geospatial_table(
        "power_lines",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("voltage_kv", sa.Float()),
        _geom("MULTILINESTRING"),
        sa.UniqueConstraint("source", "source_id", name="uq_power_lines_source_id"),
    )
    op.create_geospatial_index(
        "idx_power_lines_geom", "power_lines", ["geom"], postgresql_using="gist", postgresql_ops={}
    )


def downgrade() -> None:
    op.drop_geospatial_index("idx_power_lines_geom", "power_lines", column_name="geom")
    op.drop_geospatial_table("power_lines")
    op.drop_geospatial_index("idx_localities_geom", "localities", column_name="geom")
    op.drop_geospatial_table("localities")
