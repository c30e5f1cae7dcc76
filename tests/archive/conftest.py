"""Archive tests: shared clients rebuilt per test (a boto3 client must be made inside moto)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from common import runtime
from common.models import ArchivedThumbnail, ThumbnailCheck
from common.timeutil import utcnow


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
