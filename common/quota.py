"""The YouTube quota ledger: units spent per Pacific-time day, shared by every worker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from common.coordination import Coordinator
from common.timeutil import PACIFIC, utcnow

__all__ = ["QuotaLedger", "next_pacific_midnight"]


def next_pacific_midnight(now: datetime) -> datetime:
    """The UTC instant of the next midnight in America/Los_Angeles (YouTube's quota reset)."""
    local = now.astimezone(PACIFIC)
    tomorrow = (local + timedelta(days=1)).date()
    return datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=PACIFIC).astimezone(
        now.tzinfo
    )


class QuotaLedger:
    """Counts units against the daily quota; the counter expires at the Pacific-time reset."""

    def __init__(
        self,
        coordinator: Coordinator,
        daily_quota: int,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._coordinator = coordinator
        self.daily_quota = daily_quota
        self._clock = clock

    def _key(self) -> tuple[str, datetime]:
        now = self._clock()
        return f"quota:{now.astimezone(PACIFIC).date().isoformat()}", next_pacific_midnight(now)

    def day(self) -> str:
        """Today's Pacific date (ISO): the quota day units are spent on now."""
        return self._key()[0].removeprefix("quota:")

    def spend(self, units: int) -> int:
        """Record ``units`` spent now; answer the units used today."""
        key, reset = self._key()
        return self._coordinator.incr(key, units, reset)

    def give_back(self, units: int, day: str) -> None:
        """Return ``units`` reserved on ``day`` but not used; nothing once that day is over.

        A reservation made before the Pacific reset belongs to the old day: returning it to
        the new one would push the new day's count below zero (more quota than YouTube gives).
        """
        key, reset = self._key()
        if units > 0 and key == f"quota:{day}":
            self._coordinator.incr(key, -units, reset)

    def used(self) -> int:
        """Units used today."""
        key, _ = self._key()
        return self._coordinator.get(key)

    def remaining(self) -> int:
        """Units left today (never negative)."""
        return max(0, self.daily_quota - self.used())

    def mark_exhausted(self) -> None:
        """YouTube said quotaExceeded: nothing more is spent until the reset."""
        key, reset = self._key()
        self._coordinator.put(key, max(self.daily_quota, self._coordinator.get(key)), reset)

    def resets_at(self) -> datetime:
        """When today's quota resets."""
        return self._key()[1]
