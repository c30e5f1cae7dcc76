"""The quota ledger counts per Pacific-time day and resets at Pacific midnight."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from common import runtime
from common.coordination import DatabaseCoordinator
from common.errors import ConfigError
from common.quota import QuotaLedger, next_pacific_midnight
from common.scan import Scanner, ScanPolicy
from common.settings import get_settings, reset_settings
from common.youtube import YouTubeClient
from tests.coordination.test_contract import Clock
from tests.support import Tracker


def test_next_pacific_midnight_in_winter_and_summer() -> None:
    winter = datetime(2026, 12, 3, 7, 59, tzinfo=UTC)  # 23:59 PST on Dec 2
    assert next_pacific_midnight(winter) == datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)  # PDT, UTC-7
    assert next_pacific_midnight(summer) == datetime(2026, 7, 2, 7, 0, tzinfo=UTC)


def test_ledger_spends_exhausts_and_resets(engine: Engine) -> None:
    clock = Clock()
    clock.now = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)  # 23:00 Pacific
    ledger = QuotaLedger(DatabaseCoordinator(engine, clock=clock), 100, clock=clock)
    assert ledger.remaining() == 100
    ledger.spend(30)
    assert ledger.used() == 30
    assert ledger.remaining() == 70
    ledger.mark_exhausted()
    assert ledger.remaining() == 0
    clock.advance(3600)  # past midnight Pacific: a new day
    assert ledger.used() == 0
    assert ledger.remaining() == 100


def test_a_scan_across_the_pacific_reset_gives_nothing_back_to_the_new_day(
    tracker: Tracker,
) -> None:
    # The scan reserves its estimate (a full walk of 120 videos: 7 units) just before midnight
    # Pacific, then fails at its first request, charged after the reset: that request is the
    # new day's only unit, and the unused reservation belonged to the old day.
    channel = tracker.fake.world.add_channel(handle="@acrossmidnight")
    tracker.fake.world.generate_videos(channel.id, 120, seed=3)
    tracker.track(channel.id)
    assert tracker.scan(channel.id).outcome == "scanned"
    clock = Clock()
    clock.now = datetime(2031, 12, 3, 7, 59, 59, tzinfo=UTC)  # 23:59:59 Pacific
    ledger = QuotaLedger(DatabaseCoordinator(tracker.engine, clock=clock), 100, clock=clock)
    settings = get_settings()

    def youtube(on_cost: Callable[[str, int], None]) -> YouTubeClient:
        def charge(method: str, units: int) -> None:
            clock.now = datetime(2031, 12, 3, 8, 0, 1, tzinfo=UTC)  # the reset has passed
            on_cost(method, units)

        return runtime.youtube_client(settings, charge)

    scanner = Scanner(
        engine=tracker.engine,
        youtube=youtube,
        coordinator=DatabaseCoordinator(tracker.engine, clock=clock),
        ledger=ledger,
        policy=ScanPolicy(),
        clock=clock,
    )
    tracker.fake.world.faults.fail_next(1, status=400)
    result = scanner.scan(channel.id)

    assert result.outcome == "failed" and result.quota_units == 1
    assert ledger.used() == 1
    assert ledger.remaining() == 99


def test_a_scan_that_cannot_build_its_youtube_client_spends_nothing(tracker: Tracker) -> None:
    channel = tracker.fake.world.add_channel(handle="@nokeyleft")
    tracker.fake.world.generate_videos(channel.id, 60, seed=4)
    tracker.track(channel.id)
    used = runtime.ledger().used()
    os.environ.pop("YOUTUBE_API_KEY")
    reset_settings()

    with pytest.raises(ConfigError, match="YOUTUBE_API_KEY"):
        tracker.scan(channel.id)

    assert runtime.ledger().used() == used


class RacingCoordinator(DatabaseCoordinator):
    """A database coordinator where another scan reserves ``units`` right after the first read
    of the ledger: the moment between a scan's look at what is left and its own reservation."""

    def __init__(self, engine: Engine, *, units: int, clock: Clock) -> None:
        super().__init__(engine, clock=clock)
        self._units = units
        self.raced = False

    def get(self, key: str) -> int:
        value = super().get(key)
        if not self.raced:
            self.raced = True
            self.incr(key, self._units, next_pacific_midnight(self._clock()))
        return value


def test_concurrent_scans_cannot_both_fit_in_what_is_left(tracker: Tracker) -> None:
    channel = tracker.fake.world.add_channel(handle="@lastunits")
    tracker.fake.world.generate_videos(channel.id, 60, seed=5)
    tracker.track(channel.id)
    assert tracker.scan(channel.id).outcome == "scanned"
    clock = Clock()
    clock.now = datetime(2031, 12, 3, 20, 0, tzinfo=UTC)
    # 4 units left; the steady-state scan needs ceil(60/50) + 1 = 3, and so does the other
    # scan that reserves them while this one looks.
    coordinator = RacingCoordinator(tracker.engine, units=3, clock=clock)
    ledger = QuotaLedger(coordinator, 4, clock=clock)
    settings = get_settings()
    scanner = Scanner(
        engine=tracker.engine,
        youtube=lambda on_cost: runtime.youtube_client(settings, on_cost),
        coordinator=coordinator,
        ledger=ledger,
        policy=ScanPolicy(full_walk_days=365 * 10),
        clock=clock,
    )
    calls = sum(tracker.fake.world.quota.snapshot()["calls_by_method"].values())

    result = scanner.scan(channel.id)

    assert coordinator.raced
    assert result.outcome == "deferred_quota"
    assert ledger.used() == 3  # the other scan's reservation only: never above the quota
    assert sum(tracker.fake.world.quota.snapshot()["calls_by_method"].values()) == calls
