"""Soak with faults: many dispatch cycles over HTTP against a misbehaving YouTube and Slack.

The whole deployed shape runs on this machine: ``functions-framework`` processes serving
``dispatch``, ``scan_channel`` and ``notify`` (dispatch calls the other two over HTTP with
``SCAN_URL``/``NOTIFY_URL``), PostgreSQL, Redis, the project's fake YouTube API and a local Slack
webhook stand-in. During the fault phase the fake answers about 10% of Data API requests with
500/503 and some slowly (alternately just slow and slower than ``HTTP_TIMEOUT_S``), and the
webhook answers a third of the posts with 500, 503 or 429. Between cycles random real changes
are made to the fake world (delete, make private, unlist, reject, retitle, restore, new uploads,
a channel terminated and one restored). A few clean cycles at the end (faults off) let pending
confirmations and Slack retries finish. Then the database is compared with the fake's ground
truth and the webhook's request log:

- every video's final state matches YouTube's (so every real disappearance was found and
  classified), and every change that stayed long enough to be confirmed raised its event;
- every event is explained by a real change of its video or channel (zero false events, no
  duplicates);
- every delivery is settled, and every sent event (high severity in particular) reached the
  webhook in exactly one accepted post (counted by the ``#event-id`` each message carries).

Time is compressed: before each cycle every channel is made due and every Slack retry's backoff
is treated as elapsed (the same thing an hour between scheduler calls would do).

Run: ``python -m bench.soak`` (PostgreSQL on 127.0.0.1:5432, Redis on 127.0.0.1:6379);
``--channels``/``--cycles`` shorten it. ``tests/soak`` runs a short version with this checker.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import redis
from sqlalchemy import Engine, insert, select, update

from bench.harness import fresh_database, table
from common.db import get_engine
from common.fake_youtube import FakeYouTube, World
from common.models import Channel, Delivery, Event, ScanRun, Video
from common.notify.plan import SUPPRESSED_FLAPPING, SUPPRESSED_SEVERITY
from common.notify.severity import Severity, severity_of
from common.scan.state import GONE_STATES
from common.timeutil import utcnow
from tests.notify.slack_stub import Recorded, SlackStub

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
SERVICE_TOKEN = "soak-service-token"  # noqa: S105 - a local run's throwaway token
DISPATCH_TOKEN = "soak-dispatch-token"  # noqa: S105 - a local run's throwaway token

# What YouTube's state of a video becomes in the tracker.
DB_STATE = {
    "public": "public",
    "unlisted": "unlisted",
    "private": "private",
    "deleted": "deleted",
    "rejected": "removed",
}
# The event each kind of change must raise (and the only event it may raise).
EVENT_OF_CHANGE = {
    "delete": "deleted",
    "privatize": "private",
    "unlist": "unlisted",
    "reject": "removed",
    "retitle": "changed",
    "publish": "restored",
    "upload": "new",
    "terminate": "channel_terminated",
    "restore_channel": "channel_restored",
}
# Changes seen only after CONFIRM_SCANS successful scans; the others after one.
CONFIRMED_CHANGES = frozenset({"delete", "privatize", "terminate"})
DISAPPEARANCES = frozenset({"delete", "privatize", "unlist", "reject", "terminate"})
REJECTION_REASONS = ("copyright", "termsOfUse", "legal", "duplicate", "claim")
# A channel whose uploads fit on the first playlist page: a video restored from private or
# rejected reappears there, where the incremental walk looks (bigger channels: full walk only).
ONE_PAGE = 45
_EVENT_IDS = re.compile(r"#(\d+)")


# --- processes ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class FunctionProcess:
    """A ``functions-framework`` (gunicorn) process in its own process group; stderr to a file."""

    name: str
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path

    def kill(self) -> None:
        """SIGKILL the master and its workers at once: nothing gets to clean up."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(15)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def start_function(
    name: str,
    env: Mapping[str, str],
    log_dir: Path,
    *,
    threads: int = 8,
    workers: int = 1,
    port: int | None = None,
) -> FunctionProcess:
    """Start ``functions/<name>/main.py`` on ``port`` (a free one by default); wait for it."""
    port = port or free_port()
    log_path = log_dir / f"{name}-{port}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [
                str(BIN / "functions-framework"),
                f"--target={name}",
                f"--source={REPO / 'functions' / name / 'main.py'}",
                "--host=127.0.0.1",
                f"--port={port}",
            ],
            env={**env, "THREADS": str(threads), "WORKERS": str(workers)},
            cwd=REPO,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = FunctionProcess(name, process, f"http://127.0.0.1:{port}/", log_path)
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited at start: {running.log_text()[-2000:]}")
        try:
            httpx.get(running.url, timeout=1.0)  # any answer (401) means it is serving
            return running
        except httpx.TransportError:
            if time.monotonic() > deadline:
                running.kill()
                raise RuntimeError(f"{name} did not answer within 30 s") from None
            time.sleep(0.1)


