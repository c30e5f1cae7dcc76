"""Writing events with their outbox rows: every writer of events (scan, archive) goes through here.

An event and its deliveries are inserted in the caller's transaction, so an event is never
committed without the rows that will carry it to Slack.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from common.models import Delivery, Event

__all__ = ["DESTINATIONS", "insert_events"]

DESTINATIONS = ("slack",)


def insert_events(session: Session, rows: Sequence[dict[str, Any]], now: datetime) -> list[int]:
    """Insert ``events`` rows and one pending delivery per event and destination.

    Returns:
        The ids of the events, in the order of ``rows``.
    """
    if not rows:
        return []
    ids = list(
        session.scalars(insert(Event).returning(Event.id, sort_by_parameter_order=True), rows)
    )
    session.execute(
        insert(Delivery),
        [
            {
                "event_id": event_id,
                "destination": destination,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for event_id in ids
            for destination in DESTINATIONS
        ],
    )
    return ids
