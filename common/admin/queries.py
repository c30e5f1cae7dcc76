"""The admin function's reads and the channel edit: keyset pages, one query per page."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine, Select, and_, func, or_, select, update
from sqlalchemy.orm import Session

from common.errors import NotFound
from common.models import Channel, Event, ScanRun, Video
from common.timeutil import isoformat

__all__ = [
    "ChannelKey",
    "EventKey",
    "Page",
    "VideoKey",
    "channel_detail",
    "channel_dict",
    "channel_exists",
    "channel_page",
    "count_channels",
    "event_dict",
    "event_page",
    "iter_events",
    "iter_videos",
    "patch_channel",
    "video_detail",
    "video_dict",
    "video_page",
]

K = TypeVar("K")
ChannelKey = tuple[datetime, str]
VideoKey = tuple[datetime, str]
EventKey = tuple[datetime, int]
MAX_VIDEO_EVENTS = 1000
RECENT_SCANS = 10


@dataclass(frozen=True, slots=True)
class Page(Generic[K]):
    """One page of a listing and the sort key after which the next page starts (None: last)."""

    items: list[dict[str, Any]]
    next_key: K | None


def channel_dict(channel: Channel, videos: int) -> dict[str, Any]:
    return {
        "id": channel.id,
        "handle": channel.handle,
        "title": channel.title,
        "input": channel.input,
        "state": channel.state,
        "active": channel.active,
        "videos": videos,
        "scan_interval_minutes": channel.scan_interval_minutes,
        "last_scanned_at": isoformat(channel.last_scanned_at),
        "last_success_at": isoformat(channel.last_success_at),
        "next_scan_at": isoformat(channel.next_scan_at),
        "consecutive_failures": channel.consecutive_failures,
        "last_error": channel.last_error,
        "created_at": isoformat(channel.created_at),
    }


def video_dict(video: Video) -> dict[str, Any]:
    return {
        "id": video.id,
        "channel_id": video.channel_id,
        "title": video.title,
        "description": video.description,
        "thumbnail_url": video.thumbnail_url,
        "published_at": isoformat(video.published_at),
        "duration": video.duration,
        "view_count": video.view_count,
        "like_count": video.like_count,
        "comment_count": video.comment_count,
        "state": video.state,
        "rejection_reason": video.rejection_reason,
        "blocked_regions": video.blocked_regions,
        # null: no allow-list; []: viewable nowhere.
        "allowed_regions": video.allowed_regions,
        "age_restricted": video.age_restricted,
        "embeddable": video.embeddable,
        "first_seen_at": isoformat(video.first_seen_at),
        "last_seen_at": isoformat(video.last_seen_at),
        "missing_since": isoformat(video.missing_since),
        "missing_strikes": video.missing_strikes,
        "state_changed_at": isoformat(video.state_changed_at),
    }


def event_dict(event: Event, video_title: str | None, channel_title: str | None) -> dict[str, Any]:
    """An event as ``ytdt events --json`` shows it, with the preserved title."""
    return {
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


def _video_counts() -> Any:
    return select(Video.channel_id, func.count().label("n")).group_by(Video.channel_id).subquery()


def count_channels(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(Channel)) or 0


def channel_exists(session: Session, channel_id: str) -> None:
    """Raise NotFound unless the channel is tracked."""
    if session.scalar(select(Channel.id).where(Channel.id == channel_id)) is None:
        raise NotFound(f"channel {channel_id} is not tracked", field="channel_id")


def channel_page(engine: Engine, limit: int, after: ChannelKey | None) -> Page[ChannelKey]:
    """Channels oldest first, each with its video count."""
    counts = _video_counts()
    query = (
        select(Channel, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.channel_id == Channel.id)
        .order_by(Channel.created_at, Channel.id)
        .limit(limit + 1)
    )
    if after is not None:
        created, channel_id = after
        query = query.where(
            or_(
                Channel.created_at > created,
                and_(Channel.created_at == created, Channel.id > channel_id),
            )
        )
    with Session(engine) as session:
        rows = list(session.execute(query))
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1][0] if more and rows else None
    return Page(
        [channel_dict(c, n) for c, n in rows],
        (last.created_at, last.id) if last is not None else None,
    )


def channel_detail(engine: Engine, channel_id: str) -> dict[str, Any]:
    """One channel with its video counts by state and its most recent scans.

    Raises:
        NotFound: the channel is not tracked.
    """
    with Session(engine) as session:
        channel = session.get(Channel, channel_id)
        if channel is None:
            raise NotFound(f"channel {channel_id} is not tracked", field="channel_id")
        by_state = dict(
            session.execute(
                select(Video.state, func.count())
                .where(Video.channel_id == channel_id)
                .group_by(Video.state)
            ).all()
        )
        scans = session.scalars(
            select(ScanRun)
            .where(ScanRun.channel_id == channel_id)
            .order_by(ScanRun.started_at.desc(), ScanRun.id)
            .limit(RECENT_SCANS)
        ).all()
        body = channel_dict(channel, sum(by_state.values()))
    body["videos_by_state"] = by_state
    body["recent_scans"] = [
        {
            "id": scan.id,
            "started_at": isoformat(scan.started_at),
            "finished_at": isoformat(scan.finished_at),
            "outcome": scan.outcome,
            "full_walk": scan.full_walk,
            "quota_units": scan.quota_units,
            "counts": scan.counts,
            "error": scan.error,
        }
        for scan in scans
    ]
    return body


def patch_channel(engine: Engine, channel_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Change a channel's ``active`` flag and/or ``scan_interval_minutes``.

    A shorter interval pulls the next scan forward to ``last scan + interval`` so the change is
    felt now, not after the old, longer wait.

    Raises:
        NotFound: the channel is not tracked.
    """
    with Session(engine) as session, session.begin():
        channel = session.get(Channel, channel_id, with_for_update=True)
        if channel is None:
            raise NotFound(f"channel {channel_id} is not tracked", field="channel_id")
        values = dict(changes)
        interval = values.get("scan_interval_minutes")
        if (
            interval is not None
            and channel.last_scanned_at is not None
            and channel.next_scan_at is not None
        ):
            sooner = channel.last_scanned_at + timedelta(minutes=interval)
            values["next_scan_at"] = min(channel.next_scan_at, sooner)
        if values:
            session.execute(update(Channel).where(Channel.id == channel_id).values(**values))
    return channel_detail(engine, channel_id)


