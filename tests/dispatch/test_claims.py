"""Claims keep overlapping dispatch runs apart, and lapse when their run dies."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, select, update

from common.dispatch.claims import ChannelClaims
from common.models import Channel

START = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def add_channels(engine: Engine, count: int) -> dict[str, datetime | None]:
    """Due channels: half never scanned (no next scan time), half overdue."""
    rows = {
        f"UC{index:022d}": None if index % 2 else START - timedelta(minutes=index)
        for index in range(count)
    }
    with engine.begin() as conn:
        conn.execute(
            insert(Channel),
            [
                {
                    "id": channel_id,
                    "title": "",
                    "uploads_playlist_id": "UU" + channel_id[2:],
                    "input": "",
                    "active": True,
                    "state": "active",
                    "missing_strikes": 0,
                    "consecutive_failures": 0,
                    "created_at": START,
                    "next_scan_at": next_scan_at,
                }
                for channel_id, next_scan_at in rows.items()
            ],
        )
    return rows


def next_scans(engine: Engine) -> dict[str, datetime | None]:
    with engine.connect() as conn:
        return {
            row.id: row.next_scan_at
            for row in conn.execute(select(Channel.id, Channel.next_scan_at))
        }


def claims(engine: Engine, clock: Clock, ttl_s: float = 60) -> ChannelClaims:
    return ChannelClaims(engine, ttl_s=ttl_s, clock=clock, margin_s=5)


def test_a_claimed_channel_is_not_due_for_another_run(engine: Engine) -> None:
    clock = Clock()
    channels = add_channels(engine, 6)
    first, second = claims(engine, clock), claims(engine, clock)
    assert first.take(channels) == set(channels)
    assert second.take(channels) == set()
    assert all(first.holds(channel_id) for channel_id in channels)
    assert not any(second.holds(channel_id) for channel_id in channels)
    assert set(next_scans(engine).values()) == {START + timedelta(seconds=60)}


def test_channels_given_back_keep_their_place_in_line(engine: Engine) -> None:
    clock = Clock()
    channels = add_channels(engine, 4)
    run = claims(engine, clock)
    run.take(channels)
    scanned = sorted(channels)[0]
    later = START + timedelta(hours=1)
    with engine.begin() as conn:
        conn.execute(update(Channel).where(Channel.id == scanned).values(next_scan_at=later))
    run.give_back(list(channels))
    # The scanned channel keeps the time its scan wrote; the others get their old one back.
    assert next_scans(engine) == {**channels, scanned: later}
    assert not any(run.holds(channel_id) for channel_id in channels)


def test_a_dead_runs_claims_lapse_after_the_ttl(engine: Engine) -> None:
    clock = Clock()
    channels = add_channels(engine, 4)
    dead = claims(engine, clock, ttl_s=30)
    dead.take(channels)
    clock.now += timedelta(seconds=29)
    assert claims(engine, clock).take(channels) == set()
    # Close to the end of its lease a run does not start new scans.
    assert not dead.holds(sorted(channels)[0])
    clock.now += timedelta(seconds=2)
    successor = claims(engine, clock)
    assert successor.take(channels) == set(channels)
    # The dead run cannot renew or give back what is now someone else's.
    dead.renew()
    dead.give_back(list(channels))
    assert set(next_scans(engine).values()) == {clock.now + timedelta(seconds=60)}


def test_renewal_extends_the_lease_of_channels_still_held(engine: Engine) -> None:
    clock = Clock()
    channels = add_channels(engine, 3)
    run = claims(engine, clock, ttl_s=30)
    run.take(channels)
    finished = sorted(channels)[0]
    done_at = START + timedelta(hours=1)
    with engine.begin() as conn:
        conn.execute(update(Channel).where(Channel.id == finished).values(next_scan_at=done_at))
    clock.now += timedelta(seconds=20)
    run.renew()
    clock.now += timedelta(seconds=20)
    assert claims(engine, clock).take(channels) == set()
    assert not run.holds(finished)
    assert all(run.holds(channel_id) for channel_id in channels if channel_id != finished)
    assert next_scans(engine)[finished] == done_at


def test_racing_runs_split_the_channels_between_them(engine: Engine) -> None:
    channels = add_channels(engine, 300)
    barrier = threading.Barrier(4)
    taken: list[set[str]] = []

    def run() -> None:
        claim = claims(engine, Clock())
        barrier.wait()
        taken.append(claim.take(channels))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(len(part) for part in taken) == len(channels)
    assert set().union(*taken) == set(channels)
