"""Reading the archive back: a video's archived image, and which videos have one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from common.archive.errors import StoreError
from common.archive.store import ThumbnailStore
from common.errors import NotFound
from common.models import ArchivedThumbnail, ThumbnailCheck

__all__ = ["ArchivedImage", "archived_thumbnail", "thumbnail_path", "videos_with_thumbnail"]


@dataclass(frozen=True, slots=True)
class ArchivedImage:
    data: bytes
    content_type: str
    sha256: str


def thumbnail_path(video_id: str, sha256: str | None = None) -> str:
    """The admin function's route that serves the video's archived thumbnail (or one image)."""
    path = f"/videos/{video_id}/thumbnail"
    return f"{path}?sha256={sha256}" if sha256 else path


def archived_thumbnail(
    session: Session, store: ThumbnailStore, video_id: str, *, sha256: str | None = None
) -> ArchivedImage:
    """The video's archived thumbnail: the image it showed last, else the newest archived;
    with ``sha256``, that image of the video (an older thumbnail).

    Raises:
        NotFound: nothing (or no image of that hash) is archived for the video.
        StoreError: the row exists but the store failed or lost the object.
    """
    current = case((ArchivedThumbnail.sha256 == ThumbnailCheck.sha256, 0), else_=1)
    query = (
        select(ArchivedThumbnail.storage_key, ArchivedThumbnail.sha256)
        .outerjoin(ThumbnailCheck, ThumbnailCheck.video_id == ArchivedThumbnail.video_id)
        .where(ArchivedThumbnail.video_id == video_id)
        .order_by(current, ArchivedThumbnail.archived_at.desc(), ArchivedThumbnail.id.desc())
        .limit(1)
    )
    if sha256 is not None:
        query = query.where(ArchivedThumbnail.sha256 == sha256)
    row = session.execute(query).first()
    if row is None:
        which = f" with sha256 {sha256}" if sha256 else ""
        raise NotFound(f"no archived thumbnail{which} for video {video_id}", field="video_id")
    key, sha256 = row
    stored = store.get(key)
    if stored is None:
        raise StoreError(f"archived thumbnail {key} is missing from the {store.description}")
    return ArchivedImage(stored.data, stored.content_type, sha256)


def videos_with_thumbnail(session: Session, video_ids: Iterable[str]) -> set[str]:
    """Which of ``video_ids`` have at least one archived thumbnail (one query)."""
    ids = sorted(set(video_ids))
    if not ids:
        return set()
    return set(
        session.scalars(
            select(ArchivedThumbnail.video_id).where(ArchivedThumbnail.video_id.in_(ids)).distinct()
        )
    )
