"""Dispatch runs: one row per dispatch, so health can tell how long ago one succeeded.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dispatch_runs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("channels_due", sa.Integer(), nullable=False),
        sa.Column("planned", sa.Integer(), nullable=False),
        sa.Column("scanned", sa.Integer(), nullable=False),
        sa.Column("locked", sa.Integer(), nullable=False),
        sa.Column("deferred_quota", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("quota_share", sa.Integer(), nullable=False),
        sa.Column("quota_spent", sa.Integer(), nullable=False),
        sa.Column("quota_left", sa.Integer(), nullable=True),
        sa.Column("notify_error", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_runs")),
    )
    with op.batch_alter_table("dispatch_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dispatch_runs_status_finished_at"),
            ["status", "finished_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("dispatch_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispatch_runs_status_finished_at"))

    op.drop_table("dispatch_runs")
