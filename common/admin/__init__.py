"""The admin function: JSON API, CSV exports, Atom feed and dashboard behind HTTP basic auth.

``handle`` is what ``functions/admin/main.py`` calls: the gate (HTTPS, throttle, credentials),
then the router. Routes live in ``common.admin.routes``, one module per area.
"""

from __future__ import annotations

import functools

from flask import Request, Response

from common import runtime
from common.admin.auth import authenticate
from common.admin.router import Router
from common.admin.routes import build_router
from common.settings import Settings

__all__ = ["handle", "router"]


@functools.cache
def router() -> Router:
    """The process's router (built once, on first use)."""
    return build_router()


def handle(request: Request, settings: Settings) -> Response:
    """Answer one admin request.

    Raises:
        AppError: every expected failure (auth, bad input, not found …), mapped by the caller.
    """
    throttle = runtime.auth_throttle(settings)
    authenticate(request, settings, throttle)
    response = router().dispatch(request, settings)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Cache-Control", "no-store")
    return response
