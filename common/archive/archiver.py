"""The archive step of a scan: fetch and keep the thumbnails of a channel's videos.

It runs after the scan's transaction has committed, at most ``max_per_run`` videos per scan,
a few at a time and within a time budget, so scans stay fast. A video is due when it has never
been archived, when its thumbnail URL changed, or when a newer metadata version was recorded
after its last archive; after those, oldest first, for a *recheck* once its last successful
check is ``recheck_after`` old: YouTube serves a new custom thumbnail at the same URL, so only
the bytes tell. Each image is stored once per content hash; new bytes at the URL of the last
archive are a ``changed`` event (``thumbnail_image``) with its delivery. A failure is recorded
on the video and retried on a later scan after an exponential backoff. Every outcome of a run
is written in one transaction.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, case, func, insert, null, or_, select, update
from sqlalchemy.orm import Session

from common.archive.errors import ArchiveError
from common.archive.fetch import Image, ThumbnailFetcher
from common.archive.store import ThumbnailStore, thumbnail_key
from common.models import ArchivedThumbnail, Event, ThumbnailCheck, Video, VideoVersion
from common.outbox import insert_events
from common.timeutil import utcnow

__all__ = ["UNFETCHABLE_STATES", "ArchiveReport", "ThumbnailArchiver", "retry_delay"]

log = logging.getLogger(__name__)

# YouTube stops serving the images of these videos: fetching would only fail.
UNFETCHABLE_STATES = ("private", "deleted", "channel_gone")
RETRY_BASE = timedelta(minutes=5)
RETRY_MAX = timedelta(hours=24)
ERROR_MAX = 500


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th consecutive failure (5 min doubling, ≤ 24 h)."""
    factor: int = 2 ** min(max(attempts - 1, 0), 20)
    return min(RETRY_BASE * factor, RETRY_MAX)


@dataclass(slots=True)
class ArchiveReport:
    """What one archive run did."""

    due: int = 0
    stored: int = 0
    deduplicated: int = 0
    failed: int = 0
    skipped: int = 0
    # The ``changed`` events written for new images behind the URL of the last archive.
    event_ids: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        """New images behind the URL of the last archive: one ``changed`` event each."""
        return len(self.event_ids)

    def as_dict(self) -> dict[str, Any]:
        return {
            "due": self.due,
            "stored": self.stored,
            "deduplicated": self.deduplicated,
            "failed": self.failed,
            "skipped": self.skipped,
            "changed": self.changed,
        }


@dataclass(frozen=True, slots=True)
class _Due:
    video_id: str
    title: str
    thumbnail_url: str | None
    checked: bool
    attempts: int
    # The URL and image hash of the last successful archive (None: never archived).
    archived_url: str | None = None
    archived_sha256: str | None = None


@dataclass(frozen=True, slots=True)
class _Outcome:
    due: _Due
    image: Image | None = None
    key: str | None = None
    new: bool = False
    error: str | None = None

    @property
    def image_changed(self) -> bool:
        """New bytes behind the URL the last archive came from (not a first archive)."""
        item = self.due
        return (
            self.image is not None
            and item.archived_sha256 is not None
            and item.archived_url == item.thumbnail_url
            and self.image.sha256 != item.archived_sha256
        )


