"""The dashboard page: what an admin checks at a glance, rendered on the server (Jinja2)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from sqlalchemy import Engine, case, func, select
from sqlalchemy.orm import Session

from common.admin.describe import DISAPPEARANCE_KINDS, event_headline, event_reason, safe_url
from common.dispatch.runs import last_successful_dispatch
from common.models import Channel, Delivery, Event, Video
from common.notify.texts import kind_label
from common.quota import QuotaLedger
from common.timeutil import isoformat, utcnow

__all__ = ["DashboardData", "dashboard_data", "render_dashboard"]

MAX_CHANNELS_SHOWN = 500
RECENT_DISAPPEARANCES = 50


@functools.cache
def _environment() -> Environment:
    # Autoescape everything: titles and descriptions are whatever uploaders typed.
    env = Environment(
        loader=PackageLoader("common.admin", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = lambda value: isoformat(value) or "never"
    return env


@dataclass(frozen=True, slots=True)
class DashboardData:
    channels: list[dict[str, Any]]
    channels_total: int
    disappearances: list[dict[str, Any]]
    quota_used: int
    quota_daily: int
    quota_resets_at: datetime
    pending_deliveries: int
    failed_deliveries: int
    last_dispatch: datetime | None
    generated_at: datetime


def _channels(session: Session) -> tuple[list[dict[str, Any]], int]:
    counts = (
        select(
            Video.channel_id,
            func.count().label("n"),
            func.sum(case((Video.state != "public", 1), else_=0)).label("gone"),
        )
        .group_by(Video.channel_id)
        .subquery()
    )
    query = (
        select(Channel, func.coalesce(counts.c.n, 0), func.coalesce(counts.c.gone, 0))
        .outerjoin(counts, counts.c.channel_id == Channel.id)
        # Trouble first: terminated or failing channels, then by title.
        .order_by(
            case((Channel.state == "active", 1), else_=0),
            Channel.consecutive_failures.desc(),
            Channel.title,
            Channel.id,
        )
        .limit(MAX_CHANNELS_SHOWN)
    )
    rows = [
        {
            "id": channel.id,
            "title": channel.title,
            "handle": channel.handle,
            "state": channel.state,
            "active": channel.active,
            "videos": videos,
            "not_public": int(gone),
            "last_scanned_at": channel.last_scanned_at,
            "consecutive_failures": channel.consecutive_failures,
            "last_error": channel.last_error,
        }
        for channel, videos, gone in session.execute(query)
    ]
    total = session.scalar(select(func.count()).select_from(Channel)) or 0
    return rows, total


def _disappearances(session: Session) -> list[dict[str, Any]]:
    query = (
        select(Event, Video.title, Video.thumbnail_url, Channel.title)
        .outerjoin(Video, Video.id == Event.video_id)
        .join(Channel, Channel.id == Event.channel_id)
        .where(Event.kind.in_(DISAPPEARANCE_KINDS))
        .order_by(Event.detected_at.desc(), Event.id.desc())
        .limit(RECENT_DISAPPEARANCES)
    )
    rows = []
    for event, video_title, thumbnail, channel_title in session.execute(query):
        title = event.details.get("title") or video_title or ""
        rows.append(
            {
                "kind": event.kind,
                "label": kind_label(event.kind, "en", emoji=False),
                "headline": event_headline(event.kind, title),
                "title": title,
                "video_id": event.video_id,
                "channel_id": event.channel_id,
                "channel_title": channel_title,
                "reason": event_reason(event.kind, event.details),
                "thumbnail_url": safe_url(event.details.get("thumbnail_url") or thumbnail),
                "detected_at": event.detected_at,
            }
        )
    return rows


def dashboard_data(engine: Engine, ledger: QuotaLedger) -> DashboardData:
    """Everything the page shows, read in one session (plus the quota counter)."""
    with Session(engine) as session:
        channels, total = _channels(session)
        disappearances = _disappearances(session)
        statuses = dict(
            session.execute(
                select(Delivery.status, func.count())
                .where(Delivery.status.in_(("pending", "failed")))
                .group_by(Delivery.status)
            ).all()
        )
    return DashboardData(
        channels=channels,
        channels_total=total,
        disappearances=disappearances,
        quota_used=ledger.used(),
        quota_daily=ledger.daily_quota,
        quota_resets_at=ledger.resets_at(),
        pending_deliveries=statuses.get("pending", 0),
        failed_deliveries=statuses.get("failed", 0),
        last_dispatch=last_successful_dispatch(engine),
        generated_at=utcnow(),
    )


def render_dashboard(data: DashboardData) -> str:
    return _environment().get_template("dashboard.html").render(d=data)
