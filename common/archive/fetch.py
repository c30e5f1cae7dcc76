"""Fetch one thumbnail, bounded in size and checked to be an image.

``THUMBNAIL_BASE_URL`` rewrites YouTube's ``…/vi/{video_id}/{name}.jpg`` URLs to another root
(the bundled fake YouTube API in tests and the demo); a video without a recorded URL gets its
``hqdefault`` image from that root (or YouTube's).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from common.archive.errors import ThumbnailRejected
from common.archive.store import CONTENT_TYPES

__all__ = ["YOUTUBE_THUMBNAIL_BASE", "Image", "ThumbnailFetcher", "sniff_image_type"]

YOUTUBE_THUMBNAIL_BASE = "https://i.ytimg.com/vi"
_THUMBNAIL_PATH = re.compile(r"/vi(?:_webp)?/(?P<id>[A-Za-z0-9_-]{11})/(?P<name>[\w.-]+)$")


@dataclass(frozen=True, slots=True)
class Image:
    data: bytes
    content_type: str
    sha256: str
    source_url: str


def sniff_image_type(data: bytes) -> str | None:
    """The image type the bytes really are (JPEG, PNG, GIF, WebP), or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


class ThumbnailFetcher:
    """Downloads thumbnails over a shared httpx client."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        max_bytes: int,
        base_url: str | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self._http = http
        self._max_bytes = max_bytes
        self._base_url = base_url.rstrip("/") if base_url else None
        self._timeout = timeout_s

    def source_url(self, video_id: str, recorded: str | None) -> str:
        """Where to fetch the video's thumbnail from."""
        if recorded:
            match = _THUMBNAIL_PATH.search(urlsplit(recorded).path)
            if self._base_url is None or match is None:
                return recorded
            return f"{self._base_url}/{match['id']}/{match['name']}"
        return f"{self._base_url or YOUTUBE_THUMBNAIL_BASE}/{video_id}/hqdefault.jpg"

    def fetch(self, url: str) -> Image:
        """Download ``url``.

        Raises:
            ThumbnailRejected: the request failed, the answer was not 200, larger than the
                limit, or not an image.
        """
        try:
            with self._http.stream(
                "GET", url, timeout=self._timeout, follow_redirects=True
            ) as response:
                if response.status_code != 200:
                    raise ThumbnailRejected(f"{url} answered HTTP {response.status_code}")
                declared = response.headers.get("content-type", "").split(";")[0].strip().lower()
                if not declared.startswith("image/"):
                    raise ThumbnailRejected(f"{url} is not an image ({declared or 'no type'})")
                length = response.headers.get("content-length", "")
                if length.isdigit() and int(length) > self._max_bytes:
                    raise ThumbnailRejected(
                        f"{url} is {int(length)} bytes, over ARCHIVE_MAX_BYTES={self._max_bytes}"
                    )
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self._max_bytes:
                        raise ThumbnailRejected(
                            f"{url} is over ARCHIVE_MAX_BYTES={self._max_bytes} bytes"
                        )
                    chunks.append(chunk)
        except (httpx.HTTPError, httpx.InvalidURL, UnicodeError) as exc:
            # InvalidURL and UnicodeError (an unencodable host name) come from a URL the API
            # gave us that httpx cannot even send: a rejection like any other, never a crash.
            raise ThumbnailRejected(f"{url}: {type(exc).__name__}") from exc
        data = b"".join(chunks)
        sniffed = sniff_image_type(data)
        if sniffed is None or sniffed not in CONTENT_TYPES:
            raise ThumbnailRejected(f"{url} answered {declared} but the bytes are not an image")
        return Image(data, sniffed, hashlib.sha256(data).hexdigest(), url)
