"""Tracked channels: add (resolved on YouTube), list, remove."""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from common.archive import StoreError, ThumbnailStore
from common.errors import Conflict, InvalidInput, NotFound
from common.models import ArchivedThumbnail, Channel, Video
from common.timeutil import isoformat, utcnow
from common.youtube import YouTubeClient, parse_channel_input

__all__ = ["ChannelView", "add_channel", "list_channels", "remove_channel", "validate_channel_id"]

log = logging.getLogger(__name__)

_CHANNEL_ID = re.compile(r"UC[A-Za-z0-9_-]{22}")


@dataclass(frozen=True, slots=True)
class ChannelView:
    """A tracked channel as people see it."""

    id: str
    handle: str | None
    title: str
    state: str
    active: bool
    videos: int
    last_scanned_at: datetime | None
    next_scan_at: datetime | None
    consecutive_failures: int
    last_error: str | None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("last_scanned_at", "next_scan_at"):
            data[name] = isoformat(data[name])
        return data


def validate_channel_id(channel_id: str) -> str:
    """Answer the id if it is a well-formed channel id (``UC`` + 22), else raise InvalidInput."""
    if not _CHANNEL_ID.fullmatch(channel_id):
        raise InvalidInput(
            f"{channel_id[:40]!r} is not a channel id (UC followed by 22 characters)",
            field="channel_id",
        )
    return channel_id


def _views(session: Session, channel_id: str | None = None) -> list[ChannelView]:
    counts = select(Video.channel_id, func.count().label("n")).group_by(Video.channel_id).subquery()
    query = (
        select(Channel, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.channel_id == Channel.id)
        .order_by(Channel.created_at, Channel.id)
    )
    if channel_id is not None:
        query = query.where(Channel.id == channel_id)
    return [
        ChannelView(
            id=c.id,
            handle=c.handle,
            title=c.title,
            state=c.state,
            active=c.active,
            videos=n,
            last_scanned_at=c.last_scanned_at,
            next_scan_at=c.next_scan_at,
            consecutive_failures=c.consecutive_failures,
            last_error=c.last_error,
        )
        for c, n in session.execute(query)
    ]


def list_channels(engine: Engine) -> list[ChannelView]:
    """Every tracked channel, oldest first, with its video count (one query)."""
    with Session(engine) as session:
        return _views(session)


def _already_tracked(channel: ChannelView) -> Conflict:
    return Conflict(f"channel {channel.id} ({channel.title}) is already tracked", field="input")


def add_channel(engine: Engine, youtube: YouTubeClient, text: str) -> ChannelView:
    """Resolve what the user typed on YouTube and start tracking that channel.

    Raises:
        InvalidInput: not a channel reference (before any API call).
        NotFound: YouTube has no such channel.
        Conflict: the channel is already tracked.
        UpstreamError: YouTube failed.
    """
    ref = parse_channel_input(text)
    if ref.kind == "id":
        with Session(engine) as session:
            existing = _views(session, ref.value)
        if existing:
            # No quota spent on a channel we already know.
            raise _already_tracked(existing[0])
    found = youtube.resolve_channel(text)
    if not found.uploads_playlist_id:
        raise NotFound(f"YouTube answered no uploads playlist for channel {found.id}")
    try:
        with Session(engine) as session, session.begin():
            session.add(
                Channel(
                    id=found.id,
                    handle=found.handle,
                    title=found.title,
                    uploads_playlist_id=found.uploads_playlist_id,
                    input=text.strip(),
                    active=True,
                    state="active",
                    missing_strikes=0,
                    consecutive_failures=0,
                    created_at=utcnow(),
                )
            )
    except IntegrityError:
        with Session(engine) as session:
            raise _already_tracked(_views(session, found.id)[0]) from None
    with Session(engine) as session:
        return _views(session, found.id)[0]


def remove_channel(engine: Engine, channel_id: str, *, store: ThumbnailStore) -> None:
    """Stop tracking a channel and forget its videos, events and archived thumbnails.

    The rows go in one transaction (the database cascades); the images are then removed from
    ``store``, since no row points at them any more and nothing else would ever remove them.

    Raises:
        InvalidInput: not a channel id.
        NotFound: the channel is not tracked.
    """
    validate_channel_id(channel_id)
    with Session(engine) as session, session.begin():
        keys = list(
            session.scalars(
                select(ArchivedThumbnail.storage_key)
                .join(Video, Video.id == ArchivedThumbnail.video_id)
                .where(Video.channel_id == channel_id)
            )
        )
        result = session.execute(delete(Channel).where(Channel.id == channel_id))
        if not getattr(result, "rowcount", 0):
            raise NotFound(f"channel {channel_id} is not tracked", field="channel_id")
    errors = []
    for key in keys:
        try:
            store.delete(key)
        except StoreError as exc:
            errors.append(exc.message)
    if errors:
        # The channel is gone as asked; only disk or bucket space is left behind.
        log.warning(
            "archived thumbnails of a removed channel left in the store",
            extra={"channel_id": channel_id, "left": len(errors), "error": errors[0]},
        )
