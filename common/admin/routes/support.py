"""What route modules share: the engine, the cursor codec, page answers, path-id checks."""

from __future__ import annotations

import re
from typing import Any

from flask import Response
from sqlalchemy import Engine

from common import runtime
from common.admin.cursors import CursorCodec
from common.admin.router import RouteContext
from common.errors import InvalidInput
from common.web import json_response

__all__ = ["channel_id_param", "codec", "engine", "page_response", "video_id_param"]

_CHANNEL_ID = re.compile(r"UC[A-Za-z0-9_-]{22}")
_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")


def engine(ctx: RouteContext) -> Engine:
    return runtime.database(ctx.settings)


def codec(ctx: RouteContext) -> CursorCodec:
    password = ctx.settings.admin_password
    # authenticate() let the request in, so the password is set.
    return CursorCodec(password.get_secret_value() if password is not None else "")


def channel_id_param(ctx: RouteContext) -> str:
    value = ctx.params["channel_id"]
    if not _CHANNEL_ID.fullmatch(value):
        raise InvalidInput(
            f"{value[:40]!r} is not a channel id (UC followed by 22 characters)",
            field="channel_id",
        )
    return value


def video_id_param(ctx: RouteContext) -> str:
    value = ctx.params["video_id"]
    if not _VIDEO_ID.fullmatch(value):
        raise InvalidInput(
            f"{value[:40]!r} is not a video id (11 letters, digits, - or _)", field="video_id"
        )
    return value


def page_response(key: str, items: list[dict[str, Any]], next_cursor: str | None) -> Response:
    return json_response({key: items, "next_cursor": next_cursor})
