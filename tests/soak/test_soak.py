"""A short soak with faults (the checker of ``bench.soak``): real function processes over HTTP,
PostgreSQL, Redis, a fake YouTube failing 10% of requests, a Slack stand-in failing a third.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert

from bench.soak import Change, SoakConfig, SoakResult, check, report, run_soak
from common.db import get_engine
from common.fake_youtube import World
from common.models import Channel, Delivery, Event, Video
from common.timeutil import utcnow
from tests.conftest import _truncate
from tests.notify.slack_stub import Recorded


@pytest.fixture(scope="module")
def soak() -> SoakResult:
    config = SoakConfig(channels=24, fault_cycles=10, clean_cycles=3, changes_per_cycle=6, seed=9)
    return run_soak(config)


def test_short_soak_finds_every_disappearance_and_delivers_each_event_once(
    soak: SoakResult,
) -> None:
    result = soak
    print(report(result))  # shown with -s, and by pytest when the test fails
    checked = result.check
    assert result.problems == []
    # The faults really happened, and there was something to find and deliver.
    assert result.faults["api_errors"] > 0
    assert result.scans["failed"] > 0
    assert checked.posts_refused > 0
    assert checked.disappearances > 0
    assert checked.disappearances_found == checked.disappearances
    assert checked.high_events > 0
    assert checked.high_delivered_once == checked.high_events
    assert checked.delivered_once == checked.sent_events > 0


def test_the_checker_catches_a_false_event_and_a_lost_or_duplicated_delivery(
    migrated_postgres: str,
) -> None:
    """The soak's checker is not vacuous: fabricated mistakes are reported."""
    engine = get_engine(migrated_postgres)
    _truncate(engine)
    world = World()
    channel = world.add_channel(handle="@checker")
    (kept, deleted) = world.generate_videos(channel.id, 2, seed=1)
    world.delete(deleted)  # a real deletion that the "tracker" below never reports
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            insert(Channel).values(
                id=channel.id, title="c", uploads_playlist_id="UU" + channel.id[2:], created_at=now
            )
        )
        conn.execute(
            insert(Video),
            [
                {
                    "id": vid,
                    "channel_id": channel.id,
                    "title": world.video(vid).title,
                    "state": "public",
                    "first_seen_at": now,
                    "last_seen_at": now,
                }
                for vid in (kept, deleted)
            ],
        )
        # A "deleted" event for a video nobody touched: a false alarm, posted twice; and the
        # real deletion's event left pending: a lost delivery.
        false_id, real_id = conn.scalars(
            insert(Event).returning(Event.id, sort_by_parameter_order=True),
            [
                {
                    "dedupe_key": f"s:deleted:{vid}",
                    "kind": "deleted",
                    "channel_id": channel.id,
                    "video_id": vid,
                    "details": {},
                    "detected_at": now + timedelta(seconds=1),
                    "scan_id": "s",
                }
                for vid in (kept, deleted)
            ],
        ).all()
        conn.execute(
            insert(Delivery),
            [
                {"event_id": false_id, "status": "sent", "created_at": now, "attempts": 1},
                {"event_id": real_id, "status": "pending", "created_at": now, "attempts": 9},
            ],
        )
    changes = [Change(0, now, "delete", channel.id, deleted)]
    post = {"blocks": [{"type": "context", "elements": [{"text": f"ytdt · #{false_id} · high"}]}]}
    posts = [Recorded("/", {}, post, 200), Recorded("/", {}, post, 200)]

    result = check(engine, world, changes, posts, confirm_scans=2)

    assert any(deleted in p for p in result.state_mismatches)
    assert [p for p in result.false_events if f"#{false_id}" in p]
    assert [p for p in result.duplicated if f"#{false_id}" in p]
    assert [p for p in result.lost if f"#{real_id}" in p]
    assert result.problems
