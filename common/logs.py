"""Logging set-up: JSON or text lines, with secrets redacted from every message.

The YouTube key travels in query strings, so every formatted line passes through ``redact``.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from typing import Any

__all__ = ["REDACTED", "RedactingFilter", "configure_logging", "install_log_redaction", "redact"]

REDACTED = "REDACTED"
# ``key=`` and any ``*key=``, ``*token=``, ``password=`` parameter, raw or inside a quoted URL repr.
_SECRET_QUERY = re.compile(r"(?i)(\b[\w-]*(?:key|token|password|secret))=[^&\s#'\"<>]*")
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+")
# httpx and httpcore log every request URL (key included) at INFO/DEBUG.
_REDACTED_LOGGERS = ("httpx", "httpcore")
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def redact(text: str) -> str:
    """Replace secret query values (``key=…``) and bearer tokens with ``REDACTED``."""
    return _BEARER.sub(rf"\1 {REDACTED}", _SECRET_QUERY.sub(rf"\1={REDACTED}", text))


class RedactingFilter(logging.Filter):
    """Rewrites a record's message through ``redact`` before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install_log_redaction() -> None:
    """Attach a ``RedactingFilter`` to the HTTP client loggers (idempotent)."""
    for name in _REDACTED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        return redact(json.dumps(line, default=str, ensure_ascii=False))


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extra = " ".join(f"{k}={v}" for k, v in vars(record).items() if k not in _STANDARD)
        text = super().format(record)
        return redact(f"{text} {extra}" if extra else text)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at emit time, so a swapped stream is never stale."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    """Send the tracker's logs to stderr in the chosen format (idempotent)."""
    handler = _StderrHandler()
    if fmt == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(_TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    install_log_redaction()
    # httpx logs every request at INFO: too chatty for a scan of hundreds of requests.
    for name in _REDACTED_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
