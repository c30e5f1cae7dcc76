"""Reading detected events back: filtered, newest first, with the video's preserved title."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from common.errors import InvalidInput
from common.models import EVENT_KINDS, Channel, Event, Video
from common.timeutil import isoformat

__all__ = ["MAX_EVENTS", "list_events"]

MAX_EVENTS = 10_000


def list_events(
    engine: Engine,
    *,
    channel_id: str | None = None,
    kind: str | None = None,
    since: datetime | None = None,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """Events newest first; each carries the video's preserved title and the channel's title.

    Raises:
        InvalidInput: an unknown kind or a limit outside 1..MAX_EVENTS.
    """
    if kind is not None and kind not in EVENT_KINDS:
        raise InvalidInput(
            f"unknown event kind {kind!r}: one of {', '.join(EVENT_KINDS)}", field="kind"
        )
    if not 1 <= limit <= MAX_EVENTS:
        raise InvalidInput(f"limit must be between 1 and {MAX_EVENTS}", field="limit")
    query = (
        select(Event, Video.title, Channel.title)
        .outerjoin(Video, Video.id == Event.video_id)
        .join(Channel, Channel.id == Event.channel_id)
        .order_by(Event.detected_at.desc(), Event.id.desc())
        .limit(limit)
    )
    if channel_id is not None:
        query = query.where(Event.channel_id == channel_id)
    if kind is not None:
        query = query.where(Event.kind == kind)
    if since is not None:
        query = query.where(Event.detected_at >= since)
    with Session(engine) as session:
        return [
            {
                "id": event.id,
                "kind": event.kind,
                "channel_id": event.channel_id,
                "channel_title": channel_title,
                "video_id": event.video_id,
                "title": event.details.get("title") or video_title,
                "detected_at": isoformat(event.detected_at),
                "scan_id": event.scan_id,
                "details": event.details,
            }
            for event, video_title, channel_title in session.execute(query)
        ]
