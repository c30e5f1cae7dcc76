"""Event routes: the filtered, paged event list and the Atom feed."""

from __future__ import annotations

from flask import Response

from common.admin.cursors import cursor_int, parse_time_key, time_key
from common.admin.feed import ATOM_TYPE, atom_feed
from common.admin.params import EventPage, FeedQuery
from common.admin.queries import event_page
from common.admin.router import RouteContext, Router
from common.admin.routes.support import codec, engine, page_response
from common.errors import InvalidInput
from common.web import parse_query

__all__ = ["register"]

SCOPE = "events"


def list_events(ctx: RouteContext) -> Response:
    query = parse_query(ctx.request, EventPage)
    after = None
    if query.cursor is not None:
        values = codec(ctx).decode(SCOPE, query.cursor)
        if len(values) != 2:
            raise InvalidInput("cursor: malformed", field="cursor")
        after = (parse_time_key(values[0]), cursor_int(values[1]))
    page = event_page(
        engine(ctx),
        channel_id=query.channel_id,
        kind=query.kind,
        since=query.since,
        limit=query.limit,
        after=after,
    )
    cursor = None
    if page.next_key is not None:
        detected, event_id = page.next_key
        cursor = codec(ctx).encode(SCOPE, [time_key(detected), event_id])
    return page_response("events", page.items, cursor)


def feed(ctx: RouteContext) -> Response:
    query = parse_query(ctx.request, FeedQuery)
    page = event_page(
        engine(ctx),
        channel_id=query.channel_id,
        kind=query.kind,
        since=None,
        limit=query.limit,
        after=None,
    )
    body = atom_feed(page.items, self_url=ctx.request.url)
    return Response(body, content_type=ATOM_TYPE)


def register(router: Router) -> None:
    router.add("GET", "/events", list_events)
    router.add("GET", "/feed.atom", feed)
