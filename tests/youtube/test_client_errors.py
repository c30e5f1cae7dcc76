"""Error mapping, retries and cost reporting on failures; the key never leaks."""

from __future__ import annotations

import logging

import httpx
import pytest
import respx

from common.errors import (
    ConfigError,
    KeyInvalid,
    QuotaExceeded,
    UpstreamError,
    UpstreamNotFound,
    UpstreamUnavailable,
)
from common.youtube import YouTubeClient
from tests.youtube.conftest import (
    API,
    KEY,
    Recorder,
    fixture_bytes,
    video_ids,
    video_item,
    video_list,
)

VIDEOS = f"{API}/videos"
IDS = video_ids(3)


def _google_error(code: int, reason: str, message: str = "nope") -> dict[str, object]:
    return {"error": {"code": code, "message": message, "errors": [{"reason": reason}]}}


@pytest.mark.parametrize(
    ("status", "fixture", "error"),
    [
        (403, "error_quota_exceeded.json", QuotaExceeded),
        (400, "error_response.json", KeyInvalid),
        (403, "apidata__error_permission_resp.json", KeyInvalid),
    ],
)
def test_error_fixtures_are_mapped_and_not_retried(
    client: YouTubeClient,
    api: respx.MockRouter,
    recorder: Recorder,
    status: int,
    fixture: str,
    error: type[UpstreamError],
) -> None:
    route = api.get(VIDEOS).respond(status, content=fixture_bytes(fixture))
    with pytest.raises(error) as caught:
        client.videos(IDS)
    assert type(caught.value) is error
    assert len(route.calls) == 1
    assert recorder.sleeps == []
    assert recorder.costs == [("videos.list", 1)]  # a refused request is still charged


def test_quota_message_names_the_reason(client: YouTubeClient, api: respx.MockRouter) -> None:
    api.get(VIDEOS).respond(403, content=fixture_bytes("error_quota_exceeded.json"))
    with pytest.raises(QuotaExceeded, match="HTTP 403 quotaExceeded"):
        client.videos(IDS)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (403, _google_error(403, "dailyLimitExceeded"), QuotaExceeded),
        (400, _google_error(400, "badRequest"), UpstreamError),
        (403, _google_error(403, "forbidden"), UpstreamError),
        (401, {}, KeyInvalid),
        (404, {}, UpstreamNotFound),
        (410, _google_error(410, "gone"), UpstreamError),
        (
            400,
            {
                "error": {
                    "code": 400,
                    "message": "API key not valid. Please pass a valid API key.",
                    "status": "INVALID_ARGUMENT",
                    "details": [{"reason": "API_KEY_INVALID", "domain": "googleapis.com"}],
                }
            },
            KeyInvalid,
        ),
    ],
)
def test_other_errors(
    client: YouTubeClient,
    api: respx.MockRouter,
    status: int,
    body: dict[str, object],
    error: type[UpstreamError],
) -> None:
    route = api.get(VIDEOS).respond(status, json=body)
    with pytest.raises(UpstreamError) as caught:
        client.videos(IDS)
    assert type(caught.value) is error
    assert len(route.calls) == 1
    assert f"HTTP {status}" in str(caught.value)


def test_forbidden_about_the_key_is_key_invalid(
    client: YouTubeClient, api: respx.MockRouter
) -> None:
    body = {"error": {"code": 403, "errors": [{"reason": "forbidden", "domain": "global"}]}}
    api.get(VIDEOS).respond(403, json=body)
    with pytest.raises(KeyInvalid):
        client.videos(IDS)


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(500),
        httpx.Response(503, text="<html>Service Unavailable</html>"),
        httpx.Response(429),
        httpx.Response(403, json=_google_error(403, "rateLimitExceeded")),
        httpx.Response(403, json=_google_error(403, "userRateLimitExceeded")),
    ],
)
def test_transient_failure_then_success(
    client: YouTubeClient, api: respx.MockRouter, recorder: Recorder, failure: httpx.Response
) -> None:
    ok = httpx.Response(200, json=video_list([video_item(IDS[0])]))
    route = api.get(VIDEOS)
    route.side_effect = [failure, failure, ok]
    assert [v.id for v in client.videos(IDS)] == [IDS[0]]
    assert len(route.calls) == 3
    assert recorder.costs == [("videos.list", 1)] * 3  # every attempt is charged
    # Full jitter: attempt n waits somewhere in [0, backoff * 2**n].
    assert len(recorder.sleeps) == 2
    assert 0 <= recorder.sleeps[0] <= 0.5
    assert 0 <= recorder.sleeps[1] <= 1.0


def test_persistent_5xx_gives_up_after_max_retries(
    api: respx.MockRouter, http: httpx.Client, recorder: Recorder
) -> None:
    client = YouTubeClient(http, KEY, max_retries=2, on_cost=recorder.on_cost, sleep=recorder.sleep)
    route = api.get(VIDEOS).respond(502)
    with pytest.raises(UpstreamUnavailable, match=r"after 3 attempts: YouTube videos\.list failed"):
        client.videos(IDS)
    assert len(route.calls) == 3
    assert len(recorder.sleeps) == 2
    assert client.units_spent == 3


