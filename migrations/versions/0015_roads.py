"""roads: the road network the coverage model travels over (issue 21, model v3)

One row per road line (a MultiLineString is split into its parts at import), with its
road_class and its own speed_kmh when known (else the class speed of coverage-model.md,
"Roads (v3)"). An import replaces the whole table in one transaction.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 03:30:00
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_geospatial_table(
        "roads",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("source_id", sa.Text()),
        sa.Column("name", sa.Text()),
        sa.Column("road_class", sa.Text(), nullable=False),
        sa.Column("speed_kmh", sa.Float()),
        sa.Column(
            "geom",
            Geometry(geometry_type="LINESTRING", srid=3006, spatial_index=False, nullable=False),
            nullable=False,
        ),
        sa.CheckConstraint("speed_kmh > 0", name="road_speed_positive"),
    )
    op.create_geospatial_index(
        "idx_roads_geom", "roads", ["geom"], postgresql_using="gist", postgresql_ops={}
    )


def downgrade() -> None:
    op.drop_geospatial_index("idx_roads_geom", "roads", column_name="geom")
    op.drop_geospatial_table("roads")
