"""The scan's YouTube phase: every request is made here, before anything is written.

Any ``UpstreamError`` propagates and aborts the scan; a partial walk is never returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from common.errors import UpstreamNotFound
from common.scan.state import GONE_STATES, VERIFIED_STATES, ChannelState, KnownVideo
from common.youtube import BATCH_SIZE, Channel, OembedStatus, PlaylistItem, Video, YouTubeClient

__all__ = ["MAX_PROBES_PER_SCAN", "Observation", "observe"]

# oEmbed probes cost no quota but take time; past this many a scan leaves the rest as suspects
# for the next scan rather than guessing.
MAX_PROBES_PER_SCAN = 100
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Gone videos worth asking about again, most likely to come back first. A deleted video never
# returns on YouTube, but oEmbed's word "gone" is the weakest of these, so it is asked last.
_RECHECK_ORDER = {"private": 0, "unavailable": 1, "removed": 2, "deleted": 3}


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
    # Gone videos asked about in the free slots of the last videos.list call (see observe).
    rechecked: set[str] = field(default_factory=set)
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
    seen.rechecked = _recheck_candidates(known, seen.verified)
    asked = sorted(seen.verified | seen.rechecked)
    seen.found = {video.id: video for video in youtube.videos(asked)}
    _probe_confirmed_absences(youtube, known, seen, confirm_scans)
    return seen


def _recheck_candidates(known: Mapping[str, KnownVideo], verified: set[str]) -> set[str]:
    """Gone videos to ask about at no cost, in the slots the last videos.list call has free.

    A private video made public again far down the uploads playlist is otherwise only seen at
    the next full walk; this way it is seen within a scan or two, for no quota: 50 ids cost
    one unit whether the call asks 50 or 3. Absent ones stay as they were (no strike, no
    probe); ones YouTube answers are classified like any verified video (restored …).
    """
    spare = -len(verified) % BATCH_SIZE
    if not verified or not spare:
        return set()
    gone = [
        video
        for video_id, video in known.items()
        if video.state in _RECHECK_ORDER and video_id not in verified
    ]
    gone.sort(key=lambda v: (_RECHECK_ORDER[v.state], -(v.missing_since or _EPOCH).timestamp()))
    return {video.id for video in gone[:spare]}


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
