"""Every event kind comes from the matching change on the fake YouTube, classified right."""

from __future__ import annotations

import os

import pytest

from common.fake_youtube import World
from common.settings import reset_settings
from tests.support import Tracker


def channel_with_videos(
    world: World, n: int = 5, handle: str = "@somechannel"
) -> tuple[str, list[str]]:
    channel = world.add_channel(handle=handle, title="Some Channel")
    ids = world.generate_videos(channel.id, n, seed=1)
    return channel.id, ids


def baseline(tracker: Tracker, n: int = 5) -> tuple[str, list[str]]:
    channel_id, ids = channel_with_videos(tracker.fake.world, n)
    tracker.track(channel_id)
    result = tracker.scan(channel_id)
    assert result.outcome == "scanned"
    assert tracker.events() == []
    return channel_id, ids


def test_baseline_records_every_video_and_alerts_nothing(tracker: Tracker) -> None:
    channel_id, ids = baseline(tracker, 120)
    assert tracker.video_count(channel_id) == 120
    video = tracker.video(ids[0])
    assert video.title == tracker.fake.world.video(ids[0]).title
    assert video.duration and video.published_at and video.state == "public"


def test_new_upload(tracker: Tracker) -> None:
    channel_id, _ = baseline(tracker)
    new = tracker.fake.world.upload(channel_id, title="Brand new")
    tracker.scan(channel_id)
    [event] = tracker.events()
    assert (event.kind, event.video_id, event.details["title"]) == ("new", new.id, "Brand new")


def test_retitle_is_a_change_with_old_and_new_values(tracker: Tracker) -> None:
    channel_id, ids = baseline(tracker)
    old_title = tracker.fake.world.video(ids[1]).title
    tracker.fake.world.retitle(ids[1], "Renamed", description="New description")
    tracker.scan(channel_id)
    [event] = tracker.events()
    assert event.kind == "changed"
    assert event.details["changes"]["title"] == {"old": old_title, "new": "Renamed"}
    assert event.details["changes"]["description"]["new"] == "New description"
    assert tracker.video(ids[1]).title == "Renamed"


def test_unlisted(tracker: Tracker) -> None:
    channel_id, ids = baseline(tracker)
    tracker.fake.world.unlist(ids[2])
    tracker.scan(channel_id)
    assert tracker.kinds() == [("unlisted", ids[2])]
    assert tracker.video(ids[2]).state == "unlisted"


@pytest.mark.parametrize("reason", ["copyright", "termsOfUse"])
def test_removed_by_youtube_carries_the_reason(tracker: Tracker, reason: str) -> None:
    channel_id, ids = baseline(tracker)
    tracker.fake.world.reject(ids[0], reason)
    tracker.scan(channel_id)
    [event] = tracker.events()
    assert (event.kind, event.video_id, event.details["reason"]) == ("removed", ids[0], reason)
    assert tracker.video(ids[0]).state == "removed"


def test_geo_block_and_unblock(tracker: Tracker) -> None:
    channel_id, ids = baseline(tracker)
    tracker.fake.world.geoblock(ids[0], ["DE", "JP"])
    tracker.scan(channel_id)
    [blocked] = tracker.events()
    assert (blocked.kind, blocked.details["regions"]) == ("geo_blocked", ["DE", "JP"])
    tracker.fake.world.unblock(ids[0])
    tracker.scan(channel_id)
    restored = tracker.events()[-1]
    assert (restored.kind, restored.details["from"]) == ("restored", "geo_blocked")


def test_allow_list_restricts_changes_and_lifts(tracker: Tracker) -> None:
    channel_id, ids = baseline(tracker)
    world = tracker.fake.world
    world.allow_only(ids[0], ["US", "JP"])
    tracker.scan(channel_id)
    [allowed] = tracker.events()
    assert (allowed.kind, allowed.video_id) == ("geo_blocked", ids[0])
    assert allowed.details["allowed_regions"] == ["JP", "US"]
    assert (allowed.details["added"], allowed.details["removed"]) == (["JP", "US"], [])
    assert "regions" not in allowed.details, "an allow-list is not a block list"
    video = tracker.video(ids[0])
    assert (video.allowed_regions, video.blocked_regions) == (["JP", "US"], None)

    tracker.scan(channel_id)
    assert len(tracker.events()) == 1, "an unchanged allow-list raises nothing"

    world.allow_only(ids[0], ["JP", "GB"])
    tracker.scan(channel_id)
    changed = tracker.events()[-1]
    assert changed.kind == "geo_blocked"
    assert changed.details["allowed_regions"] == ["GB", "JP"]
    assert (changed.details["added"], changed.details["removed"]) == (["GB"], ["US"])

    world.allow_only(ids[0], [])
    tracker.scan(channel_id)
    nowhere = tracker.events()[-1]
    assert (nowhere.kind, nowhere.details["allowed_regions"]) == ("geo_blocked", [])
    assert tracker.video(ids[0]).allowed_regions == [], "viewable nowhere is not 'no list'"

    world.allow_everywhere(ids[0])
    tracker.scan(channel_id)
    restored = tracker.events()[-1]
    assert (restored.kind, restored.details["from"]) == ("restored", "geo_blocked")
    assert tracker.video(ids[0]).allowed_regions is None
    assert len(tracker.events()) == 4
    tracker.scan(channel_id)
    assert len(tracker.events()) == 4


