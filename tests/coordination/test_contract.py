"""One contract every coordination backend keeps: exclusive expiring locks, expiring counters."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from common.coordination import Coordinator, DatabaseCoordinator, held_lock


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def coordinator(engine: Engine, clock: Clock) -> Coordinator:
    return DatabaseCoordinator(engine, clock=clock)


def test_a_held_lock_is_refused_until_released(coordinator: Coordinator) -> None:
    token = coordinator.acquire("scan:a", 60)
    assert token is not None
    assert coordinator.acquire("scan:a", 60) is None
    assert coordinator.acquire("scan:b", 60) is not None
    assert coordinator.release("scan:a", token)
    assert coordinator.acquire("scan:a", 60) is not None


def test_a_lock_expires_after_its_ttl(coordinator: Coordinator, clock: Clock) -> None:
    stale = coordinator.acquire("scan:a", 30)
    assert stale is not None
    clock.advance(29)
    assert coordinator.acquire("scan:a", 30) is None
    clock.advance(2)
    fresh = coordinator.acquire("scan:a", 30)
    assert fresh is not None
    # The holder whose lease ran out cannot release the new owner's lock.
    assert not coordinator.release("scan:a", stale)
    assert coordinator.acquire("scan:a", 30) is None


def test_held_lock_releases_on_error(coordinator: Coordinator) -> None:
    with pytest.raises(RuntimeError), held_lock(coordinator, "scan:x", 60) as token:
        assert token is not None
        raise RuntimeError("boom")
    with held_lock(coordinator, "scan:x", 60) as token:
        assert token is not None
        with held_lock(coordinator, "scan:x", 60) as second:
            assert second is None


def test_only_one_of_many_racing_threads_gets_the_lock(coordinator: Coordinator) -> None:
    winners: list[str] = []
    barrier = threading.Barrier(8)

    def race() -> None:
        barrier.wait()
        token = coordinator.acquire("race", 60)
        if token is not None:
            winners.append(token)

    threads = [threading.Thread(target=race) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1


def test_counters_add_up_and_start_again_after_expiry(
    coordinator: Coordinator, clock: Clock
) -> None:
    expiry = clock.now + timedelta(hours=1)
    assert coordinator.get("quota:day") == 0
    assert coordinator.incr("quota:day", 3, expiry) == 3
    assert coordinator.incr("quota:day", 4, expiry) == 7
    assert coordinator.get("quota:day") == 7
    coordinator.put("quota:day", 100, expiry)
    assert coordinator.get("quota:day") == 100
    clock.advance(3601)
    assert coordinator.get("quota:day") == 0
    assert coordinator.incr("quota:day", 2, clock.now + timedelta(hours=1)) == 2


def test_concurrent_increments_are_not_lost(coordinator: Coordinator, clock: Clock) -> None:
    expiry = clock.now + timedelta(hours=1)

    def spend(n: int) -> Callable[[], None]:
        def run() -> None:
            for _ in range(n):
                coordinator.incr("units", 1, expiry)

        return run

    threads = [threading.Thread(target=spend(25)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert coordinator.get("units") == 100
