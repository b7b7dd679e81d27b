"""ogc_roads: the road network as an OGC API - Features collection (issue 21)

Each road line with its name, road_class, its own speed_kmh (null: none stored) and the
speed the model uses (speed_kmh, else its class's speed of coverage-model.md, "Roads (v3)").

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 04:30:00
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# coverage-model.md, "Roads (v3)": the classes' default speeds in km/h (a copy: a migration
# keeps the values it was written with).
CLASS_SPEEDS = {
    "motorway": 110,
    "trunk": 90,
    "primary": 80,
    "secondary": 70,
    "tertiary": 60,
    "unclassified": 50,
    "residential": 40,
    "service": 20,
    "track": 20,
}


def upgrade() -> None:
    cases = " ".join(f"WHEN '{c}' THEN {s}" for c, s in CLASS_SPEEDS.items())
    op.execute(
        "CREATE VIEW ogc_roads AS"
        " SELECT r.id, r.name, r.road_class, r.source_id, r.speed_kmh,"
        f" COALESCE(r.speed_kmh, CASE r.road_class {cases} END)::float8 AS speed_kmh_used,"
        " r.geom FROM roads r"
    )


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS ogc_roads")
