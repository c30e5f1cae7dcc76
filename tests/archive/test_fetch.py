"""Fetching a thumbnail: only images, only up to ARCHIVE_MAX_BYTES, from the right host."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from common.archive import ThumbnailFetcher, ThumbnailRejected
from common.fake_youtube.thumbnails import solid_jpeg

JPEG = solid_jpeg((200, 30, 30), 64, 48)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
VIDEO = "dQw4w9WgXcQ"


def fetcher(handler: httpx.MockTransport, **options: object) -> ThumbnailFetcher:
    values: dict[str, object] = {"max_bytes": 10_000, **options}
    return ThumbnailFetcher(httpx.Client(transport=handler), **values)  # type: ignore[arg-type]


def answer(status: int, body: bytes, content_type: str | None) -> httpx.MockTransport:
    headers = {"content-type": content_type} if content_type else {}
    return httpx.MockTransport(
        lambda request: httpx.Response(status, content=body, headers=headers)
    )


def test_an_image_is_fetched_with_its_hash_and_real_type() -> None:
    image = fetcher(answer(200, JPEG, "image/jpeg")).fetch("https://i.ytimg.com/vi/x/hq.jpg")
    assert image.data == JPEG
    assert image.sha256 == hashlib.sha256(JPEG).hexdigest()
    assert image.content_type == "image/jpeg"
    # The type is what the bytes are, not what the header claims.
    assert fetcher(answer(200, PNG, "image/jpeg")).fetch("https://x/").content_type == "image/png"


@pytest.mark.parametrize(
    ("transport", "message"),
    [
        (answer(404, b"Not Found", "text/plain"), "HTTP 404"),
        (answer(200, b"<html>hi</html>", "text/html"), "not an image"),
        (answer(200, b"<html>hi</html>", "image/jpeg"), "bytes are not an image"),
        (answer(200, JPEG, None), "not an image"),
        (answer(200, b"\xff\xd8\xff" + b"\x00" * 20_000, "image/jpeg"), "ARCHIVE_MAX_BYTES"),
    ],
)
def test_what_is_not_a_small_image_is_rejected(
    transport: httpx.MockTransport, message: str
) -> None:
    with pytest.raises(ThumbnailRejected, match=message):
        fetcher(transport).fetch("https://i.ytimg.com/vi/x/hq.jpg")


def test_a_stream_without_length_is_cut_at_the_limit() -> None:
    chunks_sent = []

    def endless() -> object:
        for _ in range(1000):
            chunks_sent.append(1)
            yield b"\xff\xd8\xff" + b"\x00" * 1021

    transport = httpx.MockTransport(
        lambda request: httpx.Response(
            200, headers={"content-type": "image/jpeg"}, content=endless()
        )
    )
    with pytest.raises(ThumbnailRejected, match="ARCHIVE_MAX_BYTES"):
        fetcher(transport, max_bytes=4096).fetch("https://x/")
    assert len(chunks_sent) < 10


def test_connection_errors_are_rejections() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(ThumbnailRejected, match="ConnectError"):
        fetcher(httpx.MockTransport(refuse)).fetch("https://x/")


@pytest.mark.parametrize(
    "url", ["http://[::1/hq.jpg", "http://\x00/hq.jpg", "https://" + "a" * 300 + ".com/hq.jpg"]
)
def test_a_url_httpx_cannot_send_is_a_rejection(url: str) -> None:
    # The archive step catches ArchiveError only: anything else would fail the scan after it
    # committed, and again on every later scan (the video stays due).
    # A real client: these fail while httpx builds the request, before any connection.
    with pytest.raises(ThumbnailRejected):
        ThumbnailFetcher(httpx.Client(), max_bytes=10_000).fetch(url)


def test_thumbnail_base_url_rewrites_youtube_image_urls() -> None:
    plain = fetcher(answer(200, JPEG, "image/jpeg"))
    url = f"https://i.ytimg.com/vi/{VIDEO}/maxresdefault.jpg"
    assert plain.source_url(VIDEO, url) == url
    assert plain.source_url(VIDEO, None) == f"https://i.ytimg.com/vi/{VIDEO}/hqdefault.jpg"
    fake = fetcher(answer(200, JPEG, "image/jpeg"), base_url="http://127.0.0.1:9/vi/")
    assert fake.source_url(VIDEO, url) == f"http://127.0.0.1:9/vi/{VIDEO}/maxresdefault.jpg"
    webp = f"https://i.ytimg.com/vi_webp/{VIDEO}/sddefault.webp"
    assert fake.source_url(VIDEO, webp) == f"http://127.0.0.1:9/vi/{VIDEO}/sddefault.webp"
    assert fake.source_url(VIDEO, None) == f"http://127.0.0.1:9/vi/{VIDEO}/hqdefault.jpg"
    other = "https://example.com/some/picture.png"
    assert fake.source_url(VIDEO, other) == other
