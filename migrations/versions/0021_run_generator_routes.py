"""run_sites.generator_route: the way a run's mobile generator takes to its site (issue 21)

With roads, the route along the road nodes of the shortest path that makes the arrival
(straight when direct travel does); null without roads, for sites without a generator and
in earlier runs (the map then draws the straight line).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 06:05:00
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "run_sites",
        sa.Column(
            "generator_route",
            Geometry(geometry_type="LINESTRING", srid=3006, spatial_index=False),
            nullable=True,
        ),
    )


def downgrade() -> None:
    op.drop_column("run_sites", "generator_route")
