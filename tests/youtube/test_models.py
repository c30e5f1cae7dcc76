"""Every recorded answer parses into the typed models, with the facts the tracker relies on."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from common.youtube.error_map import parse_google_error
from common.youtube.models import (
    Channel,
    ListResponse,
    PlaylistItem,
    SearchResult,
    Video,
    duration_seconds,
)
from tests.youtube.conftest import FIXTURES, fixture_bytes, fixture_json

_SHAPE_BY_KIND: dict[str, type[ListResponse[Any]]] = {
    "youtube#channelListResponse": ListResponse[Channel],
    "youtube#playlistItemListResponse": ListResponse[PlaylistItem],
    "youtube#videoListResponse": ListResponse[Video],
    "youtube#searchListResponse": ListResponse[SearchResult],
}
_ALL_JSON = sorted(p.name for p in FIXTURES.glob("*.json"))


def test_fixtures_are_there() -> None:
    assert len(_ALL_JSON) >= 11, f"fixtures missing under {FIXTURES}"


@pytest.mark.parametrize("name", _ALL_JSON)
def test_every_fixture_parses(name: str) -> None:
    data = fixture_json(name)
    if "error" in data:
        error = parse_google_error(fixture_bytes(name))
        assert error is not None
        assert error.code in (400, 403)
        assert error.reasons
        return
    answer = _SHAPE_BY_KIND[data["kind"]].model_validate(data)
    assert answer.items is not None
    assert [item.id for item in answer.items] == [item["id"] for item in data["items"]]
    assert answer.page_info is not None
    assert answer.page_info.total_results == data["pageInfo"]["totalResults"]


def test_channels_fixture() -> None:
    answer = ListResponse[Channel].model_validate(
        fixture_json("apidata__channels__info_multiple.json")
    )
    google, devs = answer.items or []
    assert google.id == "UCK8sQmJBp8GCxrOtXWBpyEA"
    assert google.title == "Google"
    assert google.handle == "@google"
    assert google.uploads_playlist_id == "UUK8sQmJBp8GCxrOtXWBpyEA"
    assert google.video_count == 2678
    assert google.subscriber_count == 10_700_000
    assert google.view_count == 3_331_930_783
    assert google.published_at == datetime(2005, 9, 18, 22, 37, 10, tzinfo=UTC)
    assert google.thumbnail_url is not None
    assert google.thumbnail_url.endswith("=s800-c-k-c0x00ffffff-no-rj")
    assert devs.uploads_playlist_id == "UU_x5XG1OV2P6uZZ5FSM9Ttw"


def test_channel_without_content_details_or_statistics() -> None:
    answer = ListResponse[Channel].model_validate(fixture_json("apidata__channels__info.json"))
    (channel,) = answer.items or []
    assert channel.custom_url == "@googledevelopers"
    assert channel.uploads_playlist_id is None
    assert channel.video_count is None
    assert channel.description.startswith("The Google Developers channel")


def test_hidden_subscriber_count_and_legacy_custom_url() -> None:
    channel = Channel.model_validate(
        {
            "id": "UC_x5XG1OV2P6uZZ5FSM9Ttw",
            "snippet": {"title": "t", "customUrl": "legacyname"},
            "statistics": {"subscriberCount": "100", "hiddenSubscriberCount": True},
        }
    )
    assert channel.subscriber_count is None
    assert channel.custom_url == "legacyname"
    assert channel.handle is None


def test_playlist_pages() -> None:
    first = ListResponse[PlaylistItem].model_validate(
        fixture_json("apidata__playlist_items__playlist_items_paged_1.json")
    )
    items = first.items or []
    assert first.next_page_token == "CAoQAA"
    assert len(items) == 10
    assert items[0].video_id == "CvTApw9X8aA"
    assert items[0].position == 0
    assert items[0].title.startswith("Welcome from Google Developers")
    # No contentDetails here: the snippet's time (".000Z") stands in, as an aware UTC instant.
    assert items[0].published_at == datetime(2019, 11, 21, 22, 17, 43, tzinfo=UTC)
    assert items[0].thumbnail_url == "https://i.ytimg.com/vi/CvTApw9X8aA/maxresdefault.jpg"
    last = ListResponse[PlaylistItem].model_validate(
        fixture_json("apidata__playlist_items__playlist_items_paged_2.json")
    )
    assert last.next_page_token is None
    assert len(last.items or []) == 3


def test_playlist_item_prefers_content_details() -> None:
    item = PlaylistItem.model_validate(
        {
            "id": "x",
            "snippet": {
                "publishedAt": "2024-05-01T00:00:00Z",
                "resourceId": {"videoId": "fromSnippet"},
            },
            "contentDetails": {
                "videoId": "fromDetails",
                "videoPublishedAt": "2020-01-01T00:00:00Z",
            },
            "status": {"privacyStatus": "private"},
        }
    )
    assert item.video_id == "fromDetails"
    assert item.published_at == datetime(2020, 1, 1, tzinfo=UTC)
    assert item.privacy_status == "private"


def test_playlist_item_without_any_video_id_is_refused() -> None:
    with pytest.raises(ValidationError, match="no video id"):
        PlaylistItem.model_validate({"id": "x", "snippet": {"title": "?"}})


def test_full_video_fixture() -> None:
    answer = ListResponse[Video].model_validate(
        fixture_json("modeldata__videos__video_api_response.json")
    )
    (video,) = answer.items or []
    assert video.id == "D-lhorsDlUQ"
    assert video.title == "What are Actions on Google (Assistant on Air)"
    assert video.channel_id == "UC_x5XG1OV2P6uZZ5FSM9Ttw"
    assert video.published_at == datetime(2019, 3, 21, 20, 37, 49, tzinfo=UTC)
    assert video.duration == "PT21M7S"
    assert video.duration_seconds == 21 * 60 + 7
    assert (video.view_count, video.like_count, video.comment_count) == (7920, 190, 32)
    assert video.privacy_status == "public"
    assert video.upload_status == "processed"
    assert video.embeddable is True
    assert video.rejection_reason is None
    assert video.age_restricted is False
    assert video.region_restricted is False
    assert video.allowed_regions is None
    assert video.thumbnail_url == "https://i.ytimg.com/vi/D-lhorsDlUQ/maxresdefault.jpg"


def test_video_with_snippet_only() -> None:
    answer = ListResponse[Video].model_validate(
        fixture_json("apidata__videos__videos_info_multi.json")
    )
    videos = answer.items or []
    assert [v.id for v in videos] == ["D-lhorsDlUQ", "ovdbrdCIP7U"]
    assert videos[1].privacy_status is None
    assert videos[1].view_count is None
    assert videos[1].duration_seconds is None
    assert videos[1].age_restricted is False


def _video(**parts: Any) -> Video:
    return Video.model_validate({"id": "abcdefghijk", **parts})


def test_rejected_blocked_age_restricted_video() -> None:
    video = _video(
        snippet={"thumbnails": {"default": {"url": "d"}, "medium": {"url": "m"}}},
        status={
            "uploadStatus": "rejected",
            "rejectionReason": "copyright",
            "privacyStatus": "public",
            "embeddable": False,
            "madeForKids": True,
        },
        contentDetails={
            "regionRestriction": {"blocked": ["DE", "FR"]},
            "contentRating": {"ytRating": "ytAgeRestricted"},
        },
    )
    assert video.upload_status == "rejected"
    assert video.rejection_reason == "copyright"
    assert video.embeddable is False
    assert video.made_for_kids is True
    assert video.blocked_regions == ["DE", "FR"]
    assert video.region_restricted is True
    assert video.age_restricted is True
    assert video.thumbnail_url == "m"


def test_allow_list_counts_as_restriction() -> None:
    video = _video(contentDetails={"regionRestriction": {"allowed": ["JP"]}})
    assert video.allowed_regions == ["JP"]
    assert video.blocked_regions == []
    assert video.region_restricted is True


@pytest.mark.parametrize(
    ("sizes", "best"),
    [
        (["default", "medium", "high", "standard", "maxres"], "maxres"),
        (["default", "medium", "high", "standard"], "standard"),
        (["default", "high", "medium"], "high"),
        (["default", "medium"], "medium"),
        (["default"], "default"),
        ([], None),
    ],
)
def test_best_thumbnail(sizes: list[str], best: str | None) -> None:
    video = _video(snippet={"thumbnails": {s: {"url": s} for s in sizes}})
    assert video.thumbnail_url == best


@pytest.mark.parametrize("stamp", ["2019-03-21T20:37:49.000Z", "2019-03-21T20:37:49Z"])
def test_timestamps_are_aware_utc(stamp: str) -> None:
    published = _video(snippet={"publishedAt": stamp}).published_at
    assert published == datetime(2019, 3, 21, 20, 37, 49, tzinfo=UTC)
    assert published is not None
    assert published.tzinfo is UTC


def test_counts_arrive_as_strings_and_bad_ones_are_refused() -> None:
    assert _video(statistics={"viewCount": "12345678901"}).view_count == 12_345_678_901
    with pytest.raises(ValidationError):
        _video(statistics={"viewCount": "lots"})


@pytest.mark.parametrize(
    ("iso", "seconds"),
    [
        ("PT21M7S", 1267),
        ("PT1H", 3600),
        ("P1DT2S", 86402),
        ("P1W", 604800),
        ("P0D", 0),
        ("PT", None),
        ("P", None),
        ("21:07", None),
        ("", None),
        (None, None),
    ],
)
def test_duration_seconds(iso: str | None, seconds: int | None) -> None:
    assert duration_seconds(iso) == seconds


def test_unknown_keys_are_ignored_and_models_are_frozen() -> None:
    video = _video(player={"embedHtml": "<iframe>"}, brandNew={"x": 1})
    assert not hasattr(video, "player")
    with pytest.raises(ValidationError):
        video.id = "other"  # type: ignore[misc]
