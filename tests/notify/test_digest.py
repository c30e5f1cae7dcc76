"""The digest: the period's events, notifications by outcome (flapping held-backs counted)."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import Engine

from common.notify.digest import Digest, build_digest, digest_message
from tests.notify.conftest import Clock, Seeder, channel_id, outbox, video_id
from tests.notify.slack_stub import SlackStub
from tests.notify.test_messages import assert_within_limits


def test_the_digest_counts_events_outcomes_channels_and_flapping(
    engine: Engine, slack: SlackStub, seeder: Seeder, clock: Clock
) -> None:
    seeder.events([("deleted", video_id(), {"title": "Too old to count"})])
    outbox(engine, slack, clock).deliver()
    clock.advance(hours=30)
    since = clock.now
    flapper = video_id()
    busy = channel_id("b")
    for kind in ("private", "restored", "private", "restored", "private"):
        seeder.events([(kind, flapper, {"title": "Flapper"})], cid=busy, title="Flapper")
        clock.advance(minutes=10)
    seeder.events([("new", video_id(), {"title": "fresh"})], cid=channel_id("q"))
    seeder.events([("removed", video_id(), {"title": "Gone", "reason": "copyright"})])
    slack.answer_next(1, 400, "invalid_payload")  # the first message sent in this period fails
    outbox(engine, slack, clock).deliver()
    seeder.events([("deleted", video_id(), {"title": "Still pending"})])

    digest = build_digest(engine, since, clock.now + timedelta(seconds=1))
    assert digest.events_by_kind == {
        "private": 3,
        "restored": 2,
        "new": 1,
        "removed": 1,
        "deleted": 1,
    }
    assert digest.notifications == {
        "sent": 3,
        "failed": 1,
        "pending": 1,
        "suppressed_severity": 1,
        "suppressed_flapping": 2,
    }
    assert digest.channels[0] == (busy, "Some Channel", 5)
    assert digest.flapping == [(flapper, "Flapper", 2)]

    message = digest_message(digest, "en")
    assert_within_limits(message)
    blob = json.dumps(message.blocks, ensure_ascii=False)
    assert "held back (flapping)" in blob and "2 messages held back" in blob
    assert f"<https://www.youtube.com/watch?v={flapper}|Flapper>" in blob
    ja = digest_message(digest, "ja")
    assert_within_limits(ja)
    ja_blob = json.dumps(ja.blocks, ensure_ascii=False)
    assert "ダイジェスト" in ja_blob and "抑制 (繰り返し変化)" in ja_blob


def test_an_empty_period_says_so(engine: Engine, clock: Clock) -> None:
    digest = build_digest(engine, clock.now - timedelta(days=1), clock.now)
    message = digest_message(digest, "en")
    assert "No events in this period." in json.dumps(message.blocks)
    assert digest.notifications["sent"] == 0


def test_the_digest_fallback_text_is_its_header_not_an_unescaped_channel_or_video_title(
    clock: Clock,
) -> None:
    evil = "<!channel> free <https://evil.example|prize>"
    digest = Digest(
        since=clock.now - timedelta(days=1),
        until=clock.now,
        events_by_kind={"deleted": 1},
        notifications={
            "sent": 0,
            "failed": 0,
            "pending": 0,
            "suppressed_severity": 0,
            "suppressed_flapping": 1,
        },
        channels=[(channel_id("e"), evil, 1)],
        flapping=[(video_id(), evil, 1)],
    )
    for language, word in (("en", "Digest"), ("ja", "ダイジェスト")):
        message = digest_message(digest, language)
        assert message.text.startswith(word)
        assert "<!channel>" not in message.text and "<https://evil" not in message.text
        assert "<!channel>" not in json.dumps(message.blocks, ensure_ascii=False)
