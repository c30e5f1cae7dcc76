"""The three notify modes (deliver, digest, test) wired from ``Settings``: what the function and
the CLI call.

Without ``SLACK_WEBHOOK_URL`` messages go to a console sender (the log in a function, stdout in the
CLI) and their deliveries are recorded ``sent`` with a note in ``last_error`` saying where they
went: the embedded default is a destination of its own, so the outbox does not grow forever.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Engine

from common.errors import InvalidInput, UpstreamError, UpstreamUnavailable
from common.metrics import count_deliveries
from common.notify.deliver import DeliveryPolicy, NotifyReport, Outbox
from common.notify.digest import build_digest, digest_message
from common.notify.messages import Message, hello_message
from common.notify.senders import ConsoleSender, Sender, SlackWebhookSender
from common.settings import Settings
from common.timeutil import utcnow

__all__ = ["DIGEST_PERIOD", "Mode", "Notifier", "log_message", "sender_from_settings"]

log = logging.getLogger(__name__)

Mode = Literal["deliver", "digest", "test"]
DIGEST_PERIOD = timedelta(hours=24)


def log_message(rendered: str) -> None:
    """Console sender output inside a function: one log line per message."""
    log.info("slack message (no SLACK_WEBHOOK_URL):\n%s", rendered)


def sender_from_settings(settings: Settings, write: Callable[[str], None]) -> Sender:
    """Slack when a webhook URL is set, otherwise ``write`` (the console or the log)."""
    if settings.slack_webhook_url is None:
        return ConsoleSender(write)
    return SlackWebhookSender.for_url(
        settings.slack_webhook_url.get_secret_value(), timeout_s=settings.slack_timeout_s
    )


class Notifier:
    """Runs one notify mode against one database and one sender."""

    def __init__(
        self,
        engine: Engine,
        sender: Sender,
        policy: DeliveryPolicy,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._engine = engine
        self._sender = sender
        self._policy = policy
        self._clock = clock

    @classmethod
    def from_settings(
        cls, settings: Settings, engine: Engine, *, write: Callable[[str], None] = log_message
    ) -> Notifier:
        return cls(
            engine, sender_from_settings(settings, write), DeliveryPolicy.from_settings(settings)
        )

    def run(self, mode: Mode, since: datetime | None = None) -> NotifyReport:
        """Run ``mode``.

        Raises:
            InvalidInput: ``since`` given outside digest mode, or in the future.
            UpstreamUnavailable: the digest or test message could not be posted now (retry later).
            UpstreamError: Slack refused the digest or test message.
        """
        if since is not None and mode != "digest":
            raise InvalidInput("since only applies to the digest", field="since")
        if mode == "deliver":
            report = Outbox(self._engine, self._sender, self._policy, clock=self._clock).deliver()
            count_deliveries(
                sent=report.sent,
                retried=report.retried,
                failed=report.failed,
                suppressed=report.suppressed,
            )
            return report
        if mode == "digest":
            return self.digest(since)
        return self.test()

    def digest(self, since: datetime | None = None) -> NotifyReport:
        """Post the digest of ``[since, now)`` (the last 24 hours by default)."""
        until = self._clock()
        since = since or until - DIGEST_PERIOD
        if since >= until:
            raise InvalidInput("since must be in the past", field="since")
        digest = build_digest(self._engine, since, until)
        return self._post_one("digest", digest_message(digest, self._policy.rules.language))

    def test(self) -> NotifyReport:
        """Post one harmless message to prove the destination works."""
        return self._post_one("test", hello_message(self._policy.rules.language, self._clock()))

    def _post_one(self, mode: str, message: Message) -> NotifyReport:
        result = self._sender.send(message)
        if result.outcome == "retry":
            raise UpstreamUnavailable(f"Slack did not take the {mode} message: {result.error}")
        if result.outcome == "failed":
            raise UpstreamError(f"Slack refused the {mode} message: {result.error}")
        return NotifyReport(mode=mode, destination=self._sender.destination, messages=1)
