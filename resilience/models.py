"""PostGIS tables (EPSG:3006). Alembic migrations in migrations/ mirror these."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, BIT, BYTEA, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from resilience.vocabulary import CATEGORIES, HEATING, MEASURE_STATUSES, OWNERS, SWEREF99TM

ROLES = ("viewer", "planner", "editor", "admin")


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
        CheckConstraint(f"heating IN {HEATING!r}", name="heating_known"),
        CheckConstraint("thermal_time_constant_hours > 0", name="tau_positive"),
        CheckConstraint("stock_person_days >= 0", name="stock_non_negative"),
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
    # v2 (coverage-model.md, "Inputs"): heating of care, food and energy sites (the one
    # place it is stored, the energy register's too), the source_id of the plant that heats
    # it, the cooling time constant (null: the kind's default) and a food site's stock.
    heating: Mapped[str | None] = mapped_column(String(32))
    heat_plant: Mapped[str | None] = mapped_column(Text, index=True)
    thermal_time_constant_hours: Mapped[float | None] = mapped_column(Float)
    stock_person_days: Mapped[float | None] = mapped_column(Float)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Locality(Base):
    """A named place for the map's own base layer (SCB tätorter, or the demo's localities):
    reference data for orientation, not an input of the coverage model."""

    __tablename__ = "localities"
    __table_args__ = (UniqueConstraint("source", "source_id", name="uq_localities_source_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    source_id: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    municipality_code: Mapped[str | None] = mapped_column(String(4))
    population: Mapped[int | None] = mapped_column(Integer)
    geom: Mapped[Any] = mapped_column(Geometry("POINT", srid=SWEREF99TM))


class PowerLine(Base):
    """A power line for the map's own base layer (e.g. OpenStreetMap's power=line): drawn for
    orientation only, the coverage model does not use the grid's topology."""

    __tablename__ = "power_lines"
    __table_args__ = (UniqueConstraint("source", "source_id", name="uq_power_lines_source_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    source_id: Mapped[str] = mapped_column(Text)
    voltage_kv: Mapped[float | None] = mapped_column(Float)
    geom: Mapped[Any] = mapped_column(Geometry("MULTILINESTRING", srid=SWEREF99TM))


class Road(Base):
    """A road line of the network the coverage model travels over (coverage-model.md,
    "Roads (v3)"): one LineString per row (a MultiLineString is split at import), its
    road_class (analysis.model.ROAD_SPEEDS names the classes with a default speed) and its
    own speed_kmh, null for the class speed. An import replaces the whole table."""

    __tablename__ = "roads"
    __table_args__ = (CheckConstraint("speed_kmh > 0", name="road_speed_positive"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    source_id: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    road_class: Mapped[str] = mapped_column(Text)
    speed_kmh: Mapped[float | None] = mapped_column(Float)
    geom: Mapped[Any] = mapped_column(Geometry("LINESTRING", srid=SWEREF99TM))


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
    # In every session cookie: logout or a new password raises it, ending every session.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    disabled: Mapped[bool] = mapped_column(default=False, server_default=false())


class ApiToken(Base):
    """Bearer tokens; only a SHA-256 of the token is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    # What it is for, as its user named it ("QGIS på min dator"; migration 0016).
    name: Mapped[str] = mapped_column(String(100), default="API token")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DataVersion(Base):
    """The one row of the data version (migration 0018): moved by triggers on every change of
    sites, population_cells, municipalities and roads, once per transaction; runs and plans
    record it, and workers keep their inputs in memory per version (services/run_inputs.py)."""

    __tablename__ = "data_version"
    __table_args__ = (CheckConstraint("id = 1", name="data_version_id_check"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
    xact: Mapped[int] = mapped_column(BigInteger)  # the transaction that set it
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


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
    # SHA-256 of the file's normalised bytes (content_digest), to recognise it again (0020).
    content_sha256: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_data_imports_content_sha256", "kind", "content_sha256"),)


RUN_STATES = ("queued", "running", "finished", "failed")
SCENARIO_KINDS = ("user", "builtin", "live")


class Scenario(Base):
    """A saved scenario. `definition` is the scenario file normalised to EPSG:3006."""

    __tablename__ = "scenarios"
    __table_args__ = (CheckConstraint(f"kind IN {SCENARIO_KINDS!r}", name="scenario_kind_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16), default="user")
    definition: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # Outage and snow areas, for drawing and for spatial queries.
    outage_geom: Mapped[Any] = mapped_column(
        Geometry("MULTIPOLYGON", srid=SWEREF99TM), nullable=True
    )
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Run(Base):
    """One computation of a scenario; mirrors the RQ job's state for the UI."""

    __tablename__ = "runs"
    __table_args__ = (CheckConstraint(f"status IN {RUN_STATES!r}", name="run_status_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scenario_id: Mapped[int] = mapped_column(
        ForeignKey("scenarios.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)  # 0..100 %
    step: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # What is needed to replay and explain the numbers.
    model_version: Mapped[int | None] = mapped_column(Integer)
    parameters: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    scenario_snapshot: Mapped[dict[str, Any]] = mapped_column(JSONB)
    data_version: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # municipalities + county
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RunSiteArrays(Base):
    """A run's sites (those the run follows) as one row of arrays, each in the order of
    site_id, as a run's cells are (RunCellArrays; migration 0024). A site's intervals are
    the text of their float8[], its generator's route its EWKB. Read through the view
    run_sites (RunSite), a row per site."""

    __tablename__ = "run_site_arrays"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    # No foreign key to sites: a run is a snapshot (readers join sites for name and place).
    site_id: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    municipality_code: Mapped[list[str | None]] = mapped_column(ARRAY(String(4)))
    status: Mapped[list[str]] = mapped_column(ARRAY(String(16)))
    hours_unpowered_before: Mapped[list[float]] = mapped_column(ARRAY(Float))
    hours_unpowered: Mapped[list[float]] = mapped_column(ARRAY(Float))
    generator_id: Mapped[list[int | None]] = mapped_column(ARRAY(Integer))
    arrival_hours: Mapped[list[float | None]] = mapped_column(ARRAY(Float))
    heat_plant_id: Mapped[list[int | None]] = mapped_column(ARRAY(Integer))
    hours_cold: Mapped[list[float | None]] = mapped_column(ARRAY(Float))
    first_cold_hour: Mapped[list[float | None]] = mapped_column(ARRAY(Float))
    min_indoor_c: Mapped[list[float | None]] = mapped_column(ARRAY(Float))
    unpowered_intervals: Mapped[list[str | None]] = mapped_column(ARRAY(Text))
    unheated_intervals: Mapped[list[str | None]] = mapped_column(ARRAY(Text))
    cold_intervals: Mapped[list[str | None]] = mapped_column(ARRAY(Text))
    outage_hours: Mapped[list[float | None]] = mapped_column(ARRAY(Float))
    generator_route: Mapped[list[bytes | None]] = mapped_column(ARRAY(BYTEA))


class RunCellArrays(Base):
    """A run's populated cells as one row of arrays, each in the order of cell_id (one
    element per cell): one row per run stores in a fraction of the time 250,000 rows take
    (their keys and foreign keys checked per row). Stored out of line, compressed with lz4
    (migration 0026). What every run of a data version shares is stored once: its cells
    (RunCellInputs) and baseline minutes (RunBaseline). Read through the view run_cells
    (RunCell), a row per cell."""

    __tablename__ = "run_cell_arrays"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    # No foreign key to population_cells: a run is a snapshot that must survive a later
    # re-import of the grid. Null (migration 0027): the run's cells are those of its data
    # version's RunCellInputs.
    cell_id: Mapped[list[int] | None] = mapped_column(ARRAY(BigInteger))
    municipality_code: Mapped[list[str | None] | None] = mapped_column(ARRAY(String(4)))
    population: Mapped[list[int] | None] = mapped_column(ARRAY(Integer))
    food_minutes: Mapped[list[float | None]] = mapped_column(ARRAY(Float))
    care_minutes: Mapped[list[float | None]] = mapped_column(ARRAY(Float))
    shelter_minutes: Mapped[list[float | None]] = mapped_column(ARRAY(Float))
    # Null (migration 0028): the run's baseline minutes are those of RunBaseline
    # baseline_digest.
    food_minutes_baseline: Mapped[list[float | None] | None] = mapped_column(ARRAY(Float))
    care_minutes_baseline: Mapped[list[float | None] | None] = mapped_column(ARRAY(Float))
    shelter_minutes_baseline: Mapped[list[float | None] | None] = mapped_column(ARRAY(Float))
    baseline_digest: Mapped[str | None] = mapped_column(ForeignKey("run_baselines.digest"))
    food_uncovered_at: Mapped[list[str | None]] = mapped_column(ARRAY(BIT(varying=True)))
    care_uncovered_at: Mapped[list[str | None]] = mapped_column(ARRAY(BIT(varying=True)))
    shelter_uncovered_at: Mapped[list[str | None]] = mapped_column(ARRAY(BIT(varying=True)))
    # The six covered booleans of a cell as the bits of COVERED_BITS (migration 0025):
    # PostgreSQL reads an array element by element, one smallint for six booleans.
    covered: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger))


class RunCellInputs(Base):
    """The populated cells of a data version as the runs of that version cover them (ids
    ascending, their municipality codes and population), stored once, not in every run's
    row (migration 0027); digest: of their contents, which a run's cells must match to
    leave its own arrays null (services/run_results.py)."""

    __tablename__ = "run_cell_inputs"

    data_version: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    digest: Mapped[str] = mapped_column(Text)
    cell_id: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))
    municipality_code: Mapped[list[str | None]] = mapped_column(ARRAY(String(4)))
    population: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RunBaseline(Base):
    """A run's baseline minutes (food, care, shelter; in the order of its cells), stored
    once per distinct content, not in every run's row (migration 0028); digest: SHA-256 of
    that content (services/run_results.py), which the runs sharing it name."""

    __tablename__ = "run_baselines"

    digest: Mapped[str] = mapped_column(Text, primary_key=True)
    food_minutes_baseline: Mapped[list[float | None]] = mapped_column(ARRAY(Float))
    care_minutes_baseline: Mapped[list[float | None]] = mapped_column(ARRAY(Float))
    shelter_minutes_baseline: Mapped[list[float | None]] = mapped_column(ARRAY(Float))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# The bit of each of run_cells' covered columns in run_cell_arrays.covered (migration 0025).
COVERED_BITS = {
    name: 1 << i
    for i, name in enumerate(
        [f"{s}_covered" for s in ("food", "care", "shelter")]
        + [f"{s}_covered_baseline" for s in ("food", "care", "shelter")]
    )
}


class Views(DeclarativeBase):
    """Read-only classes over views (migrations make them): not in Base.metadata, so
    nothing creates, compares or truncates them as tables."""


class RunCell(Views):
    """A run's populated cell: travel minutes per service (null: nothing reachable),
    baseline and scenario. The view run_cells, one row per element of run_cell_arrays."""

    __tablename__ = "run_cells"

    run_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cell_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    municipality_code: Mapped[str | None] = mapped_column(String(4))
    population: Mapped[int] = mapped_column(Integer)
    food_minutes: Mapped[float | None] = mapped_column(Float)
    care_minutes: Mapped[float | None] = mapped_column(Float)
    shelter_minutes: Mapped[float | None] = mapped_column(Float)
    food_minutes_baseline: Mapped[float | None] = mapped_column(Float)
    care_minutes_baseline: Mapped[float | None] = mapped_column(Float)
    shelter_minutes_baseline: Mapped[float | None] = mapped_column(Float)
    food_covered: Mapped[bool] = mapped_column()
    care_covered: Mapped[bool] = mapped_column()
    shelter_covered: Mapped[bool] = mapped_column()
    food_covered_baseline: Mapped[bool] = mapped_column()
    care_covered_baseline: Mapped[bool] = mapped_column()
    shelter_covered_baseline: Mapped[bool] = mapped_column()
    # v2: for a cell not covered in step 3, bit k set when it is uncovered at the timeline's
    # instant k; null when covered at every instant.
    food_uncovered_at: Mapped[str | None] = mapped_column(BIT(varying=True))
    care_uncovered_at: Mapped[str | None] = mapped_column(BIT(varying=True))
    shelter_uncovered_at: Mapped[str | None] = mapped_column(BIT(varying=True))


class RunSite(Views):
    """A site a run follows: its power, heat and generator. The view run_sites, one row
    per element of run_site_arrays."""

    __tablename__ = "run_sites"

    run_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_code: Mapped[str | None] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(16))  # grid | backup | partial | none
    hours_unpowered_before: Mapped[float] = mapped_column(Float)
    hours_unpowered: Mapped[float] = mapped_column(Float)
    generator_id: Mapped[int | None] = mapped_column(Integer)
    arrival_hours: Mapped[float | None] = mapped_column(Float)
    # v3: the site's D (hours; 0 outside every outage area); null in runs before v3.
    outage_hours: Mapped[float | None] = mapped_column(Float)
    # v2 (Heat): the plant it depends on; null for sites not followed indoors.
    heat_plant_id: Mapped[int | None] = mapped_column(Integer)
    hours_cold: Mapped[float | None] = mapped_column(Float)
    first_cold_hour: Mapped[float | None] = mapped_column(Float)
    min_indoor_c: Mapped[float | None] = mapped_column(Float)
    # Flat [a1, b1, a2, b2] hours of at most two intervals, for the map's time slider:
    # unpowered and unheated are [a, b), cold is (a + t*, b); null or [] when none.
    unpowered_intervals: Mapped[list[float] | None] = mapped_column(ARRAY(Float))
    unheated_intervals: Mapped[list[float] | None] = mapped_column(ARRAY(Float))
    cold_intervals: Mapped[list[float] | None] = mapped_column(ARRAY(Float))
    # v3: with roads, the generator's way to the site along the roads (straight when direct
    # travel makes its arrival); null without roads or generator (migration 0021).
    generator_route: Mapped[Any] = mapped_column(
        Geometry("LINESTRING", srid=SWEREF99TM, spatial_index=False), nullable=True
    )


class RunMunicipality(Base):
    """Per-municipality summary; code '' is what lies in no municipality."""

    __tablename__ = "run_municipalities"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    population: Mapped[int] = mapped_column(BigInteger)
    uncovered_food: Mapped[int] = mapped_column(BigInteger)
    uncovered_care: Mapped[int] = mapped_column(BigInteger)
    uncovered_shelter: Mapped[int] = mapped_column(BigInteger)
    baseline_uncovered_food: Mapped[int] = mapped_column(BigInteger)
    baseline_uncovered_care: Mapped[int] = mapped_column(BigInteger)
    baseline_uncovered_shelter: Mapped[int] = mapped_column(BigInteger)
    care_sites_unpowered: Mapped[int] = mapped_column(Integer)
    residents_unpowered: Mapped[int] = mapped_column(Integer)
    resident_hours_unpowered: Mapped[float] = mapped_column(Float)
    generators_assigned: Mapped[int] = mapped_column(Integer)
    # v2 (Heat, Food stock); days null where the population is 0.
    care_sites_cold: Mapped[int | None] = mapped_column(Integer)
    residents_cold: Mapped[int | None] = mapped_column(Integer)
    resident_hours_cold: Mapped[float | None] = mapped_column(Float)
    shelters_cold: Mapped[int | None] = mapped_column(Integer)
    food_stock_days: Mapped[float | None] = mapped_column(Float)
    food_stock_days_baseline: Mapped[float | None] = mapped_column(Float)
    food_stock_deficit_person_days: Mapped[float | None] = mapped_column(Float)
    food_sites_stock_unknown: Mapped[int | None] = mapped_column(Integer)
    # v3: home-care clients of bases without power; people unreachable per service (null in
    # runs before v3).
    home_care_clients_unpowered: Mapped[int | None] = mapped_column(Integer)
    unreachable_food: Mapped[int | None] = mapped_column(BigInteger)
    unreachable_care: Mapped[int | None] = mapped_column(BigInteger)
    unreachable_shelter: Mapped[int | None] = mapped_column(BigInteger)
    baseline_unreachable_food: Mapped[int | None] = mapped_column(BigInteger)
    baseline_unreachable_care: Mapped[int | None] = mapped_column(BigInteger)
    baseline_unreachable_shelter: Mapped[int | None] = mapped_column(BigInteger)


class RunTimeline(Base):
    """The timeline of a run (coverage-model.md, "Time"): one row per area and instant
    t_k = hour; code is a municipality code or "county"."""

    __tablename__ = "run_timeline"

    run_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # as run_sites' (0023)
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    k: Mapped[int] = mapped_column(Integer, primary_key=True)
    hour: Mapped[float] = mapped_column(Float)
    care_sites_unpowered: Mapped[int] = mapped_column(Integer)
    residents_unpowered: Mapped[int] = mapped_column(Integer)
    care_sites_cold: Mapped[int] = mapped_column(Integer)
    residents_cold: Mapped[int] = mapped_column(Integer)
    uncovered_food: Mapped[int] = mapped_column(BigInteger)
    uncovered_care: Mapped[int] = mapped_column(BigInteger)
    uncovered_shelter: Mapped[int] = mapped_column(BigInteger)
    # v3 (null in runs before v3).
    home_care_clients_unpowered: Mapped[int | None] = mapped_column(Integer)
    unreachable_food: Mapped[int | None] = mapped_column(BigInteger)
    unreachable_care: Mapped[int | None] = mapped_column(BigInteger)
    unreachable_shelter: Mapped[int | None] = mapped_column(BigInteger)


# --- Weather warnings (SMHI IBWW, CAP) ----------------------------------------------------


class WeatherWarning(Base):
    """One warned area in one version. `identity` is stable across versions of the same
    area; the newest version is the one in force, older ones are kept as history."""

    __tablename__ = "weather_warnings"
    __table_args__ = (UniqueConstraint("identity", "version", name="uq_warning_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(16))  # smhi-ibww | cap
    identity: Mapped[str] = mapped_column(Text, index=True)
    version: Mapped[str] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text, index=True)  # the message it came in
    level: Mapped[str] = mapped_column(String(16))  # message | yellow | orange | red
    event_code: Mapped[str] = mapped_column(Text)
    event_sv: Mapped[str | None] = mapped_column(Text)
    event_en: Mapped[str | None] = mapped_column(Text)
    area_name_sv: Mapped[str | None] = mapped_column(Text)
    area_name_en: Mapped[str | None] = mapped_column(Text)
    starts: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ends: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    geom: Mapped[Any] = mapped_column(Geometry("GEOMETRY", srid=SWEREF99TM))
    polygonal: Mapped[bool] = mapped_column()
    involves_wind: Mapped[bool] = mapped_column()
    in_county: Mapped[bool] = mapped_column()
    # current: the newest version of its identity; ended: cancelled or superseded by a
    # Cancel / an update that ends it. Expiry is read from `ends` at query time.
    current: Mapped[bool] = mapped_column(default=True)
    cancelled: Mapped[bool] = mapped_column(default=False)
    raw: Mapped[dict[str, Any]] = mapped_column(JSONB)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    # SMHI polls in a row that did not list it: an all-clear needs two (POLLS_TO_END).
    missed_polls: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Open-ended and not from a poll: no longer current after this (services/warnings.py).
    stale_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Who posted it or ingested its file (migration 0014); null for the SMHI polls.
    posted_by: Mapped[str | None] = mapped_column(String(64))


class FeedStatus(Base):
    """The outcome of the polls of a feed (source "smhi"), one row per feed (migration 0012)."""

    __tablename__ = "feed_status"

    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The first failed poll since the last success; None while the feed answers.
    failing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class LiveState(Base):
    """The set of active county warnings behind each live scenario state, newest last."""

    __tablename__ = "live_states"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Not unique: the county may return to a state (a warning in force again).
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    warning_ids: Mapped[list[int]] = mapped_column(JSONB)
    scenario_id: Mapped[int | None] = mapped_column(ForeignKey("scenarios.id", ondelete="SET NULL"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# --- Energy saving in public buildings (issue #6; figures in resilience/energy_figures.py) ---


class EnergyMeasure(Base):
    """An energy-saving measure of one building (a site of category energy). `ref` is the
    owner's own id for it, unique per building, so re-importing a file updates it."""

    __tablename__ = "energy_measures"
    __table_args__ = (
        UniqueConstraint("site_id", "ref", name="uq_energy_measures_site_ref"),
        CheckConstraint(f"status IN {MEASURE_STATUSES!r}", name="measure_status_known"),
        CheckConstraint("status <> 'done' OR date IS NOT NULL", name="measure_done_has_date"),
        CheckConstraint("expected_kwh_year >= 0", name="measure_expected_non_negative"),
        CheckConstraint("verified_kwh_year >= 0", name="measure_verified_non_negative"),
        CheckConstraint("cost_sek >= 0", name="measure_cost_non_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    ref: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    date: Mapped[Any | None] = mapped_column(Date)  # done: completed on; else planned for
    expected_kwh_year: Mapped[float | None] = mapped_column(Float)
    verified_kwh_year: Mapped[float | None] = mapped_column(Float)
    cost_sek: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text, default="web")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class MeterReading(Base):
    """Metered energy use of one building in a year (month null) or a month, kWh."""

    __tablename__ = "meter_readings"
    __table_args__ = (
        UniqueConstraint(
            "site_id",
            "year",
            "month",
            name="uq_meter_readings_period",
            postgresql_nulls_not_distinct=True,
        ),
        CheckConstraint("year BETWEEN 1990 AND 2100", name="reading_year_range"),
        CheckConstraint("month BETWEEN 1 AND 12", name="reading_month_range"),
        CheckConstraint("kwh >= 0", name="reading_kwh_non_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int | None] = mapped_column(Integer)
    kwh: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text, default="web")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class EnergyTarget(Base):
    """A saving target: an owner's in one municipality, an owner's in the county
    (municipality null), or the county's for every owner (both null)."""

    __tablename__ = "energy_targets"
    __table_args__ = (
        UniqueConstraint(
            "owner",
            "municipality_code",
            name="uq_energy_targets_scope",
            postgresql_nulls_not_distinct=True,
        ),
        CheckConstraint(f"owner IN {OWNERS!r}", name="target_owner_known"),
        CheckConstraint(
            "owner IS NOT NULL OR municipality_code IS NULL", name="target_scope_has_owner"
        ),
        CheckConstraint(
            "reduction_percent > 0 AND reduction_percent < 100", name="target_percent_range"
        ),
        CheckConstraint("base_year BETWEEN 1990 AND 2100", name="target_base_year_range"),
        CheckConstraint("target_year > base_year", name="target_year_after_base"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(16))
    municipality_code: Mapped[str | None] = mapped_column(
        String(4), ForeignKey("municipalities.code", ondelete="CASCADE")
    )
    reduction_percent: Mapped[float] = mapped_column(Float)
    base_year: Mapped[int] = mapped_column(Integer)
    target_year: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class EnergyClassLimits(Base):
    """Upper limits of energy classes A..F (kWh/m² and year) for a building kind, overriding
    the defaults of resilience.energy_figures."""

    __tablename__ = "energy_class_limits"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    limits: Mapped[list[float]] = mapped_column(JSONB)
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class AuditLog(Base):
    """Every change to an audited table, one row per field: who, when, old and new value."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    user_name: Mapped[str | None] = mapped_column(String(64))
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[str] = mapped_column(Text, index=True)
    # The building a change concerns (its own row, a measure, a reading), for its history;
    # no foreign key, so the history outlives the building.
    site_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(8))  # insert | update | delete
    field: Mapped[str | None] = mapped_column(String(64))
    old: Mapped[Any | None] = mapped_column(JSONB)
    new: Mapped[Any | None] = mapped_column(JSONB)
    context: Mapped[str | None] = mapped_column(Text)  # e.g. "import measures.csv"


# --- Job records: background exports and pending uploads (issue #13) -----------------------
#
# Kept here rather than in files under var/, so that web and workers on different hosts need
# nothing in common but PostgreSQL and Redis.

EXPORT_STATES = ("queued", "running", "finished", "failed")


class Export(Base):
    """A background export (services/exports/records.py); its id is made from the request and the
    data, and is the RQ job's id. The built file is in `export_chunks`."""

    __tablename__ = "exports"
    __table_args__ = (CheckConstraint(f"status IN {EXPORT_STATES!r}", name="export_status_known"),)

    id: Mapped[str] = mapped_column(String(31), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)  # 0..100 %
    step: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    request: Mapped[dict[str, Any]] = mapped_column(JSONB)
    description: Mapped[str | None] = mapped_column(Text)
    features: Mapped[int | None] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(Text)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class ExportChunk(Base):
    """The file of a finished export in pieces of CHUNK_BYTES (services/exports/stored_files.py),
    in order: written and read a piece at a time, so neither side holds a whole file in
    memory, and deleted with its export."""

    __tablename__ = "export_chunks"

    export_id: Mapped[str] = mapped_column(
        ForeignKey("exports.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


UPLOAD_STATES = ("pending", "confirmed")


class Upload(Base):
    """An upload checked and waiting for its uploader's confirmation (services/uploads.py):
    the report and the checked records in `document`, until `expires_at`."""

    __tablename__ = "uploads"
    __table_args__ = (CheckConstraint(f"status IN {UPLOAD_STATES!r}", name="upload_status_known"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    document: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class BackupPlan(Base):
    """A backup-power plan (coverage-model.md, "Backup-power plan (v2)") and its RQ job's
    state. Stored with what replays it: the parameters, each scenario's definition as it
    was when the plan was started, and the data version."""

    __tablename__ = "plans"
    __table_args__ = (CheckConstraint(f"status IN {RUN_STATES!r}", name="plan_status_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)  # 0..100 %
    step: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # sites, plan_fuel_hours, objective, municipality (null: the county)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONB)
    scenario_ids: Mapped[list[int]] = mapped_column(JSONB)
    # {"<scenario id>": {"name", "kind", "definition"}} as they were at the start
    scenario_snapshots: Mapped[dict[str, Any]] = mapped_column(JSONB)
    model_version: Mapped[int | None] = mapped_column(Integer)
    data_version: Mapped[int | None] = mapped_column(Integer)
    document: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # the plan document
    # Per scenario and municipality, the food stock figures of the scenarios' v2 results.
    food_stock: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    compute_seconds: Mapped[float | None] = mapped_column(Float)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