def test_allow_listed_videos_on_the_baseline_alert_nothing(tracker: Tracker) -> None:
    world = tracker.fake.world
    channel_id, ids = channel_with_videos(world)
    world.allow_only(ids[0], ["JP"])
    world.allow_only(ids[1], [])
    tracker.track(channel_id)
    tracker.scan(channel_id)
    tracker.scan(channel_id)
    assert tracker.events() == []
    assert tracker.video(ids[0]).allowed_regions == ["JP"]
    assert tracker.video(ids[1]).allowed_regions == []
    assert tracker.video(ids[2]).allowed_regions is None


def test_block_list_turning_into_an_allow_list_and_back(tracker: Tracker) -> None:
    channel_id, ids = baseline(tracker)
    world = tracker.fake.world
    world.geoblock(ids[0], ["DE"])
    tracker.scan(channel_id)
    world.unblock(ids[0])
    world.allow_only(ids[0], ["JP"])
    tracker.scan(channel_id)
    world.allow_everywhere(ids[0])
    world.geoblock(ids[0], ["DE"])
    tracker.scan(channel_id)
    events = tracker.events()
    assert [event.kind for event in events] == ["geo_blocked"] * 3, "still restricted each time"
    assert [event.details.get("regions") for event in events] == [["DE"], None, ["DE"]]
    assert [event.details.get("allowed_regions") for event in events] == [None, ["JP"], None]


def test_age_restricted(tracker: Tracker) -> None:
    channel_id, ids = baseline(tracker)
    tracker.fake.world.age_restrict(ids[3])
    tracker.scan(channel_id)
    assert tracker.kinds() == [("age_restricted", ids[3])]


def test_deleted_is_confirmed_by_a_second_scan_and_the_probe(tracker: Tracker) -> None:
    channel_id, ids = baseline(tracker)
    title = tracker.fake.world.video(ids[0]).title
    tracker.fake.world.delete(ids[0])
    first = tracker.scan(channel_id)
    assert tracker.events() == []
    assert first.counts["suspects"] == 1
    assert tracker.video(ids[0]).missing_strikes == 1
    tracker.scan(channel_id)
    [event] = tracker.events()
    assert (event.kind, event.video_id) == ("deleted", ids[0])
    assert event.details["title"] == title
    assert event.details["probe"] == "gone"
    assert event.details["last_seen_at"] is not None
    assert tracker.video(ids[0]).state == "deleted"
    tracker.scan(channel_id)
    assert len(tracker.events()) == 1, "a gone video is reported once"


def test_private_then_restored(tracker: Tracker) -> None:
    channel_id, ids = baseline(tracker)
    tracker.fake.world.privatize(ids[1])
    tracker.scan(channel_id)
    tracker.scan(channel_id)
    assert tracker.kinds() == [("private", ids[1])]
    tracker.fake.world.publish(ids[1])
    result = tracker.scan(channel_id)
    assert result.outcome == "scanned"
    assert tracker.kinds() == [("private", ids[1]), ("restored", ids[1])]
    assert tracker.events()[-1].details["from"] == "private"
    assert tracker.video(ids[1]).state == "public"


def test_unavailable_when_the_probe_cannot_tell(tracker: Tracker) -> None:
    channel_id, ids = baseline(tracker)
    tracker.fake.world.delete(ids[0])
    os.environ["YOUTUBE_OEMBED_URL"] = "http://127.0.0.1:9/oembed"  # nothing listens there
    reset_settings()
    tracker.scan(channel_id)
    tracker.scan(channel_id)
    [event] = tracker.events()
    assert (event.kind, event.details["probe"]) == ("unavailable", "unknown")


