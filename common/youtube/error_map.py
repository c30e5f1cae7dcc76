"""The one mapping from a failed YouTube HTTP answer to a typed error and a retry decision."""

from __future__ import annotations

import json
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from common.errors import (
    KeyInvalid,
    QuotaExceeded,
    UpstreamError,
    UpstreamNotFound,
    UpstreamUnavailable,
)

__all__ = ["Failure", "GoogleError", "classify", "parse_google_error"]

_QUOTA = frozenset({"quotaExceeded", "dailyLimitExceeded", "dailyLimitExceededUnreg"})
_RATE = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED"})
_KEY = frozenset(
    {
        "keyInvalid",
        "keyExpired",
        "ipRefererBlocked",
        "accessNotConfigured",
        "API_KEY_INVALID",
        "API_KEY_EXPIRED",
        "API_KEY_SERVICE_BLOCKED",
        "API_KEY_HTTP_REFERRER_BLOCKED",
        "API_KEY_IP_ADDRESS_BLOCKED",
        "SERVICE_DISABLED",
    }
)
# ``forbidden`` is about the key only outside YouTube's own resource domains (youtube.video...).
_KEY_DOMAINS = frozenset({"global", "usageLimits"})
_RETRYABLE_STATUS = frozenset({408, 429})
_MESSAGE_CHARS = 200


class _ErrorItem(BaseModel):
    model_config = ConfigDict(extra="ignore")
    reason: str | None = None
    domain: str | None = None
    message: str | None = None


class GoogleError(BaseModel):
    """The ``error`` object of a Google API error body (v1 ``errors`` and v2 ``details``)."""

    model_config = ConfigDict(extra="ignore")
    code: int | None = None
    message: str = ""
    status: str | None = None
    errors: list[_ErrorItem] = Field(default_factory=list)
    details: list[_ErrorItem] = Field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        return [e.reason for e in (*self.errors, *self.details) if e.reason]


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")
    error: GoogleError


def parse_google_error(body: bytes) -> GoogleError | None:
    """The Google error in a response body, or None when the body is not one."""
    try:
        return _Body.model_validate(json.loads(body)).error
    except (ValueError, ValidationError, RecursionError):
        return None


@dataclass(frozen=True, slots=True)
class Failure:
    """What went wrong with one answer: the error class, its message, and whether to try again."""

    error: type[UpstreamError]
    message: str
    retryable: bool


def _key_refused(status: int, google: GoogleError | None) -> bool:
    if status == 401:
        return True
    if google is None:
        return False
    for item in (*google.errors, *google.details):
        if item.reason in _KEY or (item.reason == "forbidden" and item.domain in _KEY_DOMAINS):
            return True
    # A 403 PERMISSION_DENIED on key-only calls for public data means the key or its project
    # is not allowed to use the API (disabled API, restrictions): an operator must fix the key.
    return status == 403 and google.status == "PERMISSION_DENIED"


def _error_class(status: int, google: GoogleError | None) -> type[UpstreamError]:
    reasons = set(google.reasons) if google else set()
    if reasons & _QUOTA:
        return QuotaExceeded
    if status >= 500 or status in _RETRYABLE_STATUS or reasons & _RATE:
        return UpstreamUnavailable
    if _key_refused(status, google):
        return KeyInvalid
    if status == 404:
        return UpstreamNotFound
    return UpstreamError


def classify(method: str, status: int, body: bytes) -> Failure:
    """Map a non-2xx answer of ``method`` to an error class and a message naming the reason."""
    google = parse_google_error(body)
    cls = _error_class(status, google)
    detail = f"HTTP {status}"
    if google and google.reasons:
        detail += f" {', '.join(dict.fromkeys(google.reasons))}"
    if google and google.message:
        detail += f": {google.message[:_MESSAGE_CHARS]}"
    if cls is KeyInvalid:
        detail += " (check the key, that the YouTube Data API v3 is enabled and its restrictions)"
    return Failure(cls, f"YouTube {method} failed: {detail}", cls is UpstreamUnavailable)