@contextmanager
def function(
    name: str, env: Mapping[str, str], log_dir: Path, **options: int
) -> Iterator[FunctionProcess]:
    running = start_function(name, env, log_dir, **options)
    try:
        yield running
    finally:
        running.stop()


def tracker_env(
    database_url: str, redis_prefix: str, fake: FakeYouTube, **extra: str
) -> dict[str, str]:
    """A function process's environment: this machine's PostgreSQL, Redis and fake YouTube."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(
            ("YOUTUBE_", "DATABASE_", "REDIS_", "SCAN_", "ADMIN_", "SLACK_", "NOTIFY_")
        )
    }
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=REDIS_URL,
        REDIS_KEY_PREFIX=redis_prefix,
        SERVICE_TOKEN=SERVICE_TOKEN,
        DISPATCH_TOKEN=DISPATCH_TOKEN,
        YOUTUBE_API_KEY="soak-youtube-key",
        YOUTUBE_API_BASE_URL=fake.api_base_url,
        YOUTUBE_OEMBED_URL=fake.oembed_url,
        YOUTUBE_FEED_URL=fake.feed_url,
        YOUTUBE_DAILY_QUOTA="100000000",
        HTTP_BACKOFF_S="0.01",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def drop_redis_prefix(prefix: str) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def track_channels(engine: Engine, channel_ids: list[str]) -> None:
    """Track the channels as ``ytdt channels add`` would leave them (one bulk insert)."""
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            insert(Channel),
            [
                {
                    "id": channel_id,
                    "title": channel_id,
                    "uploads_playlist_id": "UU" + channel_id[2:],
                    "input": channel_id,
                    "active": True,
                    "state": "active",
                    "missing_strikes": 0,
                    "consecutive_failures": 0,
                    "created_at": now,
                }
                for channel_id in channel_ids
            ],
        )


def make_everything_due(engine: Engine) -> None:
    """An hour passes: every channel is due and every Slack retry's backoff has elapsed."""
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(update(Channel).values(next_scan_at=now - timedelta(seconds=1)))
        conn.execute(
            update(Delivery)
            .where(Delivery.status == "pending", Delivery.next_attempt_at > now)
            .values(next_attempt_at=now - timedelta(seconds=1))
        )


def baselined(engine: Engine) -> set[str]:
    """Channels whose first (baseline) scan has succeeded."""
    with engine.connect() as conn:
        return set(conn.scalars(select(Channel.id).where(Channel.last_success_at.is_not(None))))


# --- the changes a soak makes -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    """One real change made to the fake world between two cycles."""

    cycle: int
    at: datetime
    kind: str  # a key of EVENT_OF_CHANGE
    channel_id: str
    video_id: str | None = None
    reason: str | None = None

    @property
    def target(self) -> str:
        return self.video_id or self.channel_id

    @property
    def event(self) -> str:
        return EVENT_OF_CHANGE[self.kind]