class ThumbnailArchiver:
    """Archives thumbnails into a store; shared per process (holds no per-run state)."""

    def __init__(
        self,
        *,
        engine: Engine,
        store: ThumbnailStore,
        fetcher: ThumbnailFetcher,
        max_per_run: int,
        workers: int = 4,
        budget_s: float = 30.0,
        recheck_after: timedelta | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        """The archiver of one process.

        Args:
            max_per_run: most videos fetched per run, rechecks included; 0: archive off.
            recheck_after: fetch an archived video again when its last successful check is
                this old (``ARCHIVE_RECHECK_DAYS``); None or zero turns rechecks off.
        """
        self._engine = engine
        self.store = store
        self._fetcher = fetcher
        self._max_per_run = max_per_run
        self._workers = workers
        self._budget_s = budget_s
        self._recheck_after = recheck_after if recheck_after else None
        self._clock = clock

    def archive_channel(self, channel_id: str, *, now: datetime | None = None) -> ArchiveReport:
        """Archive the due thumbnails of one channel's videos (at most ``max_per_run``)."""
        report = ArchiveReport()
        if self._max_per_run <= 0:
            return report
        now = now or self._clock()
        with Session(self._engine) as session:
            due = self._due(session, channel_id, now)
            known = self._known_hashes(session, [d.video_id for d in due])
        report.due = len(due)
        if not due:
            return report
        outcomes = self._run(due, known)
        report.skipped = len(due) - len(outcomes)
        self._write(channel_id, outcomes, now, report)
        return report

    # --- reading ------------------------------------------------------------------------------

    def _due(self, session: Session, channel_id: str, now: datetime) -> list[_Due]:
        """The channel's videos whose thumbnail should be fetched now.

        Never-archived first, then changed URLs and newer versions (newest videos first), then
        the rechecks, longest unchecked first, so rechecks never take a new video's place.
        """
        latest = (
            select(VideoVersion.video_id, func.max(VideoVersion.seen_at).label("seen_at"))
            .join(Video, Video.id == VideoVersion.video_id)
            .where(Video.channel_id == channel_id)
            .group_by(VideoVersion.video_id)
            .subquery()
        )
        check = ThumbnailCheck
        needed = or_(
            check.archived_at.is_(None),
            func.coalesce(check.archived_url, "") != func.coalesce(Video.thumbnail_url, ""),
            latest.c.seen_at > check.archived_at,
        )
        due = needed
        if self._recheck_after is not None:
            # archived_at is the last successful fetch: a recheck with the same bytes moves it.
            due = or_(needed, check.archived_at <= now - self._recheck_after)
        query = (
            select(
                Video.id,
                Video.title,
                Video.thumbnail_url,
                check.video_id.is_not(None),
                check.attempts,
                check.archived_url,
                check.sha256,
            )
            .outerjoin(check, check.video_id == Video.id)
            .outerjoin(latest, latest.c.video_id == Video.id)
            .where(
                Video.channel_id == channel_id,
                Video.state.not_in(UNFETCHABLE_STATES),
                due,
                or_(check.next_attempt_at.is_(None), check.next_attempt_at <= now),
            )
            .order_by(
                case((check.archived_at.is_(None), 0), (needed, 1), else_=2),
                case((needed, null()), else_=check.archived_at),
                Video.published_at.desc().nulls_last(),
                Video.id,
            )
            .limit(self._max_per_run)
        )
        return [
            _Due(video_id, title, url, bool(checked), attempts or 0, archived_url, sha256)
            for video_id, title, url, checked, attempts, archived_url, sha256 in session.execute(
                query
            )
        ]

    def _known_hashes(self, session: Session, video_ids: Sequence[str]) -> set[tuple[str, str]]:
        if not video_ids:
            return set()
        rows = session.execute(
            select(ArchivedThumbnail.video_id, ArchivedThumbnail.sha256).where(
                ArchivedThumbnail.video_id.in_(video_ids)
            )
        )
        return {(video_id, sha) for video_id, sha in rows}

    # --- fetching and storing -----------------------------------------------------------------

    def _run(self, due: list[_Due], known: set[tuple[str, str]]) -> list[_Outcome]:
        deadline = time.monotonic() + self._budget_s

        def one(item: _Due) -> _Outcome | None:
            if time.monotonic() > deadline:
                return None  # out of time: still due, the next scan takes it
            return self._archive_one(item, known)

        with ThreadPoolExecutor(self._workers, thread_name_prefix="ytdt-archive") as pool:
            results = list(pool.map(one, due))
        return [outcome for outcome in results if outcome is not None]

    def _archive_one(self, item: _Due, known: set[tuple[str, str]]) -> _Outcome:
        url = self._fetcher.source_url(item.video_id, item.thumbnail_url)
        try:
            image = self._fetcher.fetch(url)
            key = thumbnail_key(item.video_id, image.sha256, image.content_type)
            if (item.video_id, image.sha256) in known:
                return _Outcome(item, image, key)
            # A row may be missing while the object exists (a run that stored it then died).
            if not self.store.exists(key):
                self.store.put(key, image.data, image.content_type)
            return _Outcome(item, image, key, new=True)
        except ArchiveError as exc:
            return _Outcome(item, error=exc.message[:ERROR_MAX])

    # --- writing ------------------------------------------------------------------------------

    def _write(
        self, channel_id: str, outcomes: list[_Outcome], now: datetime, report: ArchiveReport
    ) -> None:
        new_rows: list[dict[str, Any]] = []
        check_inserts: list[dict[str, Any]] = []
        check_updates: list[dict[str, Any]] = []
        for outcome in outcomes:
            item = outcome.due
            values: dict[str, Any]
            if outcome.image is None:
                attempts = item.attempts + 1
                values = {
                    "attempts": attempts,
                    "next_attempt_at": now + retry_delay(attempts),
                    "last_error": outcome.error,
                }
                report.failed += 1
                report.errors.append(f"{item.video_id}: {outcome.error}")
            else:
                values = {
                    "archived_url": item.thumbnail_url,
                    "sha256": outcome.image.sha256,
                    "archived_at": now,
                    "attempts": 0,
                    "next_attempt_at": None,
                    "last_error": None,
                }
                if outcome.new:
                    report.stored += 1
                    new_rows.append(
                        {
                            "video_id": item.video_id,
                            "sha256": outcome.image.sha256,
                            "storage_key": outcome.key,
                            "content_type": outcome.image.content_type,
                            "size": len(outcome.image.data),
                            "source_url": outcome.image.source_url,
                            "archived_at": now,
                        }
                    )
                else:
                    report.deduplicated += 1
            if item.checked:
                check_updates.append({"video_id": item.video_id, **values})
            else:
                check_inserts.append(
                    {
                        "video_id": item.video_id,
                        "archived_url": None,
                        "sha256": None,
                        "archived_at": None,
                        **values,
                    }
                )
        events = [
            _change_event(channel_id, o.due, o.image, now)
            for o in outcomes
            if o.image is not None and o.image_changed
        ]
        with Session(self._engine) as session, session.begin():
            if new_rows:
                session.execute(insert(ArchivedThumbnail), new_rows)
            if check_inserts:
                session.execute(insert(ThumbnailCheck), check_inserts)
            if check_updates:
                session.execute(update(ThumbnailCheck), check_updates)
            if events:
                written = set(
                    session.scalars(
                        select(Event.dedupe_key).where(
                            Event.dedupe_key.in_([e["dedupe_key"] for e in events])
                        )
                    )
                )
                events = [e for e in events if e["dedupe_key"] not in written]
                report.event_ids = insert_events(session, events, now)


def _change_event(channel_id: str, item: _Due, image: Image, now: datetime) -> dict[str, Any]:
    """The ``changed`` event of a new image behind the same URL, shaped like the scan's."""
    new = image.sha256
    return {
        # One event per video and image: a run retried after a failure never writes it twice.
        "dedupe_key": f"thumbnail:{item.video_id}:{new}",
        "kind": "changed",
        "channel_id": channel_id,
        "video_id": item.video_id,
        "details": {
            "title": item.title,
            "changes": {"thumbnail_image": {"old": item.archived_sha256, "new": new}},
        },
        "detected_at": now,
        # No scan id: the change belongs to no scan's versions (see common.history).
        "scan_id": None,
    }
