"""Calling scan_channel over HTTP (outcomes, retries on connection errors only, timeouts) or
in this process (a crash fails that channel only)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import select

from common import runtime
from common.dispatch import (
    Dispatcher,
    DispatchPolicy,
    HttpNotifyCaller,
    HttpScanCaller,
    InProcessScanCaller,
)
from common.models import Channel, DispatchRun
from common.scan import Scanner, ScanPolicy
from common.settings import get_settings
from common.youtube import YouTubeClient
from tests.support import Tracker

CHANNEL = "UC" + "a" * 22


def caller(handler: httpx.MockTransport, **options: object) -> HttpScanCaller:
    http = httpx.Client(transport=handler)
    return HttpScanCaller(
        http, "http://scan.internal/", "token", timeout_s=5, sleep=lambda _s: None, **options
    )


def test_a_scan_answer_becomes_the_outcome() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer token"
        assert request.read() == b'{"channel_id":"' + CHANNEL.encode() + b'"}'
        return httpx.Response(
            200,
            json={"channel_id": CHANNEL, "outcome": "scanned", "scan_id": "s1", "quota_units": 4},
        )

    outcome = caller(httpx.MockTransport(answer))(CHANNEL)
    assert (outcome.outcome, outcome.scan_id, outcome.quota_units) == ("scanned", "s1", 4)


def test_a_failed_scan_keeps_its_reason() -> None:
    body = {
        "channel_id": CHANNEL,
        "outcome": "failed",
        "quota_units": 1,
        "error": {"code": "upstream_unavailable", "message": "YouTube videos.list failed"},
    }
    outcome = caller(httpx.MockTransport(lambda _r: httpx.Response(503, json=body)))(CHANNEL)
    assert outcome.outcome == "failed"
    assert outcome.reason == "YouTube videos.list failed"
    assert outcome.error_code == "upstream_unavailable"


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (404, {"error": {"code": "not_found", "message": "channel is not tracked"}}, "not_found"),
        (401, {"error": {"code": "unauthorized", "message": "wrong token"}}, "unauthorized"),
        (502, None, "http_502"),
    ],
)
def test_other_answers_are_failures_naming_the_status(status: int, body: object, code: str) -> None:
    def answer(_request: httpx.Request) -> httpx.Response:
        if body is None:
            return httpx.Response(status, text="<html>bad gateway</html>")
        return httpx.Response(status, json=body)

    outcome = caller(httpx.MockTransport(answer))(CHANNEL)
    assert outcome.outcome == "failed"
    assert outcome.error_code == code
    assert f"HTTP {status}" in (outcome.reason or "")


def test_connection_errors_are_retried() -> None:
    attempts: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        if len(attempts) < 3:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"channel_id": CHANNEL, "outcome": "locked"})

    assert caller(httpx.MockTransport(answer))(CHANNEL).outcome == "locked"
    assert len(attempts) == 3


def test_unreachable_after_the_last_attempt_is_a_failure() -> None:
    attempts: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        raise httpx.ConnectError("refused", request=request)

    outcome = caller(httpx.MockTransport(answer), attempts=2)(CHANNEL)
    assert (outcome.outcome, outcome.error_code) == ("failed", "unreachable")
    assert len(attempts) == 2


@pytest.mark.parametrize("error", [httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError])
def test_a_request_that_may_have_reached_the_scan_is_never_repeated(
    error: type[httpx.TransportError],
) -> None:
    attempts: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        raise error("gone", request=request)

    outcome = caller(httpx.MockTransport(answer))(CHANNEL)
    assert outcome.outcome == "failed"
    assert len(attempts) == 1
    if error is httpx.ReadTimeout:
        assert outcome.reason == "scan_channel did not answer within 5s"


def test_notify_failures_are_reported_not_raised() -> None:
    def answer(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, json={"error": {"code": "internal", "message": "boom"}})

    http = httpx.Client(transport=httpx.MockTransport(answer))
    outcome = HttpNotifyCaller(http, "http://notify/", "t", timeout_s=5, sleep=lambda _s: None)()
    assert not outcome.ok
    assert outcome.status == 500
    assert outcome.error == "notify answered HTTP 500: boom"


def test_an_unexpected_error_in_one_in_process_scan_fails_that_channel_only(
    tracker: Tracker, caplog: pytest.LogCaptureFixture
) -> None:
    ids = []
    for index in range(3):
        channel = tracker.fake.world.add_channel(handle=f"@crashone{index}")
        tracker.fake.world.generate_videos(channel.id, 3, seed=index)
        tracker.track(channel.id)
        ids.append(channel.id)
    settings = get_settings()
    built: list[int] = []

    def youtube(on_cost: Callable[[str, int], None]) -> YouTubeClient:
        built.append(1)
        if len(built) == 1:
            # A bug whose message carries a secret, as an httpx URL with the key would.
            raise RuntimeError("a bug met by one scan only: GET /videos?key=AIza-secret-key")
        return runtime.youtube_client(settings, on_cost)

    scanner = Scanner(
        engine=tracker.engine,
        youtube=youtube,
        coordinator=runtime.coordinator(),
        ledger=runtime.ledger(),
        policy=ScanPolicy(),
    )
    dispatcher = Dispatcher(
        engine=tracker.engine,
        ledger=runtime.ledger(),
        caller=InProcessScanCaller(scanner),
        policy=DispatchPolicy(concurrency=1),
    )

    summary = dispatcher.dispatch()

    outcomes = {outcome.channel_id: outcome for outcome in summary.outcomes}
    assert sorted(o.outcome for o in outcomes.values()) == ["failed", "scanned", "scanned"]
    (crashed,) = [o for o in outcomes.values() if o.outcome == "failed"]
    assert crashed.error_code == "internal"
    assert crashed.reason is not None and "RuntimeError" in crashed.reason
    assert "AIza-secret-key" not in crashed.reason and "key=REDACTED" in crashed.reason
    assert "scan crashed" in caplog.text
    # The run itself succeeded, and the crashed channel kept its place in line.
    with tracker.engine.connect() as conn:
        status = conn.execute(select(DispatchRun.status)).scalar_one()
        next_scan = conn.execute(
            select(Channel.next_scan_at).where(Channel.id == crashed.channel_id)
        ).scalar_one()
    assert status == "succeeded"
    assert next_scan is None
