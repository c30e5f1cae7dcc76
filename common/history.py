"""The life of a video: every metadata version and every state transition, with their times.

The scan records a version (``video_versions``) when it first sees a video and whenever its
title, description, thumbnail URL or duration changes, in the scan's own transaction; state
transitions are the events. ``video_life`` puts both together for ``ytdt video ID`` and the
admin function's ``GET /videos/{id}``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from common.errors import InvalidInput, NotFound
from common.models import ArchivedThumbnail, Channel, Event, Video, VideoVersion
from common.scan.classify import ScanPlan
from common.timeutil import isoformat

__all__ = [
    "CHANGE_FIELDS",
    "HISTORY_FIELDS",
    "VideoLife",
    "validate_video_id",
    "version_rows",
    "video_life",
]

# The metadata whose every version is kept.
HISTORY_FIELDS = ("title", "description", "thumbnail_url", "duration")
# What a change can show: the metadata, and a new image behind the same thumbnail URL (the
# archive's ``changed`` events, old and new sha256).
CHANGE_FIELDS = (*HISTORY_FIELDS, "thumbnail_image")
CHANNEL_TRANSITIONS = ("channel_terminated", "channel_restored")
_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")


def validate_video_id(video_id: str) -> str:
    """A YouTube video id: 11 characters of ``A-Z a-z 0-9 _ -``.

    Raises:
        InvalidInput: anything else.
    """
    if not _VIDEO_ID.match(video_id):
        raise InvalidInput(
            f"{video_id[:40]!r} is not a YouTube video id (11 characters of A-Z a-z 0-9 _ -)",
            field="video_id",
        )
    return video_id


def version_rows(plan: ScanPlan, scan_id: str, now: datetime) -> list[dict[str, Any]]:
    """The ``video_versions`` rows of one scan: new videos, and videos whose metadata changed."""
    rows = [
        {
            "video_id": row["id"],
            "seen_at": now,
            "scan_id": scan_id,
            "changed": [],
            **{name: row[name] for name in HISTORY_FIELDS},
        }
        for row in plan.inserts
    ]
    changed = {
        event.video_id: sorted(event.details.get("changes") or ())
        for event in plan.events
        if event.kind == "changed" and event.video_id is not None
    }
    if changed:
        rows.extend(
            {
                "video_id": update["id"],
                "seen_at": now,
                "scan_id": scan_id,
                "changed": changed[update["id"]],
                **{name: update[name] for name in HISTORY_FIELDS},
            }
            for update in plan.updates
            if update["id"] in changed and "title" in update
        )
    return rows


@dataclass(slots=True)
class VideoLife:
    """Everything the tracker knows of one video, oldest first."""

    video: dict[str, Any]
    first_seen_at: datetime
    versions: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    transitions: list[dict[str, Any]] = field(default_factory=list)
    thumbnails: list[dict[str, Any]] = field(default_factory=list)
    # First sighting, changes and transitions merged in time order.
    timeline: list[dict[str, Any]] = field(default_factory=list)

    @property
    def titles(self) -> list[str]:
        """Every title the video had, oldest first, without repeats in a row.

        Read from the changes, which survive ``ytdt prune`` (it removes superseded versions,
        never the ``changed`` events); without a title change, the one title it always had.
        """
        titles: list[str] = []
        for change in self.changes:
            title = change["fields"].get("title")
            if not isinstance(title, dict):
                continue
            if not titles and title.get("old"):
                titles.append(title["old"])
            if title.get("new") and (not titles or titles[-1] != title["new"]):
                titles.append(title["new"])
        if titles:
            return titles
        return [self.versions[0]["title"]] if self.versions else [self.video["title"]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "video": self.video,
            "first_seen_at": isoformat(self.first_seen_at),
            "titles": self.titles,
            "versions": self.versions,
            "changes": self.changes,
            "transitions": self.transitions,
            "thumbnails": self.thumbnails,
            "timeline": self.timeline,
        }


def _video_dict(video: Video, channel_title: str | None) -> dict[str, Any]:
    return {
        "id": video.id,
        "channel_id": video.channel_id,
        "channel_title": channel_title,
        "title": video.title,
        "description": video.description,
        "thumbnail_url": video.thumbnail_url,
        "duration": video.duration,
        "published_at": isoformat(video.published_at),
        "state": video.state,
        "rejection_reason": video.rejection_reason,
        "blocked_regions": video.blocked_regions or [],
        # Not ``or []``: None (no allow-list) and [] (viewable nowhere) mean opposite things.
        "allowed_regions": video.allowed_regions,
        "age_restricted": video.age_restricted,
        "first_seen_at": isoformat(video.first_seen_at),
        "last_seen_at": isoformat(video.last_seen_at),
        "missing_since": isoformat(video.missing_since),
        "state_changed_at": isoformat(video.state_changed_at),
    }


_Keyed = tuple[tuple[datetime, int, int], dict[str, Any]]


def _changes_from_versions(versions: Sequence[VideoVersion]) -> list[_Keyed]:
    changes = []
    for previous, version in itertools.pairwise(versions):
        fields = {
            name: {"old": getattr(previous, name), "new": getattr(version, name)}
            for name in version.changed
            if name in HISTORY_FIELDS
        }
        if fields:
            key = (version.seen_at, 1, version.id)
            changes.append((key, {"at": isoformat(version.seen_at), "fields": fields}))
    return changes


def _changes_from_events(events: Sequence[Event]) -> list[_Keyed]:
    """Changes of a video the versions do not show, from its ``changed`` events: recorded
    before versions were kept, whose versions ``ytdt prune`` removed, or a new thumbnail image
    the archive found (no version: the URL stayed the same)."""
    changes = []
    for event in events:
        recorded = event.details.get("changes")
        if event.kind == "changed" and isinstance(recorded, dict):
            fields = {k: v for k, v in recorded.items() if k in CHANGE_FIELDS}
            key = (event.detected_at, 1, event.id)
            changes.append((key, {"at": isoformat(event.detected_at), "fields": fields}))
    return changes


def _transition(event: Event) -> dict[str, Any]:
    return {
        "at": isoformat(event.detected_at),
        "kind": event.kind,
        "from": event.details.get("from"),
        "event_id": event.id,
        "details": event.details,
    }


def video_life(session: Session, video_id: str) -> VideoLife:
    """The whole recorded life of one video (four queries).

    Raises:
        InvalidInput: ``video_id`` is not a video id.
        NotFound: the tracker never saw the video.
    """
    validate_video_id(video_id)
    found = session.execute(
        select(Video, Channel.title)
        .join(Channel, Channel.id == Video.channel_id)
        .where(Video.id == video_id)
    ).first()
    if found is None:
        raise NotFound(f"video {video_id} is not tracked", field="video_id")
    video, channel_title = found
    versions = list(
        session.scalars(
            select(VideoVersion)
            .where(VideoVersion.video_id == video_id)
            .order_by(VideoVersion.seen_at, VideoVersion.id)
        )
    )
    events = list(
        session.scalars(
            select(Event)
            .where(
                or_(
                    Event.video_id == video_id,
                    and_(
                        Event.channel_id == video.channel_id,
                        Event.video_id.is_(None),
                        Event.kind.in_(CHANNEL_TRANSITIONS),
                        Event.detected_at >= video.first_seen_at,
                    ),
                )
            )
            .order_by(Event.detected_at, Event.id)
        )
    )
    thumbnails = session.scalars(
        select(ArchivedThumbnail)
        .where(ArchivedThumbnail.video_id == video_id)
        .order_by(ArchivedThumbnail.archived_at, ArchivedThumbnail.id)
    )
    life = VideoLife(video=_video_dict(video, channel_title), first_seen_at=video.first_seen_at)
    life.versions = [
        {
            "seen_at": isoformat(v.seen_at),
            "scan_id": v.scan_id,
            "changed": list(v.changed),
            **{name: getattr(v, name) for name in HISTORY_FIELDS},
        }
        for v in versions
    ]
    # A version shows its scan's change only next to the version before it; the changes of
    # the other scans come from their events (the same scan writes both).
    shown = {version.scan_id for version in versions[1:]}
    changes = sorted(
        [
            *_changes_from_versions(versions),
            *_changes_from_events([e for e in events if e.scan_id not in shown]),
        ],
        key=lambda item: item[0],
    )
    transitions: list[_Keyed] = [
        ((e.detected_at, 2, e.id), _transition(e)) for e in events if e.kind != "changed"
    ]
    life.changes = [entry for _, entry in changes]
    life.transitions = [entry for _, entry in transitions]
    first: _Keyed = (
        (video.first_seen_at, 0, 0),
        {"at": isoformat(video.first_seen_at), "type": "first_seen", "title": life.titles[0]},
    )
    merged = [
        first,
        *((key, {**entry, "type": "changed"}) for key, entry in changes),
        *((key, {**entry, "type": "transition"}) for key, entry in transitions),
    ]
    merged.sort(key=lambda item: item[0])
    life.timeline = [entry for _, entry in merged]
    life.thumbnails = [
        {
            "sha256": t.sha256,
            "content_type": t.content_type,
            "size": t.size,
            "source_url": t.source_url,
            "archived_at": isoformat(t.archived_at),
        }
        for t in thumbnails
    ]
    return life
