"""Errors only the admin function raises; mapped by ``common.web.basic_auth_error_response``.

AppError (common.errors)
└── HttpsRequired     REQUIRE_HTTPS is on and the request came over plain http (403)

``Throttled`` (429), which every function behind basic auth raises, lives in common.errors.
"""

from __future__ import annotations

from common.errors import AppError, Throttled

__all__ = ["HttpsRequired", "Throttled"]


class HttpsRequired(AppError):
    code = "https_required"
    status = 403
