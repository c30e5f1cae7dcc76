"""Typed views of YouTube Data API v3 answers; tolerant of missing optional parts."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

__all__ = [
    "Channel",
    "ListResponse",
    "PlaylistItem",
    "SearchResult",
    "Thumbnail",
    "Video",
    "best_thumbnail_url",
    "duration_seconds",
]

_THUMBNAIL_ORDER = ("maxres", "standard", "high", "medium", "default")
_DURATION = re.compile(
    r"P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?"
)


def _as_utc(value: datetime) -> datetime:
    # YouTube always sends UTC ("Z"); a naive value can only mean UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


class _Part(BaseModel):
    """Base of every model: camelCase keys from the API, unknown keys ignored, immutable."""

    model_config = ConfigDict(extra="ignore", frozen=True, alias_generator=to_camel)


class Thumbnail(_Part):
    url: str
    width: int | None = None
    height: int | None = None


def best_thumbnail_url(thumbnails: dict[str, Thumbnail]) -> str | None:
    """The largest thumbnail's URL (maxres > standard > high > medium > default)."""
    for size in _THUMBNAIL_ORDER:
        if size in thumbnails:
            return thumbnails[size].url
    return None


def duration_seconds(iso: str | None) -> int | None:
    """Seconds in an ISO 8601 duration such as ``PT21M7S``; None when absent or not understood."""
    if not iso:
        return None
    match = _DURATION.fullmatch(iso)
    if match is None or iso in ("P", "PT") or iso.endswith("T"):
        return None
    n = {k: int(v or 0) for k, v in match.groupdict().items()}
    return (((n["w"] * 7 + n["d"]) * 24 + n["h"]) * 60 + n["m"]) * 60 + n["s"]


class PageInfo(_Part):
    total_results: int | None = None
    results_per_page: int | None = None


T = TypeVar("T", bound=BaseModel)


class ListResponse(_Part, Generic[T]):
    """A ``*.list`` answer; ``items`` stays None when the key is absent, so callers can tell."""

    items: list[T] | None = None
    next_page_token: str | None = None
    page_info: PageInfo | None = None


# --- channels.list ---------------------------------------------------------------------------


class ChannelSnippet(_Part):
    title: str = ""
    description: str = ""
    custom_url: str | None = None
    published_at: UtcDatetime | None = None
    thumbnails: dict[str, Thumbnail] = Field(default_factory=dict)
    country: str | None = None


class RelatedPlaylists(_Part):
    uploads: str | None = None


class ChannelContentDetails(_Part):
    related_playlists: RelatedPlaylists = Field(default_factory=RelatedPlaylists)


class ChannelStatistics(_Part):
    view_count: int | None = None
    subscriber_count: int | None = None
    hidden_subscriber_count: bool = False
    video_count: int | None = None


class Channel(_Part):
    """One ``youtube#channel`` resource."""

    id: str
    snippet: ChannelSnippet = Field(default_factory=ChannelSnippet)
    content_details: ChannelContentDetails = Field(default_factory=ChannelContentDetails)
    statistics: ChannelStatistics = Field(default_factory=ChannelStatistics)

    @property
    def title(self) -> str:
        return self.snippet.title

    @property
    def description(self) -> str:
        return self.snippet.description

    @property
    def custom_url(self) -> str | None:
        return self.snippet.custom_url

    @property
    def handle(self) -> str | None:
        """The ``@handle`` when ``customUrl`` is one (older custom URLs have no ``@``)."""
        url = self.snippet.custom_url
        return url if url and url.startswith("@") else None

    @property
    def published_at(self) -> datetime | None:
        return self.snippet.published_at

    @property
    def uploads_playlist_id(self) -> str | None:
        return self.content_details.related_playlists.uploads or None

    @property
    def thumbnail_url(self) -> str | None:
        return best_thumbnail_url(self.snippet.thumbnails)

    @property
    def video_count(self) -> int | None:
        return self.statistics.video_count

    @property
    def subscriber_count(self) -> int | None:
        return None if self.statistics.hidden_subscriber_count else self.statistics.subscriber_count

    @property
    def view_count(self) -> int | None:
        return self.statistics.view_count


# --- search.list -----------------------------------------------------------------------------


class SearchResultId(_Part):
    kind: str = ""
    channel_id: str | None = None
    video_id: str | None = None


class SearchResult(_Part):
    """One ``youtube#searchResult``; only the ids matter to the tracker."""

    id: SearchResultId


# --- playlistItems.list ----------------------------------------------------------------------


class ResourceId(_Part):
    kind: str | None = None
    video_id: str | None = None


class PlaylistItemSnippet(_Part):
    published_at: UtcDatetime | None = None
    channel_id: str | None = None
    title: str = ""
    description: str = ""
    thumbnails: dict[str, Thumbnail] = Field(default_factory=dict)
    playlist_id: str | None = None
    position: int | None = None
    resource_id: ResourceId = Field(default_factory=ResourceId)
    video_owner_channel_id: str | None = None


class PlaylistItemContentDetails(_Part):
    video_id: str | None = None
    video_published_at: UtcDatetime | None = None


