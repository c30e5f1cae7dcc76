"""What the scanner knows before it asks YouTube: the channel and its tracked videos."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from common.models import Channel, Video

__all__ = [
    "GONE_STATES",
    "VERIFIED_STATES",
    "ChannelState",
    "KnownVideo",
    "load_channel",
    "load_known_videos",
]

# Videos in these states are checked with videos.list on every scan.
VERIFIED_STATES = frozenset({"public", "unlisted"})
# Videos in these states are only checked again when they reappear in the uploads playlist.
GONE_STATES = frozenset({"private", "deleted", "removed", "unavailable", "channel_gone"})


@dataclass(frozen=True, slots=True)
class ChannelState:
    id: str
    title: str
    handle: str | None
    uploads_playlist_id: str
    state: str
    missing_strikes: int
    consecutive_failures: int
    scan_interval_minutes: int | None
    last_full_walk_at: datetime | None


@dataclass(frozen=True, slots=True)
class KnownVideo:
    id: str
    title: str
    description: str
    thumbnail_url: str | None
    duration: str | None
    published_at: datetime | None
    state: str
    blocked_regions: tuple[str, ...]
    # None: no allow-list; a tuple (possibly empty): viewable only in those regions.
    allowed_regions: tuple[str, ...] | None
    age_restricted: bool
    missing_strikes: int
    missing_since: datetime | None
    last_seen_at: datetime | None


def load_channel(conn: Connection, channel_id: str) -> ChannelState | None:
    """The channel's scan-relevant columns, or None when it is not tracked."""
    row = conn.execute(
        select(
            Channel.id,
            Channel.title,
            Channel.handle,
            Channel.uploads_playlist_id,
            Channel.state,
            Channel.missing_strikes,
            Channel.consecutive_failures,
            Channel.scan_interval_minutes,
            Channel.last_full_walk_at,
        ).where(Channel.id == channel_id)
    ).first()
    return None if row is None else ChannelState(*row)


def load_known_videos(conn: Connection, channel_id: str) -> dict[str, KnownVideo]:
    """Every tracked video of the channel, by id, in one query."""
    rows = conn.execute(
        select(
            Video.id,
            Video.title,
            Video.description,
            Video.thumbnail_url,
            Video.duration,
            Video.published_at,
            Video.state,
            Video.blocked_regions,
            Video.allowed_regions,
            Video.age_restricted,
            Video.missing_strikes,
            Video.missing_since,
            Video.last_seen_at,
        ).where(Video.channel_id == channel_id)
    )
    known = {}
    for row in rows:
        values = list(row)
        values[7] = tuple(values[7] or ())
        values[8] = None if values[8] is None else tuple(values[8])
        known[row.id] = KnownVideo(*values)
    return known
