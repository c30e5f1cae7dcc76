"""Resources as the real API writes them: list envelopes, channels, videos, playlist items,
search results, oEmbed, the Atom feed and the error bodies recorded from YouTube."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Collection
from http import HTTPStatus
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from common.fake_youtube.errors import google_error
from common.fake_youtube.model import Channel, Video
from common.fake_youtube.thumbnails import THUMBNAIL_SIZES
from common.fake_youtube.world import iso_z

__all__ = [
    "CHANNEL_PARTS",
    "PLAYLIST_ITEM_PARTS",
    "QUOTA_EXCEEDED",
    "SEARCH_PARTS",
    "VIDEO_PARTS",
    "channel_item",
    "fault_body",
    "feed_xml",
    "key_invalid",
    "key_missing",
    "list_body",
    "oembed_body",
    "playlist_item",
    "search_channel_item",
    "video_item",
]

# Parts each list method accepts; an unknown part is a 400, a known one we do not model is
# simply left out, as YouTube leaves out parts that do not apply.
CHANNEL_PARTS = frozenset(
    [
        "auditDetails",
        "brandingSettings",
        "contentDetails",
        "contentOwnerDetails",
        "id",
        "localizations",
        "snippet",
        "statistics",
        "status",
        "topicDetails",
    ]
)
PLAYLIST_ITEM_PARTS = frozenset(["contentDetails", "id", "snippet", "status"])
VIDEO_PARTS = frozenset(
    [
        "contentDetails",
        "fileDetails",
        "id",
        "liveStreamingDetails",
        "localizations",
        "paidProductPlacementDetails",
        "player",
        "processingDetails",
        "recordingDetails",
        "snippet",
        "statistics",
        "status",
        "suggestions",
        "topicDetails",
    ]
)
SEARCH_PARTS = frozenset({"id", "snippet"})

_CHANNEL_AVATAR_SIZES = {"default": 88, "medium": 240, "high": 800}
# Old-style etags are "<project hash>/<resource hash>" inside literal quotes.
_ETAG_PREFIX = "XI7nbFXulYBIpL0ayR_gDh3eu1k"
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _etag(quoted: bool, *parts: object) -> str:
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=20).digest()
    tag = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    return f'"{_ETAG_PREFIX}/{tag}"' if quoted else tag


# -- error bodies --------------------------------------------------------------------------

# Exactly the recorded bodies (fixtures error_response.json and error_quota_exceeded.json).
_QUOTA_MESSAGE = (
    "The request cannot be completed because you have exceeded your "
    '<a href="/youtube/v3/getting-started#quota">quota</a>.'
)
QUOTA_EXCEEDED: dict[str, Any] = {
    "error": {
        "code": 403,
        "message": _QUOTA_MESSAGE,
        "errors": [
            {"message": _QUOTA_MESSAGE, "domain": "youtube.quota", "reason": "quotaExceeded"}
        ],
    }
}


def key_invalid() -> dict[str, Any]:
    """400 for a key the API does not accept."""
    return {
        "error": {
            "errors": [{"domain": "usageLimits", "reason": "keyInvalid", "message": "Bad Request"}],
            "code": 400,
            "message": "Bad Request",
        }
    }


def key_missing() -> dict[str, Any]:
    """403 for a request without any key."""
    message = "The request is missing a valid API key."
    return google_error(403, message, "forbidden", status="PERMISSION_DENIED")


_FAULTS: dict[int, tuple[str, str, str]] = {
    400: ("Bad Request", "badRequest", "INVALID_ARGUMENT"),
    401: ("Request is missing required authentication credential.", "required", "UNAUTHENTICATED"),
    404: ("Requested entity was not found.", "notFound", "NOT_FOUND"),
    429: (
        "Resource has been exhausted (e.g. check quota).",
        "rateLimitExceeded",
        "RESOURCE_EXHAUSTED",
    ),
    500: ("Internal error encountered.", "backendError", "INTERNAL"),
    502: ("Bad Gateway", "backendError", "UNAVAILABLE"),
    503: ("The service is currently unavailable.", "backendError", "UNAVAILABLE"),
    504: ("Deadline exceeded.", "backendError", "DEADLINE_EXCEEDED"),
}


def fault_body(status: int) -> dict[str, Any]:
    """The body of an injected Data API failure; 403 is the quota-exceeded body."""
    if status == 403:
        return QUOTA_EXCEEDED
    message, reason, status_text = _FAULTS.get(
        status,
        (HTTPStatus(status).phrase, "backendError" if status >= 500 else "badRequest", "UNKNOWN"),
    )
    return google_error(status, message, reason, status=status_text)


# -- resources -----------------------------------------------------------------------------


def list_body(
    kind: str,
    items: list[dict[str, Any]],
    *,
    total: int,
    per_page: int,
    quoted: bool,
    next_token: str | None = None,
    prev_token: str | None = None,
    region_code: str | None = None,
    omit_empty: bool = False,
) -> dict[str, Any]:
    """The list envelope: kind, etag, page tokens, pageInfo and items, in the API's order."""
    tags = [item["etag"] for item in items]
    body: dict[str, Any] = {
        "kind": kind,
        "etag": _etag(quoted, kind, tags, total, per_page, next_token, prev_token),
    }
    if next_token is not None:
        body["nextPageToken"] = next_token
    if prev_token is not None:
        body["prevPageToken"] = prev_token
    if region_code is not None:
        body["regionCode"] = region_code
    body["pageInfo"] = {"totalResults": total, "resultsPerPage": per_page}
    if items or not omit_empty:
        body["items"] = items
    return body


