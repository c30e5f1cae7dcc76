"""The coordination protocol every backend implements, and helpers built only on it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Protocol

__all__ = ["Coordinator", "held_lock"]


class Coordinator(Protocol):
    """Locks and expiring counters shared by every process of the tracker."""

    def acquire(self, name: str, ttl_s: float) -> str | None:
        """Take lock ``name`` for ``ttl_s`` seconds; answer the owner token, or None when held."""
        ...

    def release(self, name: str, token: str) -> bool:
        """Give the lock back if ``token`` still owns it; answer whether it did."""
        ...

    def extend(self, name: str, token: str, ttl_s: float) -> bool:
        """Hold lock ``name`` for ``ttl_s`` more seconds if ``token`` still owns it.

        Answers False when the lock was lost: released, or expired and taken (or freed) by
        someone else. A holder whose TTL ran out but whose lock nobody touched still owns it
        where the backend can tell (the database keeps the row; Redis drops the key).
        """
        ...

    def incr(self, key: str, amount: int, expires_at: datetime) -> int:
        """Add ``amount`` to counter ``key`` (fresh after it expires); answer the new value."""
        ...

    def get(self, key: str) -> int:
        """The counter's value, 0 when absent or expired."""
        ...

    def put(self, key: str, value: int, expires_at: datetime) -> None:
        """Set counter ``key`` to ``value`` until ``expires_at``."""
        ...


@contextmanager
def held_lock(coordinator: Coordinator, name: str, ttl_s: float) -> Iterator[str | None]:
    """Hold lock ``name`` for the block; yields None (holding nothing) when someone else has it."""
    token = coordinator.acquire(name, ttl_s)
    try:
        yield token
    finally:
        if token is not None:
            coordinator.release(name, token)
