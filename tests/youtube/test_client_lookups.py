"""The client's API calls against a mocked YouTube: parameters, batching, paging and costs."""

from __future__ import annotations

import httpx
import pytest
import respx

from common.errors import InvalidInput, NotFound, UpstreamNotFound, UpstreamUnavailable
from common.youtube import UploadsPage, YouTubeClient
from tests.youtube.conftest import (
    API,
    KEY,
    Recorder,
    fixture_json,
    video_ids,
    video_item,
    video_list,
)

CID = "UC_x5XG1OV2P6uZZ5FSM9Ttw"
EMPTY_CHANNELS = {"kind": "youtube#channelListResponse", "pageInfo": {"totalResults": 0}}


def _channel(channel_id: str, custom_url: str) -> dict[str, object]:
    return {
        "id": channel_id,
        "snippet": {"title": custom_url, "customUrl": custom_url},
        "contentDetails": {"relatedPlaylists": {"uploads": "UU" + channel_id[2:]}},
    }


def _channels(*items: dict[str, object]) -> dict[str, object]:
    return {"kind": "youtube#channelListResponse", "items": list(items), "pageInfo": {}}


def test_channels_sends_key_parts_and_ids(
    client: YouTubeClient, api: respx.MockRouter, recorder: Recorder
) -> None:
    route = api.get(f"{API}/channels").respond(
        json=fixture_json("apidata__channels__info_multiple.json")
    )
    found = client.channels(["UCK8sQmJBp8GCxrOtXWBpyEA", CID, CID])
    assert [c.id for c in found] == ["UCK8sQmJBp8GCxrOtXWBpyEA", CID]
    params = route.calls.last.request.url.params
    assert params["key"] == KEY
    assert params["part"] == "snippet,contentDetails,statistics"
    assert params["id"] == f"UCK8sQmJBp8GCxrOtXWBpyEA,{CID}"
    assert recorder.costs == [("channels.list", 1)]
    assert client.units_spent == 1


def test_channels_batches_by_fifty(
    client: YouTubeClient, api: respx.MockRouter, recorder: Recorder
) -> None:
    ids = [f"UC{i:022d}" for i in range(120)]
    route = api.get(f"{API}/channels").respond(json=_channels())
    assert client.channels(ids) == []
    sent = [c.request.url.params["id"].split(",") for c in route.calls]
    assert [len(b) for b in sent] == [50, 50, 20]
    assert [i for b in sent for i in b] == ids
    assert recorder.costs == [("channels.list", 1)] * 3


def test_channels_refuses_malformed_ids_before_any_request(
    client: YouTubeClient, api: respx.MockRouter
) -> None:
    with pytest.raises(InvalidInput, match="malformed channel id"):
        client.channels([CID, "UC,injected"])
    with pytest.raises(InvalidInput, match="single string"):
        client.channels(CID)
    assert not api.calls


@pytest.mark.parametrize("handle", ["@googledevelopers", "googledevelopers"])
def test_channel_by_handle(client: YouTubeClient, api: respx.MockRouter, handle: str) -> None:
    route = api.get(f"{API}/channels").respond(json=fixture_json("apidata__channels__info.json"))
    channel = client.channel_by_handle(handle)
    assert channel is not None
    assert channel.id == CID
    assert route.calls.last.request.url.params["forHandle"] == "@googledevelopers"


def test_channel_by_handle_nothing_found(client: YouTubeClient, api: respx.MockRouter) -> None:
    api.get(f"{API}/channels").respond(json=EMPTY_CHANNELS)
    assert client.channel_by_handle("@nobody-here") is None


def test_channel_answer_without_items_or_page_info_is_not_nothing_found(
    client: YouTubeClient, api: respx.MockRouter
) -> None:
    api.get(f"{API}/channels").respond(json={})
    with pytest.raises(UpstreamUnavailable, match="without items"):
        client.channel_by_handle("@someone")


def test_channel_by_username(client: YouTubeClient, api: respx.MockRouter) -> None:
    route = api.get(f"{API}/channels").respond(json=fixture_json("apidata__channels__info.json"))
    assert client.channel_by_username("GoogleDevelopers") is not None
    assert route.calls.last.request.url.params["forUsername"] == "GoogleDevelopers"