class ChangeMaker:
    """Seeded random changes of a world; remembers each one for the checker."""

    def __init__(self, world: World, channel_ids: list[str], seed: int) -> None:
        self.world = world
        self.channels = list(channel_ids)
        self.rng = random.Random(seed)
        self.changes: list[Change] = []
        self.baseline: set[str] = {
            video.id for channel_id in channel_ids for video in world.uploads(channel_id)
        }
        self.touched: Counter[str] = Counter()
        self.ever_terminated: set[str] = set()
        self.terminated: set[str] = set()

    def _record(self, cycle: int, kind: str, channel_id: str, **more: Any) -> None:
        self.changes.append(Change(cycle, utcnow(), kind, channel_id, **more))

    def _listed(self, channel_id: str) -> int:
        return sum(1 for v in self.world.uploads(channel_id) if v.state in ("public", "unlisted"))

    def apply(
        self,
        cycle: int,
        count: int,
        ready: set[str],
        *,
        terminate: int = 0,
        restore: int = 0,
    ) -> None:
        """Make ``count`` video changes (one per channel at most) and the channel changes.

        Only channels in ``ready`` (their baseline scan succeeded) are changed: what happens
        before a baseline is simply the state the tracker starts from.
        """
        live = [c for c in self.channels if c in ready and c not in self.ever_terminated]
        for channel_id in self.rng.sample(live, min(terminate, len(live))):
            if any(self.touched[v.id] for v in self.world.uploads(channel_id)):
                continue  # keep terminations to channels whose videos were never changed
            self.world.terminate(channel_id)
            self.terminated.add(channel_id)
            self.ever_terminated.add(channel_id)
            self._record(cycle, "terminate", channel_id)
        for channel_id in sorted(self.terminated)[:restore]:
            self.world.restore(channel_id)
            self.terminated.discard(channel_id)
            self._record(cycle, "restore_channel", channel_id)
        live = [c for c in self.channels if c in ready and c not in self.ever_terminated]
        for channel_id in self.rng.sample(live, min(count, len(live))):
            self._change_one(cycle, channel_id)

    def _change_one(self, cycle: int, channel_id: str) -> None:
        uploads = self.world.uploads(channel_id)
        small = len(uploads) <= ONE_PAGE
        # At most two changes per video: never near the per-video Slack cap (3 a day).
        fresh = [v for v in uploads if v.id in self.baseline and self.touched[v.id] < 2]
        public = [v for v in fresh if v.state == "public"]
        restorable = [
            v
            for v in fresh
            if v.state == "unlisted" or (small and v.state in ("private", "rejected"))
        ]
        options = ["upload"] if (not small or self._listed(channel_id) < ONE_PAGE) else []
        if public:
            options += ["delete", "privatize", "unlist", "reject", "retitle"]
        if restorable:
            options += ["publish", "publish"]
        if not options:
            return
        kind = self.rng.choice(options)
        if kind == "upload":
            video = self.world.upload(channel_id, title=f"Soak upload {len(self.changes)}")
            self._record(cycle, "upload", channel_id, video_id=video.id)
            return
        video = self.rng.choice(restorable if kind == "publish" else public)
        self.touched[video.id] += 1
        reason = None
        if kind == "delete":
            self.world.delete(video.id)
        elif kind == "privatize":
            self.world.privatize(video.id)
        elif kind == "unlist":
            self.world.unlist(video.id)
        elif kind == "reject":
            reason = self.rng.choice(REJECTION_REASONS)
            self.world.reject(video.id, reason)
        elif kind == "retitle":
            self.world.retitle(video.id, f"{video.title} (new title {cycle})")
        else:
            self.world.publish(video.id)
        self._record(cycle, kind, channel_id, video_id=video.id, reason=reason)


# --- the checker --------------------------------------------------------------------------------


@dataclass(slots=True)
class Check:
    """The comparison of the tracker's database and Slack posts with the ground truth."""

    videos_compared: int = 0
    state_mismatches: list[str] = field(default_factory=list)
    disappearances: int = 0  # real disappearances that stayed long enough to be confirmed
    disappearances_found: int = 0
    misclassified: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    events_by_kind: Counter[str] = field(default_factory=Counter)
    false_events: list[str] = field(default_factory=list)
    high_events: int = 0
    high_delivered_once: int = 0
    sent_events: int = 0
    delivered_once: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    unknown_posts: int = 0
    posts: int = 0
    posts_refused: int = 0
    suppressed: int = 0

    @property
    def problems(self) -> list[str]:
        found: list[str] = []
        for label, items in (
            ("state mismatch", self.state_mismatches),
            ("misclassified", self.misclassified),
            ("missed", self.missed),
            ("false event", self.false_events),
            ("lost delivery", self.lost),
            ("duplicated delivery", self.duplicated),
        ):
            found.extend(f"{label}: {item}" for item in items)
        if self.unknown_posts:
            found.append(f"{self.unknown_posts} accepted posts named no known event")
        return found


