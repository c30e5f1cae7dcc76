"""Video routes: a channel's videos (filtered, paged) and one video with its history."""

from __future__ import annotations

from flask import Response
from sqlalchemy.orm import Session

from common import runtime
from common.admin.cursors import cursor_str, parse_time_key, time_key
from common.admin.params import NoQuery, ThumbnailQuery, VideoPage
from common.admin.queries import video_detail, video_page
from common.admin.router import RouteContext, Router
from common.admin.routes.support import (
    channel_id_param,
    codec,
    engine,
    page_response,
    video_id_param,
)
from common.archive import archived_thumbnail, thumbnail_path
from common.errors import InvalidInput
from common.history import video_life
from common.web import json_response, parse_query

__all__ = ["register"]

SCOPE = "videos"


def list_videos(ctx: RouteContext) -> Response:
    channel_id = channel_id_param(ctx)
    query = parse_query(ctx.request, VideoPage)
    after = None
    if query.cursor is not None:
        values = codec(ctx).decode(SCOPE, query.cursor)
        if len(values) != 2:
            raise InvalidInput("cursor: malformed", field="cursor")
        after = (parse_time_key(values[0]), cursor_str(values[1]))
    page = video_page(
        engine(ctx), channel_id, state=query.state, q=query.q, limit=query.limit, after=after
    )
    cursor = None
    if page.next_key is not None:
        seen, video_id = page.next_key
        cursor = codec(ctx).encode(SCOPE, [time_key(seen), video_id])
    return page_response("videos", page.items, cursor)


def show_video(ctx: RouteContext) -> Response:
    video_id = video_id_param(ctx)
    parse_query(ctx.request, NoQuery)
    body = video_detail(engine(ctx), video_id)
    # The metadata history (issue 8): every version, change and transition, and the archive.
    with Session(engine(ctx)) as session:
        life = video_life(session, video_id).as_dict()
    del life["video"]
    body["history"] = life
    body["archived_thumbnail"] = thumbnail_path(video_id) if life["thumbnails"] else None
    return json_response(body)


def show_thumbnail(ctx: RouteContext) -> Response:
    """The video's archived thumbnail image, or the one of ``?sha256=`` (404 JSON if none)."""
    video_id = video_id_param(ctx)
    query = parse_query(ctx.request, ThumbnailQuery)
    with Session(engine(ctx)) as session:
        image = archived_thumbnail(
            session, runtime.archive_store(ctx.settings), video_id, sha256=query.sha256
        )
    return Response(
        image.data,
        mimetype=image.content_type,
        headers={
            # Content-addressed: the bytes under this ETag never change.
            "ETag": f'"{image.sha256}"',
            "Cache-Control": "private, max-age=86400",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


def register(router: Router) -> None:
    router.add("GET", "/channels/{channel_id}/videos", list_videos)
    router.add("GET", "/videos/{video_id}", show_video)
    router.add("GET", "/videos/{video_id}/thumbnail", show_thumbnail)
