"""The dispatch function: auth, body validation, the maintenance switch, summaries, notify."""

from __future__ import annotations

import base64
import os
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from common import runtime
from common.models import Channel, DispatchRun, ScanRun
from common.settings import reset_settings
from common.timeutil import utcnow
from tests.dispatch.processes import free_port
from tests.dispatch.stub import endpoint
from tests.functions.conftest import client_for
from tests.support import Tracker

TOKEN = "dispatch-token-for-tests"
SERVICE = "service-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def basic(user: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def configure(**values: str) -> None:
    os.environ.update(values)
    reset_settings()


@pytest.fixture
def client(tracker: Tracker) -> FlaskClient:
    configure(
        DISPATCH_TOKEN=TOKEN, SERVICE_TOKEN=SERVICE, ADMIN_USERNAME="admin", ADMIN_PASSWORD="s3cret"
    )
    return client_for("dispatch")


@pytest.fixture
def channels(tracker: Tracker) -> list[str]:
    ids = []
    for index in range(5):
        channel = tracker.fake.world.add_channel(handle=f"@dispatchfn{index}")
        tracker.fake.world.generate_videos(channel.id, 5, seed=index)
        tracker.track(channel.id)
        ids.append(channel.id)
    return ids


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": TOKEN},
        {"Authorization": f"Bearer {SERVICE}"},
        basic("admin", "wrong"),
        basic("someone", "s3cret"),
        {"Authorization": "Basic !!!not-base64"},
    ],
)
def test_refuses_missing_or_wrong_credentials(client: FlaskClient, headers: dict[str, str]) -> None:
    answer = client.post("/", json={}, headers=headers)
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "unauthorized"


def test_accepts_the_dispatch_token_or_the_admin(client: FlaskClient) -> None:
    assert client.post("/", json={"dry_run": True}, headers=AUTH).status_code == 200
    answer = client.post("/", json={"dry_run": True}, headers=basic("admin", "s3cret"))
    assert answer.status_code == 200


def test_without_any_credential_configured_it_refuses_everything(tracker: Tracker) -> None:
    app = client_for("dispatch")
    answer = app.post("/", json={}, headers=AUTH)
    assert answer.status_code == 500
    assert "DISPATCH_TOKEN" in answer.json["error"]["message"]


def test_only_post(client: FlaskClient) -> None:
    assert client.get("/", headers=AUTH).status_code == 405


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ("{not json", None),
        ("[1]", None),
        ('{"max_channels": 0}', "max_channels"),
        ('{"max_channels": 10001}', "max_channels"),
        ('{"max_channels": "5"}', "max_channels"),
        ('{"max_channels": 2.5}', "max_channels"),
        ('{"dry_run": "yes"}', "dry_run"),
        ('{"channels": 5}', "channels"),
    ],
)
def test_malformed_bodies_are_400_naming_the_field(
    client: FlaskClient, data: str, field: str | None
) -> None:
    answer = client.post("/", data=data, headers=AUTH, content_type="application/json")
    assert answer.status_code == 400
    assert answer.json["error"].get("field") == field