def _event_ids_of(post: Recorded) -> list[int]:
    """The event ids a message names in its ``ytdt · #id`` context line."""
    ids: list[int] = []
    for block in post.payload.get("blocks", []):
        if block.get("type") != "context":
            continue
        for element in block.get("elements", []):
            text = str(element.get("text", ""))
            if text.startswith("ytdt · "):
                ids.extend(int(n) for n in _EVENT_IDS.findall(text))
    return ids


def check(
    engine: Engine,
    world: World,
    changes: list[Change],
    posts: list[Recorded],
    *,
    confirm_scans: int,
    min_severity: str = "low",
) -> Check:
    """Compare the database and the webhook's log with what really happened."""
    result = Check()
    with engine.connect() as conn:
        channels = {row.id: row for row in conn.execute(select(Channel.id, Channel.state))}
        videos = {
            row.id: row
            for row in conn.execute(
                select(Video.id, Video.channel_id, Video.state, Video.title, Video.rejection_reason)
            )
        }
        events = list(conn.execute(select(Event).order_by(Event.id)))
        deliveries = {
            row.event_id: row
            for row in conn.execute(select(Delivery.event_id, Delivery.status, Delivery.last_error))
        }
        scans: dict[str, list[datetime]] = defaultdict(list)
        for row in conn.execute(
            select(ScanRun.channel_id, ScanRun.started_at).where(ScanRun.outcome == "scanned")
        ):
            scans[row.channel_id].append(row.started_at)

    _check_final_states(result, world, channels, videos)
    _check_events(result, changes, events, scans, confirm_scans)
    _check_deliveries(result, events, deliveries, posts, Severity[min_severity])
    return result


def _check_final_states(
    result: Check, world: World, channels: Mapping[str, Any], videos: Mapping[str, Any]
) -> None:
    for channel_id, row in channels.items():
        truth = world.channel(channel_id)
        uploads = world.uploads(channel_id)
        if truth.terminated:
            if row.state != "terminated":
                result.state_mismatches.append(f"channel {channel_id} is {row.state}, terminated")
            for video in uploads:
                tracked = videos.get(video.id)
                if tracked is not None and tracked.state not in GONE_STATES:
                    result.state_mismatches.append(
                        f"{video.id} of terminated {channel_id} is {tracked.state}"
                    )
            continue
        if row.state != "active":
            result.state_mismatches.append(f"channel {channel_id} is {row.state}, active")
        for video in uploads:
            result.videos_compared += 1
            tracked = videos.get(video.id)
            expected = DB_STATE[video.state]
            if tracked is None:
                result.state_mismatches.append(f"{video.id} ({video.state}) is not tracked")
            elif tracked.state != expected:
                result.state_mismatches.append(f"{video.id} is {tracked.state}, YouTube {expected}")
            elif expected in ("public", "unlisted") and tracked.title != video.title:
                result.state_mismatches.append(f"{video.id} title {tracked.title!r} is stale")
            elif expected == "removed" and tracked.rejection_reason != video.rejection_reason:
                result.state_mismatches.append(
                    f"{video.id} reason {tracked.rejection_reason}, "
                    f"YouTube {video.rejection_reason}"
                )


