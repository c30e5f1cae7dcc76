"""Fixtures: a world on a fixed clock, the fake server on a free port, an httpx client."""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from common.fake_youtube import Clock, FakeYouTube, World

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "youtube-api"
# 05:00 in Los Angeles (PDT): seven hours before the quota day ends.
START = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
KEY = "test-key"

Api = Callable[..., httpx.Response]


def load_fixture(name: str) -> Any:
    """A recorded YouTube response."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
def world() -> World:
    """An empty world whose clock stands at START until advanced."""
    return World(clock=Clock(now=lambda: START))


@pytest.fixture
def fake(world: World) -> Iterator[FakeYouTube]:
    """The fake serving ``world`` on 127.0.0.1 and a free port."""
    with FakeYouTube(world) as server:
        yield server


@pytest.fixture
def fake_url(fake: FakeYouTube) -> str:
    """The fake's base URL, for tests that build their own client."""
    return fake.base_url


@pytest.fixture(scope="session")
def tls() -> ssl.SSLContext:
    """One TLS context for all clients: building one per client loads the CA file (~0.1 s)."""
    return ssl.create_default_context()


@pytest.fixture
def client(fake: FakeYouTube, tls: ssl.SSLContext) -> Iterator[httpx.Client]:
    """A client of the fake, closed before the server stops."""
    with httpx.Client(base_url=fake.base_url, timeout=10, verify=tls) as http:
        yield http


@pytest.fixture
def api(client: httpx.Client) -> Api:
    """``api("videos", id=..., part=...)``: a Data API GET with the test key unless given."""

    def call(method: str, **params: Any) -> httpx.Response:
        params.setdefault("key", KEY)
        params = {name: value for name, value in params.items() if value is not None}
        return client.get(f"/youtube/v3/{method}", params=params)

    return call
