"""Real function processes for tests: ``functions-framework`` (gunicorn) on free ports."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import redis
from sqlalchemy import Engine, insert

from common.fake_youtube import FakeYouTube
from common.models import Channel

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SERVICE_TOKEN = "service-token-for-dispatch-tests"
DISPATCH_TOKEN = "dispatch-token-for-tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tracker_env(
    database_url: str, redis_url: str, redis_prefix: str, fake: FakeYouTube, **extra: str
) -> dict[str, str]:
    """The environment of a tracker process pointed at the test's database, Redis and fake."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("YOUTUBE_", "DATABASE_", "REDIS_", "SCAN_", "ADMIN_", "SLACK_"))
    }
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        REDIS_KEY_PREFIX=redis_prefix,
        SERVICE_TOKEN=SERVICE_TOKEN,
        DISPATCH_TOKEN=DISPATCH_TOKEN,
        YOUTUBE_API_KEY="test-key",
        YOUTUBE_API_BASE_URL=fake.api_base_url,
        YOUTUBE_OEMBED_URL=fake.oembed_url,
        YOUTUBE_FEED_URL=fake.feed_url,
        HTTP_BACKOFF_S="0.001",
        HTTP_TIMEOUT_S="5",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@dataclass
class FunctionProcess:
    """A running ``functions-framework`` process serving one function."""

    process: subprocess.Popen[bytes]
    url: str

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@contextmanager
def function_process(
    name: str, env: Mapping[str, str], *, threads: int = 8, workers: int = 1
) -> Iterator[FunctionProcess]:
    """Start ``functions/<name>/main.py`` on a free port; wait until it answers; stop after."""
    port = free_port()
    command = [
        str(BIN / "functions-framework"),
        "--target",
        name,
        "--source",
        str(REPO / "functions" / name / "main.py"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    process = subprocess.Popen(
        command,
        env={**env, "THREADS": str(threads), "WORKERS": str(workers)},
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    running = FunctionProcess(process, f"http://127.0.0.1:{port}/")
    try:
        _wait_until_answering(running)
        yield running
    finally:
        running.stop()
        if process.stderr is not None:
            process.stderr.close()


def _wait_until_answering(running: FunctionProcess, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if running.process.poll() is not None:
            errors = running.process.stderr.read().decode() if running.process.stderr else ""
            raise RuntimeError(f"function process exited: {errors[-2000:]}")
        try:
            # Any HTTP answer (401 here) means the app is loaded and serving.
            httpx.get(running.url, timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"function process at {running.url} did not answer in {timeout_s}s")


def add_fleet(engine: Engine, fake: FakeYouTube, count: int, videos: int, tag: str) -> list[str]:
    """``count`` channels of ``videos`` videos on the fake, tracked (one bulk insert)."""
    ids = []
    for index in range(count):
        channel = fake.world.add_channel(handle=f"@{tag}{index:05d}", title=f"{tag} {index}")
        fake.world.generate_videos(channel.id, videos, seed=index)
        ids.append(channel.id)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(Channel),
            [
                {
                    "id": channel_id,
                    "handle": f"@{tag}{index:05d}",
                    "title": f"{tag} {index}",
                    "uploads_playlist_id": "UU" + channel_id[2:],
                    "input": channel_id,
                    "active": True,
                    "state": "active",
                    "missing_strikes": 0,
                    "consecutive_failures": 0,
                    "created_at": now,
                }
                for index, channel_id in enumerate(ids)
            ],
        )
    return ids


def new_prefix() -> str:
    return f"test:{uuid.uuid4().hex[:12]}:"


def drop_prefix(client: redis.Redis, prefix: str) -> None:
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)