def _check_events(
    result: Check,
    changes: list[Change],
    events: list[Any],
    scans: Mapping[str, list[datetime]],
    confirm_scans: int,
) -> None:
    by_target: dict[str, list[Change]] = defaultdict(list)
    channel_changes: dict[str, list[Change]] = defaultdict(list)
    for change in sorted(changes, key=lambda c: c.at):
        by_target[change.target].append(change)
        if change.video_id is None:
            channel_changes[change.channel_id].append(change)

    # Every event is the one its target's latest change calls for, and each change has one.
    claimed: dict[int, int] = {}  # id(change) -> event id
    matched: dict[int, Any] = {}  # id(change) -> event
    for event in events:
        result.events_by_kind[event.kind] += 1
        target = event.video_id or event.channel_id
        before = [c for c in by_target.get(target, []) if c.at < event.detected_at]
        label = f"#{event.id} {event.kind} {target}"
        if not before:
            result.false_events.append(f"{label}: nothing changed")
            continue
        change = before[-1]
        if change.event != event.kind:
            result.false_events.append(f"{label}: the change was {change.kind}")
            continue
        if change.kind == "reject" and (event.details or {}).get("reason") != change.reason:
            result.misclassified.append(f"{label}: reason {event.details}, was {change.reason}")
        if id(change) in claimed:
            result.false_events.append(f"{label}: duplicate of #{claimed[id(change)]}")
            continue
        if change.kind in ("publish", "restore_channel"):
            history = by_target[target]
            previous = history[history.index(change) - 1] if history.index(change) else None
            if previous is None or id(previous) not in matched:
                result.false_events.append(f"{label}: restored, but nothing was reported gone")
                continue
        claimed[id(change)] = event.id
        matched[id(change)] = event

    # Every change that lasted long enough to be seen raised its event.
    for target, history in by_target.items():
        for position, change in enumerate(history):
            ends = [c.at for c in history[position + 1 :]]
            if change.video_id is not None:
                # A channel terminated after the change ends the window for its videos too.
                ends += [
                    c.at for c in channel_changes.get(change.channel_id, []) if c.at > change.at
                ]
            until = min(ends, default=None)
            seen = sum(
                1
                for at in scans.get(change.channel_id, [])
                if at > change.at and (until is None or at < until)
            )
            needed = confirm_scans if change.kind in CONFIRMED_CHANGES else 1
            due = seen >= needed
            if change.kind in ("publish", "restore_channel"):
                # A restore is an event only if the disappearance before it was reported.
                previous = history[position - 1] if position else None
                due = due and previous is not None and id(previous) in matched
            if change.kind in DISAPPEARANCES and due:
                result.disappearances += 1
                if id(change) in matched:
                    result.disappearances_found += 1
            if due and id(change) not in matched:
                result.missed.append(
                    f"{change.kind} of {target} (cycle {change.cycle}, {seen} scans after)"
                )


def _check_deliveries(
    result: Check,
    events: list[Any],
    deliveries: Mapping[int, Any],
    posts: list[Recorded],
    floor: Severity,
) -> None:
    accepted: Counter[int] = Counter()
    for post in posts:
        result.posts += 1
        if not 200 <= post.status < 300:
            result.posts_refused += 1
            continue
        ids = _event_ids_of(post)
        if not ids:
            result.unknown_posts += 1
        accepted.update(ids)
    known = {event.id for event in events}
    result.unknown_posts += sum(1 for event_id in accepted if event_id not in known)
    for event in events:
        label = f"#{event.id} {event.kind} {event.video_id or event.channel_id}"
        delivery = deliveries.get(event.id)
        severity = severity_of(event.kind)
        high = severity >= Severity.high
        result.high_events += high
        if delivery is None:
            result.lost.append(f"{label}: no outbox row")
            continue
        if delivery.status == "suppressed":
            result.suppressed += 1
            allowed = (SUPPRESSED_SEVERITY, SUPPRESSED_FLAPPING)
            if severity >= floor and delivery.last_error != SUPPRESSED_FLAPPING:
                result.lost.append(f"{label}: suppressed ({delivery.last_error})")
            elif delivery.last_error not in allowed:
                result.lost.append(f"{label}: suppressed for {delivery.last_error}")
            if accepted[event.id]:
                result.duplicated.append(f"{label}: suppressed yet posted")
            continue
        if delivery.status != "sent":
            result.lost.append(f"{label}: delivery {delivery.status} ({delivery.last_error})")
            continue
        result.sent_events += 1
        if accepted[event.id] == 1:
            result.delivered_once += 1
            result.high_delivered_once += high
        elif accepted[event.id] == 0:
            result.lost.append(f"{label}: marked sent, never accepted by the webhook")
        else:
            result.duplicated.append(f"{label}: accepted {accepted[event.id]} times")


# --- the soak -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SoakConfig:
    channels: int = 100
    fault_cycles: int = 24
    clean_cycles: int = 3
    changes_per_cycle: int = 8
    error_rate: float = 0.10
    slow_rate: float = 0.05
    slack_failure_rate: float = 1 / 3
    confirm_scans: int = 2
    http_max_retries: int = 0
    concurrency: int = 4
    seed: int = 2026


@dataclass(slots=True)
class SoakResult:
    config: SoakConfig
    check: Check
    changes: Counter[str]
    scans: Counter[str]
    faults: dict[str, int]
    videos: int
    seconds: float
    dispatch_errors: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [*self.dispatch_errors, *self.check.problems]


