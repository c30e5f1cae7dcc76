"""Test helpers: the tracker under test wired to a database and the fake YouTube API."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from common import runtime
from common.channels import add_channel
from common.fake_youtube import FakeYouTube
from common.models import Event, ScanRun, Video
from common.scan import ScanResult
from common.settings import reset_settings


def point_at(fake: FakeYouTube, **extra: str) -> None:
    """Send the tracker's YouTube traffic to the fake (fast retries for tests)."""
    os.environ.update(
        YOUTUBE_API_KEY="test-key",
        YOUTUBE_API_BASE_URL=fake.api_base_url,
        YOUTUBE_OEMBED_URL=fake.oembed_url,
        YOUTUBE_FEED_URL=fake.feed_url,
        HTTP_BACKOFF_S="0.001",
        HTTP_TIMEOUT_S="5",
        **extra,
    )
    reset_settings()


@dataclass
class Clock:
    """A clock the test moves by hand: days pass without sleeping."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Tracker:
    """The tracker under test, wired to one database and the fake."""

    engine: Engine
    fake: FakeYouTube

    def track(self, channel_id: str) -> None:
        add_channel(self.engine, runtime.youtube_client(), channel_id)

    def scan(self, channel_id: str) -> ScanResult:
        return runtime.scanner().scan(channel_id)

    def events(self, kind: str | None = None) -> list[Event]:
        with Session(self.engine) as session:
            query = select(Event).order_by(Event.id)
            if kind is not None:
                query = query.where(Event.kind == kind)
            return list(session.scalars(query))

    def kinds(self) -> list[tuple[str, str | None]]:
        return [(e.kind, e.video_id) for e in self.events()]

    def video(self, video_id: str) -> Video:
        with Session(self.engine) as session:
            video = session.get(Video, video_id)
            assert video is not None, video_id
            return video

    def video_count(self, channel_id: str) -> int:
        with Session(self.engine) as session:
            return (
                session.scalar(
                    select(func.count()).select_from(Video).where(Video.channel_id == channel_id)
                )
                or 0
            )

    def scan_runs(self, channel_id: str) -> list[ScanRun]:
        with Session(self.engine) as session:
            return list(
                session.scalars(
                    select(ScanRun)
                    .where(ScanRun.channel_id == channel_id)
                    .order_by(ScanRun.started_at)
                )
            )
