"""Typed SQLAlchemy models of the durable state: channels, videos, events, deliveries, scan runs,
dispatch runs.

Coordination tables (``leases``, ``counters``) back locks and the quota ledger when no Redis is
configured. Every datetime is stored as UTC and read back timezone-aware.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "CHANNEL_STATES",
    "EVENT_KINDS",
    "VIDEO_STATES",
    "ArchivedThumbnail",
    "Base",
    "Channel",
    "Counter",
    "Delivery",
    "DispatchRun",
    "Event",
    "Lease",
    "ScanRun",
    "ThumbnailCheck",
    "UTCDateTime",
    "Video",
    "VideoVersion",
]

CHANNEL_STATES = ("active", "terminated")
VIDEO_STATES = (
    "public",
    "unlisted",
    "private",
    "deleted",
    "removed",
    "unavailable",
    "channel_gone",
)
EVENT_KINDS = (
    "new",
    "changed",
    "unlisted",
    "private",
    "deleted",
    "removed",
    "unavailable",
    "geo_blocked",
    "age_restricted",
    "restored",
    "channel_terminated",
    "channel_restored",
)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC; SQLite has no time zones, so values come back aware UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")
# SQLite only auto-increments an INTEGER PRIMARY KEY, not a BIGINT one.
BigId = BigInteger().with_variant(Integer(), "sqlite")

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONType}


class Channel(Base):
    """A tracked YouTube channel and its scheduling state."""

    __tablename__ = "channels"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    handle: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text, default="")
    uploads_playlist_id: Mapped[str] = mapped_column(String(34))
    input: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[str] = mapped_column(String(16), default="active")
    scan_interval_minutes: Mapped[int | None] = mapped_column(Integer)
    next_scan_at: Mapped[datetime | None]
    last_scanned_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_full_walk_at: Mapped[datetime | None]
    # Consecutive successful scans that found the channel gone (confirms a termination).
    missing_strikes: Mapped[int] = mapped_column(Integer, default=0)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]

    __table_args__ = (Index(None, "active", "next_scan_at"),)


class Video(Base):
    """A video seen on a tracked channel, with the metadata preserved from its last sighting."""

    __tablename__ = "videos"

    id: Mapped[str] = mapped_column(String(11), primary_key=True)
    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    thumbnail_url: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    duration: Mapped[str | None] = mapped_column(String(32))
    view_count: Mapped[int | None] = mapped_column(BigInteger)
    like_count: Mapped[int | None] = mapped_column(BigInteger)
    comment_count: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16), default="public")
    rejection_reason: Mapped[str | None] = mapped_column(String(64))
    blocked_regions: Mapped[list[str] | None] = mapped_column(JSONType)
    # Viewable only in these regions; None: no allow-list, []: viewable nowhere.
    allowed_regions: Mapped[list[str] | None] = mapped_column(JSONType)
    age_restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    embeddable: Mapped[bool | None] = mapped_column(Boolean)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime | None]
    missing_since: Mapped[datetime | None]
    missing_strikes: Mapped[int] = mapped_column(Integer, default=0)
    state_changed_at: Mapped[datetime | None]

    __table_args__ = (Index(None, "channel_id", "state"),)


class ScanRun(Base):
    """One scan of one channel: when, how it ended, what it cost and found."""

    __tablename__ = "scan_runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(24))
    full_walk: Mapped[bool] = mapped_column(Boolean, default=False)
    quota_units: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index(None, "channel_id", "started_at"),)


class Event(Base):
    """One detected change; ``dedupe_key`` makes a scan unable to write the same event twice."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(96), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    video_id: Mapped[str | None] = mapped_column(String(11))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    detected_at: Mapped[datetime]
    scan_id: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        Index(None, "channel_id", "detected_at"),
        Index(None, "video_id", "detected_at"),
        Index(None, "detected_at"),
        Index(None, "kind", "detected_at"),
    )


class Delivery(Base):
    """Outbox row: one event to one destination, written in the event's transaction."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    destination: Mapped[str] = mapped_column(String(32), default="slack")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("event_id", "destination"),
        Index(None, "status", "next_attempt_at"),
    )


class DispatchRun(Base):
    """One dispatch run: when it ran, how it ended, what its scans did and spent."""

    __tablename__ = "dispatch_runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    # running, succeeded (every planned channel got an outcome), failed (the run itself broke).
    status: Mapped[str] = mapped_column(String(16))
    channels_due: Mapped[int] = mapped_column(Integer, default=0)
    planned: Mapped[int] = mapped_column(Integer, default=0)
    scanned: Mapped[int] = mapped_column(Integer, default=0)
    locked: Mapped[int] = mapped_column(Integer, default=0)
    deferred_quota: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    quota_share: Mapped[int] = mapped_column(Integer, default=0)
    quota_spent: Mapped[int] = mapped_column(Integer, default=0)
    quota_left: Mapped[int | None] = mapped_column(Integer)
    notify_error: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index(None, "status", "finished_at"),)


# --- archive and history (issue 8) ------------------------------------------------------------


class VideoVersion(Base):
    """One version of a video's metadata, as first seen: the first sighting and every change."""

    __tablename__ = "video_versions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    video_id: Mapped[str] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"))
    seen_at: Mapped[datetime]
    scan_id: Mapped[str | None] = mapped_column(String(32))
    # The fields that differ from the previous version; empty for the first sighting.
    changed: Mapped[list[str]] = mapped_column(JSONType, default=list)
    title: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    thumbnail_url: Mapped[str | None] = mapped_column(Text)
    duration: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (Index(None, "video_id", "seen_at"),)


class ArchivedThumbnail(Base):
    """One distinct thumbnail image of a video kept in object storage (key: id and sha256)."""

    __tablename__ = "archived_thumbnails"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    video_id: Mapped[str] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    source_url: Mapped[str] = mapped_column(Text)
    archived_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("video_id", "sha256"),
        Index(None, "video_id", "archived_at"),
    )


class ThumbnailCheck(Base):
    """Archive bookkeeping per video: the last successful fetch and the retry state after it."""

    __tablename__ = "thumbnail_checks"

    video_id: Mapped[str] = mapped_column(
        ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True
    )
    # The video's thumbnail URL and image hash at the last successful archive.
    archived_url: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64))
    archived_at: Mapped[datetime | None]
    # Failures since then: the next attempt waits (exponential backoff).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class Lease(Base):
    """A named lock held by an owner token until it expires (database coordination backend)."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]


class Counter(Base):
    """A named counter with an expiry: quota ledger days and rate-limit windows."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
    expires_at: Mapped[datetime | None]