def test_search_channel_costs_a_hundred_then_one(
    client: YouTubeClient, api: respx.MockRouter, recorder: Recorder
) -> None:
    search = api.get(f"{API}/search").respond(
        json={
            "kind": "youtube#searchListResponse",
            "items": [{"id": {"kind": "youtube#channel", "channelId": CID}}],
            "pageInfo": {"totalResults": 1},
        }
    )
    api.get(f"{API}/channels").respond(json=fixture_json("apidata__channels__info.json"))
    channel = client.search_channel("google developers")
    assert channel is not None
    assert channel.id == CID
    params = search.calls.last.request.url.params
    assert (params["type"], params["q"], params["maxResults"]) == (
        "channel",
        "google developers",
        "1",
    )
    assert recorder.costs == [("search.list", 100), ("channels.list", 1)]
    assert client.units_spent == 101


def test_search_channel_without_result(
    client: YouTubeClient, api: respx.MockRouter, recorder: Recorder
) -> None:
    api.get(f"{API}/search").respond(json={"kind": "youtube#searchListResponse", "pageInfo": {}})
    assert client.search_channel("zzzz") is None
    assert recorder.costs == [("search.list", 100)]


@pytest.mark.parametrize(
    ("text", "param", "value"),
    [
        (CID, "id", CID),
        (f"https://www.youtube.com/channel/{CID}/videos", "id", CID),
        ("https://www.youtube.com/@googledevelopers/featured", "forHandle", "@googledevelopers"),
        ("youtube.com/user/GoogleDevelopers", "forUsername", "GoogleDevelopers"),
    ],
)
def test_resolve_channel_uses_the_matching_lookup(
    client: YouTubeClient, api: respx.MockRouter, text: str, param: str, value: str
) -> None:
    route = api.get(f"{API}/channels").respond(json=fixture_json("apidata__channels__info.json"))
    assert client.resolve_channel(text).id == CID
    assert route.calls.last.request.url.params[param] == value
    assert len(route.calls) == 1


def test_resolve_channel_not_found_names_the_input(
    client: YouTubeClient, api: respx.MockRouter
) -> None:
    api.get(f"{API}/channels").respond(json=EMPTY_CHANNELS)
    with pytest.raises(NotFound, match="@nobody-here") as caught:
        client.resolve_channel("  @nobody-here ")
    assert "/c/" not in caught.value.message


def test_resolve_custom_url_tries_the_handle_first(
    client: YouTubeClient, api: respx.MockRouter, recorder: Recorder
) -> None:
    api.get(f"{API}/channels").respond(json=_channels(_channel(CID, "@GoogleDevelopers")))
    channel = client.resolve_channel("https://www.youtube.com/c/GoogleDevelopers")
    assert channel.id == CID
    assert recorder.costs == [("channels.list", 1)]


def test_resolve_custom_url_accepts_a_search_hit_only_when_it_matches(
    client: YouTubeClient, api: respx.MockRouter
) -> None:
    other = "UCK8sQmJBp8GCxrOtXWBpyEA"
    api.get(f"{API}/channels", params={"forHandle": "@Cooking"}).respond(json=EMPTY_CHANNELS)
    api.get(f"{API}/search").respond(
        json={"items": [{"id": {"kind": "youtube#channel", "channelId": other}}], "pageInfo": {}}
    )
    api.get(f"{API}/channels", params={"id": other}).respond(
        json=_channels(_channel(other, "@someone-else"))
    )
    with pytest.raises(NotFound, match="Cooking") as caught:
        client.resolve_channel("youtube.com/c/Cooking")
    # What to do instead: YouTube's API has no lookup of old /c/ names.
    assert "paste the channel's @handle or /channel/UC" in caught.value.message


def test_uploads_pages(client: YouTubeClient, api: respx.MockRouter, recorder: Recorder) -> None:
    playlist = "UU_x5XG1OV2P6uZZ5FSM9Ttw"
    first = fixture_json("apidata__playlist_items__playlist_items_paged_1.json")
    last = fixture_json("apidata__playlist_items__playlist_items_paged_2.json")
    route = api.get(f"{API}/playlistItems")
    route.side_effect = [httpx.Response(200, json=first), httpx.Response(200, json=last)]
    pages = list(client.iter_uploads(playlist))
    assert [len(p.items) for p in pages] == [10, 3]
    assert pages[0].next_page_token == "CAoQAA"
    assert pages[0].total_results == 13
    assert pages[1].next_page_token is None
    first_params, second_params = (c.request.url.params for c in route.calls)
    assert first_params["playlistId"] == playlist
    assert first_params["maxResults"] == "50"
    assert first_params["part"] == "snippet,contentDetails,status"
    assert "pageToken" not in first_params
    assert second_params["pageToken"] == "CAoQAA"
    assert recorder.costs == [("playlistItems.list", 1)] * 2


