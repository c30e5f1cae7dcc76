"""admin: JSON API, CSV exports, Atom feed and dashboard, behind HTTP basic auth.

Routes (``common.admin.routes``): ``GET /``, ``GET|POST /channels``,
``GET|PATCH|DELETE /channels/{id}``, ``POST /channels/{id}/scan``, ``GET /channels/{id}/videos``,
``GET /videos/{id}``, ``GET /videos/{id}/thumbnail`` (the archived image), ``GET /events``,
``GET /export/videos.csv``, ``GET /export/events.csv``, ``GET /feed.atom``.
"""

from __future__ import annotations

import functions_framework
from flask import Request, Response
from werkzeug.exceptions import HTTPException

from common.admin import handle
from common.errors import AppError
from common.instrument import instrument
from common.settings import get_settings
from common.web import basic_auth_error_response, http_exception_response, unexpected_error_response

functions_framework.errorhandler(AppError)(basic_auth_error_response)
functions_framework.errorhandler(HTTPException)(http_exception_response)
functions_framework.errorhandler(Exception)(unexpected_error_response)


@functions_framework.http
@instrument("admin")
def admin(request: Request) -> Response:
    return handle(request, get_settings())
