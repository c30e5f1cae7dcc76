"""Responses have the shapes of the recorded real responses in shared/fixtures/youtube-api."""

from __future__ import annotations

import re
from typing import Any

from common.fake_youtube import World

from .conftest import Api, load_fixture

ALL_VIDEO_PARTS = "snippet,contentDetails,status,statistics"
QUOTED_ETAG = re.compile(r'^"[\w-]{27}/[\w-]{27}"$')
PLAIN_ETAG = re.compile(r"^[\w-]{27}$")


def keys(obj: dict[str, Any]) -> set[str]:
    return set(obj)


def add_video(world: World, **fields: Any) -> tuple[str, str]:
    channel = world.add_channel(handle="@shapes", title="Shapes", country="US")
    video = world.upload(channel.id, tags=["a", "b"], **fields)
    return channel.id, video.id


def test_video_matches_recorded_video(world: World, api: Api) -> None:
    _, video_id = add_video(world)
    recorded = load_fixture("modeldata__videos__video_api_response.json")
    body = api("videos", id=video_id, part=ALL_VIDEO_PARTS).json()
    item, real = body["items"][0], recorded["items"][0]

    assert keys(body) == keys(recorded)
    assert keys(body["pageInfo"]) == keys(recorded["pageInfo"])
    assert keys(item) == keys(real)
    assert keys(item["snippet"]) == keys(real["snippet"])
    assert keys(item["snippet"]["localized"]) == keys(real["snippet"]["localized"])
    for size, thumb in real["snippet"]["thumbnails"].items():
        assert keys(item["snippet"]["thumbnails"][size]) == keys(thumb)
    assert keys(item["snippet"]["thumbnails"]) == keys(real["snippet"]["thumbnails"])
    # YouTube now always sends contentRating; the recording predates that.
    assert keys(item["contentDetails"]) - keys(real["contentDetails"]) == {"contentRating"}
    assert keys(real["contentDetails"]) <= keys(item["contentDetails"])
    # madeForKids is sent since 2020.
    assert keys(item["status"]) - keys(real["status"]) == {"madeForKids"}
    # dislikeCount was removed from the API in December 2021.
    assert keys(real["statistics"]) - keys(item["statistics"]) == {"dislikeCount"}
    assert keys(item["statistics"]) <= keys(real["statistics"])
    assert all(isinstance(value, str) for value in item["statistics"].values())
    assert item["snippet"]["publishedAt"].endswith("Z")


def test_video_player_part_matches_recording(world: World, api: Api) -> None:
    _, video_id = add_video(world)
    recorded = load_fixture("apidata__videos__videos_info_single.json")
    item = api("videos", id=video_id, part="snippet,player").json()["items"][0]
    assert keys(item) == keys(recorded["items"][0])
    assert keys(item["player"]) == keys(recorded["items"][0]["player"])


def test_only_requested_parts_are_sent(world: World, api: Api) -> None:
    _, video_id = add_video(world)
    assert keys(api("videos", id=video_id, part="id").json()["items"][0]) == {"kind", "etag", "id"}
    item = api("videos", id=video_id, part="status").json()["items"][0]
    assert keys(item) == {"kind", "etag", "id", "status"}


def test_playlist_pages_match_recorded_pages(world: World, api: Api) -> None:
    channel = world.add_channel(handle="@pages")
    world.generate_videos(channel.id, 13, seed=1)
    first_real = load_fixture("apidata__playlist_items__playlist_items_paged_1.json")
    last_real = load_fixture("apidata__playlist_items__playlist_items_paged_2.json")
    first = api(
        "playlistItems", playlistId=channel.uploads_playlist_id, part="snippet", maxResults=10
    )
    last = api(
        "playlistItems",
        playlistId=channel.uploads_playlist_id,
        part="snippet",
        maxResults=10,
        pageToken=first.json()["nextPageToken"],
    )
    assert keys(first.json()) == keys(first_real)
    assert keys(last.json()) == keys(last_real)
    assert first.json()["pageInfo"] == first_real["pageInfo"]  # 13 results, 10 per page
    item, real = first.json()["items"][0], first_real["items"][0]
    assert keys(item) == keys(real)
    # The uploader fields were added to playlist item snippets in 2020.
    extra = keys(item["snippet"]) - keys(real["snippet"])
    assert extra == {"videoOwnerChannelTitle", "videoOwnerChannelId"}
    assert keys(real["snippet"]) <= keys(item["snippet"])
    assert keys(item["snippet"]["resourceId"]) == keys(real["snippet"]["resourceId"])
    assert keys(item["snippet"]["thumbnails"]) == keys(real["snippet"]["thumbnails"])


