"""The failed-login throttle of every function behind HTTP basic auth (admin, dispatch, notify).

Failures are counted per client address in a one-minute window kept in the coordination backend
(Redis, or the database), so the limit holds across workers and machines.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Request

from common.coordination import Coordinator
from common.errors import Throttled
from common.settings import Settings
from common.timeutil import utcnow

__all__ = ["WINDOW_S", "AuthThrottle", "client_address"]

WINDOW_S = 60


def client_address(request: Request, settings: Settings) -> str:
    """The client's address: the trusted proxy's header when configured, else the peer."""
    if settings.client_ip_header is not None:
        forwarded = request.headers.get(settings.client_ip_header, "").strip()
        if forwarded:
            return forwarded
    return request.remote_addr or "unknown"


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