def test_channel_terminated_is_one_event_and_restored_again(tracker: Tracker) -> None:
    channel_id, ids = baseline(tracker)
    tracker.fake.world.terminate(channel_id)
    tracker.scan(channel_id)
    assert tracker.events() == []
    tracker.scan(channel_id)
    [event] = tracker.events()
    assert (event.kind, event.video_id) == ("channel_terminated", None)
    assert event.details["videos_affected"] == len(ids)
    assert {tracker.video(v).state for v in ids} == {"channel_gone"}
    tracker.scan(channel_id)
    assert len(tracker.events()) == 1
    tracker.fake.world.restore(channel_id)
    tracker.scan(channel_id)
    assert [e.kind for e in tracker.events()] == ["channel_terminated", "channel_restored"]
    assert {tracker.video(v).state for v in ids} == {"public"}


def test_a_video_that_did_not_come_back_with_its_channel_is_reported(tracker: Tracker) -> None:
    channel_id, ids = baseline(tracker)
    world = tracker.fake.world
    world.terminate(channel_id)
    tracker.scan(channel_id)
    tracker.scan(channel_id)
    # While the channel was down, one of its videos was deleted; the channel comes back without it.
    world.delete(ids[0])
    world.restore(channel_id)
    tracker.scan(channel_id)
    assert [e.kind for e in tracker.events()] == ["channel_terminated", "channel_restored"]
    assert {tracker.video(v).state for v in ids[1:]} == {"public"}
    assert tracker.video(ids[0]).missing_strikes == 1, "a suspect, like any missing video"
    tracker.scan(channel_id)
    assert tracker.kinds()[2:] == [("deleted", ids[0])]
    assert tracker.video(ids[0]).state == "deleted"


def test_with_confirm_scans_one_it_is_reported_with_the_restoration(tracker: Tracker) -> None:
    os.environ["CONFIRM_SCANS"] = "1"
    reset_settings()
    channel_id, ids = baseline(tracker)
    world = tracker.fake.world
    world.terminate(channel_id)
    tracker.scan(channel_id)
    world.privatize(ids[1])
    world.restore(channel_id)
    tracker.scan(channel_id)
    assert tracker.kinds() == [
        ("channel_terminated", None),
        ("channel_restored", None),
        ("private", ids[1]),
    ]


def test_confirm_scans_one_reports_at_once(tracker: Tracker) -> None:
    os.environ["CONFIRM_SCANS"] = "1"
    reset_settings()
    channel_id, ids = baseline(tracker)
    tracker.fake.world.delete(ids[0])
    tracker.scan(channel_id)
    assert tracker.kinds() == [("deleted", ids[0])]


def test_a_private_video_deep_in_the_playlist_is_restored_without_a_full_walk(
    tracker: Tracker,
) -> None:
    # 120 videos: the oldest is on the third uploads page, which a steady-state scan never
    # reaches; 119 public videos leave 31 free slots in the last videos.list call.
    channel_id, _ = baseline(tracker, n=120)
    world = tracker.fake.world
    oldest = world.uploads(channel_id)[-1].id
    world.privatize(oldest)
    tracker.scan(channel_id)
    tracker.scan(channel_id)
    assert tracker.kinds() == [("private", oldest)]
    world.publish(oldest)
    before = world.quota.used()
    result = tracker.scan(channel_id)
    assert not result.full_walk
    assert tracker.kinds() == [("private", oldest), ("restored", oldest)]
    assert tracker.video(oldest).state == "public"
    # Asked in the free slots: still ceil(119/50) + 1 units, the steady-state floor.
    assert world.quota.used() - before == result.quota_units == 4


def test_a_gone_video_still_gone_on_a_recheck_gets_no_strike_and_no_event(
    tracker: Tracker,
) -> None:
    channel_id, ids = baseline(tracker, n=10)
    world = tracker.fake.world
    world.delete(ids[3])
    tracker.scan(channel_id)
    tracker.scan(channel_id)
    assert tracker.kinds() == [("deleted", ids[3])]
    gone = tracker.video(ids[3])
    result = tracker.scan(channel_id)
    assert result.counts["rechecked"] == 1
    assert tracker.kinds() == [("deleted", ids[3])]
    again = tracker.video(ids[3])
    assert (again.state, again.missing_strikes) == ("deleted", gone.missing_strikes)
