"""Health test helpers: a recent successful dispatch, an old pending delivery, proxied URLs."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, insert
from sqlalchemy.engine import make_url

from common.dispatch.runs import finish_run, start_run
from common.models import Channel, Delivery, Event
from common.timeutil import utcnow

CHANNEL = "UC" + "h" * 22


def dispatched(engine: Engine, ago: timedelta = timedelta(minutes=5)) -> None:
    """Record a dispatch run that succeeded ``ago``."""
    when = utcnow() - ago
    run_id = f"run{when.timestamp():.0f}"
    start_run(engine, run_id, when)
    finish_run(engine, run_id, when)


def pending_delivery(engine: Engine, created: datetime, status: str = "pending") -> None:
    with engine.begin() as conn:
        if conn.execute(Channel.__table__.select().where(Channel.id == CHANNEL)).first() is None:
            conn.execute(
                insert(Channel).values(
                    id=CHANNEL,
                    title="Health",
                    uploads_playlist_id="UU" + CHANNEL[2:],
                    input=CHANNEL,
                    active=True,
                    state="active",
                    missing_strikes=0,
                    consecutive_failures=0,
                    created_at=created,
                )
            )
        event_id = conn.execute(
            insert(Event)
            .values(
                dedupe_key=f"health:{created.timestamp()}:{status}",
                kind="deleted",
                channel_id=CHANNEL,
                video_id="abcdefghijk",
                details={},
                detected_at=created,
            )
            .returning(Event.id)
        ).scalar_one()
        conn.execute(
            insert(Delivery).values(
                event_id=event_id,
                destination="slack",
                status=status,
                attempts=0,
                created_at=created,
            )
        )


def via_port(url: str, port: int) -> str:
    """``url`` with its host and port replaced by 127.0.0.1:``port`` (a proxy in front)."""
    return make_url(url).set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
