"""The fake YouTube's world: channels, uploads and their states, plus clock, quota, keys, faults.

Every change goes through one lock and replaces an immutable ``Channel`` or ``Video``, so a
reader that took a record under the lock can render it afterwards without tearing.
"""

from __future__ import annotations

import itertools
import random
import threading
from bisect import insort
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from common.errors import Conflict, InvalidInput, NotFound
from common.fake_youtube.clock import Clock
from common.fake_youtube.faults import Faults
from common.fake_youtube.model import (
    REGION_RE,
    REJECTION_REASONS,
    Channel,
    Video,
    VideoState,
    channel_id_for_playlist,
    new_channel_id,
    new_video_id,
)
from common.fake_youtube.quota import QuotaLedger
from common.fake_youtube.scenario import (
    ChannelSpec,
    Scenario,
    VideoSpec,
    describe_validation_error,
    parse_scenario,
    read_scenario,
)

__all__ = [
    "ChannelSummary",
    "PlaylistPage",
    "World",
    "channel_record",
    "iso_z",
    "video_record",
]

# YouTube stops listing an uploads playlist after this many items, whatever the channel holds.
UPLOADS_PLAYLIST_LIMIT = 20_000
_CHANNEL_EPOCH = datetime(2012, 1, 1, tzinfo=UTC)


