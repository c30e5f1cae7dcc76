"""The World's Python API: ids, ordering, changes, errors, clock, ground truth."""

from __future__ import annotations

import itertools
import re
import threading
from datetime import UTC, datetime, timedelta

import pytest

from common.errors import Conflict, InvalidInput, NotFound
from common.fake_youtube import Clock, World

from .conftest import START


def test_ids_look_like_youtube_ids(world: World) -> None:
    channel = world.add_channel(handle="@ids")
    assert re.fullmatch(r"UC[A-Za-z0-9_-]{22}", channel.id)
    assert channel.uploads_playlist_id == "UU" + channel.id[2:]
    for video_id in world.generate_videos(channel.id, 200, seed=1):
        # 64 random bits: the last character only carries 4 bits, as on YouTube.
        assert re.fullmatch(r"[A-Za-z0-9_-]{10}[AEIMQUYcgkosw048]", video_id)


def test_upload_defaults_to_now_and_newest(world: World) -> None:
    channel = world.add_channel(handle="@order")
    old = world.upload(channel.id, published_at=START - timedelta(days=3))
    world.clock.advance(10)
    new = world.upload(channel.id)
    middle = world.upload(channel.id, published_at=START - timedelta(days=1))
    assert new.published_at == START + timedelta(seconds=10)
    assert [video.id for video in world.uploads(channel.id)] == [new.id, middle.id, old.id]


def test_generated_videos_are_older_and_spaced(world: World) -> None:
    channel = world.add_channel(handle="@gen")
    explicit = world.upload(channel.id)
    ids = world.generate_videos(channel.id, 4, seed=1, interval=timedelta(hours=1))
    uploads = world.uploads(channel.id)
    assert [video.id for video in uploads] == [explicit.id, *ids]
    gaps = {a.published_at - b.published_at for a, b in itertools.pairwise(uploads[1:])}
    assert gaps == {timedelta(hours=1)}


def test_changes_replace_records(world: World) -> None:
    channel = world.add_channel(handle="@changes")
    before = world.upload(channel.id, title="A", description="d")
    after = world.retitle(before.id, "B")
    assert (before.title, after.title, after.description) == ("A", "B", "d")
    assert after.revision > before.revision
    assert world.set_counts(before.id, view_count=9).view_count == 9


def test_errors(world: World) -> None:
    channel = world.add_channel(handle="@errors", username="erruser")
    video = world.upload(channel.id)
    with pytest.raises(NotFound):
        world.delete("abcdefghijk")
    with pytest.raises(NotFound):
        world.upload("UC" + "z" * 22)
    with pytest.raises(InvalidInput, match="rejection reason"):
        world.reject(video.id, "boring")
    with pytest.raises(InvalidInput, match="regions"):
        world.geoblock(video.id, ["de"])
    with pytest.raises(InvalidInput, match="title"):
        world.retitle(video.id, "")
    with pytest.raises(InvalidInput, match="state"):
        world.upload(channel.id, state="gone")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="duration"):
        world.upload(channel.id, duration="4:13")
    with pytest.raises(Conflict):
        world.upload(channel.id, video_id=video.id)
    with pytest.raises(Conflict):
        world.add_channel(handle="@ERRORS")
    with pytest.raises(Conflict):
        world.add_channel(username="ErrUser")
    with pytest.raises(Conflict):
        world.add_channel(channel_id=channel.id)


def test_clock_moves_and_sets() -> None:
    clock = Clock(now=lambda: START)
    assert clock.advance(90) == START + timedelta(seconds=90)
    target = datetime(2030, 1, 1, tzinfo=UTC)
    assert clock.set(target) == target
    with pytest.raises(ValueError, match="aware"):
        clock.set(datetime(2030, 1, 1))


def test_real_clock_flows() -> None:
    clock = Clock()
    before = datetime.now(UTC)
    assert before - timedelta(seconds=1) <= clock.now() <= datetime.now(UTC)


def test_state_is_the_ground_truth(world: World) -> None:
    channel = world.add_channel(handle="@truth")
    video = world.reject(world.upload(channel.id).id, "claim")
    truth = world.state()
    assert truth["now"] == "2024-05-01T12:00:00Z"
    record = truth["channels"][0]["videos"][0]
    assert record["id"] == video.id
    assert record["state"] == "rejected"
    assert record["rejection_reason"] == "claim"


def test_concurrent_changes_and_reads(world: World) -> None:
    channel = world.add_channel(handle="@threads")
    ids = world.generate_videos(channel.id, 500, seed=2)

    def churn(offset: int) -> None:
        for video_id in ids[offset::4]:
            world.privatize(video_id)
            world.playlist_page(channel.uploads_playlist_id, 0, 50)
            world.publish(video_id)

    threads = [threading.Thread(target=churn, args=(offset,)) for offset in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    page = world.playlist_page(channel.uploads_playlist_id, 0, 50)
    assert page is not None
    assert page.total == 500