def _fleet(world: World, config: SoakConfig) -> list[str]:
    """Channels of 10-40 videos, one in ten of 120-200 (several pages to walk and verify)."""
    rng = random.Random(config.seed)
    ids = []
    for index in range(config.channels):
        channel = world.add_channel(handle=f"@soak{index:04d}", title=f"Soak channel {index}")
        size = rng.randint(120, 200) if index % 10 == 9 else rng.randint(10, 40)
        world.generate_videos(channel.id, size, seed=config.seed + index)
        ids.append(channel.id)
    return ids


def _scripted_slack(slack: SlackStub, rate: float, seed: int, count: int = 50_000) -> None:
    """Queue the webhook's answers: ``rate`` of them 500, 503 or 429 (Retry-After 1), else ok."""
    rng = random.Random(seed)
    for _ in range(count):
        if rng.random() < rate:
            status = rng.choice((500, 503, 429))
            if status == 429:
                slack.answer_next(1, 429, "rate_limited", Retry_After="1")
            else:
                slack.answer_next(1, status, "server_error")
        else:
            slack.answer_next(1, 200, "ok")


def run_soak(config: SoakConfig, log_dir: Path | None = None) -> SoakResult:
    """Run the soak on a fresh PostgreSQL database and Redis namespace; check; report."""
    started = time.perf_counter()
    prefix = f"soak:{uuid.uuid4().hex[:8]}:"
    world = World(daily_quota=1_000_000_000)
    channel_ids = _fleet(world, config)
    maker = ChangeMaker(world, channel_ids, config.seed)
    scans: Counter[str] = Counter()
    errors: list[str] = []
    with (
        tempfile.TemporaryDirectory() as scratch,
        fresh_database("postgresql") as url,
        FakeYouTube(world).start() as fake,
        SlackStub() as slack,
    ):
        logs = log_dir or Path(scratch)
        engine = get_engine(url)
        track_channels(engine, channel_ids)
        env = tracker_env(
            url,
            prefix,
            fake,
            CONFIRM_SCANS=str(config.confirm_scans),
            HTTP_MAX_RETRIES=str(config.http_max_retries),
            HTTP_TIMEOUT_S="1",
            SLACK_WEBHOOK_URL=slack.url,
            SLACK_MAX_ATTEMPTS="20",
            SLACK_TIMEOUT_S="5",
            # One message per event, so that each post can be counted by its event id
            # (grouping has its own tests in tests/notify).
            SLACK_GROUP_THRESHOLD="1000",
        )
        _scripted_slack(slack, config.slack_failure_rate, config.seed)
        try:
            with (
                function("scan_channel", env, logs) as scan,
                function("notify", env, logs) as notify,
                function(
                    "dispatch",
                    {
                        **env,
                        "SCAN_URL": scan.url,
                        "NOTIFY_URL": notify.url,
                        "SCAN_CONCURRENCY": str(config.concurrency),
                        "SCAN_BATCH_SIZE": str(config.channels),
                        "SCAN_CALL_TIMEOUT_S": "120",
                    },
                    logs,
                ) as dispatch,
            ):
                total = config.fault_cycles + config.clean_cycles
                fault_posts: list[Recorded] = []
                for cycle in range(total):
                    faulty = cycle < config.fault_cycles
                    if faulty:
                        # Alternately slow and slower than HTTP_TIMEOUT_S (a timeout).
                        world.faults.configure(
                            error_rate=config.error_rate,
                            slow_rate=config.slow_rate,
                            slow_seconds=0.3 if cycle % 2 else 1.5,
                            seed=config.seed + cycle,
                        )
                    else:
                        if cycle == config.fault_cycles:
                            fault_posts = list(slack.requests)
                        world.faults.clear()
                        slack.heal()
                    if 0 < cycle < config.fault_cycles:
                        maker.apply(
                            cycle,
                            config.changes_per_cycle,
                            baselined(engine),
                            terminate=2 if cycle == config.fault_cycles // 3 else 0,
                            restore=1 if cycle == 2 * config.fault_cycles // 3 else 0,
                        )
                    make_everything_due(engine)
                    answer = httpx.post(
                        dispatch.url,
                        json={},
                        headers={"Authorization": f"Bearer {DISPATCH_TOKEN}"},
                        timeout=600,
                    )
                    if answer.status_code != 200:
                        errors.append(f"cycle {cycle}: dispatch {answer.status_code}")
                        continue
                    summary = answer.json()
                    counts = summary["counts"]
                    scans.update({k: counts[k] for k in ("scanned", "failed", "locked")})
                    notify_answer = summary.get("notify") or {}
                    if notify_answer.get("error"):
                        errors.append(f"cycle {cycle}: notify {notify_answer['error']}")
                    if not faulty and counts["scanned"] != config.channels:
                        errors.append(f"clean cycle {cycle}: {counts}")
            snapshot = world.faults.snapshot()["injected"]
            result_check = check(
                engine,
                world,
                maker.changes,
                list(slack.requests),
                confirm_scans=config.confirm_scans,
            )
        finally:
            drop_redis_prefix(prefix)
    return SoakResult(
        config=config,
        check=result_check,
        changes=Counter(change.kind for change in maker.changes),
        scans=scans,
        faults={
            "api_errors": snapshot["errors"],
            "slow_answers": snapshot["slow"],
            "slack_posts": len(fault_posts),
            "slack_refused": sum(1 for post in fault_posts if post.status >= 300),
        },
        videos=world.counts()["videos"],
        seconds=time.perf_counter() - started,
        dispatch_errors=errors,
    )


