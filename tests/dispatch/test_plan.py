"""The planner: the run's quota share, the order of due channels, what fits and what waits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, insert

from common.dispatch import DueChannel, plan_dispatch, quota_share
from common.dispatch.plan import load_due, runs_left_today
from common.models import Channel, Video
from common.timeutil import PACIFIC

NOW = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)  # 12:00 in Los Angeles


def due(channel_id: str, units: int, *, never: bool = False) -> DueChannel:
    return DueChannel(
        id=channel_id,
        never_scanned=never,
        next_scan_at=None if never else NOW,
        full_walk=never,
        verified_videos=0,
        estimated_units=units,
    )


@pytest.mark.parametrize(
    ("local", "interval", "runs"),
    [
        (datetime(2026, 12, 3, 0, 0, tzinfo=PACIFIC), 60, 24),
        (datetime(2026, 12, 3, 12, 0, tzinfo=PACIFIC), 60, 12),
        (datetime(2026, 12, 3, 23, 30, tzinfo=PACIFIC), 60, 1),
        (datetime(2026, 12, 3, 23, 59, 59, tzinfo=PACIFIC), 15, 1),
        (datetime(2026, 12, 3, 22, 10, tzinfo=PACIFIC), 15, 8),
        # The day daylight saving time ends has 25 hours.
        (datetime(2026, 11, 1, 0, 0, tzinfo=PACIFIC), 60, 25),
    ],
)
def test_runs_left_count_until_midnight_pacific(local: datetime, interval: int, runs: int) -> None:
    assert runs_left_today(local.astimezone(UTC), interval) == runs


def test_the_share_is_what_is_left_over_the_runs_left() -> None:
    noon = datetime(2026, 12, 3, 12, 0, tzinfo=PACIFIC).astimezone(UTC)
    assert quota_share(10_000, noon, 60) == 10_000 // 12
    assert quota_share(0, noon, 60) == 0
    last_hour = datetime(2026, 12, 3, 23, 5, tzinfo=PACIFIC).astimezone(UTC)
    assert quota_share(4321, last_hour, 60) == 4321


def test_channels_are_taken_in_order_while_they_fit_the_share() -> None:
    channels = [due("a", 3, never=True), due("b", 2), due("c", 5), due("d", 2), due("e", 1)]
    plan = plan_dispatch(channels, share=8, remaining=100)
    # c does not fit what is left after a and b (3); the smaller ones after it still do.
    assert [c.id for c in plan.picked] == ["a", "b", "d", "e"]
    assert [c.id for c in plan.deferred] == ["c"]
    assert plan.estimated_units == 8


def test_the_first_in_line_is_never_starved_by_a_small_share() -> None:
    channels = [due("big", 40), due("small", 1)]
    plan = plan_dispatch(channels, share=10, remaining=100)
    assert [c.id for c in plan.picked] == ["big"]
    assert [c.id for c in plan.deferred] == ["small"]
    # ...but never beyond what is left of the day.
    plan = plan_dispatch(channels, share=10, remaining=30)
    assert [c.id for c in plan.picked] == ["small"]


def test_nothing_is_picked_once_the_day_is_spent() -> None:
    plan = plan_dispatch([due("a", 2), due("b", 2)], share=0, remaining=0, due_total=7)
    assert plan.picked == []
    assert [c.id for c in plan.deferred] == ["a", "b"]
    assert plan.waiting == 5


@contextmanager
def counting_queries(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        if not args[2].startswith("BEGIN"):  # SQLite's BEGIN IMMEDIATE is not a query
            statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _channel(channel_id: str, **values: Any) -> dict[str, Any]:
    row = {
        "id": channel_id,
        "title": channel_id,
        "uploads_playlist_id": "UU" + channel_id[2:],
        "input": channel_id,
        "active": True,
        "state": "active",
        "missing_strikes": 0,
        "consecutive_failures": 0,
        "created_at": NOW - timedelta(days=30),
        "next_scan_at": None,
        "last_success_at": None,
        "last_full_walk_at": None,
    }
    row.update(values)
    return row


def test_due_channels_come_in_priority_order_from_one_query(engine: Engine) -> None:
    walked = NOW - timedelta(days=1)
    scanned = {"last_success_at": walked, "last_full_walk_at": walked}
    rows = [
        _channel("UC" + "a" * 22, next_scan_at=NOW - timedelta(minutes=5), **scanned),
        _channel("UC" + "b" * 22, next_scan_at=NOW - timedelta(hours=3), **scanned),
        _channel("UC" + "c" * 22),  # never scanned
        _channel("UC" + "d" * 22, next_scan_at=NOW + timedelta(minutes=1), **scanned),
        _channel("UC" + "e" * 22, next_scan_at=NOW - timedelta(hours=9), active=False),
        _channel("UC" + "f" * 22, next_scan_at=NOW - timedelta(days=1), **scanned),
        # Its baseline was deferred for quota: still never scanned, ahead of the overdue ones.
        _channel("UC" + "g" * 22, last_scanned_at=walked),
        # A full walk is due again (the last one was 8 days ago).
        _channel(
            "UC" + "h" * 22,
            next_scan_at=NOW - timedelta(minutes=1),
            last_success_at=walked,
            last_full_walk_at=NOW - timedelta(days=8),
        ),
    ]
    videos = [
        {
            "id": f"{letter}{index:010d}",
            "channel_id": "UC" + letter * 22,
            "state": state,
            "first_seen_at": NOW,
        }
        for letter, count in (("a", 120), ("b", 3), ("h", 52))
        for index in range(count)
        for state in ["deleted" if index == 0 else "public"]
    ]
    with engine.begin() as conn:
        conn.execute(insert(Channel), rows)
        conn.execute(insert(Video), videos)

    with engine.connect() as conn, counting_queries(engine) as statements:
        channels, total = load_due(conn, NOW, limit=10, full_walk_days=7)
    assert len(statements) == 1
    assert total == 6
    assert [c.id[2] for c in channels] == ["c", "g", "f", "b", "a", "h"]
    by_letter = {c.id[2]: c for c in channels}
    assert by_letter["a"].verified_videos == 119
    assert by_letter["a"].estimated_units == 3 + 1  # ceil(119/50) + 1 page
    assert by_letter["b"].estimated_units == 1 + 1
    assert by_letter["h"].full_walk and by_letter["h"].estimated_units == 2 + 2 + 1
    # A baseline counts one page and its verification, plus channels.list.
    assert by_letter["c"].full_walk and by_letter["c"].estimated_units == 3

    with engine.connect() as conn:
        first_two, total = load_due(conn, NOW, limit=2, full_walk_days=7)
    assert [c.id[2] for c in first_two] == ["c", "g"]
    assert total == 6
