"""How loud each event kind is; below the floor a delivery is suppressed (kept, not sent)."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["SEVERITY_BY_KIND", "Severity", "severity_of"]


class Severity(IntEnum):
    """Ordered levels; ``SLACK_MIN_SEVERITY`` names one of them."""

    info = 0  # new uploads: only sent when the floor is lowered to ``info``
    low = 1
    medium = 2
    high = 3


SEVERITY_BY_KIND: dict[str, Severity] = {
    "deleted": Severity.high,
    "removed": Severity.high,
    "channel_terminated": Severity.high,
    "private": Severity.medium,
    "unavailable": Severity.medium,
    "unlisted": Severity.low,
    "geo_blocked": Severity.low,
    "age_restricted": Severity.low,
    "restored": Severity.low,
    "changed": Severity.low,
    "channel_restored": Severity.low,
    "new": Severity.info,
}


def severity_of(kind: str) -> Severity:
    """The kind's severity; an unknown kind is ``medium`` (better heard than lost)."""
    return SEVERITY_BY_KIND.get(kind, Severity.medium)
