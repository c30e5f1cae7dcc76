"""Rechecks: a new thumbnail image behind the same URL is noticed, kept and reported once."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from common import runtime
from common.cli import main
from common.errors import ConfigError
from common.models import Delivery, ThumbnailCheck
from common.scan import ScanResult
from common.settings import Settings, reset_settings
from common.timeutil import utcnow
from tests.admin.support import ADMIN, admin_client
from tests.archive.conftest import (
    ADMIN_URL,
    archived,
    buttons,
    checks,
    deliver,
    image_of,
    served,
    set_env,
)
from tests.notify.slack_stub import SlackStub
from tests.support import Clock, Tracker

DAYS = 7


@pytest.fixture
def clock() -> Clock:
    # Weeks ago, so that the days the tests add never pass the notifier's (real) now.
    return Clock(utcnow() - timedelta(days=60))


def scan(clock: Clock, channel_id: str) -> ScanResult:
    result = runtime.scanner(clock=clock).scan(channel_id)
    assert result.outcome == "scanned", result
    return result


def deliveries(tracker: Tracker, event_id: int) -> list[Delivery]:
    with Session(tracker.engine) as session:
        return list(session.scalars(select(Delivery).where(Delivery.event_id == event_id)))


def one_video(tracker: Tracker, clock: Clock, seed: int) -> tuple[str, str]:
    """A tracked channel with one video whose thumbnail is archived (baseline scan)."""
    world = tracker.fake.world
    channel = world.add_channel(handle=f"@recheck{seed}")
    [video_id] = world.generate_videos(channel.id, 1, seed=seed)
    tracker.track(channel.id)
    scan(clock, channel.id)
    return channel.id, video_id


def test_a_swapped_image_at_the_same_url_is_one_changed_event_after_the_recheck_period(
    tracker: Tracker, clock: Clock
) -> None:
    channel_id, video_id = one_video(tracker, clock, seed=81)
    first = image_of(tracker.fake, video_id)
    url = tracker.video(video_id).thumbnail_url
    assert tracker.events() == []  # the first image ever archived is not a change

    tracker.fake.world.set_thumbnail(video_id)
    second = image_of(tracker.fake, video_id)
    assert second != first
    clock.advance(days=DAYS - 1)
    scan(clock, channel_id)
    assert len(archived(tracker.engine)) == 1  # not rechecked before the period
    assert tracker.events() == []

    clock.advance(days=1, minutes=1)
    scan(clock, channel_id)
    [event] = tracker.events()
    assert tracker.video(video_id).thumbnail_url == url  # the URL never changed
    rows = {row.sha256: row for row in archived(tracker.engine)}
    assert len(rows) == 2
    current = checks(tracker.engine)[video_id].sha256
    assert event.kind == "changed"
    assert event.video_id == video_id
    assert event.channel_id == channel_id
    assert event.detected_at == clock.now
    change = event.details["changes"]["thumbnail_image"]
    assert change["new"] == current != change["old"]
    assert set(rows) == {change["old"], change["new"]}
    assert event.details["title"] == tracker.video(video_id).title
    [delivery] = deliveries(tracker, event.id)
    assert (delivery.status, delivery.destination) == ("pending", "slack")
    # Both images are kept and served: the current one by default, the older by its hash.
    assert served(tracker, video_id) == second
    assert served(tracker, video_id, change["old"]) == first
    assert served(tracker, video_id, change["new"]) == second

    clock.advance(days=DAYS, minutes=1)  # rechecked again: the same new image, no new event
    scan(clock, channel_id)
    assert len(tracker.events()) == 1
    assert len(archived(tracker.engine)) == 2


def test_an_unchanged_image_on_recheck_is_no_event_and_moves_the_check(
    tracker: Tracker, clock: Clock
) -> None:
    channel_id, video_id = one_video(tracker, clock, seed=82)
    before = checks(tracker.engine)[video_id]
    clock.advance(days=DAYS, minutes=1)
    scan(clock, channel_id)
    after = checks(tracker.engine)[video_id]
    assert after.archived_at == clock.now > (before.archived_at or clock.now)
    assert after.sha256 == before.sha256
    assert len(archived(tracker.engine)) == 1
    assert tracker.events() == []


def test_recheck_days_zero_turns_rechecks_off(tracker: Tracker, clock: Clock) -> None:
    set_env(ARCHIVE_RECHECK_DAYS="0")
    channel_id, video_id = one_video(tracker, clock, seed=83)
    archived_at = checks(tracker.engine)[video_id].archived_at
    tracker.fake.world.set_thumbnail(video_id)
    clock.advance(days=365)
    scan(clock, channel_id)
    assert checks(tracker.engine)[video_id].archived_at == archived_at
    assert len(archived(tracker.engine)) == 1
    assert tracker.events() == []


def test_rechecks_never_take_the_place_of_a_never_archived_video(
    tracker: Tracker, clock: Clock
) -> None:
    world = tracker.fake.world
    channel = world.add_channel(handle="@recheckcap")
    old = world.generate_videos(channel.id, 2, seed=84)
    tracker.track(channel.id)
    scan(clock, channel.id)
    assert len(archived(tracker.engine)) == 2
    set_env(ARCHIVE_MAX_PER_RUN="1")
    with tracker.engine.begin() as conn:
        # old[1] was checked longer ago than old[0]: it is rechecked first.
        conn.execute(
            ThumbnailCheck.__table__.update()
            .where(ThumbnailCheck.video_id == old[1])
            .values(archived_at=clock.now - timedelta(hours=1))
        )
    world.set_thumbnail(old[0])
    world.set_thumbnail(old[1])
    new = world.upload(channel.id, title="Uploaded while rechecks are due")
    clock.advance(days=DAYS + 1)

    scan(clock, channel.id)  # the cap is one: the new video, not a recheck
    assert tracker.events("new") != []
    assert {r.video_id for r in archived(tracker.engine)} == {*old, new.id}
    assert tracker.events("changed") == []

    scan(clock, channel.id)  # then the rechecks, the oldest checked first
    assert [e.video_id for e in tracker.events("changed")] == [old[1]]
    scan(clock, channel.id)
    assert [e.video_id for e in tracker.events("changed")] == [old[1], old[0]]


def test_a_failing_fetch_on_recheck_is_recorded_and_no_event(
    tracker: Tracker, clock: Clock
) -> None:
    channel_id, video_id = one_video(tracker, clock, seed=85)
    before = checks(tracker.engine)[video_id]
    tracker.fake.world.set_thumbnail(video_id)
    set_env(ARCHIVE_MAX_BYTES="1024")  # every image of the fake is bigger: the fetch fails
    clock.advance(days=DAYS, minutes=1)
    scan(clock, channel_id)
    failed = checks(tracker.engine)[video_id]
    assert failed.attempts == 1
    assert "ARCHIVE_MAX_BYTES" in (failed.last_error or "")
    assert failed.next_attempt_at == clock.now + timedelta(minutes=5)
    assert (failed.sha256, failed.archived_at) == (before.sha256, before.archived_at)
    assert tracker.events() == []
    assert len(archived(tracker.engine)) == 1

    os.environ.pop("ARCHIVE_MAX_BYTES")
    reset_settings()
    scan(clock, channel_id)  # still backing off
    assert tracker.events() == []
    clock.advance(minutes=5)
    scan(clock, channel_id)  # the retry sees the new image
    assert [e.kind for e in tracker.events()] == ["changed"]
    assert checks(tracker.engine)[video_id].attempts == 0


def test_a_retried_run_never_writes_the_change_twice(tracker: Tracker, clock: Clock) -> None:
    channel_id, video_id = one_video(tracker, clock, seed=86)
    first = checks(tracker.engine)[video_id]
    tracker.fake.world.set_thumbnail(video_id)
    clock.advance(days=DAYS, minutes=1)
    scan(clock, channel_id)
    [event] = tracker.events()
    # The check row names the old image again, as for a run that fetched the same new image.
    with tracker.engine.begin() as conn:
        conn.execute(
            ThumbnailCheck.__table__.update()
            .where(ThumbnailCheck.video_id == video_id)
            .values(sha256=first.sha256, archived_at=first.archived_at)
        )
    scan(clock, channel_id)
    assert [e.id for e in tracker.events()] == [event.id]
    assert len(deliveries(tracker, event.id)) == 1
    assert checks(tracker.engine)[video_id].archived_at == clock.now


def swapped(tracker: Tracker, clock: Clock, seed: int) -> tuple[str, dict[str, str]]:
    """A video whose thumbnail was swapped at the same URL and rechecked: its id and change."""
    channel_id, video_id = one_video(tracker, clock, seed=seed)
    tracker.fake.world.set_thumbnail(video_id)
    clock.advance(days=DAYS, minutes=1)
    scan(clock, channel_id)
    [event] = tracker.events()
    return video_id, event.details["changes"]["thumbnail_image"]


def test_the_swap_is_in_the_video_timeline_and_both_images_are_served_by_the_admin(
    tracker: Tracker, clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    video_id, change = swapped(tracker, clock, seed=87)
    client = admin_client()
    body = client.get(f"/videos/{video_id}", headers=ADMIN).json
    history = body["history"]
    assert [e["type"] for e in history["timeline"]] == ["first_seen", "changed"]
    assert history["changes"] == [
        {"at": history["timeline"][1]["at"], "fields": {"thumbnail_image": change}}
    ]
    assert len(history["thumbnails"]) == 2
    for sha256 in change.values():
        answer = client.get(f"/videos/{video_id}/thumbnail?sha256={sha256}", headers=ADMIN)
        assert answer.status_code == 200
        assert answer.headers["ETag"] == f'"{sha256}"'
    current = client.get(f"/videos/{video_id}/thumbnail", headers=ADMIN)
    assert current.headers["ETag"] == f'"{change["new"]}"'
    unknown = client.get(f"/videos/{video_id}/thumbnail?sha256={'0' * 64}", headers=ADMIN)
    assert unknown.status_code == 404
    bad = client.get(f"/videos/{video_id}/thumbnail?sha256=../../etc", headers=ADMIN)
    assert bad.status_code in (400, 422)
    assert bad.json["error"]["field"] == "sha256"

    feed = client.get("/feed.atom", headers=ADMIN)
    assert "Reason: changed: thumbnail image (same URL)" in feed.get_data(as_text=True)

    assert main(["video", video_id]) == 0
    out = capsys.readouterr().out
    assert "thumbnail:  2 archived" in out
    assert f"changed: thumbnail image: sha256 {change['old'][:12]}… -> {change['new'][:12]}…" in out


def test_the_slack_message_says_the_image_changed_and_links_both_images(
    tracker: Tracker, clock: Clock, slack: SlackStub
) -> None:
    set_env(PUBLIC_BASE_URL=ADMIN_URL)
    video_id, change = swapped(tracker, clock, seed=88)
    deliver()
    [request] = slack.delivered
    assert "Thumbnail image changed (same URL)" in str(request.payload)
    links = buttons(request.payload)
    base = f"{ADMIN_URL}/videos/{video_id}/thumbnail"
    assert links["previous_thumbnail"] == f"{base}?sha256={change['old']}"
    assert links["new_thumbnail"] == f"{base}?sha256={change['new']}"
    assert "archived_thumbnail" not in links  # that button is for lost videos


@pytest.mark.parametrize("value", ["-1", "366", "often"])
def test_a_bad_recheck_period_fails_fast_naming_the_setting(value: str) -> None:
    set_env(ARCHIVE_RECHECK_DAYS=value)
    with pytest.raises(ConfigError, match="ARCHIVE_RECHECK_DAYS"):
        Settings.load()


def test_the_recheck_period_defaults_to_a_week() -> None:
    assert Settings.load().archive_recheck_days == DAYS
