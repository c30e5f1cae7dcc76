"""Every function answers /metrics (Prometheus text) and logs JSON lines with its context."""

from __future__ import annotations

import json
import os

import pytest
from prometheus_client.parser import text_string_to_metric_families

from common.settings import reset_settings
from tests.functions.conftest import client_for
from tests.support import Tracker

TOKEN = "service-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text page, keyed by name and sorted labels."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(
    page: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return page.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def channel_id(tracker: Tracker) -> str:
    os.environ["SERVICE_TOKEN"] = TOKEN
    reset_settings()
    channel = tracker.fake.world.add_channel(handle="@observed")
    tracker.fake.world.generate_videos(channel.id, 60, seed=3)
    tracker.track(channel.id)
    return channel.id


def test_metrics_count_scans_quota_events_and_request_latency(
    tracker: Tracker, channel_id: str
) -> None:
    client = client_for("scan_channel")
    before = samples(client.get("/metrics").text)
    victim = tracker.fake.world.uploads(channel_id)[0].id
    assert client.post("/", json={"channel_id": channel_id}, headers=AUTH).status_code == 200
    tracker.fake.world.delete(victim)
    for _ in range(2):  # the second missing scan confirms the deletion
        assert client.post("/", json={"channel_id": channel_id}, headers=AUTH).status_code == 200
    assert client.post("/", json={"channel_id": "nope"}, headers=AUTH).status_code == 400

    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.content_type.startswith("text/plain")
    after = samples(answer.text)
    delta = lambda name, **labels: value(after, name, **labels) - value(before, name, **labels)  # noqa: E731
    assert delta("ytdt_scans_total", outcome="scanned") == 3
    assert delta("ytdt_quota_units_total") >= 3
    assert delta("ytdt_events_total", kind="deleted") == 1
    ok = {"function": "scan_channel", "method": "POST", "status": "200"}
    assert delta("ytdt_requests_total", **ok) == 3
    assert delta("ytdt_requests_total", **{**ok, "status": "400"}) == 1
    assert delta("ytdt_request_duration_seconds_count", function="scan_channel") == 4
    # State gauges come from the database, so every function shows the same figures.
    assert value(after, "ytdt_state_up") == 1
    assert value(after, "ytdt_quota_daily_units") == 10_000
    assert value(after, "ytdt_quota_used_units") >= 3
    assert value(after, "ytdt_deliveries_by_status", status="pending") == 1


@pytest.mark.parametrize("name", ["scan_channel", "dispatch", "notify"])
def test_metrics_need_no_credentials_inside_but_are_hidden_from_the_internet(
    tracker: Tracker, name: str
) -> None:
    client = client_for(name)
    assert client.get("/metrics").status_code == 200
    private = client.get("/metrics", headers={"Fly-Client-IP": "fdaa:0:18:a7b:7d:f066:b83b:2"})
    assert private.status_code == 200
    public = client.get("/metrics", headers={"Fly-Client-IP": "8.8.8.8"})
    assert public.status_code == 404
    assert public.json["error"]["code"] == "not_found"
    assert client.post("/metrics").status_code == 405


def test_json_logs_carry_function_channel_and_scan_id(
    tracker: Tracker, channel_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    os.environ["LOG_FORMAT"] = "json"
    reset_settings()
    client = client_for("scan_channel")
    answer = client.post("/", json={"channel_id": channel_id}, headers=AUTH)
    assert answer.status_code == 200
    lines = [
        json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")
    ]
    finished = [line for line in lines if line["message"] == "scan finished"]
    assert len(finished) == 1
    assert finished[0]["function"] == "scan_channel"
    assert finished[0]["channel_id"] == channel_id
    assert finished[0]["scan_id"] == answer.json["scan_id"]
    for line in lines:
        assert {"function", "channel_id", "scan_id"} <= set(line)


@pytest.mark.parametrize("name", ["scan_channel", "dispatch", "notify"])
def test_internal_functions_answer_404_to_the_internet_and_serve_private_callers(
    tracker: Tracker, name: str
) -> None:
    client = client_for(name)
    public = client.post("/", json={}, headers={**AUTH, "Fly-Client-IP": "8.8.8.8"})
    assert public.status_code == 404
    assert public.json == {"error": {"code": "not_found", "message": "nothing here"}}
    flycast = client.post("/", json={}, headers={**AUTH, "Fly-Client-IP": "fdaa:0:18::3"})
    assert flycast.status_code != 404


def test_admin_answers_metrics_without_basic_auth_inside_and_404_from_the_internet(
    tracker: Tracker,
) -> None:
    os.environ.update(ADMIN_USERNAME="admin", ADMIN_PASSWORD="a-long-admin-password")
    reset_settings()
    client = client_for("admin")
    inside = client.get("/metrics")
    assert inside.status_code == 200
    assert "ytdt_state_up 1.0" in inside.text
    assert client.get("/metrics", headers={"Fly-Client-IP": "8.8.8.8"}).status_code == 404
    # Everything else still needs the admin's credentials, and is counted.
    assert client.get("/channels").status_code == 401
    assert 'ytdt_requests_total{function="admin"' in client.get("/metrics").text


def test_health_answers_metrics_and_still_answers_liveness_and_readiness(
    tracker: Tracker,
) -> None:
    client = client_for("health")
    assert client.get("/").status_code == 200
    assert client.get("/ready").status_code in (200, 503)
    page = client.get("/metrics")
    assert page.status_code == 200
    assert 'ytdt_requests_total{function="health",method="GET",status="200"}' in page.text
    assert client.get("/metrics", headers={"Fly-Client-IP": "8.8.8.8"}).status_code == 404
