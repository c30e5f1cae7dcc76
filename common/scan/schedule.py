"""When a channel is scanned next, and what a scan of it is expected to cost."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from common.youtube import BATCH_SIZE

__all__ = ["FAILURE_BACKOFF_CAP", "estimated_units", "failure_backoff", "next_after_success"]

FAILURE_BACKOFF_BASE = timedelta(minutes=5)
FAILURE_BACKOFF_CAP = timedelta(hours=6)


def estimated_units(verified_videos: int, *, full_walk: bool) -> int:
    """Quota a scan should cost: ceil(N/50) to verify plus 1 page; a full walk pages them all."""
    batches = math.ceil(verified_videos / BATCH_SIZE)
    if full_walk:
        # Every uploads page, every verification batch, and one channels.list.
        return max(batches, 1) + batches + 1
    return batches + 1


def next_after_success(now: datetime, interval_minutes: int) -> datetime:
    return now + timedelta(minutes=interval_minutes)


def failure_backoff(now: datetime, failures: int, interval_minutes: int) -> datetime:
    """When to try again after ``failures`` consecutive failures: exponential, capped."""
    cap = max(FAILURE_BACKOFF_CAP, timedelta(minutes=interval_minutes))
    # Past the cap the exponent only grows; bounding it keeps timedelta from overflowing after
    # a few dozen failures in a row (2**39 x 5 minutes is beyond timedelta's range).
    exponent = min(max(failures - 1, 0), 32)
    delay: timedelta = FAILURE_BACKOFF_BASE * (2**exponent)
    return now + min(delay, cap)