def test_retry_after_is_honoured_within_a_cap(
    client: YouTubeClient, api: respx.MockRouter, recorder: Recorder
) -> None:
    ok = httpx.Response(200, json=video_list([]))
    route = api.get(VIDEOS)
    route.side_effect = [
        httpx.Response(429, headers={"Retry-After": "2"}),
        httpx.Response(429, headers={"Retry-After": "3600"}),
        ok,
    ]
    assert client.videos(IDS) == []
    assert recorder.sleeps[0] >= 2
    assert recorder.sleeps[1] == 30.0


def test_timeouts_give_up_as_unavailable_and_are_charged(
    client: YouTubeClient, api: respx.MockRouter, recorder: Recorder
) -> None:
    route = api.get(VIDEOS).mock(side_effect=httpx.ReadTimeout("timed out"))
    with pytest.raises(UpstreamUnavailable, match="after 4 attempts: ReadTimeout"):
        client.videos(IDS)
    assert len(route.calls) == 4
    assert len(recorder.sleeps) == 3
    assert recorder.costs == [("videos.list", 1)] * 4


def test_connection_refused_is_retried_but_not_charged(
    client: YouTubeClient, api: respx.MockRouter, recorder: Recorder
) -> None:
    route = api.get(VIDEOS)
    route.side_effect = [httpx.ConnectError("refused"), httpx.Response(200, json=video_list([]))]
    assert client.videos(IDS) == []
    assert recorder.costs == [("videos.list", 1)]


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b'{"items": "nope"}', b'{"items": [{"snippet": {}}]}', b"{}"],
)
def test_malformed_success_is_unavailable_not_a_partial_answer(
    client: YouTubeClient, api: respx.MockRouter, recorder: Recorder, body: bytes
) -> None:
    api.get(VIDEOS).respond(200, content=body)
    with pytest.raises(UpstreamUnavailable):
        client.videos(IDS)
    assert recorder.costs == [("videos.list", 1)]


def test_cost_is_reported_before_the_answer_is_used(
    api: respx.MockRouter, http: httpx.Client
) -> None:
    class Refused(Exception):
        pass

    def ledger(method: str, units: int) -> None:
        raise Refused(f"{method} {units}")

    client = YouTubeClient(http, KEY, on_cost=ledger)
    api.get(VIDEOS).respond(json=video_list([video_item(IDS[0])]))
    with pytest.raises(Refused, match=r"videos\.list 1"):
        client.videos(IDS)


def test_leaky_transport_errors_do_not_leak_the_key(
    client: YouTubeClient, api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    def leak(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout(f"timed out reading {request.url}", request=request)

    api.get(VIDEOS).mock(side_effect=leak)
    with caplog.at_level(logging.DEBUG), pytest.raises(UpstreamUnavailable) as caught:
        client.videos(IDS)
    assert "key=REDACTED" in str(caught.value)
    _assert_key_absent(caught.value, caplog)
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(403, content=fixture_bytes("error_quota_exceeded.json")),
        httpx.Response(400, content=fixture_bytes("error_response.json")),
        httpx.Response(400, json=_google_error(400, "badRequest", f"bad key {KEY}")),
        httpx.Response(200, content=b"garbage"),
    ],
)
def test_errors_and_logs_never_show_the_key(
    client: YouTubeClient,
    api: respx.MockRouter,
    caplog: pytest.LogCaptureFixture,
    failure: httpx.Response,
) -> None:
    route = api.get(VIDEOS)
    route.side_effect = [httpx.Response(500), failure]
    with caplog.at_level(logging.DEBUG), pytest.raises(UpstreamError) as caught:
        client.videos(IDS)
    assert any("retrying" in r.getMessage() for r in caplog.records)
    # httpx logs every request URL at INFO: the client's filter must have redacted it.
    assert any(r.name == "httpx" and "key=REDACTED" in r.getMessage() for r in caplog.records)
    _assert_key_absent(caught.value, caplog)


def _assert_key_absent(exc: BaseException, caplog: pytest.LogCaptureFixture) -> None:
    assert KEY not in str(exc)
    assert KEY not in repr(exc)
    assert all(KEY not in str(arg) for arg in exc.args)
    assert caplog.records
    for record in caplog.records:
        assert KEY not in record.getMessage()
        assert all(KEY not in str(value) for value in vars(record).values())
    assert KEY not in caplog.text


def test_repr_hides_the_key(client: YouTubeClient) -> None:
    assert KEY not in repr(client)
    assert "units_spent=0" in repr(client)


@pytest.mark.parametrize("key", ["", "   "])
def test_a_key_is_required(http: httpx.Client, key: str) -> None:
    with pytest.raises(ConfigError, match="YOUTUBE_API_KEY"):
        YouTubeClient(http, key)


def test_an_error_body_nested_too_deeply_is_still_a_typed_error(
    client: YouTubeClient, api: respx.MockRouter
) -> None:
    # json.loads raises RecursionError, not ValueError, past its nesting limit.
    api.get(VIDEOS).respond(400, content=b"[" * 100_000)
    with pytest.raises(UpstreamError) as caught:
        client.videos(IDS)
    assert "HTTP 400" in caught.value.message
