"""Which due channels one dispatch run scans, within its share of the day's remaining quota.

The share is what is left today divided by the runs left today (one every
``DISPATCH_INTERVAL_MINUTES`` until midnight Pacific), so that a day's quota lasts the day.
Channels are taken in order (never scanned first, then the most overdue) while their estimated
cost fits the share; the others are ``deferred_quota`` and stay due.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, case, func, or_, select

from common.models import Channel, Video
from common.quota import next_pacific_midnight
from common.scan.schedule import estimated_units
from common.scan.state import VERIFIED_STATES

__all__ = [
    "DispatchPlan",
    "DueChannel",
    "load_due",
    "plan_dispatch",
    "quota_share",
    "runs_left_today",
]


@dataclass(frozen=True, slots=True)
class DueChannel:
    """A channel that is due, with what its scan should cost."""

    id: str
    never_scanned: bool
    next_scan_at: datetime | None
    full_walk: bool
    verified_videos: int
    estimated_units: int


@dataclass(slots=True)
class DispatchPlan:
    """The run's choice: channels to scan and channels deferred for quota, in priority order."""

    share: int
    remaining: int
    due_total: int
    picked: list[DueChannel] = field(default_factory=list)
    deferred: list[DueChannel] = field(default_factory=list)

    @property
    def estimated_units(self) -> int:
        return sum(channel.estimated_units for channel in self.picked)

    @property
    def waiting(self) -> int:
        """Due channels beyond this run's batch: not looked at, left for the next runs."""
        return max(0, self.due_total - len(self.picked) - len(self.deferred))


def runs_left_today(now: datetime, interval_minutes: int) -> int:
    """Dispatch runs from now (this one included) until the quota resets at midnight Pacific."""
    until_reset = next_pacific_midnight(now) - now
    return max(1, math.ceil(until_reset / timedelta(minutes=interval_minutes)))


def quota_share(remaining: int, now: datetime, interval_minutes: int) -> int:
    """This run's share of the units left today."""
    return remaining // runs_left_today(now, interval_minutes)


def channel_estimate(verified_videos: int, *, full_walk: bool, baseline: bool) -> int:
    """What scanning a channel should cost.

    A baseline knows none of the channel's videos yet: it is counted as at least one page of
    uploads that then has to be verified (the uploads count is unknown before the first walk).
    """
    known = max(verified_videos, 1) if baseline else verified_videos
    return estimated_units(known, full_walk=full_walk)


def load_due(
    conn: Connection, now: datetime, *, limit: int, full_walk_days: float
) -> tuple[list[DueChannel], int]:
    """The first ``limit`` due channels in priority order, and how many are due in all.

    One query: the due channels (active, ``next_scan_at`` unset or past), their verified-video
    counts, and the total count of due channels (a window count taken before the limit).
    """
    never_scanned = Channel.last_success_at.is_(None)
    due = (
        select(
            Channel.id,
            never_scanned.label("never_scanned"),
            Channel.next_scan_at,
            Channel.last_full_walk_at,
            func.count().over().label("due_total"),
        )
        .where(
            Channel.active,
            or_(Channel.next_scan_at.is_(None), Channel.next_scan_at <= now),
        )
        .order_by(
            case((never_scanned, 0), else_=1),
            Channel.next_scan_at.asc().nulls_first(),
            Channel.id,
        )
        .limit(limit)
        .cte("due")
    )
    rows = conn.execute(
        select(
            due.c.id,
            due.c.never_scanned,
            due.c.next_scan_at,
            due.c.last_full_walk_at,
            due.c.due_total,
            func.count(Video.id).label("verified"),
        )
        .select_from(
            due.outerjoin(
                Video, and_(Video.channel_id == due.c.id, Video.state.in_(VERIFIED_STATES))
            )
        )
        .group_by(
            due.c.id,
            due.c.never_scanned,
            due.c.next_scan_at,
            due.c.last_full_walk_at,
            due.c.due_total,
        )
    ).all()
    walk_every = timedelta(days=full_walk_days)
    channels = []
    for row in rows:
        last_walk = row.last_full_walk_at
        full_walk = last_walk is None or now - last_walk >= walk_every
        channels.append(
            DueChannel(
                id=row.id,
                never_scanned=bool(row.never_scanned),
                next_scan_at=row.next_scan_at,
                full_walk=full_walk,
                verified_videos=int(row.verified),
                estimated_units=channel_estimate(
                    int(row.verified), full_walk=full_walk, baseline=last_walk is None
                ),
            )
        )
    channels.sort(key=_priority)
    total = int(rows[0].due_total) if rows else 0
    return channels, total


def _priority(channel: DueChannel) -> tuple[bool, bool, datetime | None, str]:
    # Never scanned first; then the oldest next_scan_at (unset before set); then by id.
    return (
        not channel.never_scanned,
        channel.next_scan_at is not None,
        channel.next_scan_at,
        channel.id,
    )


def plan_dispatch(
    due: Sequence[DueChannel], *, share: int, remaining: int, due_total: int | None = None
) -> DispatchPlan:
    """Pick due channels in order while their estimated cost fits the share.

    A channel that does not fit is deferred and the next ones are still considered (a smaller
    one may fit). So that a channel costing more than any share is not deferred forever, the
    first channel in line is taken when it fits what is left of the whole day.
    """
    plan = DispatchPlan(
        share=share, remaining=remaining, due_total=len(due) if due_total is None else due_total
    )
    left = share
    for index, channel in enumerate(due):
        cost = channel.estimated_units
        if cost <= left or (index == 0 and cost <= remaining):
            plan.picked.append(channel)
            left = max(0, left - cost)
        else:
            plan.deferred.append(channel)
    return plan
