"""Typed errors of the tracker and their one mapping to HTTP answers.

Hierarchy (catch the narrowest class the caller can act on)::

    AppError                      base; never raised itself
    ├── InvalidInput              the caller sent something malformed (400)
    ├── NotFound                  the thing asked for does not exist (404)
    ├── Conflict                  the request clashes with stored state (409)
    ├── LimitExceeded             a configured limit would be exceeded (422)
    ├── Unauthorized              missing or wrong credentials (401)
    ├── Throttled                 too many failed logins from one address this minute (429)
    ├── LockHeld                  someone else holds the lock (409)
    ├── ConfigError               a setting is missing or malformed (500, fail fast)
    ├── SchemaOutdated            the database is behind the code's migrations (503)
    ├── CoordinationUnavailable   Redis (locks, quota ledger) cannot be reached (503)
    ├── DatabaseUnavailable       the database stopped answering during a request (503)
    └── UpstreamError             YouTube (or another upstream) failed (502)
        ├── QuotaExceeded         the daily YouTube quota is spent; never retried (429)
        ├── KeyInvalid            the YouTube API key was refused (502)
        ├── UpstreamNotFound      YouTube answered 404 for the resource (404)
        └── UpstreamUnavailable   5xx, 429 or timeouts, after bounded retries (503)

Catch ``UpstreamError`` around a scan: any of them aborts the scan with nothing written
but the failure. Catch ``AppError`` only at the HTTP or CLI boundary, through ``http_error``.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AppError",
    "ConfigError",
    "Conflict",
    "CoordinationUnavailable",
    "DatabaseUnavailable",
    "InvalidInput",
    "KeyInvalid",
    "LimitExceeded",
    "LockHeld",
    "NotFound",
    "QuotaExceeded",
    "SchemaOutdated",
    "Throttled",
    "Unauthorized",
    "UpstreamError",
    "UpstreamNotFound",
    "UpstreamUnavailable",
    "http_error",
]


class AppError(Exception):
    """Base of every expected error; carries a stable machine code and an HTTP status."""

    code = "error"
    status = 500

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(AppError):
    code = "invalid_input"
    status = 400


class NotFound(AppError):
    code = "not_found"
    status = 404


class Conflict(AppError):
    code = "conflict"
    status = 409


class LimitExceeded(AppError):
    code = "limit_exceeded"
    status = 422


class Unauthorized(AppError):
    code = "unauthorized"
    status = 401


class Throttled(AppError):
    """Too many failed basic-auth logins from one address: ``retry_after_s`` says when to retry."""

    code = "too_many_failures"
    status = 429

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class LockHeld(AppError):
    code = "locked"
    status = 409


class ConfigError(AppError):
    code = "config_error"
    status = 500


class SchemaOutdated(AppError):
    code = "schema_outdated"
    status = 503


class DatabaseUnavailable(AppError):
    """The database refused or dropped the connection mid-request: try again later."""

    code = "database_unavailable"
    status = 503


class CoordinationUnavailable(AppError):
    """Redis, which holds the locks and the quota ledger, did not answer: nothing can go on."""

    code = "coordination_unavailable"
    status = 503


class UpstreamError(AppError):
    code = "upstream_error"
    status = 502


class QuotaExceeded(UpstreamError):
    code = "quota_exceeded"
    status = 429


class KeyInvalid(UpstreamError):
    code = "key_invalid"
    status = 502


class UpstreamNotFound(UpstreamError):
    code = "upstream_not_found"
    status = 404


class UpstreamUnavailable(UpstreamError):
    code = "upstream_unavailable"
    status = 503


def http_error(exc: AppError) -> tuple[dict[str, Any], int]:
    """Map an error to the JSON body ``{"error": {"code", "message"[, "field"]}}`` and a status."""
    body: dict[str, Any] = {"code": exc.code, "message": exc.message}
    if exc.field is not None:
        body["field"] = exc.field
    return {"error": body}, exc.status
