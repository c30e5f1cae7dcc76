"""Logging set-up: JSON or text lines, with secrets redacted from every message.

The YouTube key travels in query strings, so every formatted line passes through ``redact``.
Every line also carries the context it was logged in (``function``, ``channel_id``, ``scan_id``,
set with ``log_context``; ``null`` in JSON when unknown), so one scan's lines can be found among
many processes' output.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

__all__ = [
    "CONTEXT_FIELDS",
    "REDACTED",
    "ContextFilter",
    "RedactingFilter",
    "configure_logging",
    "install_log_redaction",
    "log_context",
    "logging_configured",
    "redact",
]

REDACTED = "REDACTED"
# ``key=`` and any ``*key=``, ``*token=``, ``password=`` parameter, raw or inside a quoted URL repr.
_SECRET_QUERY = re.compile(r"(?i)(\b[\w-]*(?:key|token|password|secret))=[^&\s#'\"<>]*")
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+")
# httpx and httpcore log every request URL (key included) at INFO/DEBUG.
_REDACTED_LOGGERS = ("httpx", "httpcore")
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


# The fields every line carries; a record's own ``extra=`` value wins over the context's.
CONTEXT_FIELDS = ("function", "channel_id", "scan_id")
_context: ContextVar[dict[str, Any] | None] = ContextVar("ytdt_log_context", default=None)
# Process-wide fields (the function a process serves), set once by ``configure_logging``.
_process_fields: dict[str, Any] = {}


@contextmanager
def log_context(**fields: Any) -> Iterator[Callable[..., None]]:
    """Add ``fields`` to every line logged inside the block (this thread or task only).

    Yields a ``bind(**more)`` that adds fields for the rest of the block (a scan id, once known).
    """
    current = {**(_context.get() or {}), **fields}
    token = _context.set(current)
    try:
        yield current.update
    finally:
        _context.reset(token)


class ContextFilter(logging.Filter):
    """Stamps each record with the ``log_context`` fields (and ``CONTEXT_FIELDS`` as None)."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = {**_process_fields, **(_context.get() or {})}
        for name in CONTEXT_FIELDS:
            if getattr(record, name, None) is None:
                setattr(record, name, fields.get(name))
        for name, value in fields.items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


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
        # Unknown context fields are left out of text lines (JSON keeps them as null).
        extra = " ".join(
            f"{k}={v}"
            for k, v in vars(record).items()
            if k not in _STANDARD and not (v is None and k in CONTEXT_FIELDS)
        )
        text = super().format(record)
        return redact(f"{text} {extra}" if extra else text)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at emit time, so a swapped stream is never stale."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def _is_console(handler: logging.Handler) -> bool:
    if isinstance(handler, _StderrHandler):
        return True
    stream = getattr(handler, "stream", None)
    return type(handler) is logging.StreamHandler and stream in (sys.stdout, sys.stderr)


def logging_configured(level: str, fmt: str, function: str | None = None) -> bool:
    """Whether ``configure_logging(level, fmt, function=function)`` is in effect."""
    ours = [h for h in logging.getLogger().handlers if isinstance(h, _StderrHandler)]
    formatter = _JsonFormatter if fmt == "json" else _TextFormatter
    return (
        len(ours) == 1
        and isinstance(ours[0].formatter, formatter)
        and logging.getLogger().level == logging.getLevelName(level)
        and _process_fields.get("function") == function
    )


def configure_logging(
    level: str = "INFO", fmt: str = "text", *, function: str | None = None
) -> None:
    """Send the tracker's logs to stderr in the chosen format (idempotent).

    ``function`` names the function this process serves, on every line it logs.
    """
    _process_fields.clear()
    if function is not None:
        _process_fields["function"] = function
    handler = _StderrHandler()
    handler.addFilter(ContextFilter())
    if fmt == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(_TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    # Replace our own handler and plain console ones (functions-framework adds two); keep others
    # (a test's log capture, a file handler someone attached on purpose).
    root.handlers = [h for h in root.handlers if not _is_console(h)] + [handler]
    root.setLevel(level)
    install_log_redaction()
    # httpx logs every request at INFO: too chatty for a scan of hundreds of requests.
    for name in _REDACTED_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
