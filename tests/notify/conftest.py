"""Fixtures of the notify tests: the Slack stand-in, a settable clock, and seeded outbox rows."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from common.models import Channel, Delivery, Event, Video
from common.notify import DeliveryPolicy, Outbox
from common.notify.plan import PlanRules
from common.notify.senders import SlackWebhookSender
from common.settings import reset_settings
from tests.notify.slack_stub import SlackStub
from tests.support import Clock

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def slack() -> Iterator[SlackStub]:
    """The Slack stand-in; SLACK_WEBHOOK_URL points at it."""
    with SlackStub() as stub:
        os.environ["SLACK_WEBHOOK_URL"] = stub.url
        os.environ["SLACK_TIMEOUT_S"] = "5"
        reset_settings()
        yield stub


_ids = itertools.count(1)


def video_id() -> str:
    """A fresh, valid 11-character video id."""
    return f"v{next(_ids):010d}"


def channel_id(tag: str = "a") -> str:
    return ("UC" + tag * 22)[:24]


@dataclass
class Seeder:
    """Writes channels, videos, events and their pending outbox rows, as a scan would."""

    engine: Engine
    clock: Clock
    channels: set[str] = field(default_factory=set)

    def channel(self, cid: str, title: str = "Some Channel", handle: str = "@some") -> str:
        if cid not in self.channels:
            with Session(self.engine) as s, s.begin():
                s.execute(
                    insert(Channel).values(
                        id=cid,
                        handle=handle,
                        title=title,
                        uploads_playlist_id="UU" + cid[2:],
                        created_at=self.clock(),
                    )
                )
            self.channels.add(cid)
        return cid

    def events(
        self,
        specs: Sequence[tuple[str, str | None, dict[str, Any]]],
        *,
        cid: str | None = None,
        scan_id: str | None = "auto",
        title: str = "A video",
    ) -> list[int]:
        """Insert ``(kind, video_id, details)`` events of one scan with pending deliveries."""
        cid = self.channel(cid or channel_id())
        scan = uuid.uuid4().hex if scan_id == "auto" else scan_id
        now = self.clock()
        with Session(self.engine) as s, s.begin():
            known = set(s.scalars(select(Video.id)))
            videos = {v for _, v, _ in specs if v is not None and v not in known}
            if videos:
                s.execute(
                    insert(Video),
                    [
                        {
                            "id": v,
                            "channel_id": cid,
                            "title": title,
                            "description": "preserved description",
                            "published_at": now - timedelta(days=30),
                            "last_seen_at": now - timedelta(hours=1),
                            "first_seen_at": now - timedelta(days=30),
                        }
                        for v in sorted(videos)
                    ],
                )
            ids = list(
                s.scalars(
                    insert(Event).returning(Event.id, sort_by_parameter_order=True),
                    [
                        {
                            "dedupe_key": uuid.uuid4().hex,
                            "kind": kind,
                            "channel_id": cid,
                            "video_id": vid,
                            "details": details,
                            "detected_at": now,
                            "scan_id": scan,
                        }
                        for kind, vid, details in specs
                    ],
                )
            )
            s.execute(
                insert(Delivery),
                [
                    {
                        "event_id": i,
                        "destination": "slack",
                        "status": "pending",
                        "attempts": 0,
                        "next_attempt_at": now,
                        "created_at": now,
                    }
                    for i in ids
                ],
            )
        return ids

    def deliveries(self) -> list[Delivery]:
        with Session(self.engine) as s:
            return list(s.scalars(select(Delivery).order_by(Delivery.id)))

    def statuses(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for d in self.deliveries():
            counts[d.status] = counts.get(d.status, 0) + 1
        return counts


@pytest.fixture
def seeder(engine: Engine, clock: Clock) -> Seeder:
    return Seeder(engine, clock)


def outbox(
    engine: Engine, slack: SlackStub, clock: Clock, *, language: str = "en", **policy: Any
) -> Outbox:
    rules = PlanRules(
        language=language,  # type: ignore[arg-type]
        **{k: policy.pop(k) for k in list(policy) if k in PlanRules.__dataclass_fields__},
    )
    return Outbox(
        engine,
        SlackWebhookSender.for_url(slack.url, timeout_s=5),
        DeliveryPolicy(rules=rules, **policy),
        clock=clock,
    )
