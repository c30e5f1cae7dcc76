"""The admin function's gate: HTTPS when required, the failed-login throttle, basic auth."""

from __future__ import annotations

from flask import Request

from common.admin.errors import HttpsRequired
from common.auth_throttle import AuthThrottle, client_address
from common.errors import ConfigError, Unauthorized
from common.settings import Settings
from common.web import admin_basic_auth_matches

__all__ = ["AuthThrottle", "authenticate", "client_address", "require_https"]


def require_https(request: Request, settings: Settings) -> None:
    """With ``REQUIRE_HTTPS`` on, refuse plain-http requests (as the TLS proxy reports them)."""
    if not settings.require_https:
        return
    proto = request.headers.get("X-Forwarded-Proto", request.scheme).split(",")[0].strip()
    if proto.lower() != "https":
        raise HttpsRequired("this admin function only answers over https (REQUIRE_HTTPS is on)")


def authenticate(request: Request, settings: Settings, throttle: AuthThrottle) -> None:
    """Let the request through only over https (when required) with the admin's credentials.

    Raises:
        HttpsRequired: ``REQUIRE_HTTPS`` is on and the request is plain http.
        ConfigError: ``ADMIN_USERNAME``/``ADMIN_PASSWORD`` are not set.
        Throttled: this address failed too often this minute (checked before the password,
            so a locked-out guesser learns nothing even with the right one).
        Unauthorized: credentials missing or wrong.
    """
    require_https(request, settings)
    if settings.admin_username is None or settings.admin_password is None:
        raise ConfigError(
            "ADMIN_USERNAME and ADMIN_PASSWORD are not set: "
            "the admin function refuses every request"
        )
    address = client_address(request, settings)
    throttle.check(address)
    if admin_basic_auth_matches(request, settings):
        return
    if request.authorization is not None or "Authorization" in request.headers:
        # Only attempts count: a browser's first, credential-less request is not a guess.
        throttle.record_failure(address)
        raise Unauthorized("wrong admin credentials")
    raise Unauthorized("admin credentials required (HTTP basic auth)")
