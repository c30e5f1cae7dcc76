"""The digest: one message summing up a period (24 hours by default) of events and notifications.

It counts events by kind, notifications by outcome (with the suppressed ones split by reason, so
flapping videos that were held back are still seen), the most active channels and the videos
that flapped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, case, func, literal_column, select
from sqlalchemy.orm import Session

from common.models import Channel, Delivery, Event, Video
from common.notify.escape import escape_cut
from common.notify.messages import (
    Message,
    channel_url,
    context,
    fields_section,
    fit_blocks,
    header,
    section,
    video_url,
)
from common.notify.plan import SUPPRESSED_FLAPPING, SUPPRESSED_SEVERITY
from common.notify.severity import severity_of
from common.notify.texts import Language, kind_label, text

__all__ = ["Digest", "build_digest", "digest_message"]

TOP = 10


@dataclass(frozen=True, slots=True)
class Digest:
    """The figures of one period; ``[since, until)`` on events' detection time."""

    since: datetime
    until: datetime
    events_by_kind: dict[str, int] = field(default_factory=dict)
    # sent, failed, pending, suppressed_severity, suppressed_flapping
    notifications: dict[str, int] = field(default_factory=dict)
    # (channel id, title, events), most events first
    channels: list[tuple[str, str, int]] = field(default_factory=list)
    # (video id, preserved title, messages held back), most first
    flapping: list[tuple[str, str, int]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "events_by_kind": self.events_by_kind,
            "notifications": self.notifications,
            "channels": [{"id": c, "title": t, "events": n} for c, t, n in self.channels],
            "flapping": [{"video_id": v, "title": t, "held_back": n} for v, t, n in self.flapping],
        }


def build_digest(engine: Engine, since: datetime, until: datetime) -> Digest:
    """Gather the period's figures in four grouped queries."""
    window = (Event.detected_at >= since, Event.detected_at < until)
    outcome = case(
        (Delivery.last_error == SUPPRESSED_SEVERITY, "suppressed_severity"),
        (Delivery.last_error == SUPPRESSED_FLAPPING, "suppressed_flapping"),
        else_=Delivery.status,
    ).label("outcome")
    with Session(engine) as session:
        kinds = {
            kind: count
            for kind, count in session.execute(
                select(Event.kind, func.count()).where(*window).group_by(Event.kind)
            )
        }
        notifications = {
            name: count
            for name, count in session.execute(
                select(outcome, func.count())
                .join(Event, Event.id == Delivery.event_id)
                .where(*window)
                # By the output name: pg8000 binds the CASE's strings as parameters, so a
                # repeated CASE would not be the same expression to PostgreSQL.
                .group_by(literal_column("outcome"))
            )
        }
        events = func.count(Event.id)
        channels = [
            (channel_id, title or channel_id, count)
            for channel_id, title, count in session.execute(
                select(Event.channel_id, Channel.title, events)
                .join(Channel, Channel.id == Event.channel_id)
                .where(*window)
                .group_by(Event.channel_id, Channel.title)
                .order_by(events.desc(), Event.channel_id)
                .limit(TOP)
            )
        ]
        held = func.count(Delivery.id)
        flapping = [
            (video_id, title or "", count)
            for video_id, title, count in session.execute(
                select(Event.video_id, Video.title, held)
                .join(Delivery, Delivery.event_id == Event.id)
                .outerjoin(Video, Video.id == Event.video_id)
                .where(*window, Delivery.last_error == SUPPRESSED_FLAPPING)
                .group_by(Event.video_id, Video.title)
                .order_by(held.desc(), Event.video_id)
                .limit(TOP)
            )
            if video_id is not None
        ]
    for name in ("sent", "failed", "pending", "suppressed_severity", "suppressed_flapping"):
        notifications.setdefault(name, 0)
    return Digest(since, until, kinds, notifications, channels, flapping)


def _when(value: datetime) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC"


def digest_message(digest: Digest, language: Language) -> Message:
    """The digest as one Block Kit message."""
    title = text("digest_header", language, since=_when(digest.since), until=_when(digest.until))
    blocks: list[dict[str, Any]] = [header(f":bar_chart: {title}")]
    total = sum(digest.events_by_kind.values())
    if total:
        kinds = sorted(digest.events_by_kind, key=lambda k: (-severity_of(k), k))
        lines = [f"{kind_label(k, language)}: {digest.events_by_kind[k]}" for k in kinds]
        blocks.append(
            section(f"*{text('digest_events', language)}* ({total})\n" + "\n".join(lines))
        )
    else:
        blocks.append(section(text("digest_none", language)))
    n = digest.notifications
    blocks.append(section(f"*{text('digest_deliveries', language)}*"))
    blocks.append(
        fields_section(
            [
                (text("digest_sent", language), str(n["sent"])),
                (text("digest_failed", language), str(n["failed"])),
                (text("digest_pending", language), str(n["pending"])),
                (text("digest_suppressed_severity", language), str(n["suppressed_severity"])),
                (text("digest_suppressed_flapping", language), str(n["suppressed_flapping"])),
            ]
        )
    )
    if digest.channels:
        lines = []
        for channel_id, channel_title, count in digest.channels:
            label = escape_cut(channel_title, 200)
            url = channel_url(channel_id)
            lines.append(f"• {f'<{url}|{label}>' if url else label}: {count}")
        blocks.append(section(f"*{text('digest_channels', language)}*\n" + "\n".join(lines)))
    if digest.flapping:
        lines = []
        for video_id, video_title, count in digest.flapping:
            label = escape_cut(video_title or video_id, 200)
            url = video_url(video_id)
            held = text("digest_flapping_line", language, count=count)
            lines.append(f"• {f'<{url}|{label}>' if url else label}: {held}")
        blocks.append(section(f"*{text('digest_flapping', language)}*\n" + "\n".join(lines)))
    blocks.append(context("ytdt digest"))
    fallback = (
        f"{title} — {text('digest_events', language)}: {total}, "
        f"{text('digest_sent', language)}: {n['sent']}, "
        f"{text('digest_failed', language)}: {n['failed']}"
    )
    return Message(text=fallback, blocks=fit_blocks(blocks))
