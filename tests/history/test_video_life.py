"""A video's whole life: first seen, every metadata version, every state transition."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.errors import InvalidInput, NotFound
from common.history import VideoLife, video_life
from common.models import VideoVersion
from tests.support import Tracker


def life(tracker: Tracker, video_id: str) -> VideoLife:
    with Session(tracker.engine) as session:
        return video_life(session, video_id)


def baseline(tracker: Tracker, n: int = 3) -> tuple[str, list[str]]:
    world = tracker.fake.world
    channel = world.add_channel(handle="@lives", title="Lives")
    ids = world.generate_videos(channel.id, n, seed=31)
    tracker.track(channel.id)
    tracker.scan(channel.id)
    return channel.id, ids


def test_a_retitled_then_deleted_video_shows_both_titles_and_both_transitions(
    tracker: Tracker,
) -> None:
    channel_id, _ = baseline(tracker)
    world = tracker.fake.world
    video = world.upload(channel_id, title="First title", description="about it")
    tracker.scan(channel_id)
    world.retitle(video.id, "Second title")
    tracker.scan(channel_id)
    world.delete(video.id)
    tracker.scan(channel_id)
    tracker.scan(channel_id)

    story = life(tracker, video.id)
    assert story.titles == ["First title", "Second title"]
    assert [v["title"] for v in story.versions] == ["First title", "Second title"]
    assert story.versions[1]["changed"] == ["title"]
    [change] = story.changes
    assert change["fields"] == {"title": {"old": "First title", "new": "Second title"}}
    assert [t["kind"] for t in story.transitions] == ["new", "deleted"]
    assert story.transitions[1]["from"] == "public"
    assert story.video["state"] == "deleted"
    assert story.video["title"] == "Second title"  # the preserved metadata survives deletion

    timeline = story.timeline
    assert [e["type"] for e in timeline] == ["first_seen", "transition", "changed", "transition"]
    assert timeline[0]["title"] == "First title"
    times = [e["at"] for e in timeline]
    assert times == sorted(times)
    body = story.as_dict()
    assert body["titles"] == ["First title", "Second title"]
    assert body["first_seen_at"] == story.video["first_seen_at"]


def test_every_tracked_field_change_is_a_version(tracker: Tracker) -> None:
    channel_id, ids = baseline(tracker)
    world = tracker.fake.world
    world.retitle(ids[0], "Renamed", description="A new description")
    tracker.scan(channel_id)
    world.retitle(ids[0], "Renamed again")
    tracker.scan(channel_id)
    tracker.scan(channel_id)  # nothing new: no version

    story = life(tracker, ids[0])
    assert [v["changed"] for v in story.versions] == [[], ["description", "title"], ["title"]]
    assert story.versions[1]["description"] == "A new description"
    assert [sorted(c["fields"]) for c in story.changes] == [["description", "title"], ["title"]]
    assert story.transitions == []  # a baseline video raised no "new" event
    untouched = life(tracker, ids[1])
    assert len(untouched.versions) == 1
    assert untouched.changes == []


def test_channel_termination_is_part_of_its_videos_lives(tracker: Tracker) -> None:
    channel_id, ids = baseline(tracker)
    tracker.fake.world.terminate(channel_id)
    tracker.scan(channel_id)
    tracker.scan(channel_id)
    story = life(tracker, ids[0])
    assert [t["kind"] for t in story.transitions] == ["channel_terminated"]
    assert story.video["state"] == "channel_gone"


def test_archived_thumbnails_are_listed(tracker: Tracker) -> None:
    _, ids = baseline(tracker, 1)
    story = life(tracker, ids[0])
    [thumbnail] = story.thumbnails
    assert thumbnail["content_type"] == "image/jpeg"
    assert len(thumbnail["sha256"]) == 64


def test_videos_seen_before_history_fall_back_to_their_change_events(tracker: Tracker) -> None:
    channel_id, ids = baseline(tracker, 1)
    old_title = tracker.fake.world.video(ids[0]).title
    tracker.fake.world.retitle(ids[0], "Renamed")
    tracker.scan(channel_id)
    with tracker.engine.begin() as conn:
        conn.execute(VideoVersion.__table__.delete())
    story = life(tracker, ids[0])
    assert story.versions == []
    [change] = story.changes
    assert change["fields"]["title"] == {"old": old_title, "new": "Renamed"}
    assert story.titles == [old_title, "Renamed"]


def test_unknown_and_malformed_ids(tracker: Tracker) -> None:
    baseline(tracker, 1)
    with pytest.raises(NotFound):
        life(tracker, "AAAAAAAAAAA")
    with pytest.raises(InvalidInput):
        life(tracker, "../etc")


def test_versions_are_written_in_the_scan_transaction(tracker: Tracker) -> None:
    channel_id, _ = baseline(tracker, 2)
    with Session(tracker.engine) as session:
        rows = list(session.scalars(select(VideoVersion)))
    runs = tracker.scan_runs(channel_id)
    assert {r.scan_id for r in rows} == {runs[0].id}
    assert {r.seen_at for r in rows} == {runs[0].finished_at}


def test_the_life_keeps_an_allow_list_apart_from_no_list(tracker: Tracker) -> None:
    channel_id, ids = baseline(tracker)
    world = tracker.fake.world
    world.allow_only(ids[0], ["JP"])
    tracker.scan(channel_id)
    world.allow_only(ids[0], [])
    tracker.scan(channel_id)

    story = life(tracker, ids[0])
    assert story.video["allowed_regions"] == []
    assert [t["details"]["allowed_regions"] for t in story.transitions] == [["JP"], []]
    assert life(tracker, ids[1]).video["allowed_regions"] is None
