"""The zero-quota probes: oEmbed status and the channel's Atom feed."""

from __future__ import annotations

import httpx
import pytest
import respx

from common.errors import InvalidInput, UpstreamError, UpstreamUnavailable
from common.youtube import YouTubeClient, parse_feed_video_ids
from tests.youtube.conftest import FEED, OEMBED, Recorder

VID = "D-lhorsDlUQ"
CID = "UC_x5XG1OV2P6uZZ5FSM9Ttw"
ATOM = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015"
      xmlns:media="http://search.yahoo.com/mrss/" xmlns="http://www.w3.org/2005/Atom">
 <link rel="self" href="http://www.youtube.com/feeds/videos.xml?channel_id=UC_x5XG1OV2P6uZZ5FSM9Ttw"/>
 <id>yt:channel:_x5XG1OV2P6uZZ5FSM9Ttw</id>
 <yt:channelId>_x5XG1OV2P6uZZ5FSM9Ttw</yt:channelId>
 <title>Google for Developers</title>
 <entry>
  <id>yt:video:newestVideo1</id>
  <yt:videoId>newestVideo1</yt:videoId>
  <title>Newest &amp; best</title>
  <published>2024-05-01T16:00:00+00:00</published>
 </entry>
 <entry>
  <id>yt:video:olderVideo22</id>
  <yt:videoId> olderVideo22 </yt:videoId>
  <title>Older</title>
 </entry>
 <entry><yt:videoId>newestVideo1</yt:videoId></entry>
</feed>
"""


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (200, "public"),
        (401, "private"),
        (403, "private"),
        (404, "gone"),
        (400, "gone"),
        (500, "unknown"),
        (503, "unknown"),
        (429, "unknown"),
        (302, "unknown"),
    ],
)
def test_oembed_statuses(
    client: YouTubeClient, api: respx.MockRouter, recorder: Recorder, status: int, expected: str
) -> None:
    route = api.get(OEMBED).respond(status, json={"title": "t"} if status == 200 else None)
    assert client.oembed_probe(VID) == expected
    params = route.calls.last.request.url.params
    assert params["url"] == f"https://www.youtube.com/watch?v={VID}"
    assert params["format"] == "json"
    assert "key" not in params
    assert len(route.calls) == 1
    assert recorder.costs == []
    assert client.units_spent == 0


@pytest.mark.parametrize(
    "error",
    [httpx.ReadTimeout("slow"), httpx.ConnectError("refused"), httpx.RemoteProtocolError("x")],
)
def test_oembed_transport_trouble_is_unknown(
    client: YouTubeClient, api: respx.MockRouter, error: Exception
) -> None:
    api.get(OEMBED).mock(side_effect=error)
    assert client.oembed_probe(VID) == "unknown"


def test_oembed_refuses_a_malformed_id(client: YouTubeClient, api: respx.MockRouter) -> None:
    with pytest.raises(InvalidInput):
        client.oembed_probe("x&url=evil")
    assert not api.calls


def test_feed_ids_in_order_without_duplicates(
    client: YouTubeClient, api: respx.MockRouter, recorder: Recorder
) -> None:
    route = api.get(FEED).respond(content=ATOM, headers={"content-type": "application/atom+xml"})
    assert client.feed_video_ids(CID) == ["newestVideo1", "olderVideo22"]
    params = route.calls.last.request.url.params
    assert params["channel_id"] == CID
    assert "key" not in params
    assert recorder.costs == []


def test_feed_of_unknown_channel_is_none(client: YouTubeClient, api: respx.MockRouter) -> None:
    route = api.get(FEED).respond(404)
    assert client.feed_video_ids(CID) is None
    assert len(route.calls) == 1


def test_feed_retries_5xx(client: YouTubeClient, api: respx.MockRouter, recorder: Recorder) -> None:
    route = api.get(FEED)
    route.side_effect = [httpx.Response(500), httpx.Response(200, content=ATOM)]
    assert client.feed_video_ids(CID) == ["newestVideo1", "olderVideo22"]
    assert len(recorder.sleeps) == 1
    assert recorder.costs == []


def test_feed_other_4xx_is_an_upstream_error(client: YouTubeClient, api: respx.MockRouter) -> None:
    api.get(FEED).respond(403)
    with pytest.raises(UpstreamError, match="HTTP 403"):
        client.feed_video_ids(CID)


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>oops",
        b"",
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><feed>&lol;</feed>',
        b'<!doctype feed SYSTEM "http://evil.example/x.dtd"><feed/>',
        "<feed/>".encode("utf-16"),
    ],
)
def test_unreadable_feed_is_unavailable(
    client: YouTubeClient, api: respx.MockRouter, body: bytes
) -> None:
    api.get(FEED).respond(200, content=body)
    with pytest.raises(UpstreamUnavailable, match="feed unreadable"):
        client.feed_video_ids(CID)


def test_feed_without_entries_is_empty() -> None:
    assert parse_feed_video_ids(b'<feed xmlns="http://www.w3.org/2005/Atom"/>') == []