def report(result: SoakResult) -> str:
    """The soak's figures as Markdown tables (for docs/benchmarks.md)."""
    c, config = result.check, result.config
    run: list[list[object]] = [
        ["channels / videos", f"{config.channels} / {result.videos}"],
        ["cycles (with faults + clean)", f"{config.fault_cycles} + {config.clean_cycles}"],
        [
            "scans: scanned / failed (faults) / locked",
            "{scanned} / {failed} / {locked}".format(
                **{k: result.scans.get(k, 0) for k in ("scanned", "failed", "locked")}
            ),
        ],
        [
            "fake YouTube: 5xx injected / slow answers",
            "{api_errors} / {slow_answers}".format(**result.faults),
        ],
        ["real changes made", ", ".join(f"{k} {v}" for k, v in sorted(result.changes.items()))],
        ["events by kind", ", ".join(f"{k} {v}" for k, v in sorted(c.events_by_kind.items()))],
        [
            "webhook posts in the fault phase: total / refused",
            "{slack_posts} / {slack_refused}".format(**result.faults),
        ],
        ["webhook posts in all: total / refused", f"{c.posts} / {c.posts_refused}"],
        ["wall time", f"{result.seconds:.0f} s"],
    ]
    outcome: list[list[object]] = [
        ["videos compared with YouTube's final state", c.videos_compared],
        ["state mismatches", len(c.state_mismatches)],
        ["real disappearances (confirmable)", c.disappearances],
        ["found and classified", c.disappearances_found],
        ["missed", len(c.missed)],
        ["misclassified", len(c.misclassified)],
        ["false events", len(c.false_events)],
        ["events sent / delivered exactly once", f"{c.sent_events} / {c.delivered_once}"],
        [
            "high-severity events / delivered exactly once",
            f"{c.high_events} / {c.high_delivered_once}",
        ],
        ["lost deliveries", len(c.lost)],
        ["duplicated deliveries", len(c.duplicated)],
    ]
    lines = [table(["run", "value"], run), "", table(["check", "result"], outcome)]
    problems = result.problems
    lines += ["", "PASS: no problems" if not problems else f"FAIL: {len(problems)} problems"]
    lines += [f"  - {p}" for p in problems[:50]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    defaults = SoakConfig()
    parser.add_argument("--channels", type=int, default=defaults.channels)
    parser.add_argument("--cycles", type=int, default=defaults.fault_cycles)
    parser.add_argument("--clean-cycles", type=int, default=defaults.clean_cycles)
    parser.add_argument("--changes", type=int, default=defaults.changes_per_cycle)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    args = parser.parse_args()
    config = SoakConfig(
        channels=args.channels,
        fault_cycles=args.cycles,
        clean_cycles=args.clean_cycles,
        changes_per_cycle=args.changes,
        seed=args.seed,
    )
    result = run_soak(config)
    print(
        f"soak: functions-framework dispatch + scan_channel + notify over HTTP, PostgreSQL, "
        f"Redis; {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(report(result))
    sys.exit(1 if result.problems else 0)


if __name__ == "__main__":
    main()
