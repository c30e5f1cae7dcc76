"""``ytdt serve`` as a user runs it: a subprocess serving every function, wired together."""

from __future__ import annotations

import os
import queue
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, update

from common import runtime
from common.channels import add_channel
from common.db import get_engine
from common.fake_youtube import FakeYouTube
from common.migrate import migrate
from common.models import Channel, Event, ScanRun
from common.serve import discover_functions, plan_serve
from tests.notify.slack_stub import SlackStub
from tests.support import point_at

REPO = Path(__file__).resolve().parents[2]
YTDT = Path(sys.executable).parent / "ytdt"


def free_base(count: int) -> int:
    """A base port with ``count`` free ports after it.

    Below Linux's ephemeral range (32768-60999): a port there that is free now can be taken by
    any outgoing connection (to PostgreSQL, Redis, the fake) before serve binds it.
    """
    for _ in range(50):
        base = random.randint(20_000, 32_000)
        try:
            for port in range(base, base + count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no run of free ports")


@dataclass
class Serve:
    """A running ``ytdt serve`` and what it printed."""

    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    _queue: queue.Queue[str | None] = field(default_factory=queue.Queue)

    def read(self) -> None:
        assert self.process.stdout is not None
        with self.process.stdout:
            for line in self.process.stdout:
                self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, pattern: str, timeout_s: float = 120.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"serve exited before {pattern!r}:\n" + "\n".join(self.lines))
            self.lines.append(line)
            match = re.search(pattern, line)
            if match:
                return match
        raise AssertionError(f"no {pattern!r} in {timeout_s}s:\n" + "\n".join(self.lines))

    def drain(self) -> str:
        while True:
            try:
                line = self._queue.get(timeout=5)
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
        return "\n".join(self.lines)

    def urls(self) -> dict[str, str]:
        found = (re.match(r"\s+(\w+)\s+(http://\S+)\s+\(pid (\d+)\)", line) for line in self.lines)
        return {m[1]: m[2] for m in found if m}

    def pids(self) -> dict[str, int]:
        found = (re.match(r"\s+(\w+)\s+(http://\S+)\s+\(pid (\d+)\)", line) for line in self.lines)
        return {m[1]: int(m[3]) for m in found if m}


