"""Retention: old history of videos that stayed public goes; evidence of lost videos stays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common import runtime
from common.archive import StoreError
from common.errors import InvalidInput
from common.history import VideoLife, video_life
from common.models import ArchivedThumbnail, VideoVersion
from common.prune import prune
from common.timeutil import utcnow
from tests.support import Tracker


@dataclass
class Story:
    channel_id: str
    kept_public: str  # retitled twice, new thumbnail: still public
    deleted: str  # retitled, then deleted
    restored: str  # retitled, made private, public again
    quiet: str  # never changed


def counts(tracker: Tracker, model: type[VideoVersion] | type[ArchivedThumbnail]) -> dict[str, int]:
    with Session(tracker.engine) as session:
        rows = session.execute(select(model.video_id, func.count()).group_by(model.video_id))
        return {video_id: n for video_id, n in rows}


@pytest.fixture
def story(tracker: Tracker) -> Story:
    world = tracker.fake.world
    channel = world.add_channel(handle="@retention")
    a, b, c, d = world.generate_videos(channel.id, 4, seed=41)
    tracker.track(channel.id)
    tracker.scan(channel.id)
    world.retitle(a, "A, second title")
    world.retitle(b, "B, second title")
    world.retitle(c, "C, second title")
    tracker.scan(channel.id)
    world.set_thumbnail(a)
    world.retitle(a, "A, third title")
    world.delete(b)
    world.privatize(c)
    tracker.scan(channel.id)
    tracker.scan(channel.id)
    world.publish(c)
    tracker.scan(channel.id)
    assert tracker.video(b).state == "deleted"
    assert tracker.video(c).state == "public"
    return Story(channel.id, a, b, c, d)


def test_only_superseded_history_of_never_lost_public_videos_is_removed(
    tracker: Tracker, story: Story, tmp_path: Path
) -> None:
    store = runtime.archive_store()
    versions_before = counts(tracker, VideoVersion)
    thumbnails_before = counts(tracker, ArchivedThumbnail)
    assert versions_before == {
        story.kept_public: 3,
        story.deleted: 2,
        story.restored: 2,
        story.quiet: 1,
    }
    assert thumbnails_before[story.kept_public] == 2
    with Session(tracker.engine) as session:
        old_key = session.scalars(
            select(ArchivedThumbnail.storage_key)
            .where(ArchivedThumbnail.video_id == story.kept_public)
            .order_by(ArchivedThumbnail.archived_at)
        ).first()
    assert old_key is not None and store.exists(old_key)

    later = utcnow() + timedelta(days=40)
    report = prune(tracker.engine, store, older_than=timedelta(days=30), now=later)

    assert (report.versions, report.thumbnails, report.store_errors) == (2, 1, [])
    assert counts(tracker, VideoVersion) == {**versions_before, story.kept_public: 1}
    assert counts(tracker, ArchivedThumbnail) == {**thumbnails_before, story.kept_public: 1}
    assert not store.exists(old_key)
    # The newest version is what the video is now.
    with Session(tracker.engine) as session:
        [kept] = session.scalars(
            select(VideoVersion).where(VideoVersion.video_id == story.kept_public)
        )
    assert kept.title == "A, third title"


def test_recent_history_and_dry_runs_are_left_alone(tracker: Tracker, story: Story) -> None:
    store = runtime.archive_store()
    before = counts(tracker, VideoVersion), counts(tracker, ArchivedThumbnail)
    recent = prune(tracker.engine, store, older_than=timedelta(days=30), now=utcnow())
    assert (recent.versions, recent.thumbnails) == (0, 0)
    later = utcnow() + timedelta(days=40)
    dry = prune(tracker.engine, store, older_than=timedelta(days=30), now=later, dry_run=True)
    assert (dry.versions, dry.thumbnails) == (2, 1)
    assert (counts(tracker, VideoVersion), counts(tracker, ArchivedThumbnail)) == before


def test_a_negative_age_is_refused(tracker: Tracker) -> None:
    with pytest.raises(InvalidInput):
        prune(tracker.engine, runtime.archive_store(), older_than=timedelta(days=-1), now=utcnow())


def test_a_pruned_video_still_shows_every_title_and_change(tracker: Tracker, story: Story) -> None:
    def life() -> VideoLife:
        with Session(tracker.engine) as session:
            return video_life(session, story.kept_public)

    before = life()
    assert len(before.titles) == 3
    # Two retitles, and the new image the archive found behind the same URL on the second.
    assert [sorted(c["fields"]) for c in before.changes] == [
        ["title"],
        ["title"],
        ["thumbnail_image"],
    ]
    later = utcnow() + timedelta(days=40)
    prune(tracker.engine, runtime.archive_store(), older_than=timedelta(days=30), now=later)

    after = life()
    # The superseded versions are gone; the changed events still tell what the video was.
    assert len(after.versions) == 1
    assert after.titles == before.titles
    assert [c["fields"] for c in after.changes] == [c["fields"] for c in before.changes]
    assert after.timeline[0] == {**before.timeline[0], "title": before.titles[0]}


class _RefusingDeletes:
    """The real store, except that it refuses to delete anything (a storage outage)."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self.refused: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def delete(self, key: str) -> None:
        self.refused.append(key)
        raise StoreError(f"cannot delete {key}: the bucket is unavailable")


def test_an_image_the_store_will_not_delete_keeps_its_row_for_the_next_prune(
    tracker: Tracker, story: Story
) -> None:
    store = runtime.archive_store()
    thumbnails_before = counts(tracker, ArchivedThumbnail)
    later = utcnow() + timedelta(days=40)
    refusing = _RefusingDeletes(store)
    failed = prune(tracker.engine, refusing, older_than=timedelta(days=30), now=later)
    [key] = refusing.refused
    assert failed.thumbnails == 0 and len(failed.store_errors) == 1
    assert counts(tracker, ArchivedThumbnail) == thumbnails_before  # the row is back …
    assert store.exists(key)  # … pointing at the object that is still there
    assert failed.versions == 2  # the metadata versions did go
    again = prune(tracker.engine, store, older_than=timedelta(days=30), now=later)
    assert (again.thumbnails, again.store_errors) == (1, [])
    assert not store.exists(key)
    assert counts(tracker, ArchivedThumbnail)[story.kept_public] == 1