def _video_thumbnails(base: str, video_id: str) -> dict[str, Any]:
    return {
        key: {"url": f"{base}/vi/{video_id}/{name}.jpg", "width": width, "height": height}
        for key, (name, width, height) in THUMBNAIL_SIZES.items()
    }


def _channel_thumbnails(base: str, channel_id: str) -> dict[str, Any]:
    return {
        key: {
            "url": f"{base}/ytc/{channel_id}=s{size}-c-k-c0x00ffffff-no-rj",
            "width": size,
            "height": size,
        }
        for key, size in _CHANNEL_AVATAR_SIZES.items()
    }


def _custom_url(channel: Channel) -> str | None:
    if channel.handle:
        return channel.handle.lower()
    return channel.custom_url.lower() if channel.custom_url else None


def channel_item(
    channel: Channel,
    parts: Collection[str],
    *,
    public_videos: int,
    views: int,
    base: str,
    quoted: bool,
) -> dict[str, Any]:
    """A ``youtube#channel`` with the requested parts."""
    item: dict[str, Any] = {
        "kind": "youtube#channel",
        "etag": _etag(quoted, "channel", channel.id, channel.revision, public_videos, views, base),
        "id": channel.id,
    }
    if "snippet" in parts:
        snippet: dict[str, Any] = {"title": channel.title, "description": channel.description}
        custom_url = _custom_url(channel)
        if custom_url:
            snippet["customUrl"] = custom_url
        snippet["publishedAt"] = iso_z(channel.published_at)
        snippet["thumbnails"] = _channel_thumbnails(base, channel.id)
        snippet["localized"] = {"title": channel.title, "description": channel.description}
        if channel.country:
            snippet["country"] = channel.country
        item["snippet"] = snippet
    if "contentDetails" in parts:
        item["contentDetails"] = {
            "relatedPlaylists": {"likes": "", "uploads": channel.uploads_playlist_id}
        }
    if "statistics" in parts:
        item["statistics"] = {
            "viewCount": str(views),
            "subscriberCount": str(channel.subscriber_count),
            "hiddenSubscriberCount": False,
            "videoCount": str(public_videos),
        }
    if "status" in parts:
        item["status"] = {
            "privacyStatus": "public",
            "isLinked": True,
            "longUploadsStatus": "longUploadsUnspecified",
            "madeForKids": False,
        }
    if "brandingSettings" in parts:
        branding: dict[str, Any] = {"title": channel.title, "description": channel.description}
        if channel.country:
            branding["country"] = channel.country
        item["brandingSettings"] = {"channel": branding}
    return item


