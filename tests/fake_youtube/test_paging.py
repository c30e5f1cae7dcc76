"""playlistItems paging: newest first, opaque tokens, limits, and YouTube's 400s."""

from __future__ import annotations

from typing import Any

import pytest

from common.fake_youtube import Channel, World

from .conftest import Api


@pytest.fixture
def channel(world: World) -> Channel:
    channel = world.add_channel(handle="@paging")
    world.generate_videos(channel.id, 120, seed=9)
    return channel


def walk(api: Api, channel: Channel, **params: Any) -> tuple[list[str], list[dict[str, Any]]]:
    ids: list[str] = []
    pages: list[dict[str, Any]] = []
    token = None
    while True:
        body = api(
            "playlistItems",
            playlistId=channel.uploads_playlist_id,
            part="snippet",
            pageToken=token,
            **params,
        ).json()
        pages.append(body)
        ids += [item["snippet"]["resourceId"]["videoId"] for item in body["items"]]
        token = body.get("nextPageToken")
        if token is None:
            return ids, pages


def test_walk_of_120_videos_in_pages_of_50(world: World, channel: Channel, api: Api) -> None:
    ids, pages = walk(api, channel, maxResults=50)
    assert ids == [video.id for video in world.uploads(channel.id)]
    assert [len(page["items"]) for page in pages] == [50, 50, 20]
    assert all(page["pageInfo"] == {"totalResults": 120, "resultsPerPage": 50} for page in pages)
    assert "prevPageToken" not in pages[0]
    assert "prevPageToken" in pages[1]
    positions = [item["snippet"]["position"] for page in pages for item in page["items"]]
    assert positions == list(range(120))


def test_default_page_size_is_five(channel: Channel, api: Api) -> None:
    ids, pages = walk(api, channel)
    assert len(ids) == 120
    assert len(pages) == 24


def test_newest_first_and_new_uploads_come_on_top(world: World, channel: Channel, api: Api) -> None:
    ids, _ = walk(api, channel, maxResults=50)
    published = [world.video(video_id).published_at for video_id in ids]
    assert published == sorted(published, reverse=True)
    world.clock.advance(60)
    fresh = world.upload(channel.id, title="Fresh")
    first = api("playlistItems", playlistId=channel.uploads_playlist_id, part="snippet").json()
    assert first["items"][0]["snippet"]["resourceId"]["videoId"] == fresh.id
    assert first["pageInfo"]["totalResults"] == 121


def test_gone_videos_leave_the_playlist(world: World, channel: Channel, api: Api) -> None:
    ids, _ = walk(api, channel, maxResults=50)
    world.delete(ids[0])
    world.privatize(ids[60])
    world.reject(ids[119], "duplicate")
    world.unlist(ids[1])
    after, _ = walk(api, channel, maxResults=50)
    assert after == [video_id for video_id in ids if video_id not in {ids[0], ids[60], ids[119]}]


def test_uploads_playlist_stops_at_its_limit(world: World, channel: Channel, api: Api) -> None:
    world.playlist_limit = 70
    ids, pages = walk(api, channel, maxResults=50)
    assert len(ids) == 70
    assert pages[-1]["pageInfo"]["totalResults"] == 120


def test_page_tokens_are_opaque_and_reusable(channel: Channel, api: Api) -> None:
    first = api("playlistItems", playlistId=channel.uploads_playlist_id, part="id").json()
    token = first["nextPageToken"]
    assert not token.isdigit()
    again = [
        api("playlistItems", playlistId=channel.uploads_playlist_id, part="id", pageToken=token)
        for _ in range(2)
    ]
    assert again[0].json()["items"] == again[1].json()["items"]


@pytest.mark.parametrize("token", ["garbage", "UFQ6LTE", "!!!", "UFQ6"])
def test_invalid_page_token_is_400(channel: Channel, api: Api, token: str) -> None:
    response = api(
        "playlistItems", playlistId=channel.uploads_playlist_id, part="id", pageToken=token
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 400
    assert error["errors"][0]["reason"] == "invalidPageToken"
    assert error["errors"][0]["domain"] == "youtube.parameter"


@pytest.mark.parametrize("value", ["51", "-1", "ten"])
def test_max_results_out_of_range_is_400(channel: Channel, api: Api, value: str) -> None:
    response = api(
        "playlistItems", playlistId=channel.uploads_playlist_id, part="id", maxResults=value
    )
    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["location"] == "maxResults"


def test_unknown_playlist_is_404(api: Api) -> None:
    response = api("playlistItems", playlistId="UU" + "x" * 22, part="id")
    assert response.status_code == 404
    assert response.json()["error"]["errors"][0] == {
        "message": response.json()["error"]["message"],
        "domain": "youtube.playlistItem",
        "reason": "playlistNotFound",
        "location": "playlistId",
        "locationType": "parameter",
    }
    assert api("playlistItems", playlistId="PLnotanuploads", part="id").status_code == 404


def test_missing_playlist_id_is_400(api: Api) -> None:
    response = api("playlistItems", part="id")
    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["reason"] == "missingRequiredParameter"
