"""When a channel is scanned next: success interval and the capped failure backoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from common.models import Channel
from common.scan.schedule import FAILURE_BACKOFF_CAP, failure_backoff
from tests.support import Tracker

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("failures", "delay"),
    [
        (1, timedelta(minutes=5)),
        (2, timedelta(minutes=10)),
        (3, timedelta(minutes=20)),
        (10, FAILURE_BACKOFF_CAP),
    ],
)
def test_backoff_doubles_up_to_the_cap(failures: int, delay: timedelta) -> None:
    assert failure_backoff(NOW, failures, 60) - NOW == delay


@pytest.mark.parametrize("failures", [39, 40, 100, 10_000])
def test_a_long_run_of_failures_stays_at_the_cap(failures: int) -> None:
    # A channel that keeps failing for days must still get its failure recorded.
    assert failure_backoff(NOW, failures, 60) - NOW == FAILURE_BACKOFF_CAP


def test_a_long_interval_raises_the_cap() -> None:
    assert failure_backoff(NOW, 50, 24 * 60) - NOW == timedelta(days=1)


def test_a_channel_failing_for_days_still_records_each_failure(tracker: Tracker) -> None:
    channel = tracker.fake.world.add_channel(handle="@keepsfailing")
    tracker.track(channel.id)
    with Session(tracker.engine) as session, session.begin():
        session.execute(
            update(Channel).where(Channel.id == channel.id).values(consecutive_failures=60)
        )
    tracker.fake.world.faults.fail_next(50, status=500)
    result = tracker.scan(channel.id)
    assert result.outcome == "failed"
    with Session(tracker.engine) as session:
        stored = session.get(Channel, channel.id)
        assert stored is not None
        assert stored.consecutive_failures == 61
        assert stored.next_scan_at is not None