def test_missing_playlist_is_upstream_not_found_and_not_retried(
    client: YouTubeClient, api: respx.MockRouter, recorder: Recorder
) -> None:
    body = {
        "error": {
            "code": 404,
            "message": "The playlist identified with the request's playlistId parameter "
            "cannot be found.",
            "errors": [{"domain": "youtube.playlistItem", "reason": "playlistNotFound"}],
        }
    }
    route = api.get(f"{API}/playlistItems").respond(404, json=body)
    with pytest.raises(UpstreamNotFound, match="playlistNotFound"):
        client.uploads_page("UU_x5XG1OV2P6uZZ5FSM9Ttw")
    assert len(route.calls) == 1
    assert recorder.sleeps == []


def test_a_failing_page_aborts_the_walk(client: YouTubeClient, api: respx.MockRouter) -> None:
    first = fixture_json("apidata__playlist_items__playlist_items_paged_1.json")
    api.get(f"{API}/playlistItems", params={"pageToken": "CAoQAA"}).respond(503)
    api.get(f"{API}/playlistItems").respond(json=first)
    walked: list[UploadsPage] = []
    with pytest.raises(UpstreamUnavailable):
        walked.extend(client.iter_uploads("UU_x5XG1OV2P6uZZ5FSM9Ttw"))
    assert len(walked) == 1  # only the page that arrived; the caller sees the walk failed


def test_a_repeated_page_token_is_not_an_endless_walk(
    client: YouTubeClient, api: respx.MockRouter
) -> None:
    page = {"items": [], "nextPageToken": "SAME", "pageInfo": {}}
    api.get(f"{API}/playlistItems").respond(json=page)
    with pytest.raises(UpstreamUnavailable, match="repeated a page token"):
        list(client.iter_uploads("UU_x5XG1OV2P6uZZ5FSM9Ttw"))


def test_videos_batches_120_ids_in_three_calls(
    client: YouTubeClient, api: respx.MockRouter, recorder: Recorder
) -> None:
    ids = video_ids(120)
    gone = set(ids[::7])

    def answer(request: httpx.Request) -> httpx.Response:
        asked = request.url.params["id"].split(",")
        return httpx.Response(200, json=video_list([video_item(i) for i in asked if i not in gone]))

    route = api.get(f"{API}/videos").mock(side_effect=answer)
    found = client.videos(ids + ids[:30])  # duplicates are asked once
    assert [v.id for v in found] == [i for i in ids if i not in gone]
    assert [len(c.request.url.params["id"].split(",")) for c in route.calls] == [50, 50, 20]
    assert route.calls.last.request.url.params["part"] == "snippet,contentDetails,status,statistics"
    assert recorder.costs == [("videos.list", 1)] * 3
    assert client.units_spent == 3


def test_videos_of_nothing_sends_nothing(client: YouTubeClient, api: respx.MockRouter) -> None:
    assert client.videos([]) == []
    assert not api.calls


def test_videos_never_returns_a_partial_result(
    client: YouTubeClient, api: respx.MockRouter
) -> None:
    ids = video_ids(60)
    route = api.get(f"{API}/videos")
    route.side_effect = [httpx.Response(200, json=video_list([video_item(ids[0])]))] + [
        httpx.Response(500)
    ] * 4
    with pytest.raises(UpstreamUnavailable):
        client.videos(ids)


def test_videos_fixture_through_the_client(client: YouTubeClient, api: respx.MockRouter) -> None:
    api.get(f"{API}/videos").respond(
        json=fixture_json("modeldata__videos__video_api_response.json")
    )
    (video,) = client.videos(["D-lhorsDlUQ", "zzzzzzzzzzz"])
    assert video.id == "D-lhorsDlUQ"
    assert video.view_count == 7920
