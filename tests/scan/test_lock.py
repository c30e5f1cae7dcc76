"""One worker scans a channel at a time, even when a scan outlives its lock's TTL."""

from __future__ import annotations

import threading
import time

from common import runtime
from common.coordination import held_lock
from common.scan import Scanner, ScanPolicy, ScanResult
from common.settings import get_settings
from tests.support import Tracker


def _short_lock_scanner(ttl_s: float) -> Scanner:
    settings = get_settings()
    return Scanner(
        engine=runtime.database(),
        youtube=lambda on_cost: runtime.youtube_client(settings, on_cost),
        coordinator=runtime.coordinator(),
        ledger=runtime.ledger(),
        policy=ScanPolicy(lock_ttl_s=ttl_s),
    )


def _channel(tracker: Tracker, handle: str) -> str:
    channel = tracker.fake.world.add_channel(handle=handle)
    tracker.fake.world.generate_videos(channel.id, 120, seed=4)
    tracker.track(channel.id)
    return channel.id


def test_a_second_scan_answers_locked_at_once(tracker: Tracker) -> None:
    channel_id = _channel(tracker, "@lockedonce")
    with held_lock(runtime.coordinator(), f"scan:{channel_id}", 60) as token:
        assert token is not None
        started = time.monotonic()
        assert tracker.scan(channel_id).outcome == "locked"
        assert time.monotonic() - started < 1
    assert tracker.video_count(channel_id) == 0


def test_a_long_scan_keeps_its_lock(tracker: Tracker) -> None:
    channel_id = _channel(tracker, "@longscan")
    # Baseline of 120 videos: 7 requests, each 0.3 s late: the scan lasts about twice its TTL.
    tracker.fake.world.faults.fail_next(7, status=None, delay=0.3)
    scanner = _short_lock_scanner(1.0)
    results: list[ScanResult] = []
    worker = threading.Thread(target=lambda: results.append(scanner.scan(channel_id)))
    worker.start()
    time.sleep(1.5)
    stolen = runtime.coordinator().acquire(f"scan:{channel_id}", 60)
    worker.join(30)
    assert stolen is None, "another worker took the lock of a scan still running"
    assert [r.outcome for r in results] == ["scanned"]
    assert tracker.video_count(channel_id) == 120


def test_a_scan_that_lost_its_lock_writes_nothing(tracker: Tracker) -> None:
    channel_id = _channel(tracker, "@lostlock")
    # One request late past the TTL (no renewal can happen while it waits), then another worker
    # takes the expired lock: the first scan must not write over the second one's work.
    tracker.fake.world.faults.fail_next(1, status=None, delay=1.5)
    scanner = _short_lock_scanner(0.5)
    results: list[ScanResult] = []
    worker = threading.Thread(target=lambda: results.append(scanner.scan(channel_id)))
    worker.start()
    time.sleep(0.9)
    other = runtime.coordinator().acquire(f"scan:{channel_id}", 60)
    assert other is not None
    worker.join(30)
    [result] = results
    assert result.outcome == "locked"
    assert result.error is not None and "lock" in result.error
    assert tracker.video_count(channel_id) == 0
    assert [run.outcome for run in tracker.scan_runs(channel_id)] == []