def _video_query(channel_id: str | None, state: str | None, q: str | None) -> Select[Video, str]:
    query = select(Video, Channel.title).join(Channel, Channel.id == Video.channel_id)
    if channel_id is not None:
        query = query.where(Video.channel_id == channel_id)
    if state is not None:
        query = query.where(Video.state == state)
    if q is not None:
        # autoescape: % and _ in what the admin typed are matched literally.
        needle = q.lower()
        query = query.where(
            or_(
                func.lower(Video.title).contains(needle, autoescape=True),
                Video.id == q,
            )
        )
    return query


def _videos_after(query: Select[Video, str], after: VideoKey | None) -> Select[Video, str]:
    """Newest first by first sighting, then id (both descending)."""
    query = query.order_by(Video.first_seen_at.desc(), Video.id.desc())
    if after is None:
        return query
    seen, video_id = after
    return query.where(
        or_(
            Video.first_seen_at < seen,
            and_(Video.first_seen_at == seen, Video.id < video_id),
        )
    )


def video_page(
    engine: Engine,
    channel_id: str,
    *,
    state: str | None,
    q: str | None,
    limit: int,
    after: VideoKey | None,
) -> Page[VideoKey]:
    """One channel's videos, newest first, filtered by state and a title search.

    Raises:
        NotFound: the channel is not tracked.
    """
    query = _videos_after(_video_query(channel_id, state, q), after).limit(limit + 1)
    with Session(engine) as session:
        channel_exists(session, channel_id)
        videos = list(session.scalars(query.with_only_columns(Video)))
    more = len(videos) > limit
    videos = videos[:limit]
    last = videos[-1] if more and videos else None
    return Page(
        [video_dict(v) for v in videos],
        (last.first_seen_at, last.id) if last is not None else None,
    )


