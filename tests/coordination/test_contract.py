"""One contract every coordination backend keeps: exclusive expiring locks, expiring counters.

Every test runs on the database backend (SQLite and PostgreSQL, with a clock moved by hand) and
on Redis (real server, whose own clock enforces expiry: ``advance`` sleeps, so the TTLs here are
short).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis

from common.coordination import Coordinator, DatabaseCoordinator, RedisCoordinator, held_lock
from common.db import get_engine
from common.errors import CoordinationUnavailable
from common.migrate import migrate
from common.timeutil import utcnow
from tests.conftest import REDIS_URL, _truncate

# Nothing listens on port 1.
CLOSED_REDIS = "redis://127.0.0.1:1/0"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class RealClock(Clock):
    """Real time, for a backend whose server enforces expiry: moving it means waiting."""

    @property  # type: ignore[override]
    def now(self) -> datetime:
        return utcnow()

    @now.setter
    def now(self, _value: datetime) -> None:
        pass

    def advance(self, seconds: float) -> None:
        time.sleep(seconds)


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is needed at {REDIS_URL} ({exc})")
    yield client
    client.close()


@pytest.fixture
def redis_prefix(redis_client: redis.Redis) -> Iterator[str]:
    """A key namespace of its own for one test, emptied afterwards."""
    prefix = f"test:{uuid.uuid4().hex[:12]}:"
    yield prefix
    keys = list(redis_client.scan_iter(match=prefix + "*"))
    if keys:
        redis_client.delete(*keys)


@pytest.fixture(params=["sqlite", "postgresql", "redis"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Coordinator, Clock]:
    """Each backend with the clock its expiry obeys."""
    if request.param == "redis":
        client: redis.Redis = request.getfixturevalue("redis_client")
        prefix: str = request.getfixturevalue("redis_prefix")
        return RedisCoordinator(client, prefix=prefix), RealClock()
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'coordination.db'}"
        migrate(url)
    else:
        url = request.getfixturevalue("migrated_postgres")
        _truncate(get_engine(url))
    clock = Clock()
    return DatabaseCoordinator(get_engine(url), clock=clock), clock


@pytest.fixture
def coordinator(backend: tuple[Coordinator, Clock]) -> Coordinator:
    return backend[0]


@pytest.fixture
def clock(backend: tuple[Coordinator, Clock]) -> Clock:
    return backend[1]


def test_a_held_lock_is_refused_until_released(coordinator: Coordinator) -> None:
    token = coordinator.acquire("scan:a", 60)
    assert token is not None
    assert coordinator.acquire("scan:a", 60) is None
    assert coordinator.acquire("scan:b", 60) is not None
    assert coordinator.release("scan:a", token)
    assert coordinator.acquire("scan:a", 60) is not None


def test_a_lock_expires_after_its_ttl(coordinator: Coordinator, clock: Clock) -> None:
    stale = coordinator.acquire("scan:a", 0.5)
    assert stale is not None
    clock.advance(0.25)
    assert coordinator.acquire("scan:a", 0.5) is None
    clock.advance(0.35)
    fresh = coordinator.acquire("scan:a", 30)
    assert fresh is not None
    # The holder whose lease ran out cannot release the new owner's lock.
    assert not coordinator.release("scan:a", stale)
    assert coordinator.acquire("scan:a", 30) is None


def test_the_owner_extends_its_lock_past_the_ttl(coordinator: Coordinator, clock: Clock) -> None:
    token = coordinator.acquire("scan:a", 0.5)
    assert token is not None
    clock.advance(0.3)
    assert coordinator.extend("scan:a", token, 0.5)
    clock.advance(0.3)
    assert coordinator.acquire("scan:a", 30) is None, "extended: still held"
    assert not coordinator.extend("scan:a", "someone-else", 30)
    assert coordinator.release("scan:a", token)
    assert not coordinator.extend("scan:a", token, 30), "released: nothing to extend"


def test_a_lock_taken_after_expiry_cannot_be_extended_by_the_old_holder(
    coordinator: Coordinator, clock: Clock
) -> None:
    stale = coordinator.acquire("scan:a", 0.5)
    assert stale is not None
    clock.advance(0.6)
    fresh = coordinator.acquire("scan:a", 30)
    assert fresh is not None
    assert not coordinator.extend("scan:a", stale, 30)
    assert coordinator.extend("scan:a", fresh, 30)


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
    expiry = clock.now + timedelta(seconds=0.5)
    assert coordinator.get("quota:day") == 0
    assert coordinator.incr("quota:day", 3, expiry) == 3
    # A later increment keeps the expiry the counter was created with.
    assert coordinator.incr("quota:day", 4, expiry + timedelta(hours=1)) == 7
    assert coordinator.get("quota:day") == 7
    coordinator.put("quota:day", 100, expiry)
    assert coordinator.get("quota:day") == 100
    clock.advance(0.6)
    assert coordinator.get("quota:day") == 0
    assert coordinator.incr("quota:day", 2, clock.now + timedelta(hours=1)) == 2
    assert coordinator.get("quota:day") == 2


def test_a_counter_put_with_a_past_expiry_is_already_gone(
    coordinator: Coordinator, clock: Clock
) -> None:
    coordinator.put("window", 5, clock.now - timedelta(seconds=1))
    assert coordinator.get("window") == 0
    assert coordinator.incr("window", 1, clock.now + timedelta(hours=1)) == 1


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


def test_redis_keys_always_carry_their_expiry(redis_client: redis.Redis, redis_prefix: str) -> None:
    """Nothing a dead worker leaves in Redis outlives its TTL or the counter's reset."""
    coordinator = RedisCoordinator(redis_client, prefix=redis_prefix)
    assert coordinator.acquire("scan:a", 5) is not None
    reset = utcnow() + timedelta(hours=2)
    coordinator.incr("quota:day", 1, reset)
    coordinator.put("quota:other", 9, reset)
    assert 0 < redis_client.pttl(redis_prefix + "scan:a") <= 5000
    for key in ("quota:day", "quota:other"):
        # Expiry is rounded up to the millisecond: allow a second of slack.
        assert 0 < redis_client.pttl(redis_prefix + key) <= 2 * 3600 * 1000 + 1000


def test_redis_keys_stay_in_their_prefix(redis_client: redis.Redis, redis_prefix: str) -> None:
    first = RedisCoordinator(redis_client, prefix=redis_prefix + "one:")
    second = RedisCoordinator(redis_client, prefix=redis_prefix + "two:")
    assert first.acquire("scan:a", 5) is not None
    assert second.acquire("scan:a", 5) is not None


def test_an_unreachable_redis_is_a_typed_503_on_every_call() -> None:
    client = redis.Redis.from_url(CLOSED_REDIS, socket_connect_timeout=1)
    backend = RedisCoordinator(client, prefix="test:closed:")
    later = utcnow() + timedelta(minutes=1)
    calls: list[Callable[[], object]] = [
        lambda: backend.acquire("lock", 5),
        lambda: backend.release("lock", "token"),
        lambda: backend.extend("lock", "token", 5),
        lambda: backend.incr("counter", 1, later),
        lambda: backend.get("counter"),
        lambda: backend.put("counter", 1, later),
    ]
    for call in calls:
        with pytest.raises(CoordinationUnavailable) as raised:
            call()
        assert raised.value.status == 503
        assert "Redis (REDIS_URL) is unreachable" in raised.value.message
    client.close()
