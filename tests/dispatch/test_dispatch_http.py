"""Dispatch over HTTP with real processes: functions-framework serving dispatch and scan_channel,
PostgreSQL, Redis and the fake YouTube API. Hundreds of channels, overlapping runs, a killed run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import Engine, select

from common.db import get_engine
from common.fake_youtube import FakeYouTube, World
from common.migrate import migrate
from common.models import Channel, DispatchRun, ScanRun
from tests.conftest import REDIS_URL, PostgresDatabases, _truncate
from tests.dispatch.processes import (
    BIN,
    DISPATCH_TOKEN,
    FunctionProcess,
    add_fleet,
    drop_prefix,
    function_process,
    new_prefix,
    tracker_env,
)

AUTH = {"Authorization": f"Bearer {DISPATCH_TOKEN}"}


@dataclass
class Stack:
    database_url: str
    fake: FakeYouTube
    env: dict[str, str]
    scan: FunctionProcess
    dispatch: FunctionProcess
    redis: redis.Redis
    prefix: str

    @property
    def engine(self) -> Engine:
        return get_engine(self.database_url)

    def post_dispatch(self, body: dict[str, Any] | None = None) -> dict[str, Any]:
        answer = httpx.post(self.dispatch.url, json=body or {}, headers=AUTH, timeout=120)
        assert answer.status_code == 200, answer.text
        data: dict[str, Any] = answer.json()
        return data

    def scans_by_channel(self) -> Counter[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(ScanRun.channel_id).where(ScanRun.outcome == "scanned"))
            return Counter(row.channel_id for row in rows)


@pytest.fixture(scope="module")
def stack(postgres_databases: PostgresDatabases) -> Iterator[Stack]:
    """scan_channel and dispatch as real processes, sharing one database, Redis and fake."""
    url = postgres_databases.create()
    migrate(url)
    prefix = new_prefix()
    client = redis.Redis.from_url(REDIS_URL)
    with FakeYouTube(World()).start() as fake:
        env = tracker_env(url, REDIS_URL, prefix, fake)
        with function_process("scan_channel", env) as scan:
            dispatch_env = {
                **env,
                "SCAN_URL": scan.url,
                "SCAN_CONCURRENCY": "4",
                "SCAN_BATCH_SIZE": "1000",
                "SCAN_CALL_TIMEOUT_S": "30",
            }
            with function_process("dispatch", dispatch_env) as dispatch:
                yield Stack(url, fake, env, scan, dispatch, client, prefix)
    drop_prefix(client, prefix)
    client.close()


@pytest.fixture
def fresh(stack: Stack) -> Stack:
    """Empty tables, no quota spent, no locks, no faults."""
    _truncate(stack.engine)
    drop_prefix(stack.redis, stack.prefix)
    stack.fake.world.faults.clear()
    return stack


def test_one_run_scans_hundreds_of_channels_over_http(fresh: Stack) -> None:
    ids = add_fleet(fresh.engine, fresh.fake, 220, 5, "solo")

    plan = fresh.post_dispatch({"dry_run": True})
    assert plan["dry_run"] is True
    assert plan["counts"]["planned"] == 220
    assert {row["outcome"] for row in plan["channels"]} == {"planned"}
    assert fresh.scans_by_channel() == Counter()

    summary = fresh.post_dispatch()
    counts = summary["counts"]
    assert counts["scanned"] == 220, summary
    assert counts["failed"] == counts["locked"] == counts["deferred_quota"] == 0
    # Baselines of one page: playlistItems + videos + channels = 3 units each.
    assert summary["quota"]["spent"] == 3 * 220
    assert summary["quota"]["left"] == 10_000 - 3 * 220
    assert {row["channel_id"] for row in summary["channels"]} == set(ids)
    assert all(row["outcome"] == "scanned" and row["scan_id"] for row in summary["channels"])
    assert fresh.scans_by_channel() == Counter(dict.fromkeys(ids, 1))

    with fresh.engine.connect() as conn:
        run = conn.execute(select(DispatchRun)).one()
        next_scans = conn.execute(select(Channel.next_scan_at)).scalars().all()
    assert (run.status, run.scanned, run.quota_spent) == ("succeeded", 220, 660)
    soon = datetime.now(UTC) + timedelta(minutes=55)
    assert all(value is not None and value > soon for value in next_scans)

    again = fresh.post_dispatch()
    assert again["counts"]["due"] == 0
    assert again["counts"]["scanned"] == 0


def test_three_simultaneous_runs_scan_each_due_channel_exactly_once(fresh: Stack) -> None:
    ids = add_fleet(fresh.engine, fresh.fake, 210, 5, "race")
    barrier = threading.Barrier(3)
    summaries: list[dict[str, Any]] = []

    def run() -> None:
        barrier.wait()
        summaries.append(fresh.post_dispatch({"max_channels": 90}))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(summaries) == 3
    scanned = fresh.scans_by_channel()
    assert set(scanned.values()) <= {1}, "a channel was scanned twice"
    assert sum(s["counts"]["scanned"] for s in summaries) == len(scanned)
    assert sum(s["counts"]["failed"] for s in summaries) == 0

    # Whatever the three left (a run that lost every claim scans nothing) the next runs finish.
    while fresh.post_dispatch()["counts"]["scanned"]:
        pass
    assert fresh.scans_by_channel() == Counter(dict.fromkeys(ids, 1))


def test_a_killed_dispatcher_holds_nothing_past_its_ttl(fresh: Stack) -> None:
    ids = add_fleet(fresh.engine, fresh.fake, 12, 5, "kill")
    # Slow answers: each scan takes about a second, so the kill lands in the middle of one.
    fresh.fake.world.faults.configure(slow_rate=1.0, slow_seconds=0.3)
    ttl_s = 5
    env = {**fresh.env, "LOCK_TTL_S": str(ttl_s), "SCAN_CONCURRENCY": "2"}
    # In-process scanning (no SCAN_URL): the killed process is the one holding the scan locks.
    process = subprocess.Popen(
        [str(BIN / "ytdt"), "dispatch", "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while not list(fresh.redis.scan_iter(match=fresh.prefix + "scan:*")):
            assert process.poll() is None, "the dispatcher ended before scanning"
            assert time.monotonic() < deadline, "the dispatcher never took a scan lock"
            time.sleep(0.02)
        time.sleep(0.5)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    killed_at = datetime.now(UTC)

    locks = list(fresh.redis.scan_iter(match=fresh.prefix + "scan:*"))
    assert locks, "the killed dispatcher held no lock: the kill missed the scan"
    for key in locks:
        assert 0 < fresh.redis.pttl(key) <= ttl_s * 1000
    with fresh.engine.connect() as conn:
        assert conn.execute(select(DispatchRun.status)).scalar_one() == "running"
        claimed = conn.execute(
            select(Channel.id, Channel.next_scan_at).where(
                Channel.next_scan_at < killed_at + timedelta(minutes=1)
            )
        ).all()
    unscanned = set(ids) - set(fresh.scans_by_channel())
    assert unscanned, "the dispatcher finished before it was killed"
    # Every channel the dead run claimed but did not scan is due again within the TTL.
    assert {row.id for row in claimed} <= unscanned
    assert all(row.next_scan_at <= killed_at + timedelta(seconds=ttl_s) for row in claimed)

    time.sleep(ttl_s + 0.2)
    assert not list(fresh.redis.scan_iter(match=fresh.prefix + "scan:*"))
    fresh.fake.world.faults.clear()
    summary = fresh.post_dispatch()
    assert summary["counts"]["scanned"] == len(unscanned)
    assert fresh.scans_by_channel() == Counter(dict.fromkeys(ids, 1))