class PlaylistItemStatus(_Part):
    privacy_status: str | None = None


class PlaylistItem(_Part):
    """One entry of a playlist (the uploads playlist, for the tracker)."""

    id: str
    snippet: PlaylistItemSnippet = Field(default_factory=PlaylistItemSnippet)
    content_details: PlaylistItemContentDetails = Field(default_factory=PlaylistItemContentDetails)
    status: PlaylistItemStatus = Field(default_factory=PlaylistItemStatus)

    @model_validator(mode="after")
    def _has_video_id(self) -> PlaylistItem:
        if not (self.content_details.video_id or self.snippet.resource_id.video_id):
            raise ValueError("playlist item names no video id")
        return self

    @property
    def video_id(self) -> str:
        # The validator above guarantees one of the two.
        return self.content_details.video_id or self.snippet.resource_id.video_id or ""

    @property
    def title(self) -> str:
        return self.snippet.title

    @property
    def description(self) -> str:
        return self.snippet.description

    @property
    def published_at(self) -> datetime | None:
        """When the video was published; when it was added to the playlist as a fallback."""
        return self.content_details.video_published_at or self.snippet.published_at

    @property
    def position(self) -> int | None:
        return self.snippet.position

    @property
    def privacy_status(self) -> str | None:
        return self.status.privacy_status

    @property
    def thumbnail_url(self) -> str | None:
        return best_thumbnail_url(self.snippet.thumbnails)


# --- videos.list -----------------------------------------------------------------------------


class VideoSnippet(_Part):
    published_at: UtcDatetime | None = None
    channel_id: str | None = None
    channel_title: str | None = None
    title: str = ""
    description: str = ""
    thumbnails: dict[str, Thumbnail] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    category_id: str | None = None
    live_broadcast_content: str | None = None


class RegionRestriction(_Part):
    allowed: list[str] | None = None
    blocked: list[str] = Field(default_factory=list)


class ContentRating(_Part):
    yt_rating: str | None = None


class VideoContentDetails(_Part):
    duration: str | None = None
    definition: str | None = None
    licensed_content: bool | None = None
    region_restriction: RegionRestriction = Field(default_factory=RegionRestriction)
    content_rating: ContentRating = Field(default_factory=ContentRating)


class VideoStatus(_Part):
    upload_status: str | None = None
    failure_reason: str | None = None
    rejection_reason: str | None = None
    privacy_status: str | None = None
    license: str | None = None
    embeddable: bool | None = None
    public_stats_viewable: bool | None = None
    made_for_kids: bool | None = None
    self_declared_made_for_kids: bool | None = None


class VideoStatistics(_Part):
    view_count: int | None = None
    like_count: int | None = None
    comment_count: int | None = None


class Video(_Part):
    """One ``youtube#video`` resource, with the facts the tracker compares between scans."""

    id: str
    snippet: VideoSnippet = Field(default_factory=VideoSnippet)
    content_details: VideoContentDetails = Field(default_factory=VideoContentDetails)
    status: VideoStatus = Field(default_factory=VideoStatus)
    statistics: VideoStatistics = Field(default_factory=VideoStatistics)

    @property
    def title(self) -> str:
        return self.snippet.title

    @property
    def description(self) -> str:
        return self.snippet.description

    @property
    def channel_id(self) -> str | None:
        return self.snippet.channel_id

    @property
    def thumbnail_url(self) -> str | None:
        return best_thumbnail_url(self.snippet.thumbnails)

    @property
    def published_at(self) -> datetime | None:
        return self.snippet.published_at

    @property
    def duration(self) -> str | None:
        return self.content_details.duration

    @property
    def duration_seconds(self) -> int | None:
        return duration_seconds(self.content_details.duration)

    @property
    def view_count(self) -> int | None:
        return self.statistics.view_count

    @property
    def like_count(self) -> int | None:
        return self.statistics.like_count

    @property
    def comment_count(self) -> int | None:
        return self.statistics.comment_count

    @property
    def privacy_status(self) -> str | None:
        return self.status.privacy_status

    @property
    def upload_status(self) -> str | None:
        return self.status.upload_status

    @property
    def rejection_reason(self) -> str | None:
        return self.status.rejection_reason

    @property
    def failure_reason(self) -> str | None:
        return self.status.failure_reason

    @property
    def embeddable(self) -> bool | None:
        return self.status.embeddable

    @property
    def made_for_kids(self) -> bool | None:
        return self.status.made_for_kids

    @property
    def blocked_regions(self) -> list[str]:
        return list(self.content_details.region_restriction.blocked)

    @property
    def allowed_regions(self) -> list[str] | None:
        """Countries where the video plays; None means no allow-list (every country)."""
        allowed = self.content_details.region_restriction.allowed
        return None if allowed is None else list(allowed)

    @property
    def region_restricted(self) -> bool:
        restriction = self.content_details.region_restriction
        return bool(restriction.blocked) or restriction.allowed is not None

    @property
    def age_restricted(self) -> bool:
        return self.content_details.content_rating.yt_rating == "ytAgeRestricted"
