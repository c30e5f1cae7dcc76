"""The notify function over HTTP: auth (bearer or admin basic), validation, the three modes."""

from __future__ import annotations

import base64
import os

import pytest
from flask.testing import FlaskClient

from common.settings import reset_settings
from tests.functions.conftest import client_for
from tests.notify.slack_stub import SlackStub
from tests.support import Tracker

TOKEN = "service-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ADMIN = {"Authorization": "Basic " + base64.b64encode(b"admin:hunter2").decode()}


@pytest.fixture
def client(tracker: Tracker, slack: SlackStub) -> FlaskClient:
    os.environ.update(SERVICE_TOKEN=TOKEN, ADMIN_USERNAME="admin", ADMIN_PASSWORD="hunter2")
    reset_settings()
    return client_for("notify")


@pytest.fixture
def slack() -> SlackStub:
    with SlackStub() as stub:
        os.environ["SLACK_WEBHOOK_URL"] = stub.url
        reset_settings()
        yield stub


def deleted_in_one_scan(tracker: Tracker, n: int) -> str:
    world = tracker.fake.world
    channel = world.add_channel(handle="@function", title="Function Channel")
    ids = world.generate_videos(channel.id, 10, seed=9)
    tracker.track(channel.id)
    tracker.scan(channel.id)
    for video_id in ids[:n]:
        world.reject(video_id, "copyright")
    tracker.scan(channel.id)
    return channel.id


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": TOKEN},
        {"Authorization": "Basic " + base64.b64encode(b"admin:wrong").decode()},
    ],
)
def test_refuses_missing_or_wrong_credentials(client: FlaskClient, headers: dict[str, str]) -> None:
    answer = client.post("/", json={}, headers=headers)
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("headers", [AUTH, ADMIN])
def test_delivers_pending_events_and_answers_a_summary(
    client: FlaskClient, tracker: Tracker, slack: SlackStub, headers: dict[str, str]
) -> None:
    deleted_in_one_scan(tracker, 2)
    answer = client.post("/", json={"mode": "deliver"}, headers=headers)
    assert answer.status_code == 200
    assert answer.json == {
        "mode": "deliver",
        "destination": "slack",
        "messages": 2,
        "sent": 2,
        "retried": 0,
        "failed": 0,
        "suppressed": 0,
        "deferred": 0,
        "errors": [],
    }
    assert len(slack.requests) == 2
    # An empty body means deliver; nothing is left to send.
    again = client.post("/", headers=AUTH)
    assert (again.status_code, again.json["messages"]) == (200, 0)


def test_an_outage_is_reported_in_the_summary_not_as_an_error(
    client: FlaskClient, tracker: Tracker, slack: SlackStub
) -> None:
    deleted_in_one_scan(tracker, 2)
    slack.answer_always(503, "service_unavailable")
    answer = client.post("/", json={}, headers=AUTH)
    assert answer.status_code == 200
    assert (answer.json["retried"], answer.json["deferred"]) == (1, 1)
    assert answer.json["errors"] == ["HTTP 503: service_unavailable"]


def test_test_mode_posts_one_message(client: FlaskClient, slack: SlackStub) -> None:
    answer = client.post("/", json={"mode": "test"}, headers=AUTH)
    assert (answer.status_code, answer.json["messages"]) == (200, 1)
    [request] = slack.requests
    assert "ytdt test message" in request.blob


def test_test_mode_reports_a_dead_webhook(client: FlaskClient, slack: SlackStub) -> None:
    slack.answer_next(1, 404, "no_service")
    answer = client.post("/", json={"mode": "test"}, headers=AUTH)
    assert answer.status_code == 502
    assert answer.json["error"]["code"] == "upstream_error"
    assert "no_service" in answer.json["error"]["message"]
    slack.refuse()
    answer = client.post("/", json={"mode": "test"}, headers=AUTH)
    assert answer.status_code == 503


def test_digest_mode_with_since(client: FlaskClient, tracker: Tracker, slack: SlackStub) -> None:
    deleted_in_one_scan(tracker, 3)
    client.post("/", json={}, headers=AUTH)
    answer = client.post(
        "/", json={"mode": "digest", "since": "2000-01-01T00:00:00Z"}, headers=ADMIN
    )
    assert (answer.status_code, answer.json["mode"], answer.json["messages"]) == (200, "digest", 1)
    digest = slack.requests[-1]
    assert "Digest: 2000-01-01 00:00 UTC" in digest.blob
    assert "Video removed by YouTube: 3" in digest.blob


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ("{not json", None),
        ("[1]", None),
        ('{"mode": "shout"}', "mode"),
        ('{"mode": "deliver", "extra": 1}', "extra"),
        ('{"mode": "digest", "since": "yesterday"}', "since"),
        ('{"mode": "deliver", "since": "2026-12-01"}', "since"),
        ('{"mode": "digest", "since": "2999-01-01"}', "since"),
        # Instants that exist in their own offset but not in UTC, and a number for a date.
        ('{"mode": "digest", "since": "0001-01-01T00:00:00+14:00"}', "since"),
        ('{"mode": "digest", "since": "9999-12-31T23:59:59-12:00"}', "since"),
        ('{"mode": "digest", "since": 86400}', "since"),
    ],
)
def test_malformed_bodies_are_400_naming_the_field(
    client: FlaskClient, data: str, field: str | None
) -> None:
    answer = client.post("/", data=data, headers=AUTH, content_type="application/json")
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "invalid_input"
    assert answer.json["error"].get("field") == field


def test_get_is_405(client: FlaskClient) -> None:
    answer = client.get("/", headers=AUTH)
    assert answer.status_code == 405


def test_without_a_webhook_the_messages_go_to_the_log(
    tracker: Tracker, caplog: pytest.LogCaptureFixture
) -> None:
    os.environ["SERVICE_TOKEN"] = TOKEN
    reset_settings()
    deleted_in_one_scan(tracker, 1)
    with caplog.at_level("INFO"):
        answer = client_for("notify").post("/", json={}, headers=AUTH)
    assert (answer.json["destination"], answer.json["messages"]) == ("console", 1)
    assert any("Video removed by YouTube" in r.getMessage() for r in caplog.records)


def test_without_credentials_configured_every_request_is_refused(tracker: Tracker) -> None:
    answer = client_for("notify").post("/", json={}, headers=AUTH)
    assert answer.status_code == 500
    assert "SERVICE_TOKEN" in answer.json["error"]["message"]
