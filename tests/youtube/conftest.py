"""Fixtures of the YouTube client tests: recorded answers, a mocked API, a recording client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from common.youtube import YouTubeClient

# CI clones the repository with shared/ beside it: always go through the repository's parent.
FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "youtube-api"
API = "https://www.googleapis.com/youtube/v3"
OEMBED = "https://www.youtube.com/oembed"
FEED = "https://www.youtube.com/feeds/videos.xml"
KEY = "AIzaSyTEST-0123456789abcdefghijklmnopqr"


def fixture_json(name: str) -> Any:
    return json.loads((FIXTURES / name).read_bytes())


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def video_ids(n: int, prefix: str = "v") -> list[str]:
    """``n`` distinct well-formed 11-character video ids."""
    return [f"{prefix}{i:010d}" for i in range(n)]


def video_item(video_id: str, **status: Any) -> dict[str, Any]:
    return {
        "kind": "youtube#video",
        "id": video_id,
        "snippet": {"title": f"title {video_id}", "publishedAt": "2024-01-02T03:04:05Z"},
        "status": {"privacyStatus": "public", "uploadStatus": "processed", **status},
    }


def video_list(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "kind": "youtube#videoListResponse",
        "items": items,
        "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)},
    }


@dataclass
class Recorder:
    """Records the costs the client reports and the pauses it asks for."""

    costs: list[tuple[str, int]] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)

    def on_cost(self, method: str, units: int) -> None:
        self.costs.append((method, units))

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    """Every request must hit a declared route: an unexpected call fails the test."""
    with respx.mock(assert_all_called=False) as router:
        yield router


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as client:
        yield client


@pytest.fixture
def client(api: respx.MockRouter, http: httpx.Client, recorder: Recorder) -> YouTubeClient:
    return YouTubeClient(http, KEY, on_cost=recorder.on_cost, sleep=recorder.sleep)
