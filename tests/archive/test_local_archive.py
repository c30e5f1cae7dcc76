"""The thumbnail archive in the local folder (the embedded default), through real scans."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session

from common import runtime
from common.archive import LocalStore, StoreError, archived_thumbnail
from common.channels import remove_channel
from common.errors import NotFound
from common.fake_youtube import FakeYouTube, World
from common.timeutil import utcnow
from tests.archive.conftest import (
    archived,
    checks,
    image_of,
    let_retries_come_due,
    served,
    set_env,
)
from tests.support import Tracker, point_at


def test_first_scan_archives_every_thumbnail_in_the_folder(
    tracker: Tracker, tmp_path: Path
) -> None:
    world = tracker.fake.world
    channel = world.add_channel(handle="@thumbs")
    ids = world.generate_videos(channel.id, 4, seed=3)
    tracker.track(channel.id)
    assert tracker.scan(channel.id).outcome == "scanned"

    rows = archived(tracker.engine)
    assert sorted(r.video_id for r in rows) == sorted(ids)
    for row in rows:
        path = tmp_path / "archive" / row.storage_key
        assert row.storage_key == f"thumbnails/{row.video_id}/{row.sha256}.jpg"
        assert path.read_bytes() == image_of(tracker.fake, row.video_id)
        assert row.content_type == "image/jpeg"
        assert row.size == path.stat().st_size
    assert all(c.attempts == 0 and c.sha256 for c in checks(tracker.engine).values())


def test_images_are_stored_once_and_a_new_thumbnail_is_kept_too(
    tracker: Tracker, tmp_path: Path
) -> None:
    world = tracker.fake.world
    channel = world.add_channel(handle="@thumbs")
    [video_id] = world.generate_videos(channel.id, 1, seed=4)
    tracker.track(channel.id)
    tracker.scan(channel.id)
    first = image_of(tracker.fake, video_id)
    tracker.scan(channel.id)  # nothing changed: nothing fetched again
    assert len(archived(tracker.engine)) == 1

    world.retitle(video_id, "Renamed")  # a new version: the image is checked again, same bytes
    tracker.scan(channel.id)
    assert len(archived(tracker.engine)) == 1
    assert checks(tracker.engine)[video_id].archived_at is not None

    world.set_thumbnail(video_id)
    world.retitle(video_id, "Renamed with a new thumbnail")
    tracker.scan(channel.id)
    rows = archived(tracker.engine)
    assert len(rows) == 2
    assert len({r.sha256 for r in rows}) == 2
    files = sorted((tmp_path / "archive" / "thumbnails" / video_id).iterdir())
    assert len(files) == 2
    assert first in {f.read_bytes() for f in files}
    assert served(tracker, video_id) == image_of(tracker.fake, video_id) != first


def test_an_image_already_in_the_store_is_not_uploaded_again(
    tracker: Tracker, tmp_path: Path
) -> None:
    world = tracker.fake.world
    channel = world.add_channel(handle="@thumbs")
    world.generate_videos(channel.id, 1, seed=5)
    tracker.track(channel.id)
    tracker.scan(channel.id)
    [row] = archived(tracker.engine)
    path = tmp_path / "archive" / row.storage_key
    written = path.stat().st_mtime_ns
    # The database forgets (a run that died after storing); the object is still there.
    with tracker.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM archived_thumbnails")
        conn.exec_driver_sql("DELETE FROM thumbnail_checks")
    tracker.scan(channel.id)
    [again] = archived(tracker.engine)
    assert again.storage_key == row.storage_key
    assert path.stat().st_mtime_ns == written


def test_archived_thumbnail_is_served_after_the_video_is_deleted(tracker: Tracker) -> None:
    world = tracker.fake.world
    channel = world.add_channel(handle="@thumbs")
    ids = world.generate_videos(channel.id, 3, seed=6)
    tracker.track(channel.id)
    tracker.scan(channel.id)
    original = image_of(tracker.fake, ids[0])

    world.delete(ids[0])
    tracker.scan(channel.id)
    tracker.scan(channel.id)
    assert tracker.video(ids[0]).state == "deleted"
    gone = httpx.get(f"{tracker.fake.base_url}/vi/{ids[0]}/maxresdefault.jpg")
    assert gone.status_code == 404
    assert served(tracker, ids[0]) == original


def test_nothing_archived_is_not_found(tracker: Tracker) -> None:
    world = tracker.fake.world
    channel = world.add_channel(handle="@thumbs")
    [video_id] = world.generate_videos(channel.id, 1, seed=7)
    set_env(ARCHIVE_MAX_PER_RUN="0")  # archive off
    tracker.track(channel.id)
    tracker.scan(channel.id)
    assert archived(tracker.engine) == []
    with pytest.raises(NotFound), Session(tracker.engine) as session:
        archived_thumbnail(session, runtime.archive_store(), video_id)


def test_a_failing_store_does_not_break_the_scan_and_is_retried(
    tracker: Tracker, tmp_path: Path
) -> None:
    world = tracker.fake.world
    channel = world.add_channel(handle="@thumbs")
    ids = world.generate_videos(channel.id, 3, seed=8)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the archive folder should be")
    set_env(ARCHIVE_DIR=str(blocker))
    tracker.track(channel.id)
    assert tracker.scan(channel.id).outcome == "scanned"
    assert tracker.video_count(channel.id) == 3
    failed = checks(tracker.engine)
    assert {c.attempts for c in failed.values()} == {1}
    assert all("cannot write" in (c.last_error or "") for c in failed.values())

    new = world.upload(channel.id, title="Uploaded while the store is broken")
    assert tracker.scan(channel.id).outcome == "scanned"  # retries not due yet; the new one fails
    assert [e.kind for e in tracker.events()] == ["new"]
    assert checks(tracker.engine)[new.id].attempts == 1
    assert {c.attempts for c in checks(tracker.engine).values()} == {1}

    set_env(ARCHIVE_DIR=str(tmp_path / "fixed"))
    let_retries_come_due(tracker.engine)
    tracker.scan(channel.id)
    assert sorted(r.video_id for r in archived(tracker.engine)) == sorted([*ids, new.id])
    assert all(c.attempts == 0 and c.last_error is None for c in checks(tracker.engine).values())


def test_failures_back_off_exponentially(tracker: Tracker, tmp_path: Path) -> None:
    world = tracker.fake.world
    channel = world.add_channel(handle="@thumbs")
    [video_id] = world.generate_videos(channel.id, 1, seed=9)
    set_env(ARCHIVE_MAX_BYTES="1024")  # every thumbnail of the fake is bigger
    tracker.track(channel.id)
    waits = []
    for _ in range(3):
        let_retries_come_due(tracker.engine)
        tracker.scan(channel.id)
        check = checks(tracker.engine)[video_id]
        assert "ARCHIVE_MAX_BYTES" in (check.last_error or "")
        assert check.next_attempt_at is not None
        waits.append((check.attempts, round((check.next_attempt_at - utcnow()).seconds / 60)))
    assert waits == [(1, 5), (2, 10), (3, 20)]
    assert archived(tracker.engine) == []


def test_each_scan_archives_at_most_the_bounded_number(tracker: Tracker) -> None:
    world = tracker.fake.world
    channel = world.add_channel(handle="@thumbs")
    ids = world.generate_videos(channel.id, 5, seed=10)
    set_env(ARCHIVE_MAX_PER_RUN="2")
    tracker.track(channel.id)
    counts = []
    for _ in range(4):
        tracker.scan(channel.id)
        counts.append(len(archived(tracker.engine)))
    assert counts == [2, 4, 5, 5]
    assert {r.video_id for r in archived(tracker.engine)} == set(ids)


def test_thumbnail_base_url_points_the_archive_at_another_host(engine: object) -> None:
    # The API answers real YouTube image URLs; THUMBNAIL_BASE_URL sends the fetches to the fake.
    with FakeYouTube(World(), public_url="https://i.ytimg.invalid").start() as fake:
        point_at(fake, THUMBNAIL_BASE_URL=fake.thumbnail_base_url)
        tracker = Tracker(runtime.database(), fake)
        channel = fake.world.add_channel(handle="@thumbs")
        [video_id] = fake.world.generate_videos(channel.id, 1, seed=11)
        tracker.track(channel.id)
        tracker.scan(channel.id)
        assert tracker.video(video_id).thumbnail_url == (
            f"https://i.ytimg.invalid/vi/{video_id}/maxresdefault.jpg"
        )
        [row] = archived(tracker.engine)
        assert row.source_url == f"{fake.base_url}/vi/{video_id}/maxresdefault.jpg"
        assert served(tracker, video_id) == image_of(fake, video_id)


def test_local_store_refuses_keys_it_did_not_make(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    with pytest.raises(StoreError):
        store.get("../../etc/passwd")
    with pytest.raises(StoreError):
        store.put("thumbnails/../x.jpg", b"x", "image/jpeg")


def test_removing_a_channel_removes_its_archived_images_too(
    tracker: Tracker, tmp_path: Path
) -> None:
    world = tracker.fake.world
    kept, removed = world.add_channel(handle="@kept"), world.add_channel(handle="@removed")
    world.generate_videos(kept.id, 2, seed=21)
    world.generate_videos(removed.id, 3, seed=22)
    for channel in (kept, removed):
        tracker.track(channel.id)
        tracker.scan(channel.id)
    folder = tmp_path / "archive" / "thumbnails"
    assert len(list(folder.glob("*/*"))) == 5

    remove_channel(tracker.engine, removed.id, store=runtime.archive_store())
    # Nothing points at the removed channel's images any more: they would stay forever.
    left = {path.parent.name for path in folder.glob("*/*")}
    assert left == {row.video_id for row in archived(tracker.engine)}
    assert len(left) == 2
