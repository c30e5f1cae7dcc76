"""Keep the API key out of messages and logs: it travels in the query string of every request."""

from __future__ import annotations

import logging
import re

__all__ = ["REDACTED", "RedactingFilter", "install_log_redaction", "redact"]

REDACTED = "REDACTED"
# ``key=`` and any ``*key=``/``*_key=`` parameter, raw or inside a quoted URL repr.
_KEY_PARAM = re.compile(r"(?i)(\b[\w-]*key)=[^&\s#'\"<>]*")
_REDACTED_LOGGERS = ("httpx", "httpcore")


def redact(text: str) -> str:
    """Replace every ``key=…`` value in a URL or text with ``key=REDACTED``."""
    return _KEY_PARAM.sub(rf"\1={REDACTED}", text)


class RedactingFilter(logging.Filter):
    """Rewrites a record's message through ``redact`` before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install_log_redaction() -> None:
    """Attach a ``RedactingFilter`` to httpx's loggers, which log each request URL at INFO."""
    for name in _REDACTED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
