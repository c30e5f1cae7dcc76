"""The scan's YouTube phase: every request is made here, before anything is written.

Any ``UpstreamError`` propagates and aborts the scan; a partial walk is never returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from common.errors import UpstreamNotFound
from common.scan.state import GONE_STATES, VERIFIED_STATES, ChannelState, KnownVideo
from common.youtube import Channel, OembedStatus, PlaylistItem, Video, YouTubeClient

__all__ = ["MAX_PROBES_PER_SCAN", "Observation", "observe"]

# oEmbed probes cost no quota but take time; past this many a scan leaves the rest as suspects
# for the next scan rather than guessing.
MAX_PROBES_PER_SCAN = 100


@dataclass(slots=True)
class Observation:
    """What YouTube said during one scan."""

    full_walk: bool
    pages: int = 0
    listed: dict[str, PlaylistItem] = field(default_factory=dict)
    playlist_missing: bool = False
    channel_checked: bool = False
    channel: Channel | None = None
    verified: set[str] = field(default_factory=set)
    found: dict[str, Video] = field(default_factory=dict)
    probes: dict[str, OembedStatus] = field(default_factory=dict)

    @property
    def channel_gone(self) -> bool:
        """channels.list answered nothing and the uploads playlist is gone."""
        return self.playlist_missing and self.channel_checked and self.channel is None


def observe(
    youtube: YouTubeClient,
    channel: ChannelState,
    known: Mapping[str, KnownVideo],
    *,
    full_walk: bool,
    confirm_scans: int,
) -> Observation:
    """Ask YouTube everything this scan needs; raises on any upstream failure."""
    seen = Observation(full_walk=full_walk)
    _walk_uploads(youtube, channel, known, seen)
    if seen.playlist_missing or full_walk:
        seen.channel_checked = True
        answer = youtube.channels([channel.id])
        seen.channel = answer[0] if answer else None
    if seen.channel_gone:
        # One channel_terminated event covers every video: verifying them would only cost quota.
        return seen
    restored_channel = channel.state == "terminated"
    seen.verified = {
        video_id
        for video_id, video in known.items()
        if video.state in VERIFIED_STATES
        or (video.state in GONE_STATES and video_id in seen.listed)
        or (restored_channel and video.state == "channel_gone")
    } | (seen.listed.keys() - known.keys())
    seen.found = {video.id: video for video in youtube.videos(sorted(seen.verified))}
    _probe_confirmed_absences(youtube, known, seen, confirm_scans)
    return seen


def _walk_uploads(
    youtube: YouTubeClient,
    channel: ChannelState,
    known: Mapping[str, KnownVideo],
    seen: Observation,
) -> None:
    """Page the uploads playlist: all of it on a full walk, else until a page is all known."""
    try:
        for page in youtube.iter_uploads(channel.uploads_playlist_id):
            seen.pages += 1
            page_ids = [item.video_id for item in page.items]
            for item in page.items:
                seen.listed.setdefault(item.video_id, item)
            if not seen.full_walk and all(video_id in known for video_id in page_ids):
                return
    except UpstreamNotFound:
        seen.playlist_missing = True


def _probe_confirmed_absences(
    youtube: YouTubeClient,
    known: Mapping[str, KnownVideo],
    seen: Observation,
    confirm_scans: int,
) -> None:
    absent = sorted(
        video_id
        for video_id in seen.verified - seen.found.keys()
        if video_id in known and known[video_id].missing_strikes + 1 >= confirm_scans
    )
    for video_id in absent[:MAX_PROBES_PER_SCAN]:
        seen.probes[video_id] = youtube.oembed_probe(video_id)
