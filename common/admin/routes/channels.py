"""Channel routes: list, add, show, change, stop tracking, scan now."""

from __future__ import annotations

from flask import Response

from common import runtime
from common.admin.cursors import cursor_str, parse_time_key, time_key
from common.admin.params import AddChannel, ChannelPage, NoQuery, PatchChannel
from common.admin.queries import (
    channel_detail,
    channel_page,
    count_channels,
    patch_channel,
)
from common.admin.router import RouteContext, Router
from common.admin.routes.support import channel_id_param, codec, engine, page_response
from common.channels import add_channel, remove_channel
from common.errors import InvalidInput, LimitExceeded
from common.web import json_response, parse_body, parse_query
from common.youtube import parse_channel_input

__all__ = ["register"]

SCOPE = "channels"


def list_channels(ctx: RouteContext) -> Response:
    query = parse_query(ctx.request, ChannelPage)
    after = None
    if query.cursor is not None:
        values = codec(ctx).decode(SCOPE, query.cursor)
        if len(values) != 2:
            raise InvalidInput("cursor: malformed", field="cursor")
        after = (parse_time_key(values[0]), cursor_str(values[1]))
    page = channel_page(engine(ctx), query.limit, after)
    cursor = None
    if page.next_key is not None:
        created, channel_id = page.next_key
        cursor = codec(ctx).encode(SCOPE, [time_key(created), channel_id])
    return page_response("channels", page.items, cursor)


def create_channel(ctx: RouteContext) -> Response:
    parse_query(ctx.request, NoQuery)
    body = parse_body(ctx.request, AddChannel)
    try:
        parse_channel_input(body.input)
    except InvalidInput as exc:
        # Checked here (no quota spent) to name the field in the answer.
        raise InvalidInput(f"input: {exc.message}", field="input") from None
    db = engine(ctx)
    limit = ctx.settings.max_channels
    if limit is not None and count_channels(db) >= limit:
        raise LimitExceeded(
            f"already tracking {limit} channels, the most MAX_CHANNELS allows", field="input"
        )
    view = add_channel(db, runtime.youtube_client(ctx.settings), body.input)
    return json_response(channel_detail(db, view.id), 201)


def show_channel(ctx: RouteContext) -> Response:
    parse_query(ctx.request, NoQuery)
    return json_response(channel_detail(engine(ctx), channel_id_param(ctx)))


def change_channel(ctx: RouteContext) -> Response:
    channel_id = channel_id_param(ctx)
    parse_query(ctx.request, NoQuery)
    body = parse_body(ctx.request, PatchChannel)
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    if changes.get("active", True) is None:
        raise InvalidInput("active: must be true or false", field="active")
    if not changes:
        raise InvalidInput(
            "nothing to change: give active and/or scan_interval_minutes", field="body"
        )
    return json_response(patch_channel(engine(ctx), channel_id, changes))


def delete_channel(ctx: RouteContext) -> Response:
    channel_id = channel_id_param(ctx)
    parse_query(ctx.request, NoQuery)
    remove_channel(engine(ctx), channel_id, store=runtime.archive_store(ctx.settings))
    return Response(status=204)


def scan_now(ctx: RouteContext) -> Response:
    channel_id = channel_id_param(ctx)
    parse_query(ctx.request, NoQuery)
    parse_body(ctx.request, NoQuery)
    result = runtime.scanner(ctx.settings).scan(channel_id)
    # As scan_channel: a scan YouTube made fail answers 503 (nothing was concluded).
    return json_response(result.as_dict(), 503 if result.outcome == "failed" else 200)


def register(router: Router) -> None:
    router.add("GET", "/channels", list_channels)
    router.add("POST", "/channels", create_channel)
    router.add("GET", "/channels/{channel_id}", show_channel)
    router.add("PATCH", "/channels/{channel_id}", change_channel)
    router.add("DELETE", "/channels/{channel_id}", delete_channel)
    router.add("POST", "/channels/{channel_id}/scan", scan_now)
