"""CSV exports of videos and events, streamed from bounded keyset chunks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from flask import Response

from common.admin.export import EVENT_COLUMNS, VIDEO_COLUMNS, csv_lines, event_rows, video_rows
from common.admin.params import EventFilter, ExportVideos
from common.admin.queries import iter_events, iter_videos
from common.admin.router import RouteContext, Router
from common.admin.routes.support import engine
from common.timeutil import utcnow
from common.web import parse_query

__all__ = ["register"]

T = TypeVar("T")


def _eager_first(chunks: Iterator[T]) -> Iterator[T]:
    """Read the first chunk now, so a database error is an error answer, not a cut stream."""
    first = next(chunks)

    def replay() -> Iterator[T]:
        yield first
        yield from chunks

    return replay()


def _csv_response(name: str, lines: Iterator[str]) -> Response:
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    return Response(
        lines,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="ytdt-{name}-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )


def export_videos(ctx: RouteContext) -> Response:
    query = parse_query(ctx.request, ExportVideos)
    chunks = _eager_first(
        iter_videos(engine(ctx), channel_id=query.channel_id, state=query.state, q=query.q)
    )
    rows: Iterator[list[list[Any]]] = (video_rows(chunk) for chunk in chunks)
    return _csv_response("videos", csv_lines(VIDEO_COLUMNS, rows))


def export_events(ctx: RouteContext) -> Response:
    query = parse_query(ctx.request, EventFilter)
    chunks = _eager_first(
        iter_events(engine(ctx), channel_id=query.channel_id, kind=query.kind, since=query.since)
    )
    rows: Iterator[list[list[Any]]] = (event_rows(chunk) for chunk in chunks)
    return _csv_response("events", csv_lines(EVENT_COLUMNS, rows))


def register(router: Router) -> None:
    router.add("GET", "/export/videos.csv", export_videos)
    router.add("GET", "/export/events.csv", export_events)
