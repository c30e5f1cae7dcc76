"""How dispatch reaches ``scan_channel`` and ``notify``: over HTTP, or in this process.

Every call answers a ``ScanOutcome``; a call that could not be made or answered is a ``failed``
outcome with the reason, never an exception, so one channel cannot sink a whole run.
Connection errors (nothing reached the server) are retried; a timeout is not: the scan may be
running, and its channel lock keeps a second one out anyway.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from common.errors import AppError
from common.logs import redact
from common.scan import Scanner, ScanResult

__all__ = [
    "HttpNotifyCaller",
    "HttpScanCaller",
    "InProcessScanCaller",
    "NotifyOutcome",
    "ScanCaller",
    "ScanOutcome",
]

# Nothing was sent: safe to try again.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_REASON_CHARS = 300

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    """What became of one channel in a dispatch run."""

    channel_id: str
    outcome: str  # scanned, locked, deferred_quota, failed
    quota_units: int = 0
    scan_id: str | None = None
    reason: str | None = None
    error_code: str | None = None

    @classmethod
    def from_result(cls, result: ScanResult) -> ScanOutcome:
        return cls(
            channel_id=result.channel_id,
            outcome=result.outcome,
            quota_units=result.quota_units,
            scan_id=result.scan_id,
            reason=result.error,
            error_code=result.error_code,
        )

    @property
    def quota_exceeded(self) -> bool:
        """YouTube itself said the day's quota is spent."""
        return self.error_code == "quota_exceeded"


class ScanCaller(Protocol):
    """Scans one channel somewhere and says how it went."""

    def __call__(self, channel_id: str) -> ScanOutcome: ...


class InProcessScanCaller:
    """Scans in this process (no ``SCAN_URL``): the embedded default."""

    def __init__(self, scanner: Scanner) -> None:
        self._scanner = scanner

    def __call__(self, channel_id: str) -> ScanOutcome:
        try:
            return ScanOutcome.from_result(self._scanner.scan(channel_id))
        except AppError as exc:
            # The channel vanished between planning and scanning, the schema moved on, …
            return ScanOutcome(channel_id, "failed", reason=exc.message, error_code=exc.code)
        except Exception as exc:
            # A bug met by this channel's scan. The in-process twin of scan_channel's HTTP
            # boundary (a 500 there, a failed channel for the fan-out): log it once with its
            # traceback and fail this channel only, so it cannot sink the run and the rest.
            log.error(
                "scan crashed: %s",
                redact(repr(exc)),
                extra={"channel_id": channel_id},
                exc_info=exc,
            )
            return ScanOutcome(
                channel_id,
                "failed",
                reason=_clip(f"scan crashed: {type(exc).__name__}: {exc}"),
                error_code="internal",
            )


def _clip(text: str) -> str:
    return redact(text)[:_REASON_CHARS]


def _post(
    http: httpx.Client,
    url: str,
    *,
    token: str,
    body: dict[str, Any] | None,
    timeout: httpx.Timeout,
    attempts: int,
    backoff_s: float,
    sleep: Callable[[float], None],
) -> httpx.Response:
    """POST with a bearer token, retrying only when the request never reached the server."""
    headers = {"Authorization": f"Bearer {token}"}
    for attempt in range(attempts):
        try:
            return http.post(url, json=body, headers=headers, timeout=timeout)
        except _NOT_SENT:
            if attempt + 1 == attempts:
                raise
            sleep(random.uniform(0, backoff_s * 2**attempt))  # noqa: S311 - jitter, not crypto
    raise AssertionError("unreachable")  # pragma: no cover


def _error_of(response: httpx.Response) -> tuple[str | None, str]:
    """The ``{"error": {"code", "message"}}`` of a function's answer, or a description."""
    try:
        error = response.json().get("error") or {}
        return error.get("code"), str(error.get("message") or "no message")
    except (ValueError, AttributeError):
        return None, f"non-JSON answer ({len(response.content)} bytes)"


