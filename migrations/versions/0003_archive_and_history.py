"""Archive and history: metadata versions of videos, archived thumbnails, archive bookkeeping.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 21:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "video_versions",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("video_id", sa.String(length=11), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scan_id", sa.String(length=32), nullable=True),
        sa.Column("changed", _JSON, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("thumbnail_url", sa.Text(), nullable=True),
        sa.Column("duration", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["video_id"],
            ["videos.id"],
            name=op.f("fk_video_versions_video_id_videos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_video_versions")),
    )
    with op.batch_alter_table("video_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_video_versions_video_id_seen_at"), ["video_id", "seen_at"], unique=False
        )

    op.create_table(
        "archived_thumbnails",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("video_id", sa.String(length=11), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["video_id"],
            ["videos.id"],
            name=op.f("fk_archived_thumbnails_video_id_videos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archived_thumbnails")),
        sa.UniqueConstraint(
            "video_id", "sha256", name=op.f("uq_archived_thumbnails_video_id_sha256")
        ),
    )
    with op.batch_alter_table("archived_thumbnails", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_archived_thumbnails_video_id_archived_at"),
            ["video_id", "archived_at"],
            unique=False,
        )

    op.create_table(
        "thumbnail_checks",
        sa.Column("video_id", sa.String(length=11), nullable=False),
        sa.Column("archived_url", sa.Text(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["video_id"],
            ["videos.id"],
            name=op.f("fk_thumbnail_checks_video_id_videos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("video_id", name=op.f("pk_thumbnail_checks")),
    )


def downgrade() -> None:
    op.drop_table("thumbnail_checks")
    with op.batch_alter_table("archived_thumbnails", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_archived_thumbnails_video_id_archived_at"))
    op.drop_table("archived_thumbnails")
    with op.batch_alter_table("video_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_video_versions_video_id_seen_at"))
    op.drop_table("video_versions")
