"""Dispatch benchmark: channels scanned per second through the HTTP fan-out.

For each concurrency, a fresh PostgreSQL database and Redis namespace, 200 channels of 50 videos
on the fake YouTube API, and a real ``functions-framework`` (gunicorn) process serving
``scan_channel``; the dispatcher (in this process) calls it over HTTP. Two runs: the baselines
(first scans, every video new) and a steady-state run (every channel due again).

Run: ``python -m bench.dispatch`` (PostgreSQL on 127.0.0.1:5432, Redis on 127.0.0.1:6379).
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import redis
from sqlalchemy import insert, update

from bench.harness import fresh_database, table, tracker_against_fake
from common import runtime
from common.fake_youtube import FakeYouTube
from common.models import Channel
from common.settings import reset_settings

REPO = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
TOKEN = "bench-service-token"  # noqa: S105 - a local benchmark's throwaway token


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def scan_channel_process(workers: int, threads: int) -> Iterator[str]:
    """``functions-framework`` serving scan_channel with this process's settings; its URL."""
    port = _free_port()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "functions-framework"),
            "--target=scan_channel",
            f"--source={REPO / 'functions' / 'scan_channel' / 'main.py'}",
            "--host=127.0.0.1",
            f"--port={port}",
        ],
        env={**os.environ, "WORKERS": str(workers), "THREADS": str(threads), "LOG_LEVEL": "ERROR"},
        cwd=REPO,
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("scan_channel did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(15)


def add_channels(fake: FakeYouTube, count: int, videos: int) -> None:
    ids = []
    for index in range(count):
        channel = fake.world.add_channel(handle=f"@bench{index:05d}")
        fake.world.generate_videos(channel.id, videos, seed=index)
        ids.append(channel.id)
    now = datetime.now(UTC)
    with runtime.database().begin() as conn:
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
                for channel_id in ids
            ],
        )


def measure(concurrency: int, channels: int, videos: int, workers: int) -> dict[str, float]:
    prefix = f"bench:{uuid.uuid4().hex[:8]}:"
    settings = {
        "REDIS_URL": REDIS_URL,
        "REDIS_KEY_PREFIX": prefix,
        "SERVICE_TOKEN": TOKEN,
        "SCAN_CONCURRENCY": str(concurrency),
        "SCAN_BATCH_SIZE": str(channels),
        "LOG_LEVEL": "ERROR",
    }
    client = redis.Redis.from_url(REDIS_URL)
    try:
        with (
            fresh_database("postgresql") as url,
            tracker_against_fake(url, **settings) as fake,
            scan_channel_process(workers, threads=max(8, concurrency)) as scan_url,
        ):
            add_channels(fake, channels, videos)
            os.environ["SCAN_URL"] = scan_url
            reset_settings()
            dispatcher = runtime.dispatcher()
            started = time.perf_counter()
            baseline = dispatcher.dispatch()
            baseline_s = time.perf_counter() - started
            with runtime.database().begin() as conn:
                past = datetime.now(UTC) - timedelta(seconds=1)
                conn.execute(update(Channel).values(next_scan_at=past))
            started = time.perf_counter()
            steady = dispatcher.dispatch()
            steady_s = time.perf_counter() - started
    finally:
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
        client.close()
    for summary in (baseline, steady):
        assert summary.counts["scanned"] == channels, summary.as_dict()["counts"]
    return {
        "baseline_s": baseline_s,
        "steady_s": steady_s,
        "baseline_units": baseline.quota_spent,
        "steady_units": steady.quota_spent,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--channels", type=int, default=200)
    parser.add_argument("--videos", type=int, default=50)
    parser.add_argument("--concurrency", default="1,4,8")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of scan_channel")
    args = parser.parse_args()
    rows = []
    for concurrency in (int(c) for c in args.concurrency.split(",")):
        m = measure(concurrency, args.channels, args.videos, args.workers)
        rows.append(
            [
                concurrency,
                f"{args.channels / m['baseline_s']:.1f}",
                f"{args.channels / m['steady_s']:.1f}",
                f"{m['baseline_s']:.2f}",
                f"{m['steady_s']:.2f}",
                int(m["steady_units"]),
            ]
        )
    print(
        f"dispatch benchmark: {args.channels} channels x {args.videos} videos, HTTP fan-out to "
        f"functions-framework scan_channel ({args.workers} gunicorn workers), PostgreSQL, Redis; "
        f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(
        table(
            [
                "concurrency",
                "baseline ch/s",
                "steady-state ch/s",
                "baseline s",
                "steady s",
                "steady units",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
