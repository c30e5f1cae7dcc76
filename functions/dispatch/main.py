"""dispatch: scan the channels that are due within the quota share, then ask notify to deliver.

POST {"max_channels": n?, "dry_run": bool?} with ``Authorization: Bearer <DISPATCH_TOKEN>`` or
the admin's basic auth; answers the run's JSON summary.
"""

from __future__ import annotations

import functions_framework
from flask import Request, Response
from pydantic import BaseModel, ConfigDict, Field
from werkzeug.exceptions import HTTPException

from common import runtime
from common.dispatch import disabled_summary
from common.errors import AppError
from common.instrument import instrument
from common.settings import get_settings
from common.web import (
    error_response,
    http_exception_response,
    json_response,
    parse_body,
    require_dispatch_or_admin,
    require_method,
    unexpected_error_response,
)

functions_framework.errorhandler(AppError)(error_response)
functions_framework.errorhandler(HTTPException)(http_exception_response)
functions_framework.errorhandler(Exception)(unexpected_error_response)


class DispatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_channels: int | None = Field(None, ge=1, le=10_000, strict=True)
    dry_run: bool = Field(False, strict=True)


@functions_framework.http
@instrument("dispatch", private=True)
def dispatch(request: Request) -> Response:
    settings = get_settings()
    require_dispatch_or_admin(request, settings, runtime.auth_throttle)
    require_method(request, "POST")
    body = parse_body(request, DispatchRequest)
    if not settings.scan_enabled:
        # The maintenance switch: answer at once, touch nothing (not even the database).
        return json_response(disabled_summary(dry_run=body.dry_run))
    summary = runtime.dispatcher(settings).dispatch(
        max_channels=body.max_channels, dry_run=body.dry_run
    )
    return json_response(summary.as_dict())
