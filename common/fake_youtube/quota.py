"""The daily quota ledger: units spent per API method, reset at midnight Pacific time."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date
from typing import Any

from common.fake_youtube.clock import Clock

__all__ = ["METHOD_COSTS", "QuotaLedger"]

# Units per request, as YouTube charges them (invalid requests cost their method's units too).
METHOD_COSTS: dict[str, int] = {
    "channels.list": 1,
    "playlistItems.list": 1,
    "videos.list": 1,
    "search.list": 100,
}


class QuotaLedger:
    """Thread-safe spend counter of one Pacific day; a new day starts from zero."""

    def __init__(self, clock: Clock, daily_quota: int = 10_000) -> None:
        if daily_quota < 0:
            raise ValueError("daily_quota must be >= 0")
        self._clock = clock
        self._lock = threading.Lock()
        self._daily_quota = daily_quota
        self._day: date = clock.pacific_day()
        self._units: Counter[str] = Counter()
        self._calls: Counter[str] = Counter()
        self._refused = 0

    @property
    def daily_quota(self) -> int:
        """Units allowed per Pacific day."""
        return self._daily_quota

    @daily_quota.setter
    def daily_quota(self, value: int) -> None:
        if value < 0:
            raise ValueError("daily_quota must be >= 0")
        with self._lock:
            self._daily_quota = value

    def _roll(self) -> None:
        # Called with the lock held: a new Pacific day forgets yesterday's spend.
        today = self._clock.pacific_day()
        if today != self._day:
            self._day = today
            self._units.clear()
            self._calls.clear()
            self._refused = 0

    def try_spend(self, method: str, *, charge: bool = True) -> bool:
        """Spend the units of one ``method`` call; False (nothing spent) if it would exceed."""
        cost = METHOD_COSTS[method]
        with self._lock:
            self._roll()
            if sum(self._units.values()) + cost > self._daily_quota:
                self._refused += 1
                return False
            if charge:
                self._units[method] += cost
                self._calls[method] += 1
            return True

    def used(self) -> int:
        """Units spent today."""
        with self._lock:
            self._roll()
            return sum(self._units.values())

    def reset(self) -> None:
        """Forget today's spend, as if the Pacific day had just begun."""
        with self._lock:
            self._day = self._clock.pacific_day()
            self._units.clear()
            self._calls.clear()
            self._refused = 0

    def snapshot(self) -> dict[str, Any]:
        """Today's figures: units and calls by method, total, remaining, refusals, next reset."""
        with self._lock:
            self._roll()
            used = sum(self._units.values())
            return {
                "day": self._day.isoformat(),
                "daily_quota": self._daily_quota,
                "used": used,
                "remaining": max(self._daily_quota - used, 0),
                "units_by_method": dict(self._units),
                "calls_by_method": dict(self._calls),
                "refused": self._refused,
                "resets_at": self._clock.next_quota_reset().isoformat().replace("+00:00", "Z"),
            }
