"""Errors only the admin function raises; mapped by ``common.web.basic_auth_error_response``.

AppError (common.errors)
├── HttpsRequired     REQUIRE_HTTPS is on and the request came over plain http (403)
└── Throttled         too many failed logins from this address this minute (429)
"""

from __future__ import annotations

from common.errors import AppError

__all__ = ["HttpsRequired", "Throttled"]


class HttpsRequired(AppError):
    code = "https_required"
    status = 403


class Throttled(AppError):
    code = "too_many_failures"
    status = 429

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
