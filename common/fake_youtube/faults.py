"""Injected faults: seeded random 5xx answers and slow answers, plus a one-shot queue."""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any, Literal

__all__ = ["Fault", "FaultTarget", "Faults"]

# Which traffic a one-shot fault applies to; the random rates apply to the Data API only.
FaultTarget = Literal["api", "oembed", "feed", "thumbnail", "any"]


@dataclass(frozen=True, slots=True)
class Fault:
    """What to do to one request: wait ``delay`` seconds, then answer ``status`` if set."""

    status: int | None = None
    delay: float = 0.0


@dataclass(slots=True)
class _OneShot:
    remaining: int
    status: int | None
    delay: float
    target: FaultTarget


class Faults:
    """Thread-safe fault settings; the same seed and request order give the same faults."""

    def __init__(
        self,
        *,
        error_rate: float = 0.0,
        slow_rate: float = 0.0,
        slow_seconds: float = 0.0,
        seed: int = 0,
    ) -> None:
        self._lock = threading.Lock()
        self._queue: deque[_OneShot] = deque()
        self._injected = {"errors": 0, "slow": 0}
        self.error_rate = 0.0
        self.slow_rate = 0.0
        self.slow_seconds = 0.0
        self.seed = seed
        self._rng = random.Random(seed)  # noqa: S311 (seeded on purpose: replayable faults)
        self.configure(error_rate=error_rate, slow_rate=slow_rate, slow_seconds=slow_seconds)

    def configure(
        self,
        *,
        error_rate: float | None = None,
        slow_rate: float | None = None,
        slow_seconds: float | None = None,
        seed: int | None = None,
    ) -> None:
        """Change the given settings; a new ``seed`` restarts the random sequence."""
        for name, value in (("error_rate", error_rate), ("slow_rate", slow_rate)):
            if value is not None and not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if slow_seconds is not None and slow_seconds < 0:
            raise ValueError("slow_seconds must be >= 0")
        with self._lock:
            if error_rate is not None:
                self.error_rate = error_rate
            if slow_rate is not None:
                self.slow_rate = slow_rate
            if slow_seconds is not None:
                self.slow_seconds = slow_seconds
            if seed is not None:
                self.seed = seed
                self._rng = random.Random(seed)  # noqa: S311 (seeded on purpose)

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int | None = 500,
        delay: float = 0.0,
        target: FaultTarget = "api",
    ) -> None:
        """Queue ``count`` faults for the next matching requests, ahead of the random ones."""
        if count < 1:
            raise ValueError("count must be >= 1")
        if status is not None and not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        if status is None and delay <= 0:
            raise ValueError("a one-shot fault needs a status, a delay, or both")
        with self._lock:
            self._queue.append(_OneShot(count, status, delay, target))

    def clear(self) -> None:
        """No more faults: rates to zero and the one-shot queue emptied (the seed is kept)."""
        with self._lock:
            self.error_rate = self.slow_rate = self.slow_seconds = 0.0
            self._queue.clear()

    def draw(self, target: FaultTarget) -> Fault | None:
        """The fault for the next request to ``target``, or None to answer it normally."""
        with self._lock:
            for shot in self._queue:
                if shot.target in (target, "any"):
                    shot.remaining -= 1
                    if shot.remaining == 0:
                        self._queue.remove(shot)
                    return self._count(Fault(shot.status, shot.delay))
            if target != "api":
                return None
            # Always draw three numbers so that one request's outcome never shifts the next.
            slow, error, which = self._rng.random(), self._rng.random(), self._rng.random()
            delay = self.slow_seconds if slow < self.slow_rate else 0.0
            status = (500 if which < 0.5 else 503) if error < self.error_rate else None
            if status is None and delay == 0.0:
                return None
            return self._count(Fault(status, delay))

    def _count(self, fault: Fault) -> Fault:
        if fault.status is not None:
            self._injected["errors"] += 1
        if fault.delay > 0:
            self._injected["slow"] += 1
        return fault

    def snapshot(self) -> dict[str, Any]:
        """The settings, the pending one-shot faults and how many faults were injected."""
        with self._lock:
            return {
                "error_rate": self.error_rate,
                "slow_rate": self.slow_rate,
                "slow_seconds": self.slow_seconds,
                "seed": self.seed,
                "pending": [asdict(shot) for shot in self._queue],
                "injected": dict(self._injected),
            }
