"""API keys and the daily quota: Google's exact bodies, Pacific-midnight reset, counters."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from common.fake_youtube import Channel, Clock, FakeYouTube, World

from .conftest import KEY, Api, load_fixture


@pytest.fixture
def channel(world: World) -> Channel:
    channel = world.add_channel(handle="@quota")
    world.upload(channel.id)
    return channel


def test_missing_key_is_403_permission_denied(channel: Channel, api: Api) -> None:
    response = api("channels", id=channel.id, part="id", key=None)
    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": 403,
            "message": "The request is missing a valid API key.",
            "errors": [
                {
                    "message": "The request is missing a valid API key.",
                    "domain": "global",
                    "reason": "forbidden",
                }
            ],
            "status": "PERMISSION_DENIED",
        }
    }


def test_any_non_empty_key_is_accepted_without_a_key_list(channel: Channel, api: Api) -> None:
    assert api("channels", id=channel.id, part="id", key="whatever").status_code == 200
    assert api("channels", id=channel.id, part="id", key="").status_code == 403


def test_key_outside_the_list_is_400_key_invalid(
    world: World, channel: Channel, api: Api, client: httpx.Client
) -> None:
    world.api_keys = frozenset({KEY})
    response = api("channels", id=channel.id, part="id", key="stolen")
    assert response.status_code == 400
    assert response.json() == load_fixture("error_response.json")
    assert api("channels", id=channel.id, part="id").status_code == 200
    header_key = client.get(
        "/youtube/v3/channels",
        params={"id": channel.id, "part": "id"},
        headers={"X-Goog-Api-Key": KEY},
    )
    assert header_key.status_code == 200
    assert world.quota.used() == 2  # refused keys spend nothing


def test_quota_exhaustion_answers_the_recorded_403(
    world: World, channel: Channel, api: Api
) -> None:
    world.quota.daily_quota = 3
    statuses = [api("videos", id="abcdefghijk", part="id").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 403, 403]
    response = api("videos", id="abcdefghijk", part="id")
    assert response.json() == load_fixture("error_quota_exceeded.json")
    quota = world.quota.snapshot()
    assert (quota["used"], quota["remaining"], quota["refused"]) == (3, 0, 3)


def test_search_is_refused_when_fewer_than_100_units_remain(
    world: World, channel: Channel, api: Api
) -> None:
    world.quota.daily_quota = 150
    api("search", part="id", type="channel", q="quota")
    assert api("search", part="id", type="channel", q="quota").status_code == 403
    assert api("channels", id=channel.id, part="id").status_code == 200
    assert world.quota.used() == 101


def test_invalid_requests_spend_quota_like_youtube(
    channel: Channel, api: Api, world: World
) -> None:
    api("playlistItems", playlistId="UU" + "x" * 22, part="id")
    api("videos", part="bogus", id="x")
    assert world.quota.snapshot()["units_by_method"] == {
        "playlistItems.list": 1,
        "videos.list": 1,
    }


def test_quota_resets_at_midnight_pacific_daylight_time() -> None:
    # 23:59 PDT on April 30, 2024.
    world = World(clock=Clock(now=lambda: datetime(2024, 5, 1, 6, 59, tzinfo=UTC)), daily_quota=1)
    world.add_channel(handle="@pdt")
    with FakeYouTube(world) as fake, httpx.Client(base_url=fake.api_base_url) as http:
        params = {"id": "abcdefghijk", "part": "id", "key": KEY}
        assert http.get("/videos", params=params).status_code == 200
        assert http.get("/videos", params=params).status_code == 403
        assert world.quota.snapshot()["resets_at"] == "2024-05-01T07:00:00Z"
        world.clock.advance(59)
        assert http.get("/videos", params=params).status_code == 403
        world.clock.advance(1)
        assert http.get("/videos", params=params).status_code == 200
        assert world.quota.snapshot()["day"] == "2024-05-01"


def test_quota_resets_at_midnight_pacific_standard_time() -> None:
    # 23:00 PST on January 14, 2024: 07:00 UTC is not yet midnight in winter.
    world = World(clock=Clock(now=lambda: datetime(2024, 1, 15, 7, 0, tzinfo=UTC)), daily_quota=1)
    assert world.quota.try_spend("videos.list")
    assert not world.quota.try_spend("videos.list")
    world.clock.advance(3599)
    assert not world.quota.try_spend("videos.list")
    world.clock.advance(1)
    assert world.quota.try_spend("videos.list")


def test_quota_reset_and_counters(world: World, channel: Channel, api: Api) -> None:
    api("channels", id=channel.id, part="id")
    api("playlistItems", playlistId=channel.uploads_playlist_id, part="id")
    api("videos", id="abcdefghijk", part="id")
    api("videos", id="abcdefghijk", part="id")
    snapshot = world.quota.snapshot()
    assert snapshot["calls_by_method"] == {
        "channels.list": 1,
        "playlistItems.list": 1,
        "videos.list": 2,
    }
    assert snapshot["used"] == 4
    assert snapshot["day"] == "2024-05-01"
    world.quota.reset()
    assert world.quota.snapshot()["used"] == 0


def test_web_endpoints_need_no_key_and_spend_no_quota(
    world: World, channel: Channel, client: httpx.Client
) -> None:
    world.api_keys = frozenset({"only-this"})
    video_id = world.uploads(channel.id)[0].id
    assert client.get("/oembed", params={"url": f"https://youtu.be/{video_id}"}).status_code == 200
    assert client.get("/feeds/videos.xml", params={"channel_id": channel.id}).status_code == 200
    assert client.get(f"/vi/{video_id}/default.jpg").status_code == 200
    assert world.quota.used() == 0
