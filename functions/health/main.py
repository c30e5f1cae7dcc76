"""health: ``GET|HEAD /`` liveness; ``GET /ready`` readiness (200 ready, 503 naming the failure).

No credentials: Fly's checks and uptime monitors call it. Answers within ``HEALTH_TIMEOUT_S``
even when the database or Redis is dead.
"""

from __future__ import annotations

import functions_framework
from flask import Request, Response
from werkzeug.exceptions import HTTPException

from common.errors import AppError, NotFound
from common.health import liveness, readiness
from common.instrument import instrument
from common.settings import get_settings
from common.web import (
    error_response,
    http_exception_response,
    json_response,
    require_method,
    unexpected_error_response,
)

functions_framework.errorhandler(AppError)(error_response)
functions_framework.errorhandler(HTTPException)(http_exception_response)
functions_framework.errorhandler(Exception)(unexpected_error_response)

_NO_STORE = {"Cache-Control": "no-store"}


@functions_framework.http
@instrument("health")
def health(request: Request) -> Response:
    path = request.path.rstrip("/") or "/"
    if path == "/":
        require_method(request, "GET", "HEAD")
        return json_response(liveness(), headers=_NO_STORE)
    if path == "/ready":
        require_method(request, "GET", "HEAD")
        result = readiness(get_settings())
        return json_response(result.as_dict(), 200 if result.ready else 503, headers=_NO_STORE)
    raise NotFound(f"no health route {path[:200]}: use / or /ready")
