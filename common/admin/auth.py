"""The admin function's gate: HTTPS when required, the failed-login throttle, basic auth."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Request

from common.admin.errors import HttpsRequired, Throttled
from common.coordination import Coordinator
from common.errors import ConfigError, Unauthorized
from common.settings import Settings
from common.timeutil import utcnow
from common.web import admin_basic_auth_matches

__all__ = ["AuthThrottle", "authenticate", "client_address", "require_https"]

WINDOW_S = 60


def client_address(request: Request, settings: Settings) -> str:
    """The client's address: the trusted proxy's header when configured, else the peer."""
    if settings.client_ip_header is not None:
        forwarded = request.headers.get(settings.client_ip_header, "").strip()
        if forwarded:
            return forwarded
    return request.remote_addr or "unknown"


def require_https(request: Request, settings: Settings) -> None:
    """With ``REQUIRE_HTTPS`` on, refuse plain-http requests (as the TLS proxy reports them)."""
    if not settings.require_https:
        return
    proto = request.headers.get("X-Forwarded-Proto", request.scheme).split(",")[0].strip()
    if proto.lower() != "https":
        raise HttpsRequired("this admin function only answers over https (REQUIRE_HTTPS is on)")


class AuthThrottle:
    """Counts failed logins per client address in a one-minute window shared by every process.

    The counter lives in the coordination backend (Redis, or the database), so the limit holds
    across workers and machines. Addresses are hashed into the key: one bounded row per address.
    """

    def __init__(
        self,
        coordinator: Coordinator,
        max_failures: int,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._coordinator = coordinator
        self.max_failures = max_failures
        self._clock = clock

    @staticmethod
    def _key(address: str) -> str:
        return "authfail:" + hashlib.sha256(address.encode()).hexdigest()[:32]

    def check(self, address: str) -> None:
        """Raise Throttled when ``address`` already failed ``max_failures`` times this window."""
        if self._coordinator.get(self._key(address)) >= self.max_failures:
            raise Throttled(
                f"more than {self.max_failures} failed logins from this address in a minute: "
                f"wait {WINDOW_S} seconds",
                retry_after_s=WINDOW_S,
            )

    def record_failure(self, address: str) -> int:
        """Count one failure; the window starts at the first failure and lasts a minute."""
        expires = self._clock() + timedelta(seconds=WINDOW_S)
        return self._coordinator.incr(self._key(address), 1, expires)


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
