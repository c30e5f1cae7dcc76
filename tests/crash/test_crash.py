"""Crash safety: a scan killed mid-way (SIGKILL of the scan_channel process, or its PostgreSQL
connection terminated inside the write transaction) leaves the database exactly as before the
scan; its channel lock is released or expires after LOCK_TTL_S; the next dispatch completes it.

Real processes: functions-framework serving scan_channel and dispatch, PostgreSQL, Redis and
the fake YouTube API with a channel of 5,000 videos.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import Engine, create_engine, func, select, text, update
from sqlalchemy.engine import make_url

from bench.soak import (
    DISPATCH_TOKEN,
    REDIS_URL,
    FunctionProcess,
    drop_redis_prefix,
    function,
    start_function,
    track_channels,
    tracker_env,
)
from common.db import get_engine
from common.fake_youtube import FakeYouTube, World
from common.migrate import migrate
from common.models import Channel, Delivery, Event, ScanRun, Video
from common.timeutil import utcnow
from tests.conftest import POSTGRES_URL, PostgresDatabases

LOCK_TTL_S = 10
VIDEOS = 5_000
SNAPSHOT_TABLES = (Channel, Video, Event, Delivery, ScanRun)


@dataclass
class Crash:
    """One channel of 5,000 videos, baselined; scan_channel and dispatch running."""

    url: str
    database: str
    fake: FakeYouTube
    channel_id: str
    scan: FunctionProcess
    dispatch: FunctionProcess
    env: dict[str, str]
    logs: Path
    redis: redis.Redis
    lock_key: str

    @property
    def engine(self) -> Engine:
        return get_engine(self.url)

    def post_dispatch(self) -> dict[str, Any]:
        answer = httpx.post(
            self.dispatch.url,
            json={},
            headers={"Authorization": f"Bearer {DISPATCH_TOKEN}"},
            timeout=120,
        )
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def outcome(self, summary: dict[str, Any]) -> str:
        (row,) = [r for r in summary["channels"] if r["channel_id"] == self.channel_id]
        return str(row["outcome"])

    def make_due(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(Channel).values(next_scan_at=utcnow() - timedelta(seconds=1)))

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of the tables a scan writes."""
        with self.engine.connect() as conn:
            return {
                model.__tablename__: [
                    tuple(row) for row in conn.execute(select(model).order_by(model.id))
                ]
                for model in SNAPSHOT_TABLES
            }

    def change_the_channel(self) -> list[str]:
        """Real changes for the next scan to find: 20 deletions, 5 new titles, 3 uploads."""
        uploads = self.fake.world.uploads(self.channel_id)
        deleted = [video.id for video in uploads[100:120]]
        for video_id in deleted:
            self.fake.world.delete(video_id)
        for video in uploads[200:205]:
            self.fake.world.retitle(video.id, video.title + " (edited)")
        for n in range(3):
            self.fake.world.upload(self.channel_id, title=f"fresh upload {n}")
        return deleted


@pytest.fixture
def crash(postgres_databases: PostgresDatabases, tmp_path: Path) -> Iterator[Crash]:
    url = postgres_databases.create()
    migrate(url)
    prefix = f"crash:{time.monotonic_ns()}:"
    client = redis.Redis.from_url(REDIS_URL)
    world = World(daily_quota=10_000_000)
    channel = world.add_channel(handle="@bigchannel", title="Big channel")
    world.generate_videos(channel.id, VIDEOS, seed=7)
    with FakeYouTube(world).start() as fake:
        env = tracker_env(
            url,
            prefix,
            fake,
            LOCK_TTL_S=str(LOCK_TTL_S),
            CONFIRM_SCANS="1",
            HTTP_MAX_RETRIES="0",
            HTTP_TIMEOUT_S="10",
        )
        track_channels(get_engine(url), [channel.id])
        scan = start_function("scan_channel", env, tmp_path)
        try:
            dispatch_env = {**env, "SCAN_URL": scan.url, "SCAN_CALL_TIMEOUT_S": "60"}
            with function("dispatch", dispatch_env, tmp_path) as dispatch:
                stack = Crash(
                    url,
                    make_url(url).database or "",
                    fake,
                    channel.id,
                    scan,
                    dispatch,
                    env,
                    tmp_path,
                    client,
                    f"{prefix}scan:{channel.id}",
                )
                baseline = stack.post_dispatch()
                assert stack.outcome(baseline) == "scanned", baseline
                yield stack
                scan = stack.scan  # the test may have replaced it
        finally:
            scan.stop()
    drop_redis_prefix(prefix)
    client.close()


def _admin() -> Engine:
    return create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")


def _blocked_insert_backend(admin: Engine, database: str) -> int | None:
    """The backend of ``database`` waiting for a lock inside ``INSERT INTO scan_runs``."""
    with admin.connect() as conn:
        return conn.execute(
            text(
                "SELECT pid FROM pg_stat_activity WHERE datname = :db "
                "AND wait_event_type = 'Lock' AND query ILIKE 'INSERT INTO scan_runs%'"
            ),
            {"db": database},
        ).scalar()


