"""The wrapper every function's handler wears: ``/metrics``, request timing, log context.

Put ``@instrument("scan_channel")`` under ``@functions_framework.http``; the handler then:

- answers ``GET /metrics`` in the Prometheus text format (``common.metrics``: this process's
  counters plus the state gauges), so Fly's ``[metrics]`` scraper finds every function on the
  same path and port;
- is timed (``ytdt_request_duration_seconds``) and counted by status (``ytdt_requests_total``)
  on every other request;
- logs every line with the function's name (``common.logs``), in ``LOG_FORMAT``.

Fly's scraper talks to each machine directly over the private network. A request the Fly proxy
forwarded from a public client (``Fly-Client-IP`` outside the private ranges) gets 404 for
``/metrics``: the counts are nobody's business outside the organisation.

It lives apart from ``common.metrics`` because it needs ``common.runtime`` (the engine and the
quota ledger for the state gauges), which imports the scanner, which counts into the metrics.
"""

from __future__ import annotations

import functools
import ipaddress
import time
from collections.abc import Callable

from flask import Request, Response
from prometheus_client import CONTENT_TYPE_LATEST
from werkzeug.exceptions import HTTPException

from common import runtime
from common.errors import AppError, NotFound, http_error
from common.logs import configure_logging, log_context, logging_configured
from common.metrics import (
    REQUEST_SECONDS,
    REQUESTS,
    State,
    metrics_text,
    read_state,
    register_state,
)
from common.settings import Settings, get_settings
from common.web import require_method

__all__ = ["METRICS_PATH", "instrument"]

METRICS_PATH = "/metrics"
Handler = Callable[[Request], Response]


def _current_state() -> State:
    settings = get_settings()
    return read_state(runtime.database(settings), runtime.ledger(settings))


def _set_up_process(function: str, settings: Settings) -> None:
    """Logging named for the function in ``LOG_FORMAT`` (unless in effect), the state gauges."""
    if not logging_configured(settings.log_level, settings.log_format, function):
        configure_logging(settings.log_level, settings.log_format, function=function)
    register_state(_current_state)


def _from_public_internet(request: Request) -> bool:
    """Whether the Fly proxy forwarded this request from a public (non-private) client."""
    client = request.headers.get("Fly-Client-IP")
    if client is None:
        return False
    try:
        address = ipaddress.ip_address(client.strip())
    except ValueError:
        return True
    return not (address.is_private or address.is_loopback)


def _metrics_response(request: Request) -> Response:
    if _from_public_internet(request):
        raise NotFound(f"nothing at {METRICS_PATH}")
    require_method(request, "GET", "HEAD")
    return Response(metrics_text(), status=200, content_type=CONTENT_TYPE_LATEST)


def _status_of(exc: Exception) -> int:
    if isinstance(exc, AppError):
        return http_error(exc)[1]
    if isinstance(exc, HTTPException):
        return exc.code or 500
    return 500


def instrument(function: str, *, private: bool = False) -> Callable[[Handler], Handler]:
    """Serve ``/metrics`` and time, count and log-label every other request of ``function``.

    ``private``: an internal function (scan_channel, notify, dispatch). On Fly its service also
    listens on the app's public addresses, so a request the proxy forwarded from a public client
    is answered 404, as if nothing were there; Flycast callers (private addresses) and local
    callers (no ``Fly-Client-IP``) are served.
    """

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def wrapped(request: Request) -> Response:
            _set_up_process(function, get_settings())
            if request.path == METRICS_PATH:
                return _metrics_response(request)
            started = time.perf_counter()
            status = 500
            with log_context(function=function):
                try:
                    if private and _from_public_internet(request):
                        raise NotFound("nothing here")
                    response = handler(request)
                    status = response.status_code
                    return response
                except Exception as exc:
                    # Only noted for the count: the function's error handlers answer it.
                    status = _status_of(exc)
                    raise
                finally:
                    REQUESTS.labels(function, request.method, str(status)).inc()
                    REQUEST_SECONDS.labels(function).observe(time.perf_counter() - started)

        return wrapped

    return decorate