def iso_z(when: datetime) -> str:
    """``2024-05-01T12:00:00Z``, the Data API's timestamp format."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class PlaylistPage:
    """A slice of an uploads playlist: the listed videos from ``offset`` and the full count."""

    channel: Channel
    videos: list[Video]
    offset: int
    total: int
    end: int  # where listing stops: the total, or the playlist limit if smaller


@dataclass(frozen=True, slots=True)
class ChannelSummary:
    """A live channel with the counts channels.list reports in ``statistics``."""

    channel: Channel
    public_videos: int
    views: int


@dataclass(slots=True)
class _Listing:
    """Cached per channel until its uploads change: listed ids, newest first, and counts."""

    listed: list[str]
    public: int
    views: int


def _validated(model: type[VideoSpec] | type[ChannelSpec], fields: Mapping[str, Any]) -> Any:
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        message, field = describe_validation_error(exc)
        raise InvalidInput(message, field=field) from exc


def _regions(regions: Iterable[str], *, allow_empty: bool) -> set[str]:
    """The set of ``regions``; InvalidInput unless each is a two-letter upper-case code."""
    wanted = set(regions)
    bad = sorted(code for code in wanted if not REGION_RE.fullmatch(code))
    if bad or not (wanted or allow_empty):
        raise InvalidInput(
            f"regions must be two-letter upper-case country codes, got {bad or 'none'}",
            field="regions",
        )
    return wanted


def _region_tuple(regions: Iterable[str] | None) -> tuple[str, ...] | None:
    return None if regions is None else tuple(sorted(set(regions)))


def _region_list(regions: tuple[str, ...] | None) -> list[str] | None:
    return None if regions is None else list(regions)


class World:
    """All state of the fake; safe to share between server threads and the test thread."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        daily_quota: int = 10_000,
        api_keys: Iterable[str] | None = None,
        faults: Faults | None = None,
        omit_empty_items: bool = True,
        quoted_etags: bool = True,
        playlist_limit: int = UPLOADS_PLAYLIST_LIMIT,
    ) -> None:
        self.clock = clock or Clock()
        self.quota = QuotaLedger(self.clock, daily_quota)
        self.faults = faults or Faults()
        # None accepts any non-empty key, as a fake without a key list should.
        self.api_keys: frozenset[str] | None = None if api_keys is None else frozenset(api_keys)
        # Real channels.list drops "items" when nothing matches (a terminated channel, say).
        self.omit_empty_items = omit_empty_items
        self.quoted_etags = quoted_etags
        self.playlist_limit = playlist_limit
        self._lock = threading.RLock()
        self._channels: dict[str, Channel] = {}
        self._videos: dict[str, Video] = {}
        # Per channel, oldest first: (published_at, sequence, video id); the sequence breaks ties.
        self._uploads: dict[str, list[tuple[datetime, int, str]]] = {}
        self._names: dict[str, str] = {}
        self._listings: dict[str, _Listing] = {}
        self._revisions = itertools.count(1)
        self._sequence = itertools.count()
        # Seeded generators everywhere: the same operations give the same ids on every run.
        self._ids = random.Random("fake-youtube ids")  # noqa: S311

    # -- building ---------------------------------------------------------------------------

    @classmethod
    def from_scenario(
        cls, data: Mapping[str, Any] | Scenario, *, clock: Clock | None = None
    ) -> World:
        """A world built from a scenario dict; raises ScenarioError naming every bad field."""
        scenario = parse_scenario(data)
        start = scenario.clock.start
        if clock is None and scenario.clock.frozen:
            fixed = start or datetime.now(UTC)
            clock = Clock(now=lambda: fixed)
        clock = clock or Clock()
        if start is not None:
            clock.set(start)
        world = cls(
            clock=clock,
            daily_quota=scenario.daily_quota,
            api_keys=scenario.api_keys,
            faults=Faults(**scenario.faults.model_dump()),
            omit_empty_items=scenario.omit_empty_items,
            quoted_etags=scenario.quoted_etags,
        )
        for channel in scenario.channels:
            world.add_channel_spec(channel)
        return world

    @classmethod
    def from_scenario_file(cls, path: str | Path, *, clock: Clock | None = None) -> World:
        """A world built from a scenario JSON file."""
        return cls.from_scenario(read_scenario(path), clock=clock)

    def add_channel_spec(self, spec: ChannelSpec) -> Channel:
        """Add a channel with its explicit videos (newest first) and ``generate`` synthetic ones."""
        with self._lock:
            # Refuse before changing anything, so that a conflict leaves no half-built channel.
            for video in spec.videos:
                if video.id in self._videos:
                    raise Conflict(f"video {video.id} exists", field="videos")
            channel = self._add_channel(spec)
            now = self.clock.now()
            for position, video in enumerate(spec.videos):
                # Undated videos keep their listed order: one day apart, the first the newest.
                published = video.published_at or now - timedelta(days=position + 1)
                self._add_video(channel.id, video, published)
            if spec.generate:
                self.generate_videos(channel.id, spec.generate, seed=spec.seed)
            if spec.terminated:
                channel = self.terminate(channel.id)
            return channel

    def add_channel(
        self,
        *,
        channel_id: str | None = None,
        handle: str | None = None,
        username: str | None = None,
        custom_url: str | None = None,
        title: str | None = None,
        description: str = "",
        published_at: datetime | None = None,
        country: str | None = None,
        subscriber_count: int = 0,
    ) -> Channel:
        """Add an empty, live channel; the id is derived from the names when not given."""
        spec = _validated(
            ChannelSpec,
            {
                "id": channel_id,
                "handle": handle,
                "username": username,
                "custom_url": custom_url,
                "title": title,
                "description": description,
                "published_at": published_at,
                "country": country,
                "subscriber_count": subscriber_count,
            },
        )
        with self._lock:
            return self._add_channel(spec)

    def _add_channel(self, spec: ChannelSpec) -> Channel:
        names = {
            "handle": spec.handle,
            "username": spec.username,
            "custom_url": spec.custom_url,
        }
        keys = {f"{kind}:{value.lower()}": kind for kind, value in names.items() if value}
        for key, kind in keys.items():
            if key in self._names:
                raise Conflict(f"{kind} {key.split(':', 1)[1]!r} is taken", field=kind)
        title = spec.title or (spec.handle or "")[1:] or spec.username or spec.custom_url
        title = title or f"Channel {len(self._channels) + 1}"
        channel_id = spec.id
        if channel_id is None:
            # Derived from the names, so a scenario gets the same ids on every run.
            seed = f"channel:{spec.handle}:{spec.username}:{spec.custom_url}:{title}"
            rng = random.Random(seed)  # noqa: S311
            channel_id = new_channel_id(rng)
            while channel_id in self._channels:
                channel_id = new_channel_id(rng)
        elif channel_id in self._channels:
            raise Conflict(f"channel {channel_id} exists", field="id")
        channel = Channel(
            id=channel_id,
            title=title,
            description=spec.description,
            published_at=spec.published_at or min(_CHANNEL_EPOCH, self.clock.now()),
            handle=spec.handle,
            username=spec.username,
            custom_url=spec.custom_url,
            country=spec.country,
            subscriber_count=spec.subscriber_count,
            revision=next(self._revisions),
        )
        self._channels[channel_id] = channel
        self._uploads[channel_id] = []
        for key in keys:
            self._names[key] = channel_id
        return channel

    def upload(
        self,
        channel_id: str,
        *,
        video_id: str | None = None,
        title: str | None = None,
        description: str = "",
        published_at: datetime | None = None,
        duration: str = "PT4M13S",
        view_count: int = 0,
        like_count: int = 0,
        comment_count: int = 0,
        state: VideoState = "public",
        rejection_reason: str | None = None,
        blocked_regions: Iterable[str] = (),
        allowed_regions: Iterable[str] | None = None,
        age_restricted: bool = False,
        embeddable: bool = True,
        tags: Iterable[str] = (),
    ) -> Video:
        """Add a video to a channel, by default public and published now (the newest upload)."""
        spec = _validated(
            VideoSpec,
            {
                "id": video_id,
                "title": title,
                "description": description,
                "published_at": published_at,
                "duration": duration,
                "view_count": view_count,
                "like_count": like_count,
                "comment_count": comment_count,
                "state": state,
                "rejection_reason": rejection_reason,
                "blocked_regions": list(blocked_regions),
                "allowed_regions": None if allowed_regions is None else list(allowed_regions),
                "age_restricted": age_restricted,
                "embeddable": embeddable,
                "tags": list(tags),
            },
        )
        return self.upload_spec(channel_id, spec)

    def upload_spec(self, channel_id: str, spec: VideoSpec) -> Video:
        """Add a validated video to a channel; undated means published now."""
        with self._lock:
            return self._add_video(channel_id, spec, spec.published_at or self.clock.now())

    def _add_video(self, channel_id: str, spec: VideoSpec, published: datetime) -> Video:
        channel = self._channel(channel_id)
        uploads = self._uploads[channel_id]
        video_id = spec.id
        if video_id is None:
            video_id = new_video_id(self._ids)
            while video_id in self._videos:
                video_id = new_video_id(self._ids)
        elif video_id in self._videos:
            raise Conflict(f"video {video_id} exists", field="id")
        video = Video(
            id=video_id,
            channel_id=channel_id,
            title=spec.title or f"{channel.title} upload {len(uploads) + 1}",
            description=spec.description,
            published_at=published,
            duration=spec.duration,
            view_count=spec.view_count,
            like_count=spec.like_count,
            comment_count=spec.comment_count,
            state=spec.state,
            rejection_reason=spec.rejection_reason,
            blocked_regions=tuple(sorted(set(spec.blocked_regions))),
            allowed_regions=_region_tuple(spec.allowed_regions),
            age_restricted=spec.age_restricted,
            embeddable=spec.embeddable,
            tags=tuple(spec.tags),
            revision=next(self._revisions),
        )
        self._videos[video_id] = video
        insort(uploads, (published, next(self._sequence), video_id))
        self._listings.pop(channel_id, None)
        return video

    def generate_videos(
        self,
        channel_id: str,
        count: int,
        *,
        seed: int = 0,
        newest: datetime | None = None,
        interval: timedelta = timedelta(hours=6),
    ) -> list[str]:
        """Add ``count`` public synthetic uploads, older than the existing ones; ids newest first.

        The same seed, channel and count give the same ids, titles and counts.
        """
        if count < 0:
            raise InvalidInput("count must be >= 0", field="count")
        rng = random.Random(f"{seed}:{channel_id}")  # noqa: S311
        with self._lock:
            channel = self._channel(channel_id)
            uploads = self._uploads[channel_id]
            if newest is None:
                newest = uploads[0][0] - interval if uploads else self.clock.now() - interval
            revision = next(self._revisions)
            ids: list[str] = []
            for index in range(count):
                video_id = new_video_id(rng)
                while video_id in self._videos:
                    video_id = new_video_id(rng)
                published = newest - index * interval
                number = count - index
                views = rng.randrange(1_000_000)
                self._videos[video_id] = Video(
                    id=video_id,
                    channel_id=channel_id,
                    title=f"{channel.title} #{number}",
                    description=f"Synthetic upload {number} of {channel.title}.",
                    published_at=published,
                    duration=f"PT{rng.randrange(1, 60)}M{rng.randrange(60)}S",
                    view_count=views,
                    like_count=views // 50,
                    comment_count=views // 1000,
                    tags=("synthetic", f"seed{seed}"),
                    revision=revision,
                )
                uploads.append((published, next(self._sequence), video_id))
                ids.append(video_id)
            uploads.sort()
            self._listings.pop(channel_id, None)
            return ids

    # -- changing videos ----------------------------------------------------------------------

    def _change(self, video_id: str, **changes: Any) -> Video:
        with self._lock:
            video = replace(self._video(video_id), revision=next(self._revisions), **changes)
            self._videos[video_id] = video
            self._listings.pop(video.channel_id, None)
            return video

    def delete(self, video_id: str) -> Video:
        """The uploader deletes the video: gone from every list, oEmbed 404."""
        return self._change(video_id, state="deleted", rejection_reason=None)

    def privatize(self, video_id: str) -> Video:
        """The uploader makes the video private: gone from lists, oEmbed 401."""
        return self._change(video_id, state="private", rejection_reason=None)

    def unlist(self, video_id: str) -> Video:
        """The uploader makes the video unlisted: still listed, privacyStatus "unlisted"."""
        return self._change(video_id, state="unlisted", rejection_reason=None)

    def publish(self, video_id: str) -> Video:
        """The video is public again (restored, whatever it was)."""
        return self._change(video_id, state="public", rejection_reason=None)

    def reject(self, video_id: str, reason: str) -> Video:
        """YouTube removes the video: uploadStatus "rejected" with ``reason``."""
        if reason not in REJECTION_REASONS:
            raise InvalidInput(
                f"unknown rejection reason {reason!r}; one of {sorted(REJECTION_REASONS)}",
                field="reason",
            )
        return self._change(video_id, state="rejected", rejection_reason=reason)

    def geoblock(self, video_id: str, regions: Iterable[str]) -> Video:
        """Block the video in more regions (two-letter country codes)."""
        wanted = _regions(regions, allow_empty=False)
        with self._lock:
            video = self._video(video_id)
            if video.allowed_regions is not None:
                raise Conflict(
                    f"video {video_id} has an allow-list; lift it (allow_everywhere) first",
                    field="regions",
                )
            blocked = set(video.blocked_regions) | wanted
            return self._change(video_id, blocked_regions=tuple(sorted(blocked)))

    def unblock(self, video_id: str, regions: Iterable[str] | None = None) -> Video:
        """Lift the block in ``regions``, or everywhere when None."""
        with self._lock:
            left: set[str] = set()
            if regions is not None:
                left = set(self._video(video_id).blocked_regions) - set(regions)
            return self._change(video_id, blocked_regions=tuple(sorted(left)))

    def allow_only(self, video_id: str, regions: Iterable[str]) -> Video:
        """Make the video viewable only in ``regions`` (replacing any allow-list); none: nowhere."""
        wanted = _regions(regions, allow_empty=True)
        with self._lock:
            if self._video(video_id).blocked_regions:
                # YouTube never sends both lists for one video, so the fake never holds both.
                raise Conflict(
                    f"video {video_id} is blocked in regions; unblock it first", field="regions"
                )
            return self._change(video_id, allowed_regions=tuple(sorted(wanted)))

    def allow_everywhere(self, video_id: str) -> Video:
        """Lift the allow-list: the video is viewable in every region again."""
        return self._change(video_id, allowed_regions=None)

    def age_restrict(self, video_id: str, on: bool = True) -> Video:
        """Set or lift the age restriction (contentRating.ytRating = ytAgeRestricted)."""
        return self._change(video_id, age_restricted=on)

    def retitle(self, video_id: str, title: str, description: str | None = None) -> Video:
        """Change the title, and the description when given."""
        if not title:
            raise InvalidInput("title must not be empty", field="title")
        if description is None:
            return self._change(video_id, title=title)
        return self._change(video_id, title=title, description=description)

    def set_thumbnail(self, video_id: str) -> Video:
        """Upload a new thumbnail: the images at the same URLs change."""
        with self._lock:
            version = self._video(video_id).thumbnail_version + 1
            return self._change(video_id, thumbnail_version=version)

    def set_embeddable(self, video_id: str, embeddable: bool) -> Video:
        """Allow or forbid embedding (oEmbed answers 401 when forbidden)."""
        return self._change(video_id, embeddable=embeddable)

    def set_counts(
        self,
        video_id: str,
        *,
        view_count: int | None = None,
        like_count: int | None = None,
        comment_count: int | None = None,
    ) -> Video:
        """Change the statistics of a video."""
        counts = {
            "view_count": view_count,
            "like_count": like_count,
            "comment_count": comment_count,
        }
        changes = {name: value for name, value in counts.items() if value is not None}
        if any(value < 0 for value in changes.values()):
            raise InvalidInput("counts must be >= 0")
        return self._change(video_id, **changes)

    # -- changing channels --------------------------------------------------------------------

    def terminate(self, channel_id: str) -> Channel:
        """YouTube terminates the channel: empty channels.list, playlist 404, videos absent."""
        return self._change_channel(channel_id, terminated=True)

    def restore(self, channel_id: str) -> Channel:
        """Reinstate a terminated channel with all its videos."""
        return self._change_channel(channel_id, terminated=False)

    def _change_channel(self, channel_id: str, **changes: Any) -> Channel:
        with self._lock:
            channel = replace(self._channel(channel_id), revision=next(self._revisions), **changes)
            self._channels[channel_id] = channel
            return channel

    # -- reading --------------------------------------------------------------------------------

    def _channel(self, channel_id: str) -> Channel:
        channel = self._channels.get(channel_id)
        if channel is None:
            raise NotFound(f"no channel {channel_id!r}", field="channel_id")
        return channel

    def _video(self, video_id: str) -> Video:
        video = self._videos.get(video_id)
        if video is None:
            raise NotFound(f"no video {video_id!r}", field="video_id")
        return video

    def _listing(self, channel_id: str) -> _Listing:
        listing = self._listings.get(channel_id)
        if listing is None:
            listed: list[str] = []
            public = views = 0
            for _, _, video_id in reversed(self._uploads[channel_id]):
                video = self._videos[video_id]
                if video.in_playlist:
                    listed.append(video_id)
                if video.state == "public":
                    public += 1
                    views += video.view_count
            listing = self._listings[channel_id] = _Listing(listed, public, views)
        return listing

    def channel(self, channel_id: str) -> Channel:
        """The channel, terminated or not; raises NotFound."""
        with self._lock:
            return self._channel(channel_id)

    def video(self, video_id: str) -> Video:
        """The video in any state; raises NotFound."""
        with self._lock:
            return self._video(video_id)

    def uploads(self, channel_id: str) -> list[Video]:
        """Every upload of the channel in any state, newest first."""
        with self._lock:
            return [self._videos[v] for _, _, v in reversed(self._uploads[channel_id])]

    def live_channels(self, ids: Iterable[str]) -> list[ChannelSummary]:
        """Channels that exist and are not terminated, in the asked order, with their counts."""
        with self._lock:
            found: list[ChannelSummary] = []
            for channel_id in dict.fromkeys(ids):
                channel = self._channels.get(channel_id)
                if channel is not None and not channel.terminated:
                    listing = self._listing(channel_id)
                    found.append(ChannelSummary(channel, listing.public, listing.views))
            return found

    def channel_id_by_name(self, kind: str, name: str) -> str | None:
        """The id of the channel whose ``kind`` (handle, username, custom_url) is ``name``."""
        with self._lock:
            return self._names.get(f"{kind}:{name.lower()}")

    def search_channels(self, query: str) -> list[str]:
        """Ids of live channels matching ``query``: exact names first, then title matches."""
        wanted = query.strip().lower().removeprefix("@")
        with self._lock:
            exact: list[str] = []
            partial: list[str] = []
            for channel in self._channels.values():
                if channel.terminated:
                    continue
                names = {
                    (channel.handle or "").lower().removeprefix("@"),
                    (channel.username or "").lower(),
                    (channel.custom_url or "").lower(),
                    channel.title.lower(),
                }
                if wanted in names:
                    exact.append(channel.id)
                elif wanted in channel.title.lower() or any(wanted in name for name in names):
                    partial.append(channel.id)
            return exact + partial

    def playlist_page(self, playlist_id: str, offset: int, limit: int) -> PlaylistPage | None:
        """Listed uploads from ``offset`` (newest first); None if no such live playlist."""
        channel_id = channel_id_for_playlist(playlist_id)
        with self._lock:
            channel = self._channels.get(channel_id or "")
            if channel is None or channel.terminated:
                return None
            listed = self._listing(channel.id).listed
            end = min(len(listed), self.playlist_limit)
            ids = listed[offset : min(offset + limit, end)]
            return PlaylistPage(channel, [self._videos[v] for v in ids], offset, len(listed), end)

    def listed_videos(self, ids: Iterable[str]) -> list[tuple[Video, Channel]]:
        """What videos.list returns for ``ids``: present states of live channels, asked order."""
        with self._lock:
            found: list[tuple[Video, Channel]] = []
            for video_id in dict.fromkeys(ids):
                video = self._videos.get(video_id)
                if video is None or not video.in_videos_list:
                    continue
                channel = self._channels[video.channel_id]
                if not channel.terminated:
                    found.append((video, channel))
            return found

    def find_video(self, video_id: str) -> tuple[Video, Channel] | None:
        """The video in any state with its channel, or None."""
        with self._lock:
            video = self._videos.get(video_id)
            if video is None:
                return None
            return video, self._channels[video.channel_id]

    def feed(self, channel_id: str, limit: int = 15) -> tuple[Channel, list[Video]] | None:
        """The newest public videos of a live channel, for its Atom feed; None if gone."""
        with self._lock:
            channel = self._channels.get(channel_id)
            if channel is None or channel.terminated:
                return None
            newest: list[Video] = []
            for _, _, video_id in reversed(self._uploads[channel_id]):
                video = self._videos[video_id]
                if video.in_feed:
                    newest.append(video)
                    if len(newest) == limit:
                        break
            return channel, newest

    def accepts_key(self, key: str) -> bool:
        """Whether ``key`` is an accepted API key."""
        return bool(key) and (self.api_keys is None or key in self.api_keys)

    def counts(self) -> dict[str, int]:
        """How many channels and videos the world holds."""
        with self._lock:
            return {"channels": len(self._channels), "videos": len(self._videos)}

    def state(self, channel_id: str | None = None) -> dict[str, Any]:
        """Ground truth: every channel (or one) and every video's state, newest first."""
        with self._lock:
            if channel_id is None:
                channels = list(self._channels.values())
            else:
                channels = [self._channel(channel_id)]
            return {
                "now": iso_z(self.clock.now()),
                "quota_day": self.clock.pacific_day().isoformat(),
                "channels": [self._channel_state(channel) for channel in channels],
            }

    def _channel_state(self, channel: Channel) -> dict[str, Any]:
        videos = [self._videos[v] for _, _, v in reversed(self._uploads[channel.id])]
        return channel_record(channel) | {"videos": [video_record(video) for video in videos]}


def channel_record(channel: Channel) -> dict[str, Any]:
    """The ground truth of a channel as control endpoints show it."""
    return {
        "id": channel.id,
        "handle": channel.handle,
        "username": channel.username,
        "custom_url": channel.custom_url,
        "title": channel.title,
        "terminated": channel.terminated,
        "uploads_playlist_id": channel.uploads_playlist_id,
    }


def video_record(video: Video) -> dict[str, Any]:
    """The ground truth of a video as control endpoints show it."""
    return {
        "id": video.id,
        "channel_id": video.channel_id,
        "state": video.state,
        "rejection_reason": video.rejection_reason,
        "blocked_regions": list(video.blocked_regions),
        "allowed_regions": _region_list(video.allowed_regions),
        "age_restricted": video.age_restricted,
        "embeddable": video.embeddable,
        "title": video.title,
        "description": video.description,
        "published_at": iso_z(video.published_at),
        "duration": video.duration,
        "view_count": video.view_count,
        "like_count": video.like_count,
        "comment_count": video.comment_count,
        "tags": list(video.tags),
        "thumbnail_version": video.thumbnail_version,
    }
