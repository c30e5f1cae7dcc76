"""Immutable records of the fake world (channels, videos) and the rules of what YouTube shows."""

from __future__ import annotations

import base64
import random
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

__all__ = [
    "CHANNEL_ID_RE",
    "DURATION_RE",
    "HANDLE_RE",
    "REGION_RE",
    "REJECTION_REASONS",
    "VIDEO_ID_RE",
    "VIDEO_STATES",
    "Channel",
    "RejectionReason",
    "Video",
    "VideoState",
    "channel_id_for_playlist",
    "new_channel_id",
    "new_video_id",
    "uploads_playlist_id",
]

VideoState = Literal["public", "unlisted", "private", "deleted", "rejected"]
VIDEO_STATES: tuple[str, ...] = get_args(VideoState)

# The values YouTube documents for status.rejectionReason.
RejectionReason = Literal[
    "claim",
    "copyright",
    "duplicate",
    "inappropriate",
    "legal",
    "length",
    "termsOfUse",
    "trademark",
    "uploaderAccountClosed",
    "uploaderAccountSuspended",
]
REJECTION_REASONS: frozenset[str] = frozenset(get_args(RejectionReason))

VIDEO_ID_RE = re.compile(r"[A-Za-z0-9_-]{11}")
CHANNEL_ID_RE = re.compile(r"UC[A-Za-z0-9_-]{22}")
HANDLE_RE = re.compile(r"@[A-Za-z0-9._-]{3,30}")
REGION_RE = re.compile(r"[A-Z]{2}")
# ISO 8601 durations as videos.list writes them: P[nD]T[nH][nM][nS], at least one part.
DURATION_RE = re.compile(r"P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?")


@dataclass(frozen=True, slots=True)
class Channel:
    """One channel as the world knows it; replaced, never mutated, so readers get snapshots."""

    id: str
    title: str
    description: str
    published_at: datetime
    handle: str | None = None
    username: str | None = None
    custom_url: str | None = None
    country: str | None = None
    subscriber_count: int = 0
    terminated: bool = False
    revision: int = 0

    @property
    def uploads_playlist_id(self) -> str:
        """The ``UU…`` playlist that lists the channel's uploads."""
        return uploads_playlist_id(self.id)


@dataclass(frozen=True, slots=True)
class Video:
    """One upload and its ground-truth state; replaced on every change (``revision`` grows)."""

    id: str
    channel_id: str
    title: str
    description: str
    published_at: datetime
    duration: str = "PT4M13S"
    view_count: int = 0
    like_count: int = 0
    comment_count: int = 0
    state: VideoState = "public"
    rejection_reason: str | None = None
    blocked_regions: tuple[str, ...] = ()
    # An allow-list: viewable only in these regions (empty: nowhere); None means no allow-list.
    # YouTube sends either ``blocked`` or ``allowed``, never both, so the world never sets both.
    allowed_regions: tuple[str, ...] | None = None
    age_restricted: bool = False
    embeddable: bool = True
    tags: tuple[str, ...] = ()
    thumbnail_version: int = 0
    revision: int = 0

    @property
    def in_playlist(self) -> bool:
        """Listed by playlistItems.list: only public and unlisted uploads are."""
        return self.state in ("public", "unlisted")

    @property
    def in_videos_list(self) -> bool:
        """Returned by videos.list: private and deleted videos are absent, rejected ones are not."""
        return self.state in ("public", "unlisted", "rejected")

    @property
    def in_feed(self) -> bool:
        """Shown in the channel's Atom feed: public videos only."""
        return self.state == "public"


def uploads_playlist_id(channel_id: str) -> str:
    """``UC…`` → ``UU…``, as YouTube derives the uploads playlist."""
    return "UU" + channel_id[2:]


def channel_id_for_playlist(playlist_id: str) -> str | None:
    """``UU…`` → ``UC…``; None for any other kind of playlist."""
    if playlist_id.startswith("UU") and len(playlist_id) == 24:
        return "UC" + playlist_id[2:]
    return None


def new_video_id(rng: random.Random) -> str:
    """An 11-character id built like YouTube's: 64 random bits in URL-safe base64."""
    return base64.urlsafe_b64encode(rng.getrandbits(64).to_bytes(8, "big")).decode()[:11]


def new_channel_id(rng: random.Random) -> str:
    """A ``UC`` + 22-character id: 128 random bits in URL-safe base64."""
    raw = rng.getrandbits(128).to_bytes(16, "big")
    return "UC" + base64.urlsafe_b64encode(raw).decode()[:22]
