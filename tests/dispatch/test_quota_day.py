"""A simulated day of hourly dispatch runs against the fake's clock and quota.

The tracker and the fake share one clock that the test moves an hour per run, so a whole day
(and the Pacific-midnight reset) passes in seconds. The day is set in the future on purpose:
Redis expires the quota counter at the simulated reset, by its own clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
import redis
from sqlalchemy import Engine, select

from common import runtime
from common.coordination import Coordinator, DatabaseCoordinator, RedisCoordinator
from common.db import get_engine
from common.dispatch import Dispatcher, DispatchPolicy, InProcessScanCaller
from common.fake_youtube import Clock, FakeYouTube, World
from common.models import ScanRun
from common.quota import QuotaLedger
from common.scan import Scanner, ScanPolicy
from common.settings import get_settings
from common.timeutil import PACIFIC
from tests.conftest import REDIS_URL, _truncate
from tests.dispatch.processes import add_fleet, drop_prefix, new_prefix
from tests.support import point_at

MIDNIGHT = datetime(2031, 3, 10, tzinfo=PACIFIC)


@dataclass
class Day:
    fake: FakeYouTube
    clock: Clock
    engine: Engine
    ledger: QuotaLedger
    dispatcher: Dispatcher

    def hourly(self, hours: int) -> list[dict[str, Any]]:
        """One dispatch run per simulated hour: each run's summary and the fake's figures."""
        hours_seen = []
        for _ in range(hours):
            summary = self.dispatcher.dispatch().as_dict()
            snapshot = self.fake.world.quota.snapshot()
            calls = sum(snapshot["calls_by_method"].values()) + snapshot["refused"]
            hours_seen.append(
                {
                    "day": snapshot["day"],
                    "used": snapshot["used"],
                    "refused": snapshot["refused"],
                    "calls": calls,
                    "ledger": self.ledger.used(),
                    "counts": summary["counts"],
                }
            )
            self.clock.advance(3600)
        return hours_seen

    def scanned_channels(self) -> set[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(ScanRun.channel_id).where(ScanRun.outcome == "scanned"))
            return {row.channel_id for row in rows}


MakeDay = Callable[..., Day]


@pytest.fixture
def pg_engine(migrated_postgres: str) -> Engine:
    engine = get_engine(migrated_postgres)
    _truncate(engine)
    return engine


@pytest.fixture(params=["redis", "database"])
def make_day(request: pytest.FixtureRequest, pg_engine: Engine) -> Iterator[MakeDay]:
    """Build a simulated day on PostgreSQL with the ledger in Redis or in the database."""
    prefix = new_prefix()
    client = redis.Redis.from_url(REDIS_URL) if request.param == "redis" else None
    fakes: list[FakeYouTube] = []

    def make(*, fake_quota: int, tracker_quota: int, concurrency: int) -> Day:
        clock = Clock()
        clock.set(MIDNIGHT)
        fake = FakeYouTube(World(clock=clock, daily_quota=fake_quota)).start()
        fakes.append(fake)
        point_at(fake, YOUTUBE_DAILY_QUOTA=str(tracker_quota))
        settings = get_settings()
        coordinator: Coordinator
        if client is not None:
            coordinator = RedisCoordinator(client, prefix=prefix)
        else:
            coordinator = DatabaseCoordinator(pg_engine, clock=clock.now)
        ledger = QuotaLedger(coordinator, tracker_quota, clock=clock.now)
        scanner = Scanner(
            engine=pg_engine,
            youtube=lambda on_cost: runtime.youtube_client(settings, on_cost),
            coordinator=coordinator,
            ledger=ledger,
            policy=ScanPolicy(interval_minutes=60),
            clock=clock.now,
        )
        dispatcher = Dispatcher(
            engine=pg_engine,
            ledger=ledger,
            caller=InProcessScanCaller(scanner),
            policy=DispatchPolicy(concurrency=concurrency, batch_size=500, interval_minutes=60),
            clock=clock.now,
        )
        return Day(fake, clock, pg_engine, ledger, dispatcher)

    yield make
    for fake in fakes:
        fake.stop()
    if client is not None:
        drop_prefix(client, prefix)
        client.close()


def test_hourly_dispatch_spreads_the_quota_over_the_day_and_never_exceeds_it(
    make_day: MakeDay,
) -> None:
    quota = 300
    day = make_day(fake_quota=quota, tracker_quota=quota, concurrency=2)
    ids = add_fleet(day.engine, day.fake, 20, 5, "day")

    hours = day.hourly(24 + 3)
    today, tomorrow = hours[:24], hours[24:]

    assert {hour["day"] for hour in today} == {"2031-03-10"}
    for hour in today:
        assert hour["used"] <= quota
        assert hour["ledger"] <= quota
        # Planned within the budget: YouTube never had to refuse anything.
        assert hour["refused"] == 0
    # Shared out, not hoarded: no run takes much more than its share, and the day's quota is
    # nearly all used by midnight (what is left is less than one more scan).
    assert today[0]["used"] <= quota // 24 + 3
    assert today[-1]["used"] >= quota - 3
    assert set(ids) <= day.scanned_channels()
    # After the Pacific midnight the fake and the ledger start again from zero.
    assert {hour["day"] for hour in tomorrow} == {"2031-03-11"}
    assert 0 < tomorrow[0]["used"] <= quota // 24 + 3
    assert tomorrow[0]["ledger"] == tomorrow[0]["used"]


def test_quota_exceeded_stops_every_call_until_the_reset(make_day: MakeDay) -> None:
    # The tracker believes in 10,000 units, YouTube allows 40 (another app shares the key).
    day = make_day(fake_quota=40, tracker_quota=10_000, concurrency=2)
    add_fleet(day.engine, day.fake, 20, 5, "spent")

    hours = day.hourly(24 + 1)
    first, rest_of_day, tomorrow = hours[0], hours[1:24], hours[24]

    assert first["used"] <= 40
    # At most the scans already in flight meet the refusal; then nothing is asked any more.
    assert 1 <= first["refused"] <= 2
    assert first["counts"]["deferred_quota"] > 0
    assert first["ledger"] >= 10_000  # exhausted (a scan in flight may add a unit)
    for hour in rest_of_day:
        assert hour["calls"] == first["calls"], "YouTube was called after quotaExceeded"
        assert hour["counts"]["planned"] == 0
        assert hour["counts"]["deferred_quota"] == hour["counts"]["due"] > 0
    # A new Pacific day: YouTube is asked again (and refuses again after its 40 units).
    assert tomorrow["day"] == "2031-03-11"
    assert tomorrow["counts"]["scanned"] > 0
    assert 0 < tomorrow["used"] <= 40
