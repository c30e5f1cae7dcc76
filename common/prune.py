"""Retention: drop the old history of videos that stayed public, never evidence of a loss.

``prune`` removes, for videos that are public, not suspected missing, on an active channel and
never reported gone (no event but ``new`` and ``changed``, no channel termination):

- metadata versions superseded more than ``older_than`` ago (the newest version always stays);
- archived thumbnails superseded more than ``older_than`` ago (the image the video shows now and
  the newest archived image always stay), from the store and then from the database.

Everything of a video that ever disappeared (deleted, private, removed, blocked, restored …)
is kept.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, case, delete, exists, func, insert, not_, or_, select
from sqlalchemy.orm import Session

from common.archive import StoreError, ThumbnailStore
from common.errors import InvalidInput
from common.models import ArchivedThumbnail, Channel, Event, ThumbnailCheck, Video, VideoVersion

__all__ = ["PruneReport", "evidence_free_videos", "prune"]

log = logging.getLogger(__name__)

# Events that are not evidence of a disappearance.
ROUTINE_KINDS = ("new", "changed")
_CHUNK = 500


@dataclass(slots=True)
class PruneReport:
    cutoff: datetime
    dry_run: bool
    versions: int = 0
    thumbnails: int = 0
    store_errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "cutoff": self.cutoff.isoformat(),
            "dry_run": self.dry_run,
            "versions_removed": self.versions,
            "thumbnails_removed": self.thumbnails,
            "store_errors": self.store_errors,
        }


def evidence_free_videos() -> Any:
    """A condition on ``Video``: public, not missing, channel active, never reported gone."""
    alarming_event = exists().where(
        or_(
            and_(Event.video_id == Video.id, Event.kind.not_in(ROUTINE_KINDS)),
            and_(
                Event.channel_id == Video.channel_id,
                Event.video_id.is_(None),
                Event.kind == "channel_terminated",
            ),
        )
    )
    active_channel = exists().where(Channel.id == Video.channel_id, Channel.state == "active")
    return and_(
        Video.state == "public",
        Video.missing_strikes == 0,
        active_channel,
        not_(alarming_event),
    )


def _superseded_versions(cutoff: datetime) -> Any:
    following = (
        func.lead(VideoVersion.seen_at)
        .over(partition_by=VideoVersion.video_id, order_by=(VideoVersion.seen_at, VideoVersion.id))
        .label("next_seen_at")
    )
    ranked = (
        select(VideoVersion.id, following)
        .join(Video, Video.id == VideoVersion.video_id)
        .where(evidence_free_videos())
        .subquery()
    )
    return select(ranked.c.id).where(ranked.c.next_seen_at < cutoff).order_by(ranked.c.id)


def _superseded_thumbnails(cutoff: datetime) -> Any:
    following = (
        func.lead(ArchivedThumbnail.archived_at)
        .over(
            partition_by=ArchivedThumbnail.video_id,
            order_by=(ArchivedThumbnail.archived_at, ArchivedThumbnail.id),
        )
        .label("next_archived_at")
    )
    current = and_(
        ThumbnailCheck.sha256.is_not(None), ThumbnailCheck.sha256 == ArchivedThumbnail.sha256
    )
    ranked = (
        select(
            ArchivedThumbnail.id,
            ArchivedThumbnail.storage_key,
            following,
            case((current, 1), else_=0).label("is_current"),
        )
        .join(Video, Video.id == ArchivedThumbnail.video_id)
        .outerjoin(ThumbnailCheck, ThumbnailCheck.video_id == ArchivedThumbnail.video_id)
        .where(evidence_free_videos())
        .subquery()
    )
    return (
        select(ranked.c.id, ranked.c.storage_key)
        # The image the video shows now stays, however old.
        .where(ranked.c.next_archived_at < cutoff, ranked.c.is_current == 0)
        .order_by(ranked.c.id)
    )


def _chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]


def prune(
    engine: Engine,
    store: ThumbnailStore,
    *,
    older_than: timedelta,
    now: datetime,
    dry_run: bool = False,
) -> PruneReport:
    """Remove superseded history of still-public, never-gone videos older than ``older_than``.

    Raises:
        InvalidInput: ``older_than`` is negative.
    """
    if older_than < timedelta(0):
        raise InvalidInput("--older-than must not be negative", field="older_than")
    report = PruneReport(cutoff=now - older_than, dry_run=dry_run)
    with Session(engine) as session:
        version_ids = list(session.scalars(_superseded_versions(report.cutoff)))
        thumbnails = [
            (row.id, row.storage_key)
            for row in session.execute(_superseded_thumbnails(report.cutoff))
        ]
    if dry_run:
        report.versions, report.thumbnails = len(version_ids), len(thumbnails)
        return report
    versions_removed = 0
    deleted_rows: list[dict[str, Any]] = []
    with Session(engine) as session, session.begin():
        # The condition again, in the transaction that deletes: a video reported gone since the
        # selection keeps its history and its images.
        still_free = select(Video.id).where(evidence_free_videos())
        for chunk in _chunks(version_ids):
            result = session.execute(
                delete(VideoVersion)
                .where(VideoVersion.id.in_(chunk), VideoVersion.video_id.in_(still_free))
                .execution_options(synchronize_session=False)
            )
            versions_removed += int(getattr(result, "rowcount", 0) or 0)
        for chunk in _chunks([thumbnail_id for thumbnail_id, _ in thumbnails]):
            rows = session.execute(
                delete(ArchivedThumbnail)
                .where(ArchivedThumbnail.id.in_(chunk), ArchivedThumbnail.video_id.in_(still_free))
                .returning(*ArchivedThumbnail.__table__.columns)
                .execution_options(synchronize_session=False)
            )
            deleted_rows.extend(dict(row._mapping) for row in rows)
    # Images leave the store only after their rows are gone (never while a scan could still
    # make them evidence). One the store would not delete gets its row back, so the next prune
    # tries again and nothing points at a missing object.
    kept: list[dict[str, Any]] = []
    for row in deleted_rows:
        try:
            store.delete(row["storage_key"])
        except StoreError as exc:
            report.store_errors.append(exc.message)
            kept.append(row)
    if kept:
        with Session(engine) as session, session.begin():
            session.execute(insert(ArchivedThumbnail), kept)
    removed = len(deleted_rows) - len(kept)
    report.versions, report.thumbnails = versions_removed, removed
    log.info("pruned history", extra=report.as_dict())
    return report
