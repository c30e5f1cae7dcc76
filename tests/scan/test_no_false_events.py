"""Nothing that did not disappear is ever reported, and failures never write a half scan."""

from __future__ import annotations

import math
import os

from sqlalchemy.orm import Session

from common import runtime
from common.coordination import held_lock
from common.models import Channel
from common.settings import reset_settings
from tests.support import Tracker


def test_sixty_new_uploads_on_a_500_video_channel_are_sixty_new_events(tracker: Tracker) -> None:
    world = tracker.fake.world
    channel = world.add_channel(handle="@bigchannel")
    world.generate_videos(channel.id, 500, seed=7)
    tracker.track(channel.id)
    tracker.scan(channel.id)
    new_ids = {world.upload(channel.id, title=f"new {i}").id for i in range(60)}
    result = tracker.scan(channel.id)
    events = tracker.events()
    assert {e.kind for e in events} == {"new"}
    assert {e.video_id for e in events} == new_ids
    assert tracker.video_count(channel.id) == 560
    # Two pages hold new ids, the third is all known; 560 videos verify in 12 batches.
    assert result.quota_units == 3 + math.ceil(560 / 50)


def test_a_video_absent_once_and_back_is_not_reported(tracker: Tracker) -> None:
    world = tracker.fake.world
    channel = world.add_channel(handle="@flaky")
    ids = world.generate_videos(channel.id, 10, seed=2)
    tracker.track(channel.id)
    tracker.scan(channel.id)
    world.privatize(ids[4])
    tracker.scan(channel.id)
    assert tracker.video(ids[4]).missing_strikes == 1
    world.publish(ids[4])
    tracker.scan(channel.id)
    assert tracker.events() == []
    video = tracker.video(ids[4])
    assert (video.state, video.missing_strikes, video.missing_since) == ("public", 0, None)


def test_steady_state_costs_the_floor(tracker: Tracker) -> None:
    world = tracker.fake.world
    channel = world.add_channel(handle="@steady")
    world.generate_videos(channel.id, 1000, seed=3)
    tracker.track(channel.id)
    baseline = tracker.scan(channel.id)
    # Every uploads page, every videos.list batch, and channels.list to refresh the channel.
    assert baseline.quota_units == 20 + 20 + 1
    steady = tracker.scan(channel.id)
    assert steady.quota_units == math.ceil(1000 / 50) + 1
    assert world.quota.used() == baseline.quota_units + steady.quota_units + 1  # +1: channel add
    assert runtime.ledger().used() == world.quota.used(), "the ledger saw every unit spent"


def test_a_2000_video_baseline_stores_all(tracker: Tracker) -> None:
    world = tracker.fake.world
    channel = world.add_channel(handle="@huge")
    world.generate_videos(channel.id, 2000, seed=4)
    tracker.track(channel.id)
    result = tracker.scan(channel.id)
    assert result.outcome == "scanned" and result.full_walk
    assert tracker.video_count(channel.id) == 2000
    assert tracker.events() == []


def test_a_failed_request_aborts_the_scan_with_only_the_failure_written(tracker: Tracker) -> None:
    world = tracker.fake.world
    channel = world.add_channel(handle="@failing")
    ids = world.generate_videos(channel.id, 120, seed=5)
    tracker.track(channel.id)
    tracker.scan(channel.id)
    world.delete(ids[0])
    world.retitle(ids[1], "changed meanwhile")
    world.faults.fail_next(50, status=503)
    result = tracker.scan(channel.id)
    assert result.outcome == "failed"
    assert result.error_code == "upstream_unavailable"
    assert tracker.events() == []
    assert tracker.video(ids[0]).missing_strikes == 0
    assert tracker.video(ids[1]).title != "changed meanwhile"
    runs = tracker.scan_runs(channel.id)
    assert [r.outcome for r in runs] == ["scanned", "failed"]
    with Session(tracker.engine) as session:
        stored = session.get(Channel, channel.id)
        assert stored is not None
        assert stored.consecutive_failures == 1
        assert (stored.last_error and "503" in stored.last_error) or stored.last_error
        assert stored.next_scan_at is not None
    world.faults.clear()
    tracker.scan(channel.id)
    with Session(tracker.engine) as session:
        stored = session.get(Channel, channel.id)
        assert stored is not None and stored.consecutive_failures == 0


def test_a_second_scan_of_a_locked_channel_answers_locked(tracker: Tracker) -> None:
    world = tracker.fake.world
    channel = world.add_channel(handle="@locked")
    world.generate_videos(channel.id, 3, seed=6)
    tracker.track(channel.id)
    with held_lock(runtime.coordinator(), f"scan:{channel.id}", 60) as token:
        assert token is not None
        assert tracker.scan(channel.id).outcome == "locked"
    assert tracker.scan_runs(channel.id) == []
    assert tracker.scan(channel.id).outcome == "scanned"


def test_quota_exhaustion_defers_and_stops_spending(tracker: Tracker) -> None:
    world = tracker.fake.world
    channel = world.add_channel(handle="@quota")
    world.generate_videos(channel.id, 60, seed=8)
    tracker.track(channel.id)
    tracker.scan(channel.id)
    world.quota.daily_quota = world.quota.used()  # the fake's day is spent
    result = tracker.scan(channel.id)
    assert result.outcome == "deferred_quota"
    assert runtime.ledger().remaining() == 0
    spent = world.quota.used()
    assert tracker.scan(channel.id).outcome == "deferred_quota"
    assert world.quota.used() == spent, "no request once the ledger is exhausted"
    assert tracker.events() == []


def test_injected_errors_and_timeouts_over_many_scans_give_no_events(tracker: Tracker) -> None:
    os.environ.update(HTTP_TIMEOUT_S="0.3", HTTP_MAX_RETRIES="2")
    reset_settings()
    world = tracker.fake.world
    channels = []
    for i in range(10):
        channel = world.add_channel(handle=f"@steady{i}")
        world.generate_videos(channel.id, 60, seed=i)
        tracker.track(channel.id)
        tracker.scan(channel.id)
        channels.append(channel.id)
    world.faults.configure(error_rate=0.1, slow_rate=0.02, slow_seconds=0.5, seed=11)
    outcomes = [tracker.scan(channels[i % 10]).outcome for i in range(200)]
    assert tracker.events() == []
    assert outcomes.count("scanned") > 100
    assert set(outcomes) <= {"scanned", "failed"}