def test_scan_disabled_answers_at_once_and_touches_nothing(
    client: FlaskClient, channels: list[str], tracker: Tracker
) -> None:
    # Not even the database: the switch is for maintenance, when it may be down.
    configure(SCAN_ENABLED="false", DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    answer = client.post("/", json={}, headers=AUTH)
    assert answer.status_code == 200
    assert answer.json["scan_enabled"] is False
    assert answer.json["counts"]["scanned"] == 0
    assert all(tracker.scan_runs(channel_id) == [] for channel_id in channels)


def test_dry_run_plans_without_scanning(
    client: FlaskClient, channels: list[str], tracker: Tracker
) -> None:
    body = client.post("/", json={"dry_run": True, "max_channels": 3}, headers=AUTH).json
    assert body["dry_run"] is True
    assert body["counts"] | {"due": 5, "planned": 3, "waiting": 2, "scanned": 0} == body["counts"]
    assert [row["outcome"] for row in body["channels"]] == ["planned"] * 3
    assert all(row["estimated_units"] == 3 for row in body["channels"])
    assert all(tracker.scan_runs(channel_id) == [] for channel_id in channels)
    with tracker.engine.connect() as conn:
        assert conn.execute(select(DispatchRun)).all() == []


def test_scans_in_process_and_reports(
    client: FlaskClient, channels: list[str], tracker: Tracker
) -> None:
    left = runtime.ledger().remaining()
    body = client.post("/", json={"max_channels": 3}, headers=AUTH).json
    assert body["counts"]["scanned"] == 3
    assert body["counts"]["waiting"] == 2
    assert body["quota"]["spent"] == 9
    assert body["quota"]["left"] == left - 9
    assert body["duration_s"] >= 0
    assert body["notify"] == {"called": False}
    scanned = [row["channel_id"] for row in body["channels"]]
    assert all(len(tracker.scan_runs(channel_id)) == 1 for channel_id in scanned)

    body = client.post("/", json={}, headers=AUTH).json
    assert body["counts"]["scanned"] == 2
    assert {row["channel_id"] for row in body["channels"]} == set(channels) - set(scanned)
    with tracker.engine.connect() as conn:
        runs = conn.execute(select(DispatchRun).order_by(DispatchRun.started_at)).all()
    assert [(run.status, run.scanned, run.quota_spent) for run in runs] == [
        ("succeeded", 3, 9),
        ("succeeded", 2, 6),
    ]


def test_an_exhausted_day_defers_everything_without_calling_youtube(
    client: FlaskClient, channels: list[str], tracker: Tracker
) -> None:
    runtime.ledger().mark_exhausted()
    before = tracker.fake.world.quota.snapshot()
    body = client.post("/", json={}, headers=AUTH).json
    assert body["counts"]["planned"] == 0
    assert body["counts"]["deferred_quota"] == 5
    assert body["quota"]["left"] == 0
    assert tracker.fake.world.quota.snapshot()["calls_by_method"] == before["calls_by_method"]
    with tracker.engine.connect() as conn:
        assert conn.execute(select(Channel.next_scan_at)).scalars().all() == [None] * 5


def test_notify_is_called_after_scanning(
    client: FlaskClient, channels: list[str], tracker: Tracker
) -> None:
    with endpoint() as notify:
        configure(NOTIFY_URL=notify.url)
        body = client.post("/", json={}, headers=AUTH).json
    assert body["counts"]["scanned"] == 5
    assert body["notify"] == {
        "called": True,
        "ok": True,
        "status": 200,
        "error": None,
        "answer": {"sent": 0},
    }
    [(headers, payload)] = notify.calls
    assert headers["authorization"] == f"Bearer {SERVICE}"
    assert payload == {}


def test_a_failing_notify_is_reported_not_fatal(
    client: FlaskClient, channels: list[str], tracker: Tracker
) -> None:
    with endpoint(status=500) as notify:
        configure(NOTIFY_URL=notify.url)
        body = client.post("/", json={}, headers=AUTH).json
    assert body["counts"]["scanned"] == 5
    assert body["notify"]["ok"] is False
    assert "HTTP 500" in body["notify"]["error"]
    configure(NOTIFY_URL=f"http://127.0.0.1:{free_port()}/")
    tracker.fake.world.clock.advance(3600)
    body = client.post("/", json={"dry_run": True}, headers=AUTH).json
    assert body["notify"] == {"called": False}
    with tracker.engine.connect() as conn:
        run = conn.execute(select(DispatchRun)).one()
    assert run.status == "succeeded"
    assert "HTTP 500" in run.notify_error


def test_an_unreachable_scan_url_fails_the_channels_and_keeps_them_due(
    client: FlaskClient, channels: list[str], tracker: Tracker
) -> None:
    configure(SCAN_URL=f"http://127.0.0.1:{free_port()}/", SCAN_CALL_TIMEOUT_S="2")
    body = client.post("/", json={}, headers=AUTH).json
    assert body["counts"]["failed"] == 5
    assert {row["error_code"] for row in body["channels"]} == {"unreachable"}
    assert all("cannot reach scan_channel" in row["reason"] for row in body["channels"])
    # Nothing was scanned: every channel is due again at once, still never scanned.
    with tracker.engine.connect() as conn:
        assert conn.execute(select(Channel.next_scan_at)).scalars().all() == [None] * 5
        assert conn.execute(select(ScanRun)).all() == []
    configure(SCAN_URL="")
    body = client.post("/", json={}, headers=AUTH).json
    assert body["counts"]["scanned"] == 5
    soon = utcnow() + timedelta(minutes=50)
    with tracker.engine.connect() as conn:
        assert all(at > soon for at in conn.execute(select(Channel.next_scan_at)).scalars())


def test_channels_beyond_the_share_are_deferred_and_stay_due(
    client: FlaskClient, channels: list[str], tracker: Tracker
) -> None:
    # One run a day: the share is all that is left, here room for two baselines (3 units each).
    configure(
        DISPATCH_INTERVAL_MINUTES="1440",
        YOUTUBE_DAILY_QUOTA=str(runtime.ledger().used() + 7),
    )
    plan = client.post("/", json={"dry_run": True}, headers=AUTH).json
    assert plan["quota"]["share"] == 7
    assert plan["counts"] | {"planned": 2, "deferred_quota": 3} == plan["counts"]
    body = client.post("/", json={}, headers=AUTH).json
    assert body["counts"] | {"scanned": 2, "deferred_quota": 3} == body["counts"]
    deferred = [row for row in body["channels"] if row["outcome"] == "deferred_quota"]
    assert {row["reason"] for row in deferred} == {"does not fit this run's quota share"}
    assert [row["channel_id"] for row in plan["channels"]] == [
        row["channel_id"] for row in body["channels"]
    ]
    with tracker.engine.connect() as conn:
        due = conn.execute(select(Channel.id).where(Channel.next_scan_at.is_(None))).scalars()
        assert set(due) == {row["channel_id"] for row in deferred}


def test_an_unreachable_redis_is_a_503_naming_it_not_a_500(
    client: FlaskClient, channels: list[str], tracker: Tracker
) -> None:
    configure(REDIS_URL="redis://:hunter2@127.0.0.1:1/0")
    for body in ({"dry_run": True}, {}):
        answer = client.post("/", json=body, headers=AUTH)
        assert answer.status_code == 503
        assert answer.json["error"]["code"] == "coordination_unavailable"
        assert "Redis" in answer.json["error"]["message"]
        assert "hunter2" not in answer.get_data(as_text=True)
    assert all(tracker.scan_runs(channel_id) == [] for channel_id in channels)
