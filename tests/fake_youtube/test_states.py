"""What each video state looks like in playlistItems, videos, oEmbed, the feed and thumbnails."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest

from common.errors import Conflict, InvalidInput
from common.fake_youtube import Channel, FakeYouTube, World

from .conftest import Api

ATOM = "{http://www.w3.org/2005/Atom}"
YT = "{http://www.youtube.com/xml/schemas/2015}"


@pytest.fixture
def channel(world: World) -> Channel:
    return world.add_channel(handle="@states", title="States & <Co>")


def playlist_ids(api: Api, channel: Channel) -> list[str]:
    body = api(
        "playlistItems",
        playlistId=channel.uploads_playlist_id,
        part="contentDetails",
        maxResults=50,
    ).json()
    return [item["contentDetails"]["videoId"] for item in body["items"]]


def listed(api: Api, video_id: str) -> list[dict[str, Any]]:
    body = api("videos", id=video_id, part="status,contentDetails").json()
    items: list[dict[str, Any]] = body["items"]
    return items


def oembed(client: httpx.Client, video_id: str) -> httpx.Response:
    url = f"https://www.youtube.com/watch?v={video_id}"
    return client.get("/oembed", params={"url": url, "format": "json"})


def feed_ids(client: httpx.Client, channel: Channel) -> list[str]:
    response = client.get("/feeds/videos.xml", params={"channel_id": channel.id})
    assert response.status_code == 200
    root = ET.fromstring(response.text)  # noqa: S314 (our own output)
    return [entry.findtext(f"{YT}videoId") or "" for entry in root.iter(f"{ATOM}entry")]


def thumbnail(client: httpx.Client, video_id: str) -> httpx.Response:
    return client.get(f"/vi/{video_id}/hqdefault.jpg")


def test_public_video_is_everywhere(
    world: World, channel: Channel, api: Api, client: httpx.Client, fake: FakeYouTube
) -> None:
    video = world.upload(channel.id, title="Hello")
    assert playlist_ids(api, channel) == [video.id]
    status = listed(api, video.id)[0]["status"]
    assert status == {
        "uploadStatus": "processed",
        "privacyStatus": "public",
        "license": "youtube",
        "embeddable": True,
        "publicStatsViewable": True,
        "madeForKids": False,
    }
    body = oembed(client, video.id).json()
    assert body["title"] == "Hello"
    assert body["author_name"] == "States & <Co>"
    assert body["author_url"] == "https://www.youtube.com/@states"
    assert body["type"] == "video"
    assert body["provider_name"] == "YouTube"
    assert body["thumbnail_url"] == f"{fake.thumbnail_base_url}/{video.id}/hqdefault.jpg"
    assert feed_ids(client, channel) == [video.id]
    assert thumbnail(client, video.id).status_code == 200


def test_unlisted_video_is_listed_but_not_in_the_feed(
    world: World, channel: Channel, api: Api, client: httpx.Client
) -> None:
    video = world.unlist(world.upload(channel.id).id)
    assert playlist_ids(api, channel) == [video.id]
    body = api("playlistItems", playlistId=channel.uploads_playlist_id, part="status").json()
    item = body["items"][0]
    assert item["status"] == {"privacyStatus": "unlisted"}
    assert listed(api, video.id)[0]["status"]["privacyStatus"] == "unlisted"
    assert oembed(client, video.id).status_code == 200
    assert feed_ids(client, channel) == []
    assert thumbnail(client, video.id).status_code == 200


def test_private_video_is_absent_and_oembed_says_unauthorized(
    world: World, channel: Channel, api: Api, client: httpx.Client
) -> None:
    video = world.privatize(world.upload(channel.id).id)
    assert playlist_ids(api, channel) == []
    assert listed(api, video.id) == []
    response = oembed(client, video.id)
    assert (response.status_code, response.text) == (401, "Unauthorized")
    assert feed_ids(client, channel) == []
    assert thumbnail(client, video.id).status_code == 404


def test_deleted_video_is_absent_and_oembed_says_not_found(
    world: World, channel: Channel, api: Api, client: httpx.Client
) -> None:
    video = world.delete(world.upload(channel.id).id)
    assert playlist_ids(api, channel) == []
    assert listed(api, video.id) == []
    response = oembed(client, video.id)
    assert (response.status_code, response.text) == (404, "Not Found")
    assert feed_ids(client, channel) == []
    assert thumbnail(client, video.id).status_code == 404


def test_rejected_video_is_listed_by_videos_only_with_its_reason(
    world: World, channel: Channel, api: Api, client: httpx.Client
) -> None:
    video = world.reject(world.upload(channel.id).id, "copyright")
    assert playlist_ids(api, channel) == []
    status = listed(api, video.id)[0]["status"]
    assert status["uploadStatus"] == "rejected"
    assert status["rejectionReason"] == "copyright"
    assert oembed(client, video.id).status_code == 404
    assert feed_ids(client, channel) == []


def test_geoblocked_video_carries_its_region_restriction(
    world: World, channel: Channel, api: Api, client: httpx.Client
) -> None:
    video = world.upload(channel.id)
    world.geoblock(video.id, ["FR", "DE"])
    world.geoblock(video.id, ["DE", "JP"])
    details = listed(api, video.id)[0]["contentDetails"]
    assert details["regionRestriction"] == {"blocked": ["DE", "FR", "JP"]}
    assert playlist_ids(api, channel) == [video.id]
    assert oembed(client, video.id).status_code == 200
    world.unblock(video.id, ["FR"])
    details = listed(api, video.id)[0]["contentDetails"]
    assert details["regionRestriction"] == {"blocked": ["DE", "JP"]}
    world.unblock(video.id)
    assert "regionRestriction" not in listed(api, video.id)[0]["contentDetails"]


def test_allow_listed_video_carries_only_the_allowed_list(
    world: World, channel: Channel, api: Api, client: httpx.Client
) -> None:
    video = world.upload(channel.id)
    world.allow_only(video.id, ["US", "JP", "US"])
    details = listed(api, video.id)[0]["contentDetails"]
    assert details["regionRestriction"] == {"allowed": ["JP", "US"]}
    assert playlist_ids(api, channel) == [video.id]
    assert oembed(client, video.id).status_code == 200
    world.allow_only(video.id, ["GB"])
    assert listed(api, video.id)[0]["contentDetails"]["regionRestriction"] == {"allowed": ["GB"]}
    world.allow_only(video.id, [])
    details = listed(api, video.id)[0]["contentDetails"]
    assert details["regionRestriction"] == {"allowed": []}, "an empty list: viewable nowhere"
    world.allow_everywhere(video.id)
    assert "regionRestriction" not in listed(api, video.id)[0]["contentDetails"]


def test_a_video_is_either_blocked_or_allow_listed(world: World, channel: Channel) -> None:
    blocked = world.geoblock(world.upload(channel.id).id, ["DE"])
    with pytest.raises(Conflict, match="unblock"):
        world.allow_only(blocked.id, ["JP"])
    allowed = world.allow_only(world.upload(channel.id).id, ["JP"])
    with pytest.raises(Conflict, match="allow-list"):
        world.geoblock(allowed.id, ["DE"])
    with pytest.raises(InvalidInput, match="not both"):
        world.upload(channel.id, blocked_regions=["DE"], allowed_regions=["JP"])
    with pytest.raises(InvalidInput, match="regions"):
        world.allow_only(allowed.id, ["jp"])


def test_age_restricted_video_has_the_yt_rating(
    world: World, channel: Channel, api: Api, client: httpx.Client
) -> None:
    video = world.age_restrict(world.upload(channel.id).id)
    assert listed(api, video.id)[0]["contentDetails"]["contentRating"] == {
        "ytRating": "ytAgeRestricted"
    }
    assert playlist_ids(api, channel) == [video.id]
    assert feed_ids(client, channel) == [video.id]
    world.age_restrict(video.id, on=False)
    assert listed(api, video.id)[0]["contentDetails"]["contentRating"] == {}


def test_video_that_cannot_be_embedded_is_unauthorized_for_oembed(
    world: World, channel: Channel, api: Api, client: httpx.Client
) -> None:
    video = world.set_embeddable(world.upload(channel.id).id, False)
    assert listed(api, video.id)[0]["status"]["embeddable"] is False
    assert oembed(client, video.id).status_code == 401


def test_published_again_video_comes_back(
    world: World, channel: Channel, api: Api, client: httpx.Client
) -> None:
    video = world.upload(channel.id)
    world.privatize(video.id)
    world.publish(video.id)
    assert playlist_ids(api, channel) == [video.id]
    assert listed(api, video.id)[0]["status"]["privacyStatus"] == "public"


def test_terminated_channel_takes_its_videos_along(
    world: World, channel: Channel, api: Api, client: httpx.Client
) -> None:
    video = world.upload(channel.id)
    world.terminate(channel.id)
    body = api("channels", id=channel.id, part="snippet").json()
    assert body["pageInfo"]["totalResults"] == 0
    assert "items" not in body  # what YouTube sends for a terminated channel
    response = api("playlistItems", playlistId=channel.uploads_playlist_id, part="snippet")
    assert response.status_code == 404
    assert response.json()["error"]["errors"][0]["reason"] == "playlistNotFound"
    assert listed(api, video.id) == []
    assert oembed(client, video.id).status_code == 404
    feed = client.get("/feeds/videos.xml", params={"channel_id": channel.id})
    assert feed.status_code == 404
    assert thumbnail(client, video.id).status_code == 404

    world.restore(channel.id)
    assert api("channels", id=channel.id, part="id").json()["items"][0]["id"] == channel.id
    assert playlist_ids(api, channel) == [video.id]


def test_empty_items_can_be_kept_for_clients_that_expect_them(
    world: World, channel: Channel, api: Api
) -> None:
    world.terminate(channel.id)
    world.omit_empty_items = False
    body = api("channels", id=channel.id, part="id").json()
    assert body["items"] == []
    assert body["pageInfo"]["totalResults"] == 0


def test_videos_list_keeps_the_asked_order_and_skips_unknown_ids(
    world: World, channel: Channel, api: Api
) -> None:
    first, second = world.upload(channel.id), world.upload(channel.id)
    ids = f"{second.id},nope_nope_1,{first.id},{second.id}"
    body = api("videos", id=ids, part="id").json()
    assert [item["id"] for item in body["items"]] == [second.id, first.id]
    assert body["pageInfo"] == {"totalResults": 2, "resultsPerPage": 2}


def test_feed_lists_the_fifteen_newest_public_videos(
    world: World, channel: Channel, client: httpx.Client
) -> None:
    world.generate_videos(channel.id, 20, seed=4)
    newest = [video.id for video in world.uploads(channel.id)]
    world.privatize(newest[0])
    ids = feed_ids(client, channel)
    assert ids == newest[1:16]
    response = client.get("/feeds/videos.xml", params={"channel_id": channel.id})
    assert response.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(response.text)  # noqa: S314 (our own output)
    assert root.findtext(f"{ATOM}title") == "States & <Co>"
    entry = next(root.iter(f"{ATOM}entry"))
    assert entry.findtext(f"{ATOM}published") == world.video(ids[0]).published_at.isoformat()


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({}, 400),
        ({"channel_id": "UCxxxxxxxxxxxxxxxxxxxxxx"}, 404),
    ],
)
def test_feed_errors(client: httpx.Client, params: dict[str, str], status: int) -> None:
    assert client.get("/feeds/videos.xml", params=params).status_code == status


@pytest.mark.parametrize(
    "url",
    [
        "https://youtu.be/{id}",
        "https://www.youtube.com/shorts/{id}",
        "https://m.youtube.com/watch?feature=share&v={id}",
        "http://youtube.com/embed/{id}",
    ],
)
def test_oembed_accepts_youtube_url_forms(
    world: World, channel: Channel, client: httpx.Client, url: str
) -> None:
    video = world.upload(channel.id)
    response = client.get("/oembed", params={"url": url.format(id=video.id)})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"url": "https://example.com/watch?v=abcdefghijk"},
        {"url": "https://www.youtube.com/watch?v=short"},
        {"url": "not a url"},
    ],
)
def test_oembed_bad_url_is_400(client: httpx.Client, params: dict[str, str]) -> None:
    response = client.get("/oembed", params=params)
    assert (response.status_code, response.text) == (400, "Bad Request")


def test_oembed_unknown_video_is_404(client: httpx.Client) -> None:
    assert oembed(client, "abcdefghijk").status_code == 404
