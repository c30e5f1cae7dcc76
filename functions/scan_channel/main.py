"""scan_channel: scan one tracked channel now (POST {"channel_id": "UC…"}, bearer token)."""

from __future__ import annotations

import functions_framework
from flask import Request, Response
from pydantic import BaseModel, ConfigDict, Field
from werkzeug.exceptions import HTTPException

from common import runtime
from common.errors import AppError
from common.instrument import instrument
from common.settings import get_settings
from common.web import (
    error_response,
    http_exception_response,
    json_response,
    parse_body,
    require_bearer,
    require_method,
    unexpected_error_response,
)

functions_framework.errorhandler(AppError)(error_response)
functions_framework.errorhandler(HTTPException)(http_exception_response)
functions_framework.errorhandler(Exception)(unexpected_error_response)


class ScanRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel_id: str = Field(pattern=r"^UC[A-Za-z0-9_-]{22}$")


@functions_framework.http
@instrument("scan_channel", private=True)
def scan_channel(request: Request) -> Response:
    settings = get_settings()
    require_bearer(request, settings.service_token, setting="SERVICE_TOKEN")
    require_method(request, "POST")
    body = parse_body(request, ScanRequest)
    result = runtime.scanner(settings).scan(body.channel_id)
    # A scan that YouTube made fail answers 503 so callers (dispatch) can tell and retry later.
    status = 503 if result.outcome == "failed" else 200
    return json_response(result.as_dict(), status)