def _wait_for(condition: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _backend_gone(admin: Engine, pid: int) -> bool:
    with admin.connect() as conn:
        found = conn.execute(
            text("SELECT 1 FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
        ).scalar()
    return found is None


def _assert_next_dispatch_completes(crash: Crash, deleted: list[str], scans_before: int) -> None:
    summary = crash.post_dispatch()
    assert crash.outcome(summary) == "scanned", summary
    with crash.engine.connect() as conn:
        kinds = {
            (row.kind, row.video_id)
            for row in conn.execute(select(Event.kind, Event.video_id).where(Event.kind != "new"))
        }
        new = conn.scalar(select(func.count()).select_from(Event).where(Event.kind == "new"))
        videos = conn.scalar(select(func.count()).select_from(Video))
        states = dict(
            conn.execute(select(Video.id, Video.state).where(Video.id.in_(deleted))).all()
        )
        scans = conn.scalar(
            select(func.count()).select_from(ScanRun).where(ScanRun.outcome == "scanned")
        )
    assert {video_id for kind, video_id in kinds if kind == "deleted"} == set(deleted)
    assert len([kind for kind, _ in kinds if kind == "changed"]) == 5
    assert new == 3
    assert videos == VIDEOS + 3
    assert set(states.values()) == {"deleted"}
    assert scans == scans_before + 1


@pytest.mark.parametrize("moment", ["while fetching", "inside the write transaction"])
def test_sigkill_of_scan_channel_mid_scan_leaves_the_database_as_before(
    crash: Crash, moment: str
) -> None:
    deleted = crash.change_the_channel()
    crash.make_due()
    before = crash.snapshot()
    scans_before = len(before["scan_runs"])
    admin = _admin()
    holder = crash.engine.connect()
    pool = ThreadPoolExecutor(1)
    try:
        if moment == "while fetching":
            # Every Data API answer takes 50 ms: the scan is mid-way through its 100+ requests.
            crash.fake.world.faults.configure(slow_rate=1.0, slow_seconds=0.05)
            running: Future[dict[str, Any]] = pool.submit(crash.post_dispatch)
            _wait_for(lambda: crash.fake.world.faults.snapshot()["injected"]["slow"] >= 30, 60, "")
        else:
            # Inserts into scan_runs wait behind this lock: the scan's transaction, with its
            # videos and events already written, stays open until the process is killed.
            transaction = holder.begin()
            holder.execute(text("LOCK TABLE scan_runs IN SHARE MODE"))
            running = pool.submit(crash.post_dispatch)
            pid = _wait_for(lambda: _blocked_insert_backend(admin, crash.database), 60, "the write")
        crash.scan.kill()
        killed_at = time.monotonic()
        if moment != "while fetching":
            transaction.rollback()
            _wait_for(lambda: _backend_gone(admin, pid), 30, "the killed scan's backend to end")
        crash.fake.world.faults.clear()
        summary = running.result(timeout=60)
    finally:
        holder.close()
        pool.shutdown()
        admin.dispose()

    assert crash.outcome(summary) == "failed", summary
    assert crash.snapshot() == before, "the killed scan left rows behind"
    ttl_ms = crash.redis.pttl(crash.lock_key)
    assert 0 < ttl_ms <= LOCK_TTL_S * 1000, "the dead scan's lock should still be held"

    # A new scan_channel process on the same address; the lock is still held: "locked".
    port = int(crash.scan.url.rsplit(":", 1)[1].strip("/"))
    crash.scan = start_function("scan_channel", crash.env, crash.logs, port=port)
    if crash.redis.pttl(crash.lock_key) > 1000:
        assert crash.outcome(crash.post_dispatch()) == "locked"
        assert crash.snapshot()["videos"] == before["videos"]

    _wait_for(lambda: crash.redis.exists(crash.lock_key) == 0, LOCK_TTL_S + 5, "lock expiry")
    assert time.monotonic() - killed_at >= ttl_ms / 1000 - 0.5
    _assert_next_dispatch_completes(crash, deleted, scans_before)


def test_terminated_database_connection_mid_transaction_leaves_the_database_as_before(
    crash: Crash,
) -> None:
    deleted = crash.change_the_channel()
    crash.make_due()
    before = crash.snapshot()
    scans_before = len(before["scan_runs"])
    admin = _admin()
    holder = crash.engine.connect()
    pool = ThreadPoolExecutor(1)
    try:
        transaction = holder.begin()
        holder.execute(text("LOCK TABLE scan_runs IN SHARE MODE"))
        running = pool.submit(crash.post_dispatch)
        pid = _wait_for(lambda: _blocked_insert_backend(admin, crash.database), 60, "the write")
        with admin.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
        _wait_for(lambda: _backend_gone(admin, pid), 30, "the terminated backend to end")
        transaction.rollback()
        summary = running.result(timeout=60)
    finally:
        holder.close()
        pool.shutdown()
        admin.dispose()

    assert crash.outcome(summary) == "failed", summary
    assert crash.snapshot() == before, "the broken transaction left rows behind"
    # The scan_channel process lived on: it let go of the lock when the scan failed.
    assert crash.redis.exists(crash.lock_key) == 0
    assert crash.scan.process.poll() is None
    # The same process (its pool now holding a dead connection) completes the next scan.
    _assert_next_dispatch_completes(crash, deleted, scans_before)