@pytest.fixture
def serve_env(tmp_path: Path) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("YOUTUBE_", "REDIS_", "SCAN_", "ADMIN_", "SLACK_", "NOTIFY_"))
        and name not in ("SERVICE_TOKEN", "DISPATCH_TOKEN")
    }
    env.update(LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1", THREADS="4")
    return env


@pytest.fixture
def start_serve(serve_env: dict[str, str], tmp_path: Path) -> Iterator[object]:
    started: list[Serve] = []

    def start(*args: str, **env: str) -> Serve:
        process = subprocess.Popen(
            [str(YTDT), "serve", *args],
            env={**serve_env, **env},
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        serve = Serve(process)
        threading.Thread(target=serve.read, daemon=True).start()
        started.append(serve)
        return serve

    yield start
    for serve in started:
        if serve.process.poll() is None:
            serve.process.send_signal(signal.SIGTERM)
            try:
                serve.process.wait(30)
            except subprocess.TimeoutExpired:
                serve.process.kill()
                serve.process.wait(10)


def answers(url: str) -> bool:
    try:
        httpx.get(url, timeout=1.0)
    except httpx.TransportError:
        return False
    return True


def test_serve_runs_every_function_and_a_dispatch_scans_detects_and_posts_to_slack(
    start_serve: object, fake: FakeYouTube, serve_env: dict[str, str], tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path / 'served.db'}"
    os.environ["DATABASE_URL"] = database_url
    point_at(fake)
    migrate(database_url)
    engine = get_engine(database_url)
    channels = []
    for index in range(2):
        channel = fake.world.add_channel(handle=f"@served{index}", title=f"Served {index}")
        fake.world.generate_videos(channel.id, 12, seed=index)
        add_channel(engine, runtime.youtube_client(), channel.id)
        channels.append(channel.id)
    victim = fake.world.uploads(channels[0])[3]

    with SlackStub() as slack:
        serve = start_serve(  # type: ignore[operator]
            "--port",
            str(free_base(5)),
            DATABASE_URL=database_url,
            YOUTUBE_API_KEY="served-key",
            YOUTUBE_API_BASE_URL=fake.api_base_url,
            YOUTUBE_OEMBED_URL=fake.oembed_url,
            YOUTUBE_FEED_URL=fake.feed_url,
            SLACK_WEBHOOK_URL=slack.url,
            CONFIRM_SCANS="1",
        )
        token = serve.wait_for(r"DISPATCH_TOKEN=(\S+)")[1]
        names = discover_functions(REPO / "functions")
        serve.wait_for(rf"^ready: {len(names)} functions answer")
        urls = serve.urls()
        assert set(urls) == set(names) >= {"admin", "dispatch", "scan_channel", "notify"}
        auth = {"Authorization": f"Bearer {token}"}

        baseline = httpx.post(urls["dispatch"], json={}, headers=auth, timeout=60)
        assert baseline.status_code == 200, baseline.text
        assert baseline.json()["counts"]["scanned"] == 2

        fake.world.delete(victim.id)
        with engine.begin() as conn:  # an hour later: both channels are due again
            conn.execute(update(Channel).values(next_scan_at=None))
        second = httpx.post(urls["dispatch"], json={}, headers=auth, timeout=60)
        assert second.status_code == 200, second.text
        body = second.json()
        assert body["counts"]["scanned"] == 2
        assert body["notify"]["called"] is True

        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(ScanRun)) == 4
            kinds = conn.execute(select(Event.kind, Event.video_id)).all()
        assert ("deleted", victim.id) in kinds
        assert len(slack.delivered) == 1
        assert victim.title in slack.delivered[0].blob
        # The served scans archived the thumbnails in this test's folder, not in the repository.
        assert len(list((tmp_path / "archive" / "thumbnails").glob("*/*.jpg"))) == 24

        scan_metrics = httpx.get(urls["scan_channel"] + "metrics").text
        assert 'ytdt_scans_total{outcome="scanned"} 4.0' in scan_metrics
        for name in names:  # each answers its own /metrics, so Fly's scraper finds them all
            assert httpx.get(urls[name] + "metrics").status_code == 200, name

    serve.process.send_signal(signal.SIGTERM)
    assert serve.process.wait(60) == 0
    assert "all functions stopped" in serve.drain()
    assert not any(answers(url) for url in urls.values())


def test_a_function_that_dies_stops_serve_with_an_error(
    start_serve: object, tmp_path: Path
) -> None:
    serve = start_serve(  # type: ignore[operator]
        "--port", str(free_base(2)), "--only", "health", "scan_channel"
    )
    serve.wait_for(r"^ready: 2 functions answer")
    urls, pids = serve.urls(), serve.pids()
    os.kill(pids["scan_channel"], signal.SIGKILL)
    assert serve.process.wait(60) == 1
    output = serve.drain()
    assert "scan_channel exited" in output
    assert "stopping the others" in output
    assert not answers(urls["health"])


def test_a_busy_port_or_an_unknown_function_is_refused_before_anything_starts(
    serve_env: dict[str, str],
) -> None:
    base = free_base(5)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", base + 2))
        busy.listen()
        result = subprocess.run(
            [str(YTDT), "serve", "--port", str(base)],
            env=serve_env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert f"port {base + 2} (for dispatch) is not free" in result.stderr
    unknown = subprocess.run(
        [str(YTDT), "serve", "--only", "nope"],
        env=serve_env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert unknown.returncode == 2
    assert "no such function: nope" in unknown.stderr


def test_the_plan_wires_dispatch_to_scan_and_notify_and_keeps_chosen_credentials(
    tmp_path: Path,
) -> None:
    for name in ("notify", "scan_channel", "dispatch", "health", "admin"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "main.py").write_text("")
    plan = plan_serve({"DISPATCH_TOKEN": "mine"}, tmp_path, base_port=9000)
    assert plan.ports == {
        "admin": 9000,
        "health": 9001,
        "dispatch": 9002,
        "scan_channel": 9003,
        "notify": 9004,
    }
    assert plan.env["SCAN_URL"] == "http://127.0.0.1:9003/"
    assert plan.env["NOTIFY_URL"] == "http://127.0.0.1:9004/"
    assert plan.env["DISPATCH_TOKEN"] == "mine"
    assert set(plan.generated) == {"SERVICE_TOKEN", "ADMIN_PASSWORD"}
    assert len(plan.env["SERVICE_TOKEN"]) >= 32
    alone = plan_serve({"SCAN_URL": "http://elsewhere/"}, tmp_path, only=["dispatch"])
    assert "SCAN_URL" not in alone.env  # no scan_channel here: dispatch scans in its process