def video_item(
    video: Video, channel: Channel, parts: Collection[str], *, base: str, quoted: bool
) -> dict[str, Any]:
    """A ``youtube#video`` with the requested parts, as videos.list returns it."""
    item: dict[str, Any] = {
        "kind": "youtube#video",
        "etag": _etag(quoted, "video", video.id, video.revision, channel.revision, base),
        "id": video.id,
    }
    if "snippet" in parts:
        snippet: dict[str, Any] = {
            "publishedAt": iso_z(video.published_at),
            "channelId": channel.id,
            "title": video.title,
            "description": video.description,
            "thumbnails": _video_thumbnails(base, video.id),
            "channelTitle": channel.title,
        }
        if video.tags:
            snippet["tags"] = list(video.tags)
        snippet["categoryId"] = "22"
        snippet["liveBroadcastContent"] = "none"
        snippet["defaultLanguage"] = "en"
        snippet["localized"] = {"title": video.title, "description": video.description}
        snippet["defaultAudioLanguage"] = "en"
        item["snippet"] = snippet
    if "contentDetails" in parts:
        details: dict[str, Any] = {
            "duration": video.duration,
            "dimension": "2d",
            "definition": "hd",
            "caption": "false",
            "licensedContent": False,
        }
        if video.allowed_regions is not None:
            # Viewable only there; an empty list means nowhere. Never sent with "blocked".
            details["regionRestriction"] = {"allowed": list(video.allowed_regions)}
        elif video.blocked_regions:
            details["regionRestriction"] = {"blocked": list(video.blocked_regions)}
        details["contentRating"] = {"ytRating": "ytAgeRestricted"} if video.age_restricted else {}
        details["projection"] = "rectangular"
        item["contentDetails"] = details
    if "status" in parts:
        status: dict[str, Any] = {
            "uploadStatus": "rejected" if video.state == "rejected" else "processed"
        }
        if video.rejection_reason:
            status["rejectionReason"] = video.rejection_reason
        status["privacyStatus"] = "unlisted" if video.state == "unlisted" else "public"
        status["license"] = "youtube"
        status["embeddable"] = video.embeddable
        status["publicStatsViewable"] = True
        status["madeForKids"] = False
        item["status"] = status
    if "statistics" in parts:
        item["statistics"] = {
            "viewCount": str(video.view_count),
            "likeCount": str(video.like_count),
            "favoriteCount": "0",
            "commentCount": str(video.comment_count),
        }
    if "player" in parts:
        item["player"] = {
            "embedHtml": (
                f'<iframe width="480" height="270" src="//www.youtube.com/embed/{video.id}" '
                'frameborder="0" allow="accelerometer; autoplay; clipboard-write; '
                'encrypted-media; gyroscope; picture-in-picture; web-share" '
                'referrerpolicy="strict-origin-when-cross-origin" allowfullscreen></iframe>'
            )
        }
    return item


def _playlist_item_id(playlist_id: str, video_id: str) -> str:
    # Real ids are base64 of "<playlist id>.<16 hex digits>"; stable per playlist and video.
    suffix = hashlib.md5(video_id.encode(), usedforsecurity=False).hexdigest()[:16].upper()
    return base64.b64encode(f"{playlist_id}.{suffix}".encode()).decode()


def playlist_item(
    video: Video,
    channel: Channel,
    position: int,
    parts: Collection[str],
    *,
    base: str,
    quoted: bool,
) -> dict[str, Any]:
    """A ``youtube#playlistItem`` of the channel's uploads playlist."""
    playlist_id = channel.uploads_playlist_id
    item: dict[str, Any] = {
        "kind": "youtube#playlistItem",
        "etag": _etag(quoted, "item", video.id, video.revision, channel.revision, position, base),
        "id": _playlist_item_id(playlist_id, video.id),
    }
    if "snippet" in parts:
        item["snippet"] = {
            "publishedAt": iso_z(video.published_at),
            "channelId": channel.id,
            "title": video.title,
            "description": video.description,
            "thumbnails": _video_thumbnails(base, video.id),
            "channelTitle": channel.title,
            "playlistId": playlist_id,
            "position": position,
            "resourceId": {"kind": "youtube#video", "videoId": video.id},
            "videoOwnerChannelTitle": channel.title,
            "videoOwnerChannelId": channel.id,
        }
    if "contentDetails" in parts:
        item["contentDetails"] = {
            "videoId": video.id,
            "videoPublishedAt": iso_z(video.published_at),
        }
    if "status" in parts:
        item["status"] = {"privacyStatus": "unlisted" if video.state == "unlisted" else "public"}
    return item


