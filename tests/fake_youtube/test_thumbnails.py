"""Thumbnails and avatars: small valid JPEGs of the right size that change with the version."""

from __future__ import annotations

import struct

import httpx
import pytest

from common.fake_youtube import World
from common.fake_youtube.thumbnails import solid_jpeg


def jpeg_size(data: bytes) -> tuple[int, int]:
    """Width and height from the SOF0 segment; asserts the JPEG framing on the way."""
    assert data[:2] == b"\xff\xd8"
    assert data[-2:] == b"\xff\xd9"
    offset = 2
    while offset < len(data):
        assert data[offset] == 0xFF
        marker = data[offset + 1]
        (length,) = struct.unpack(">H", data[offset + 2 : offset + 4])
        if marker == 0xC0:
            height, width = struct.unpack(">HH", data[offset + 5 : offset + 9])
            return width, height
        offset += 2 + length
    raise AssertionError("no SOF0 segment")


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("default", (120, 90)),
        ("mqdefault", (320, 180)),
        ("hqdefault", (480, 360)),
        ("sddefault", (640, 480)),
        ("maxresdefault", (1280, 720)),
    ],
)
def test_thumbnail_sizes(
    world: World, client: httpx.Client, name: str, size: tuple[int, int]
) -> None:
    channel = world.add_channel(handle="@thumbs")
    video = world.upload(channel.id)
    response = client.get(f"/vi/{video.id}/{name}.jpg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert jpeg_size(response.content) == size
    assert len(response.content) < 20_000


def test_thumbnail_changes_with_its_version_only(world: World, client: httpx.Client) -> None:
    channel = world.add_channel(handle="@thumbs")
    video = world.upload(channel.id)
    other = world.upload(channel.id)
    url = f"/vi/{video.id}/hqdefault.jpg"
    first = client.get(url).content
    assert client.get(url).content == first
    assert client.get(f"/vi/{other.id}/hqdefault.jpg").content != first
    world.retitle(video.id, "new title")
    assert client.get(url).content == first
    world.set_thumbnail(video.id)
    assert client.get(url).content != first


def test_unknown_thumbnails_are_404(world: World, client: httpx.Client) -> None:
    channel = world.add_channel(handle="@thumbs")
    video = world.upload(channel.id)
    assert client.get(f"/vi/{video.id}/huge.jpg").status_code == 404
    assert client.get("/vi/abcdefghijk/default.jpg").status_code == 404


def test_channel_avatar_urls_are_served(world: World, client: httpx.Client) -> None:
    channel = world.add_channel(handle="@avatar")
    body = client.get(
        "/youtube/v3/channels", params={"id": channel.id, "part": "snippet", "key": "k"}
    ).json()
    thumbs = body["items"][0]["snippet"]["thumbnails"]
    response = client.get(thumbs["default"]["url"])
    assert response.status_code == 200
    assert jpeg_size(response.content) == (88, 88)
    world.terminate(channel.id)
    assert client.get(thumbs["default"]["url"]).status_code == 404


def test_byte_stuffing_keeps_the_entropy_data_free_of_markers() -> None:
    # White needs large DC values whose bits may form 0xFF bytes; they must be stuffed.
    for rgb in [(255, 255, 255), (0, 0, 0), (255, 0, 0), (1, 254, 127)]:
        data = solid_jpeg(rgb, 64, 48)
        scan = data[data.index(b"\xff\xda") + 14 : -2]
        assert all(scan[i + 1] == 0 for i in range(len(scan) - 1) if scan[i] == 0xFF)
        assert jpeg_size(data) == (64, 48)
