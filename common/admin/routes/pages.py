"""The dashboard page."""

from __future__ import annotations

from flask import Response
from sqlalchemy.orm import Session

from common import runtime
from common.admin.dashboard import dashboard_data, render_dashboard
from common.admin.params import NoQuery
from common.admin.router import RouteContext, Router
from common.admin.routes.support import engine
from common.archive import thumbnail_path, videos_with_thumbnail
from common.web import parse_query

__all__ = ["CONTENT_SECURITY_POLICY", "register"]

# No script at all; images from YouTube's thumbnail hosts (https) and this app; inline CSS only.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src 'self' https:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def dashboard(ctx: RouteContext) -> Response:
    parse_query(ctx.request, NoQuery)
    data = dashboard_data(engine(ctx), runtime.ledger(ctx.settings))
    # A lost video's thumbnail URL dies with it: show the archived copy (served by this app).
    with Session(engine(ctx)) as session:
        archived = videos_with_thumbnail(
            session, [row["video_id"] for row in data.disappearances if row["video_id"]]
        )
    for row in data.disappearances:
        if row["video_id"] in archived:
            row["thumbnail_url"] = thumbnail_path(row["video_id"]).lstrip("/")
    return Response(
        render_dashboard(data),
        mimetype="text/html",
        headers={
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "no-referrer",
        },
    )


def register(router: Router) -> None:
    router.add("GET", "/", dashboard)