def search_channel_item(
    channel: Channel, parts: Collection[str], *, base: str, quoted: bool
) -> dict[str, Any]:
    """A ``youtube#searchResult`` for a channel."""
    item: dict[str, Any] = {
        "kind": "youtube#searchResult",
        "etag": _etag(quoted, "search", channel.id, channel.revision, base),
        "id": {"kind": "youtube#channel", "channelId": channel.id},
    }
    if "snippet" in parts:
        published = iso_z(channel.published_at)
        item["snippet"] = {
            "publishedAt": published,
            "channelId": channel.id,
            "title": channel.title,
            "description": channel.description,
            "thumbnails": _channel_thumbnails(base, channel.id),
            "channelTitle": channel.title,
            "liveBroadcastContent": "none",
            "publishTime": published,
        }
    return item


def _channel_page(channel: Channel) -> str:
    if channel.handle:
        return f"https://www.youtube.com/{channel.handle}"
    return f"https://www.youtube.com/channel/{channel.id}"


def oembed_body(video: Video, channel: Channel, *, base: str) -> dict[str, Any]:
    """The oEmbed JSON of an embeddable video."""
    title = quoteattr(video.title)
    return {
        "title": video.title,
        "author_name": channel.title,
        "author_url": _channel_page(channel),
        "type": "video",
        "height": 113,
        "width": 200,
        "version": "1.0",
        "provider_name": "YouTube",
        "provider_url": "https://www.youtube.com/",
        "thumbnail_height": 360,
        "thumbnail_width": 480,
        "thumbnail_url": f"{base}/vi/{video.id}/hqdefault.jpg",
        "html": (
            f'<iframe width="200" height="113" src="https://www.youtube.com/embed/{video.id}'
            '?feature=oembed" frameborder="0" allow="accelerometer; autoplay; clipboard-write; '
            'encrypted-media; gyroscope; picture-in-picture; web-share" '
            f'referrerpolicy="strict-origin-when-cross-origin" allowfullscreen title={title}>'
            "</iframe>"
        ),
    }


def _xml_text(text: str) -> str:
    return escape(_XML_INVALID.sub("", text))


def _xml_time(channel_or_video: Channel | Video) -> str:
    return iso_z(channel_or_video.published_at).replace("Z", "+00:00")


def feed_xml(channel: Channel, videos: list[Video], *, base: str) -> str:
    """The channel's Atom feed (``/feeds/videos.xml``) with the given newest videos."""
    page = f"https://www.youtube.com/channel/{channel.id}"
    author = f"<author><name>{_xml_text(channel.title)}</name><uri>{page}</uri></author>"
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" '
        'xmlns:media="http://search.yahoo.com/mrss/" xmlns="http://www.w3.org/2005/Atom">',
        f' <link rel="self" href="{base}/feeds/videos.xml?channel_id={channel.id}"/>',
        f" <id>yt:channel:{channel.id}</id>",
        f" <yt:channelId>{channel.id}</yt:channelId>",
        f" <title>{_xml_text(channel.title)}</title>",
        f' <link rel="alternate" href="{page}"/>',
        f" {author}",
        f" <published>{_xml_time(channel)}</published>",
    ]
    for video in videos:
        title = _xml_text(video.title)
        published = _xml_time(video)
        lines += [
            " <entry>",
            f"  <id>yt:video:{video.id}</id>",
            f"  <yt:videoId>{video.id}</yt:videoId>",
            f"  <yt:channelId>{channel.id}</yt:channelId>",
            f"  <title>{title}</title>",
            f'  <link rel="alternate" href="https://www.youtube.com/watch?v={video.id}"/>',
            f"  {author}",
            f"  <published>{published}</published>",
            f"  <updated>{published}</updated>",
            "  <media:group>",
            f"   <media:title>{title}</media:title>",
            f'   <media:content url="https://www.youtube.com/v/{video.id}?version=3" '
            'type="application/x-shockwave-flash" width="640" height="390"/>',
            f'   <media:thumbnail url="{base}/vi/{video.id}/hqdefault.jpg" '
            'width="480" height="360"/>',
            f"   <media:description>{_xml_text(video.description)}</media:description>",
            "   <media:community>",
            f'    <media:starRating count="{video.like_count}" average="5.00" min="1" max="5"/>',
            f'    <media:statistics views="{video.view_count}"/>',
            "   </media:community>",
            "  </media:group>",
            " </entry>",
        ]
    lines.append("</feed>")
    return "\n".join(lines) + "\n"