class HttpScanCaller:
    """Calls the ``scan_channel`` function at ``url`` (bearer ``SERVICE_TOKEN``)."""

    def __init__(
        self,
        http: httpx.Client,
        url: str,
        token: str,
        *,
        timeout_s: float,
        connect_timeout_s: float = 5.0,
        attempts: int = 3,
        backoff_s: float = 0.25,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http = http
        self._url = url
        self._token = token
        self._timeout_s = timeout_s
        self._timeout = httpx.Timeout(timeout_s, connect=min(connect_timeout_s, timeout_s))
        self._attempts = attempts
        self._backoff_s = backoff_s
        self._sleep = sleep

    def __call__(self, channel_id: str) -> ScanOutcome:
        try:
            response = _post(
                self._http,
                self._url,
                token=self._token,
                body={"channel_id": channel_id},
                timeout=self._timeout,
                attempts=self._attempts,
                backoff_s=self._backoff_s,
                sleep=self._sleep,
            )
        except httpx.TimeoutException:
            return ScanOutcome(
                channel_id,
                "failed",
                reason=f"scan_channel did not answer within {self._timeout_s:g}s",
                error_code="timeout",
            )
        except httpx.TransportError as exc:
            return ScanOutcome(
                channel_id,
                "failed",
                reason=_clip(f"cannot reach scan_channel: {type(exc).__name__}: {exc}"),
                error_code="unreachable",
            )
        return self._outcome(channel_id, response)

    @staticmethod
    def _outcome(channel_id: str, response: httpx.Response) -> ScanOutcome:
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = None
        # 200 (scanned, locked, deferred_quota) and 503 with a failed scan carry a ScanResult.
        if status in (200, 503) and isinstance(body, dict) and "outcome" in body:
            error = body.get("error") or {}
            return ScanOutcome(
                channel_id=channel_id,
                outcome=str(body["outcome"]),
                quota_units=int(body.get("quota_units") or 0),
                scan_id=body.get("scan_id"),
                reason=error.get("message"),
                error_code=error.get("code"),
            )
        code, message = _error_of(response)
        return ScanOutcome(
            channel_id,
            "failed",
            reason=_clip(f"scan_channel answered HTTP {status}: {message}"),
            error_code=code or f"http_{status}",
        )


@dataclass(frozen=True, slots=True)
class NotifyOutcome:
    """How the call to ``notify`` went; a failure is reported, never raised."""

    status: int | None
    ok: bool
    error: str | None = None
    body: Any = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "called": True,
            "ok": self.ok,
            "status": self.status,
            "error": self.error,
        }
        if isinstance(self.body, dict):
            data["answer"] = self.body
        return data


class HttpNotifyCaller:
    """Asks the ``notify`` function to deliver what is pending (bearer ``SERVICE_TOKEN``)."""

    def __init__(
        self,
        http: httpx.Client,
        url: str,
        token: str,
        *,
        timeout_s: float,
        attempts: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http = http
        self._url = url
        self._token = token
        self._timeout_s = timeout_s
        self._timeout = httpx.Timeout(timeout_s, connect=min(5.0, timeout_s))
        self._attempts = attempts
        self._sleep = sleep

    def __call__(self) -> NotifyOutcome:
        try:
            response = _post(
                self._http,
                self._url,
                token=self._token,
                body={},
                timeout=self._timeout,
                attempts=self._attempts,
                backoff_s=0.25,
                sleep=self._sleep,
            )
        except httpx.TimeoutException:
            return NotifyOutcome(None, False, f"notify did not answer within {self._timeout_s:g}s")
        except httpx.TransportError as exc:
            return NotifyOutcome(None, False, _clip(f"cannot reach notify: {type(exc).__name__}"))
        if response.is_success:
            try:
                body = response.json()
            except ValueError:
                body = None
            return NotifyOutcome(response.status_code, True, body=body)
        _, message = _error_of(response)
        return NotifyOutcome(
            response.status_code,
            False,
            _clip(f"notify answered HTTP {response.status_code}: {message}"),
        )
