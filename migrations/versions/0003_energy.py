"""energy saving: measures, meter readings, targets, class limits and the audit log

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 10:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _timestamps() -> list[sa.Column]:
    return [
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
    ]


def upgrade() -> None:
    op.create_table(
        "energy_measures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("expected_kwh_year", sa.Float(), nullable=True),
        sa.Column("verified_kwh_year", sa.Float(), nullable=True),
        sa.Column("cost_sek", sa.Float(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "status IN ('planned', 'in_progress', 'done')", name="measure_status_known"
        ),
        sa.CheckConstraint("status <> 'done' OR date IS NOT NULL", name="measure_done_has_date"),
        sa.CheckConstraint("expected_kwh_year >= 0", name="measure_expected_non_negative"),
        sa.CheckConstraint("verified_kwh_year >= 0", name="measure_verified_non_negative"),
        sa.CheckConstraint("cost_sek >= 0", name="measure_cost_non_negative"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site_id", "ref", name="uq_energy_measures_site_ref"),
    )
    op.create_index(
        op.f("ix_energy_measures_site_id"), "energy_measures", ["site_id"], unique=False
    )

    op.create_table(
        "meter_readings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=True),
        sa.Column("kwh", sa.Float(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint("year BETWEEN 1990 AND 2100", name="reading_year_range"),
        sa.CheckConstraint("month BETWEEN 1 AND 12", name="reading_month_range"),
        sa.CheckConstraint("kwh >= 0", name="reading_kwh_non_negative"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "site_id",
            "year",
            "month",
            name="uq_meter_readings_period",
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.create_index(op.f("ix_meter_readings_site_id"), "meter_readings", ["site_id"], unique=False)

    op.create_table(
        "energy_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=16), nullable=True),
        sa.Column("municipality_code", sa.String(length=4), nullable=True),
        sa.Column("reduction_percent", sa.Float(), nullable=False),
        sa.Column("base_year", sa.Integer(), nullable=False),
        sa.Column("target_year", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "owner IN ('state', 'region', 'municipality')", name="target_owner_known"
        ),
        sa.CheckConstraint(
            "owner IS NOT NULL OR municipality_code IS NULL", name="target_scope_has_owner"
        ),
        sa.CheckConstraint(
            "reduction_percent > 0 AND reduction_percent < 100", name="target_percent_range"
        ),
        sa.CheckConstraint("base_year BETWEEN 1990 AND 2100", name="target_base_year_range"),
        sa.CheckConstraint("target_year > base_year", name="target_year_after_base"),
        sa.ForeignKeyConstraint(["municipality_code"], ["municipalities.code"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "owner",
            "municipality_code",
            name="uq_energy_targets_scope",
            postgresql_nulls_not_distinct=True,
        ),
    )

    op.create_table(
        "energy_class_limits",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("limits", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("kind"),
    )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("user_name", sa.String(length=64), nullable=True),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("row_id", sa.Text(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=True),
        sa.Column("old", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("new", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("context", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_index(op.f("ix_audit_log_row_id"), "audit_log", ["row_id"], unique=False)
    op.create_index(op.f("ix_audit_log_site_id"), "audit_log", ["site_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_log_site_id"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_row_id"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("energy_class_limits")
    op.drop_table("energy_targets")
    op.drop_index(op.f("ix_meter_readings_site_id"), table_name="meter_readings")
    op.drop_table("meter_readings")
    op.drop_index(op.f("ix_energy_measures_site_id"), table_name="energy_measures")
    op.drop_table("energy_measures")
