"""An injectable clock that tests can move forward, and the Pacific quota day it implies."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["PACIFIC", "Clock", "utc_now"]

# YouTube resets the daily quota at midnight Pacific time, daylight saving included.
PACIFIC = ZoneInfo("America/Los_Angeles")


def utc_now() -> datetime:
    """The real time, aware, in UTC."""
    return datetime.now(UTC)


class Clock:
    """``now()`` of an injectable source plus an offset that ``advance`` and ``set`` move."""

    def __init__(self, now: Callable[[], datetime] | None = None) -> None:
        self._source = now or utc_now
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The fake's current time, aware, in UTC."""
        with self._lock:
            offset = self._offset
        return (self._source() + offset).astimezone(UTC)

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward (or back, with a negative value) and return the new time."""
        with self._lock:
            self._offset += timedelta(seconds=seconds)
        return self.now()

    def set(self, when: datetime) -> datetime:
        """Make ``now()`` answer ``when`` at this instant; time keeps flowing from there."""
        if when.tzinfo is None:
            raise ValueError("the clock needs an aware datetime (with a time zone)")
        with self._lock:
            self._offset = when - self._source()
        return self.now()

    def pacific_day(self) -> date:
        """The quota day: the calendar date in America/Los_Angeles."""
        return self.now().astimezone(PACIFIC).date()

    def next_quota_reset(self) -> datetime:
        """The next Pacific midnight, in UTC."""
        tomorrow = self.pacific_day() + timedelta(days=1)
        return datetime.combine(tomorrow, time(0), tzinfo=PACIFIC).astimezone(UTC)
