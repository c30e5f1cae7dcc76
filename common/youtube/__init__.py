"""YouTube Data API v3 client of the tracker: channel input parsing, typed answers, the client."""

from common.logs import redact
from common.youtube.channel_input import ChannelKind, ChannelRef, parse_channel_input
from common.youtube.client import BATCH_SIZE, COSTS, OembedStatus, UploadsPage, YouTubeClient
from common.youtube.feed import parse_feed_video_ids
from common.youtube.models import Channel, PlaylistItem, Thumbnail, Video

__all__ = [
    "BATCH_SIZE",
    "COSTS",
    "Channel",
    "ChannelKind",
    "ChannelRef",
    "OembedStatus",
    "PlaylistItem",
    "Thumbnail",
    "UploadsPage",
    "Video",
    "YouTubeClient",
    "parse_channel_input",
    "parse_feed_video_ids",
    "redact",
]
