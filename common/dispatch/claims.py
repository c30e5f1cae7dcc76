"""A dispatch run's claim on the channels it plans to scan, so overlapping runs never share one.

A claim moves the channel's ``next_scan_at`` a short lease into the future in one atomic
``UPDATE … WHERE due``: another run planning at the same moment finds the channel no longer due,
and a run that dies leaves channels that are due again when the lease ends. The scan itself
then writes the real next scan time; channels that were not scanned (locked, deferred, failed
to answer) get their old ``next_scan_at`` back, so they keep their place in line.

The lease is renewed while the run is still working on a channel; a run checks it still holds
a channel before calling its scan.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Engine, Table, bindparam, or_, select, update

from common.models import Channel

__all__ = ["ChannelClaims"]

# Core statements on the table (not the ORM class): plain multi-row UPDATEs, no ORM bulk mode.
_CHANNELS = cast(Table, Channel.__table__)
# Bound on ids in one IN (...) list: far below every driver's parameter limit.
_CHUNK = 1000


def _chunks(ids: Collection[str]) -> Iterable[list[str]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


class ChannelClaims:
    """The claims of one dispatch run; thread-safe (workers ask ``holds``, the run renews)."""

    def __init__(
        self,
        engine: Engine,
        *,
        ttl_s: float,
        clock: Callable[[], datetime],
        margin_s: float,
    ) -> None:
        self._engine = engine
        self._ttl = timedelta(seconds=ttl_s)
        self._margin = timedelta(seconds=margin_s)
        self._clock = clock
        self._lock = threading.Lock()
        self._until: datetime | None = None
        self._held: set[str] = set()
        self._original: dict[str, datetime | None] = {}

    def take(self, channels: dict[str, datetime | None]) -> set[str]:
        """Claim the channels (id → their ``next_scan_at``) that are still due; answer those taken.

        A channel another run claimed, or that a scan has just rescheduled, is not taken.
        """
        now = self._clock()
        until = now + self._ttl
        taken: set[str] = set()
        with self._engine.begin() as conn:
            for chunk in _chunks(channels.keys()):
                # SKIP LOCKED (PostgreSQL): rows another run is claiming right now are theirs;
                # never wait on them, never deadlock. SQLite serialises writers instead.
                claimable = (
                    select(Channel.id)
                    .where(
                        Channel.id.in_(chunk),
                        Channel.active,
                        or_(Channel.next_scan_at.is_(None), Channel.next_scan_at <= now),
                    )
                    .order_by(Channel.id)
                    .with_for_update(skip_locked=True)
                )
                result = conn.execute(
                    update(_CHANNELS)
                    .where(_CHANNELS.c.id.in_(claimable.scalar_subquery()))
                    .values(next_scan_at=until)
                    .returning(_CHANNELS.c.id)
                )
                taken.update(result.scalars())
        with self._lock:
            self._until = until
            self._held = set(taken)
            self._original = {channel_id: channels[channel_id] for channel_id in taken}
        return taken

    def holds(self, channel_id: str) -> bool:
        """Whether the run may still start this channel's scan (its lease has time left)."""
        with self._lock:
            if channel_id not in self._held or self._until is None:
                return False
            return self._clock() < self._until - self._margin

    def renew(self) -> None:
        """Extend the lease of every channel the run still holds; drop those it lost."""
        with self._lock:
            current, held = self._until, set(self._held)
        if current is None or not held:
            return
        until = self._clock() + self._ttl
        kept: set[str] = set()
        with self._engine.begin() as conn:
            for chunk in _chunks(held):
                result = conn.execute(
                    update(_CHANNELS)
                    .where(_CHANNELS.c.id.in_(chunk), _CHANNELS.c.next_scan_at == current)
                    .values(next_scan_at=until)
                    .returning(_CHANNELS.c.id)
                )
                kept.update(result.scalars())
        with self._lock:
            # A row that moved on (its scan finished, or another run claimed it after this
            # lease ran out) is no longer this run's.
            self._held &= kept
            self._until = until

    def give_back(self, channel_ids: Collection[str]) -> None:
        """Give unscanned channels their old ``next_scan_at`` back, if this run still holds them."""
        with self._lock:
            current = self._until
            rows = [
                {"b_id": channel_id, "b_claim": current, "b_next": self._original[channel_id]}
                for channel_id in sorted(set(channel_ids) & self._held)
            ]
            self._held -= set(channel_ids)
        if current is None or not rows:
            return
        statement = (
            update(_CHANNELS)
            .where(
                _CHANNELS.c.id == bindparam("b_id"),
                _CHANNELS.c.next_scan_at == bindparam("b_claim"),
            )
            .values(next_scan_at=bindparam("b_next"))
        )
        with self._engine.begin() as conn:
            conn.execute(statement, rows)
