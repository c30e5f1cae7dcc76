"""notify: deliver pending events to Slack, or post the digest or a test message.

POST {"mode": "deliver" | "digest" | "test", "since": ISO?} with ``Authorization: Bearer
<SERVICE_TOKEN>`` or the admin's basic auth; answers the run's JSON summary.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import functions_framework
from flask import Request, Response
from pydantic import BaseModel, ConfigDict, field_validator
from werkzeug.exceptions import HTTPException

from common import runtime
from common.errors import AppError
from common.instrument import instrument
from common.notify import Notifier
from common.settings import get_settings
from common.timeutil import as_utc
from common.web import (
    error_response,
    http_exception_response,
    json_response,
    parse_body,
    require_method,
    require_service_or_admin,
    unexpected_error_response,
)

functions_framework.errorhandler(AppError)(error_response)
functions_framework.errorhandler(HTTPException)(http_exception_response)
functions_framework.errorhandler(Exception)(unexpected_error_response)


class NotifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["deliver", "digest", "test"] = "deliver"
    since: datetime | None = None

    @field_validator("since", mode="before")
    @classmethod
    def _iso_text(cls, value: object) -> object:
        # A number would be taken as Unix seconds: refuse it, the contract is an ISO 8601 text.
        if value is not None and not isinstance(value, str):
            raise ValueError("must be an ISO 8601 date or time, e.g. 2026-12-01T00:00:00Z")
        return value

    @field_validator("since")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else as_utc(value)


@functions_framework.http
@instrument("notify", private=True)
def notify(request: Request) -> Response:
    settings = get_settings()
    require_service_or_admin(request, settings, runtime.auth_throttle)
    require_method(request, "POST")
    body = parse_body(request, NotifyRequest)
    report = Notifier.from_settings(settings, runtime.database(settings)).run(body.mode, body.since)
    return json_response(report.as_dict())
