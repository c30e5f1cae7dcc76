"""The scan_channel function over HTTP: auth, validation, outcomes and status codes."""

from __future__ import annotations

import os

import pytest
from flask.testing import FlaskClient

from common.fake_youtube import FakeYouTube
from common.settings import reset_settings
from tests.functions.conftest import client_for
from tests.support import Tracker

TOKEN = "service-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def client(tracker: Tracker) -> FlaskClient:
    os.environ["SERVICE_TOKEN"] = TOKEN
    reset_settings()
    return client_for("scan_channel")


@pytest.fixture
def channel_id(tracker: Tracker) -> str:
    channel = tracker.fake.world.add_channel(handle="@functional")
    tracker.fake.world.generate_videos(channel.id, 30, seed=1)
    tracker.track(channel.id)
    return channel.id


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"Authorization": "Basic x"}],
)
def test_refuses_missing_or_wrong_credentials(client: FlaskClient, headers: dict[str, str]) -> None:
    answer = client.post("/", json={"channel_id": "UC" + "a" * 22}, headers=headers)
    assert answer.status_code == 401
    assert answer.json == {
        "error": {"code": "unauthorized", "message": "missing or wrong bearer token"}
    }


def test_scans_and_reports(client: FlaskClient, channel_id: str, fake: FakeYouTube) -> None:
    answer = client.post("/", json={"channel_id": channel_id}, headers=AUTH)
    assert answer.status_code == 200
    body = answer.json
    assert body["outcome"] == "scanned"
    assert body["full_walk"] is True
    assert body["quota_units"] == 3  # baseline: one page, one videos.list, one channels.list
    assert body["event_ids"] == []
    fake.world.upload(channel_id, title="fresh")
    body = client.post("/", json={"channel_id": channel_id}, headers=AUTH).json
    assert body["quota_units"] == 2  # steady state: ceil(31/50) + 1
    assert len(body["event_ids"]) == 1
    assert body["counts"]["new"] == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ("{not json", None),
        ("[1, 2]", None),
        ('{"channel_id": 5}', "channel_id"),
        ('{"channel_id": "UCshort"}', "channel_id"),
        ('{"channel_id": "UC' + "a" * 22 + '", "extra": 1}', "extra"),
        ("{}", "channel_id"),
        # Nested deeper than the JSON decoder's recursion limit, yet under the size limit.
        ("[" * 60_000, None),
        ('{"channel_id": ' + "[" * 30_000 + "]" * 30_000 + "}", None),
    ],
)
def test_malformed_bodies_are_400_naming_the_field(
    client: FlaskClient, data: str, field: str | None
) -> None:
    answer = client.post("/", data=data, headers=AUTH, content_type="application/json")
    assert answer.status_code == 400
    error = answer.json["error"]
    assert error["code"] == "invalid_input"
    assert error.get("field") == field


def test_unknown_channel_is_404(client: FlaskClient) -> None:
    answer = client.post("/", json={"channel_id": "UC" + "z" * 22}, headers=AUTH)
    assert answer.status_code == 404
    assert answer.json["error"]["code"] == "not_found"


def test_youtube_failure_is_503_and_nothing_else_is_written(
    client: FlaskClient, channel_id: str, fake: FakeYouTube, tracker: Tracker
) -> None:
    fake.world.faults.fail_next(20, status=500)
    answer = client.post("/", json={"channel_id": channel_id}, headers=AUTH)
    assert answer.status_code == 503
    assert answer.json["outcome"] == "failed"
    assert tracker.video_count(channel_id) == 0


def test_get_is_405(client: FlaskClient) -> None:
    answer = client.get("/", headers=AUTH)
    assert answer.status_code == 405
    assert "POST" in answer.json["error"]["message"]


def test_without_a_configured_token_every_request_is_refused(tracker: Tracker) -> None:
    client = client_for("scan_channel")
    answer = client.post("/", json={"channel_id": "UC" + "a" * 22}, headers=AUTH)
    assert answer.status_code == 500
    assert "SERVICE_TOKEN" in answer.json["error"]["message"]
