"""Archive tests: shared clients rebuilt per test (a boto3 client must be made inside moto),
a Slack stub and helpers to read what the archive wrote."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from common import runtime
from common.archive import archived_thumbnail
from common.fake_youtube import FakeYouTube
from common.models import ArchivedThumbnail, ThumbnailCheck
from common.notify import Notifier
from common.settings import get_settings, reset_settings
from common.timeutil import utcnow
from tests.notify.slack_stub import SlackStub
from tests.support import Tracker

ADMIN_URL = "https://ytdt-admin.fly.dev"


@pytest.fixture
def slack() -> Iterator[SlackStub]:
    with SlackStub() as stub:
        os.environ.update(SLACK_WEBHOOK_URL=stub.url, SLACK_TIMEOUT_S="5")
        reset_settings()
        yield stub


def buttons(payload: dict[str, Any]) -> dict[str, str]:
    return {
        element["action_id"]: element["url"]
        for block in payload["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }


def deliver() -> None:
    """Deliver the pending events to Slack (the stub) now."""
    settings = get_settings()
    Notifier.from_settings(settings, runtime.database(settings)).run("deliver")


@pytest.fixture(autouse=True)
def fresh_runtime() -> Iterator[None]:
    runtime.reset_runtime()
    yield
    runtime.reset_runtime()


def archived(engine: Engine) -> list[ArchivedThumbnail]:
    with Session(engine) as session:
        return list(session.scalars(select(ArchivedThumbnail).order_by(ArchivedThumbnail.id)))


def checks(engine: Engine) -> dict[str, ThumbnailCheck]:
    with Session(engine) as session:
        return {c.video_id: c for c in session.scalars(select(ThumbnailCheck))}


def let_retries_come_due(engine: Engine) -> None:
    """Time passes: every failed thumbnail may be tried again."""
    with engine.begin() as conn:
        conn.execute(
            update(ThumbnailCheck)
            .where(ThumbnailCheck.next_attempt_at.is_not(None))
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )


def set_env(**values: str) -> None:
    os.environ.update(values)
    reset_settings()


def image_of(fake: FakeYouTube, video_id: str) -> bytes:
    """The image the fake YouTube serves as the video's thumbnail now."""
    response = httpx.get(f"{fake.base_url}/vi/{video_id}/maxresdefault.jpg")
    assert response.status_code == 200
    return response.content


def served(tracker: Tracker, video_id: str, sha256: str | None = None) -> bytes:
    """The archived image the admin would serve for the video (or the one of ``sha256``)."""
    with Session(tracker.engine) as session:
        store = runtime.archive_store()
        return archived_thumbnail(session, store, video_id, sha256=sha256).data