def test_playlist_item_content_details_and_status(world: World, api: Api) -> None:
    channel = world.add_channel(handle="@parts")
    video = world.upload(channel.id)
    body = api(
        "playlistItems",
        playlistId=channel.uploads_playlist_id,
        part="snippet,contentDetails,status",
    ).json()
    item = body["items"][0]
    assert keys(item) == {"kind", "etag", "id", "snippet", "contentDetails", "status"}
    assert item["contentDetails"] == {
        "videoId": video.id,
        "videoPublishedAt": "2024-05-01T12:00:00Z",
    }
    assert item["status"] == {"privacyStatus": "public"}
    assert item["snippet"]["position"] == 0
    assert item["snippet"]["playlistId"] == channel.uploads_playlist_id


def test_channel_matches_recorded_channel(world: World, api: Api) -> None:
    channel_id, _ = add_video(world)
    recorded = load_fixture("apidata__channels__info_multiple.json")
    parts = "snippet,contentDetails,statistics,brandingSettings"
    body = api("channels", id=channel_id, part=parts).json()
    item, real = body["items"][0], recorded["items"][1]
    assert keys(body) == keys(recorded)
    assert keys(item) == keys(real)
    assert keys(item["snippet"]) == keys(real["snippet"]) | {"localized"}
    assert keys(item["snippet"]["thumbnails"]) == keys(real["snippet"]["thumbnails"])
    assert keys(item["contentDetails"]["relatedPlaylists"]) == {"likes", "uploads"}
    assert keys(item["statistics"]) == keys(real["statistics"])
    assert keys(item["brandingSettings"]["channel"]) <= keys(real["brandingSettings"]["channel"])
    assert item["snippet"]["customUrl"] == "@shapes"
    assert body["pageInfo"] == {"totalResults": 1, "resultsPerPage": 5}


def test_etags_are_quoted_like_old_recordings_or_plain_like_new_ones(
    world: World, api: Api
) -> None:
    channel_id, video_id = add_video(world)
    assert QUOTED_ETAG.match(load_fixture("apidata__videos__videos_info_single.json")["etag"])
    assert PLAIN_ETAG.match(load_fixture("apidata__channels__info.json")["etag"])
    body = api("videos", id=video_id, part="id").json()
    assert QUOTED_ETAG.match(body["etag"])
    assert QUOTED_ETAG.match(body["items"][0]["etag"])
    world.quoted_etags = False
    body = api("channels", id=channel_id, part="id").json()
    assert PLAIN_ETAG.match(body["etag"])
    assert PLAIN_ETAG.match(body["items"][0]["etag"])


def test_etag_changes_with_the_resource(world: World, api: Api) -> None:
    _, video_id = add_video(world)
    before = api("videos", id=video_id, part="snippet").json()
    assert api("videos", id=video_id, part="snippet").json()["etag"] == before["etag"]
    world.retitle(video_id, "New title")
    after = api("videos", id=video_id, part="snippet").json()
    assert after["items"][0]["etag"] != before["items"][0]["etag"]
    assert after["etag"] != before["etag"]


def test_error_bodies_are_the_recorded_ones(world: World, api: Api) -> None:
    world.api_keys = frozenset({"right"})
    assert api("videos", id="x", part="id", key="wrong").json() == load_fixture(
        "error_response.json"
    )
    world.quota.daily_quota = 0
    assert api("videos", id="x", part="id", key="right").json() == load_fixture(
        "error_quota_exceeded.json"
    )
    missing = api("videos", id="x", part="id", key="").json()
    recorded = load_fixture("apidata__error_permission_resp.json")
    assert keys(missing) == keys(recorded)
    assert keys(missing["error"]) == keys(recorded["error"])
    assert keys(missing["error"]["errors"][0]) == keys(recorded["error"]["errors"][0])