def video_detail(engine: Engine, video_id: str) -> dict[str, Any]:
    """A video with everything preserved about it and its whole event history (oldest first).

    Raises:
        NotFound: the tracker has never seen the video.
    """
    with Session(engine) as session:
        row = session.execute(
            select(Video, Channel.title)
            .join(Channel, Channel.id == Video.channel_id)
            .where(Video.id == video_id)
        ).first()
        if row is None:
            raise NotFound(f"video {video_id} is not tracked", field="video_id")
        video, channel_title = row
        events = session.scalars(
            select(Event)
            .where(Event.video_id == video_id)
            .order_by(Event.detected_at.desc(), Event.id.desc())
            .limit(MAX_VIDEO_EVENTS)
        ).all()
        body = video_dict(video)
    body["channel_title"] = channel_title
    body["events"] = [event_dict(e, video.title, channel_title) for e in reversed(events)]
    return body


def _event_query(
    channel_id: str | None, kind: str | None, since: datetime | None, after: EventKey | None
) -> Select[Event, str, str]:
    query = (
        select(Event, Video.title, Channel.title)
        .outerjoin(Video, Video.id == Event.video_id)
        .join(Channel, Channel.id == Event.channel_id)
        .order_by(Event.detected_at.desc(), Event.id.desc())
    )
    if channel_id is not None:
        query = query.where(Event.channel_id == channel_id)
    if kind is not None:
        query = query.where(Event.kind == kind)
    if since is not None:
        query = query.where(Event.detected_at >= since)
    if after is not None:
        detected, event_id = after
        query = query.where(
            or_(
                Event.detected_at < detected,
                and_(Event.detected_at == detected, Event.id < event_id),
            )
        )
    return query


def event_page(
    engine: Engine,
    *,
    channel_id: str | None,
    kind: str | None,
    since: datetime | None,
    limit: int,
    after: EventKey | None,
) -> Page[EventKey]:
    """Events newest first, filtered; each with the video's preserved title."""
    query = _event_query(channel_id, kind, since, after).limit(limit + 1)
    with Session(engine) as session:
        rows = list(session.execute(query))
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1][0] if more and rows else None
    return Page(
        [event_dict(e, vt, ct) for e, vt, ct in rows],
        (last.detected_at, last.id) if last is not None else None,
    )


def iter_events(
    engine: Engine,
    *,
    channel_id: str | None,
    kind: str | None,
    since: datetime | None,
    chunk: int = 1000,
) -> Iterator[list[dict[str, Any]]]:
    """Every matching event, newest first, a bounded chunk per query (exports)."""
    after: EventKey | None = None
    while True:
        page = event_page(
            engine, channel_id=channel_id, kind=kind, since=since, limit=chunk, after=after
        )
        yield page.items
        if page.next_key is None:
            return
        after = page.next_key


def iter_videos(
    engine: Engine,
    *,
    channel_id: str | None,
    state: str | None,
    q: str | None,
    chunk: int = 1000,
) -> Iterator[list[tuple[Video, str]]]:
    """Every matching video with its channel's title, a bounded chunk per query (exports)."""
    after: VideoKey | None = None
    while True:
        query = _videos_after(_video_query(channel_id, state, q), after).limit(chunk)
        with Session(engine) as session:
            rows = [(video, title) for video, title in session.execute(query)]
        yield rows
        if len(rows) < chunk:
            return
        last = rows[-1][0]
        after = (last.first_seen_at, last.id)
