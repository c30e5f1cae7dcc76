"""Aware-UTC time helpers: the whole tracker stores and compares UTC instants."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

__all__ = ["PACIFIC", "as_utc", "isoformat", "parse_iso", "utcnow"]

# YouTube's daily quota resets at midnight Pacific time.
PACIFIC = ZoneInfo("America/Los_Angeles")


def utcnow() -> datetime:
    """The current instant as an aware UTC datetime."""
    return datetime.now(UTC)


def parse_iso(text: str) -> datetime:
    """Parse an ISO 8601 instant; a naive value is taken as UTC.

    Raises:
        ValueError: the text is not an ISO 8601 date or datetime, or its instant falls outside
            the years 1 to 9999 in UTC.
    """
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return as_utc(value)


def as_utc(value: datetime) -> datetime:
    """``value`` as an aware UTC instant; a naive value is taken as UTC.

    Raises:
        ValueError: the instant falls outside the years 1 to 9999 in UTC (e.g.
            ``0001-01-01T00:00:00+14:00``), which ``astimezone`` answers with OverflowError.
    """
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{value.isoformat()} is out of range in UTC") from None


def isoformat(value: datetime | None) -> str | None:
    """Serialise an instant as ``YYYY-MM-DDTHH:MM:SSZ`` (None stays None)."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
