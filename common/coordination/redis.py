"""Coordination in Redis: SET NX PX locks with owner-checked release, expiring counters.

Expiry is Redis's own: a lock's TTL and a counter's ``expires_at`` are enforced by the server's
clock, so every worker sees the same instant whichever machine it runs on.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from common.errors import CoordinationUnavailable

__all__ = ["RedisCoordinator"]

# Delete the lock only if the caller's token still owns it (a holder whose TTL ran out must not
# free the next owner's lock). The same script redis-py's ``Lock.release`` runs.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""

# Push the lock's expiry only if the caller's token still owns it (one script: atomic).
_EXTEND = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

# INCRBY, then give a counter without an expiry (a fresh one) its expiry; an existing counter
# keeps the expiry it was created with, as the database backend does. One script: atomic.
_INCR = """
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) == -1 then
    redis.call('PEXPIREAT', KEYS[1], ARGV[2])
end
return value
"""


@contextmanager
def _reachable() -> Iterator[None]:
    """Turn "Redis did not answer" into a typed 503 (one line in the CLI, JSON from a function).

    The message names the error, never ``REDIS_URL`` (it may carry a password).
    """
    try:
        yield
    except (RedisConnectionError, RedisTimeoutError) as exc:
        raise CoordinationUnavailable(
            f"Redis (REDIS_URL) is unreachable: {type(exc).__name__}: {exc}"
        ) from exc


def _epoch_ms(when: datetime) -> int:
    if when.tzinfo is None:
        raise ValueError("naive datetime given as an expiry")
    return math.ceil(when.timestamp() * 1000)


class RedisCoordinator:
    """``Coordinator`` on Redis; every key is namespaced by ``prefix``.

    The client must be shared (one connection pool per process); redis-py clients are
    thread-safe, and so is this class.
    """

    def __init__(self, client: Redis, *, prefix: str = "ytdt:") -> None:
        self._redis = client
        self._prefix = prefix
        self._release = client.register_script(_RELEASE)
        self._extend = client.register_script(_EXTEND)
        self._incr = client.register_script(_INCR)

    def _key(self, name: str) -> str:
        return self._prefix + name

    def acquire(self, name: str, ttl_s: float) -> str | None:
        token = secrets.token_hex(16)
        ttl_ms = max(1, math.ceil(ttl_s * 1000))
        with _reachable():
            taken = self._redis.set(self._key(name), token, nx=True, px=ttl_ms)
        return token if taken else None

    def release(self, name: str, token: str) -> bool:
        with _reachable():
            return bool(self._release(keys=[self._key(name)], args=[token]))

    def extend(self, name: str, token: str, ttl_s: float) -> bool:
        ttl_ms = max(1, math.ceil(ttl_s * 1000))
        with _reachable():
            return bool(self._extend(keys=[self._key(name)], args=[token, ttl_ms]))

    def incr(self, key: str, amount: int, expires_at: datetime) -> int:
        expires_ms = _epoch_ms(expires_at)
        with _reachable():
            return int(self._incr(keys=[self._key(key)], args=[amount, expires_ms]))

    def get(self, key: str) -> int:
        with _reachable():
            value = self._redis.get(self._key(key))
        return 0 if value is None else int(value)

    def put(self, key: str, value: int, expires_at: datetime) -> None:
        expires_ms = _epoch_ms(expires_at)
        with _reachable():
            self._redis.set(self._key(key), value, pxat=expires_ms)
