"""Where messages go: a Slack incoming webhook (slack-sdk ``WebhookClient``) or the console/log.

A sender posts one message and classifies the answer; it never retries by itself (the outbox
does, across runs, with backoff). Outcomes:

- 2xx: ``sent``.
- 429 (with ``Retry-After``), 408, 5xx, connection errors and timeouts: ``retry``, and the run
  stops (the webhook is rate limited or down; hammering it helps nobody).
- 403, 404, 410 (``action_prohibited``, ``no_service``, ``channel_is_archived`` …): ``failed``, and
  the run stops: the webhook itself is unusable, so the rest stays pending for when it is fixed.
- other 4xx (``invalid_payload``, ``no_text`` …): ``failed`` for this message only.

A timeout after Slack received the message can post it twice on retry: incoming webhooks have no
idempotency key, so at-least-once is the best a webhook allows in that one case.
"""

from __future__ import annotations

import http.client
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal, Protocol

from slack_sdk.webhook import WebhookClient

from common.notify.messages import Message, render_text

__all__ = [
    "ConsoleSender",
    "SendResult",
    "Sender",
    "SlackWebhookSender",
    "classify_response",
    "parse_retry_after",
]

ERROR_BODY_MAX = 500
MAX_RETRY_AFTER_S = 3600.0
# Answers that mean the webhook itself is gone or refused, not this one message.
_WEBHOOK_DEAD = frozenset({403, 404, 410})

# slack-sdk logs every request URL (the webhook URL is a secret) at DEBUG and every connection
# error at ERROR; the outbox logs outcomes itself, once.
_sdk_log = logging.getLogger("common.notify.slack_sdk")
_sdk_log.setLevel(logging.CRITICAL)


@dataclass(frozen=True, slots=True)
class SendResult:
    """How one post went."""

    outcome: Literal["sent", "retry", "failed"]
    status: int | None = None
    error: str | None = None
    retry_after_s: float | None = None
    stop: bool = False


class Sender(Protocol):
    """Posts one message; ``destination`` names where (``slack`` or ``console``)."""

    @property
    def destination(self) -> str: ...

    def send(self, message: Message) -> SendResult: ...


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or HTTP date), within 0..1 hour."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if math.isnan(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def _header(headers: Mapping[str, Any] | Any, name: str) -> str | None:
    for candidate in (name, name.lower()):
        value = headers.get(candidate) if headers is not None else None
        if value is not None:
            return str(value)
    return None


def classify_response(status: int, body: str, headers: Mapping[str, Any] | Any) -> SendResult:
    """Turn Slack's answer into an outcome (see the module docstring)."""
    if 200 <= status < 300:
        return SendResult("sent", status)
    error = f"HTTP {status}: {body.strip()[:ERROR_BODY_MAX] or '(empty body)'}"
    if status == 429:
        retry_after = parse_retry_after(_header(headers, "Retry-After"))
        return SendResult("retry", status, error, retry_after_s=retry_after, stop=True)
    if status >= 500 or status == 408:
        return SendResult("retry", status, error, stop=True)
    return SendResult("failed", status, error, stop=status in _WEBHOOK_DEAD)


class SlackWebhookSender:
    """Posts to an incoming webhook through slack-sdk, without its own retries."""

    destination = "slack"

    def __init__(self, client: WebhookClient) -> None:
        self._client = client

    @classmethod
    def for_url(cls, url: str, *, timeout_s: float) -> SlackWebhookSender:
        client = WebhookClient(
            url,
            timeout=max(1, math.ceil(timeout_s)),
            logger=_sdk_log,
            retry_handlers=[],
        )
        return cls(client)

    def send(self, message: Message) -> SendResult:
        try:
            response = self._client.send_dict(message.payload())
        except (OSError, http.client.HTTPException) as exc:
            # URLError, refused or reset connections, timeouts, broken status lines.
            reason = getattr(exc, "reason", None) or exc
            return SendResult(
                "retry", None, f"connection: {type(exc).__name__}: {reason}", stop=True
            )
        return classify_response(response.status_code, response.body or "", response.headers)


class ConsoleSender:
    """Writes each message as readable text (no webhook configured): the embedded default."""

    destination = "console"

    def __init__(self, write: Callable[[str], None]) -> None:
        self._write = write

    def send(self, message: Message) -> SendResult:
        self._write(render_text(message))
        return SendResult("sent")
