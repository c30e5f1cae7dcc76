"""channels.list by id, handle and username; search.list for channels; part checks."""

from __future__ import annotations

import pytest

from common.fake_youtube import Channel, World

from .conftest import Api


@pytest.fixture
def alice(world: World) -> Channel:
    channel = world.add_channel(
        handle="@AliceCooks",
        username="alicevids",
        custom_url="alicekitchen",
        title="Alice Cooks",
        country="US",
        subscriber_count=1234,
    )
    world.upload(channel.id, view_count=10)
    world.upload(channel.id, view_count=5)
    world.privatize(world.upload(channel.id, view_count=1000).id)
    return channel


@pytest.mark.parametrize("handle", ["@AliceCooks", "@alicecooks", "alicecooks", "ALICECOOKS"])
def test_for_handle_is_case_insensitive(alice: Channel, api: Api, handle: str) -> None:
    body = api("channels", forHandle=handle, part="id").json()
    assert [item["id"] for item in body["items"]] == [alice.id]


def test_for_username(alice: Channel, api: Api) -> None:
    body = api("channels", forUsername="AliceVids", part="contentDetails").json()
    uploads = body["items"][0]["contentDetails"]["relatedPlaylists"]["uploads"]
    assert uploads == "UU" + alice.id[2:]


def test_unknown_handle_has_no_items(alice: Channel, api: Api) -> None:
    body = api("channels", forHandle="@nobody", part="id").json()
    assert body["pageInfo"] == {"totalResults": 0, "resultsPerPage": 5}
    assert "items" not in body


def test_ids_in_order_and_statistics_count_public_videos(
    world: World, alice: Channel, api: Api
) -> None:
    bob = world.add_channel(handle="@bob")
    body = api("channels", id=f"{bob.id},{alice.id},UCnope", part="statistics,snippet").json()
    assert [item["id"] for item in body["items"]] == [bob.id, alice.id]
    stats = body["items"][1]["statistics"]
    assert stats == {
        "viewCount": "15",
        "subscriberCount": "1234",
        "hiddenSubscriberCount": False,
        "videoCount": "2",
    }
    assert body["items"][1]["snippet"]["customUrl"] == "@alicecooks"
    assert body["items"][1]["snippet"]["country"] == "US"


def test_channel_filters_are_exclusive_and_required(alice: Channel, api: Api) -> None:
    none = api("channels", part="id")
    assert none.status_code == 400
    assert none.json()["error"]["errors"][0]["reason"] == "missingRequiredParameter"
    both = api("channels", part="id", id=alice.id, forHandle="@alicecooks")
    assert both.status_code == 400
    assert both.json()["error"]["errors"][0]["reason"] == "incompatibleParameters"
    assert api("channels", part="id", mine="true").status_code == 401


@pytest.mark.parametrize("part", [None, "", " , "])
def test_missing_part_is_400(alice: Channel, api: Api, part: str | None) -> None:
    response = api("channels", id=alice.id, part=part)
    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["reason"] == "required"


def test_unknown_part_is_400(alice: Channel, api: Api) -> None:
    response = api("videos", id="abcdefghijk", part="snippet,bogus")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"] == "'bogus'"
    assert error["errors"][0]["reason"] == "unknownPart"
    assert error["errors"][0]["domain"] == "youtube.part"


def test_more_than_fifty_ids_is_400(api: Api) -> None:
    ids = ",".join(f"vid{n:08d}" for n in range(51))
    response = api("videos", id=ids, part="id")
    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["reason"] == "invalidFilters"
    assert api("videos", id=",".join(ids.split(",")[:50]), part="id").status_code == 200


def test_videos_without_id_is_400(api: Api) -> None:
    response = api("videos", part="id")
    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["reason"] == "missingRequiredParameter"


def test_search_finds_channels_by_custom_url_handle_and_title(
    world: World, alice: Channel, api: Api
) -> None:
    other = world.add_channel(handle="@cooks-digest", title="Cooks Digest")
    gone = world.add_channel(handle="@alicecooks2", title="Alice Cooks Again")
    world.terminate(gone.id)
    for query in ("alicekitchen", "@AliceCooks", "Alice Cooks"):
        body = api("search", part="snippet", type="channel", q=query).json()
        assert body["items"][0]["id"] == {"kind": "youtube#channel", "channelId": alice.id}
    body = api("search", part="snippet", type="channel", q="cooks").json()
    assert {item["id"]["channelId"] for item in body["items"]} == {alice.id, other.id}
    assert body["kind"] == "youtube#searchListResponse"
    assert body["regionCode"] == "US"
    snippet = body["items"][0]["snippet"]
    assert set(snippet) == {
        "publishedAt",
        "channelId",
        "title",
        "description",
        "thumbnails",
        "channelTitle",
        "liveBroadcastContent",
        "publishTime",
    }


def test_search_costs_one_hundred_units(world: World, alice: Channel, api: Api) -> None:
    api("search", part="id", type="channel", q="alice")
    api("channels", id=alice.id, part="id")
    quota = world.quota.snapshot()
    assert quota["units_by_method"] == {"search.list": 100, "channels.list": 1}
    assert quota["used"] == 101


def test_search_for_videos_only_finds_nothing(alice: Channel, api: Api) -> None:
    body = api("search", part="id", type="video", q="alice").json()
    assert body["items"] == []


def test_unknown_api_method_is_404(api: Api) -> None:
    response = api("subscriptions", part="id")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == 404
