"""The failed-login throttle on each coordination backend: limit, per-address, window expiry."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis
from sqlalchemy import Engine

from common.admin.auth import AuthThrottle
from common.admin.errors import Throttled
from common.coordination import DatabaseCoordinator, RedisCoordinator
from tests.conftest import REDIS_URL


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_database_throttle_limits_per_address_and_forgets_after_a_minute(engine: Engine) -> None:
    clock = Clock()
    throttle = AuthThrottle(DatabaseCoordinator(engine, clock=clock), 3, clock=clock)
    for _ in range(3):
        throttle.check("203.0.113.1")
        throttle.record_failure("203.0.113.1")
    with pytest.raises(Throttled) as caught:
        throttle.check("203.0.113.1")
    assert caught.value.retry_after_s == 60
    throttle.check("203.0.113.2")  # another address is unaffected
    clock.now += timedelta(seconds=61)
    throttle.check("203.0.113.1")


def test_redis_throttle_is_shared_between_clients() -> None:
    prefix = f"test:throttle:{uuid.uuid4().hex[:8]}:"
    with redis.Redis.from_url(REDIS_URL) as first, redis.Redis.from_url(REDIS_URL) as second:
        one = AuthThrottle(RedisCoordinator(first, prefix=prefix), 2)
        two = AuthThrottle(RedisCoordinator(second, prefix=prefix), 2)
        one.record_failure("198.51.100.9")
        two.record_failure("198.51.100.9")
        with pytest.raises(Throttled):
            one.check("198.51.100.9")
        two.check("198.51.100.10")
