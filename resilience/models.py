"""PostGIS tables (EPSG:3006). Alembic migrations in migrations/ mirror these."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from resilience.crs import SWEREF99TM

CATEGORIES = ("care", "power", "food", "energy")
KINDS: dict[str, tuple[str, ...]] = {
    "care": ("hospital", "health_centre", "elderly_home", "group_home", "home_care_base"),
    "power": ("fixed_generator", "mobile_generator", "fuel_depot"),
    "food": ("supermarket", "grocery", "warehouse"),
    "energy": (
        "school",
        "office",
        "sports_hall",
        "swimming_pool",
        "hospital",
        "care_home",
        "other",
    ),
}
OWNERS = ("state", "region", "municipality")
ROLES = ("viewer", "planner", "editor", "admin")

# Numeric site attributes of the coverage model (coverage-model.md, "Inputs").
SITE_NUMBERS: tuple[str, ...] = (
    "residents",
    "critical_load_kw",
    "backup_kw",
    "fuel_hours",
    "priority",
    "capacity_kw",
    "mobilization_hours",
    "heated_area_m2",
    "energy_kwh_year",
    "shelter_capacity",
)
SITE_INTEGERS = frozenset({"residents", "priority", "shelter_capacity"})


class Base(DeclarativeBase):
    pass


class Municipality(Base):
    __tablename__ = "municipalities"

    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    geom: Mapped[Any] = mapped_column(Geometry("MULTIPOLYGON", srid=SWEREF99TM))
    source: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class PopulationCell(Base):
    """A square grid cell, SCB style: identified by its lower-left corner in EPSG:3006."""

    __tablename__ = "population_cells"
    __table_args__ = (
        UniqueConstraint("x_ll", "y_ll", "cell_size", name="uq_population_cells_corner"),
        CheckConstraint("population >= 0", name="population_non_negative"),
        CheckConstraint("cell_size > 0", name="cell_size_positive"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    x_ll: Mapped[int] = mapped_column(Integer)
    y_ll: Mapped[int] = mapped_column(Integer)
    cell_size: Mapped[int] = mapped_column(Integer, default=1000)
    population: Mapped[int] = mapped_column(Integer)
    municipality_code: Mapped[str | None] = mapped_column(
        String(4), ForeignKey("municipalities.code", ondelete="SET NULL"), index=True
    )
    geom: Mapped[Any] = mapped_column(Geometry("POLYGON", srid=SWEREF99TM))
    source: Mapped[str] = mapped_column(Text, default="")


class Site(Base):
    __tablename__ = "sites"
    __table_args__ = (
        UniqueConstraint("source", "source_id", name="uq_sites_source_id"),
        CheckConstraint(f"category IN {CATEGORIES!r}", name="category_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(16), index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    source_id: Mapped[str] = mapped_column(Text)
    municipality_code: Mapped[str | None] = mapped_column(
        String(4), ForeignKey("municipalities.code", ondelete="SET NULL"), index=True
    )
    geom: Mapped[Any] = mapped_column(Geometry("POINT", srid=SWEREF99TM))
    residents: Mapped[int | None] = mapped_column(Integer)
    critical_load_kw: Mapped[float | None] = mapped_column(Float)
    backup_kw: Mapped[float | None] = mapped_column(Float)
    fuel_hours: Mapped[float | None] = mapped_column(Float)
    priority: Mapped[int | None] = mapped_column(Integer)
    capacity_kw: Mapped[float | None] = mapped_column(Float)
    mobilization_hours: Mapped[float | None] = mapped_column(Float)
    heated_area_m2: Mapped[float | None] = mapped_column(Float)
    energy_kwh_year: Mapped[float | None] = mapped_column(Float)
    owner: Mapped[str | None] = mapped_column(String(16))
    shelter_capacity: Mapped[int | None] = mapped_column(Integer)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN {ROLES!r}", name="role_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    # A planner edits their own municipality's registers; null means the whole county.
    municipality_code: Mapped[str | None] = mapped_column(
        String(4), ForeignKey("municipalities.code", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ApiToken(Base):
    """Bearer tokens; only a SHA-256 of the token is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DataImport(Base):
    """One row per successful import: the input data version that runs record."""

    __tablename__ = "data_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # boundaries | population | sites | demo
    source: Mapped[str] = mapped_column(Text)
    filename: Mapped[str | None] = mapped_column(Text)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    user_name: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
