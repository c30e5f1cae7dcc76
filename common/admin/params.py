"""Validated inputs of the admin routes: query strings and JSON bodies (pydantic, no extras)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from common.models import EVENT_KINDS, VIDEO_STATES
from common.timeutil import as_utc

__all__ = [
    "CHANNEL_ID_PATTERN",
    "MAX_LIMIT",
    "VIDEO_ID_PATTERN",
    "AddChannel",
    "ChannelPage",
    "EventFilter",
    "EventPage",
    "ExportVideos",
    "FeedQuery",
    "NoQuery",
    "PatchChannel",
    "ThumbnailQuery",
    "VideoFilter",
    "VideoPage",
]

MAX_LIMIT = 500
CHANNEL_ID_PATTERN = r"^UC[A-Za-z0-9_-]{22}$"
VIDEO_ID_PATTERN = r"^[A-Za-z0-9_-]{11}$"

EventKind = Literal[EVENT_KINDS]  # type: ignore[valid-type]
VideoState = Literal[VIDEO_STATES]  # type: ignore[valid-type]
ChannelId = Annotated[str, StringConstraints(pattern=CHANNEL_ID_PATTERN)]
Cursor = Annotated[str, StringConstraints(min_length=1, max_length=512)]
Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT)]


class _Query(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoQuery(_Query):
    """Routes that take no query parameters still refuse unknown ones."""


class ChannelPage(_Query):
    limit: Limit = 100
    cursor: Cursor | None = None


class VideoFilter(_Query):
    state: VideoState | None = None
    q: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None


class VideoPage(VideoFilter):
    limit: Limit = 100
    cursor: Cursor | None = None


class EventFilter(_Query):
    channel_id: ChannelId | None = None
    kind: EventKind | None = None
    since: datetime | None = None

    @field_validator("since")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else as_utc(value)


class EventPage(EventFilter):
    limit: Limit = 100
    cursor: Cursor | None = None


class ExportVideos(VideoFilter):
    channel_id: ChannelId | None = None


class ThumbnailQuery(_Query):
    # One archived image by its hash (an older thumbnail); unset: the one the video showed last.
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = None


class FeedQuery(_Query):
    channel_id: ChannelId | None = None
    kind: EventKind | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50


class _Body(BaseModel):
    # Strict: JSON true is a bool, "true" is not; 5 is an int, "5" is not.
    model_config = ConfigDict(extra="forbid", strict=True)


class AddChannel(_Body):
    input: Annotated[str, StringConstraints(min_length=1, max_length=500)]


class PatchChannel(_Body):
    active: bool | None = None
    # null puts the channel back on the default SCAN_INTERVAL_MINUTES.
    scan_interval_minutes: Annotated[int, Field(ge=1, le=7 * 24 * 60)] | None = None
