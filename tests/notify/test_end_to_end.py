"""Scan with the fake YouTube API → events → notify → what the Slack stand-in received."""

from __future__ import annotations

import json
import os

import pytest

from common import runtime
from common.notify import Notifier, NotifyReport
from common.settings import get_settings, reset_settings
from tests.notify.slack_stub import SlackStub
from tests.support import Tracker

INJECTION = "<!channel> free <https://evil.example|prize>"


def notify(mode: str = "deliver") -> NotifyReport:
    settings = get_settings()
    return Notifier.from_settings(settings, runtime.database(settings)).run(mode)  # type: ignore[arg-type]


def headers_of(slack: SlackStub) -> list[str]:
    return [r.payload["blocks"][0]["text"]["text"] for r in slack.delivered]


def baseline(tracker: Tracker, n: int = 10, title: str = "Some Channel") -> tuple[str, list[str]]:
    world = tracker.fake.world
    channel = world.add_channel(handle="@e2e", title=title)
    ids = world.generate_videos(channel.id, n, seed=5)
    tracker.track(channel.id)
    assert tracker.scan(channel.id).outcome == "scanned"
    return channel.id, ids


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            [
                ":no_entry: Video removed by YouTube: {removed}",
                ":earth_asia: Video blocked in regions: {blocked}",
                ":wastebasket: Video deleted: {deleted}",
            ],
        ),
        (
            "ja",
            [
                ":no_entry: YouTube が動画を削除しました: {removed}",
                ":earth_asia: 動画が一部の地域でブロックされました: {blocked}",
                ":wastebasket: 動画が削除されました: {deleted}",
            ],
        ),
    ],
)
def test_scan_events_reach_slack_as_block_kit(
    tracker: Tracker, slack: SlackStub, language: str, expected: list[str]
) -> None:
    os.environ["SLACK_NOTIFICATION_LANGUAGE"] = language
    reset_settings()
    channel_id, ids = baseline(tracker)
    world = tracker.fake.world
    titles = {
        key: world.video(v).title
        for key, v in zip(("removed", "blocked", "deleted"), ids, strict=False)
    }
    world.reject(ids[0], "copyright")
    world.geoblock(ids[1], ["DE", "JP"])
    world.delete(ids[2])
    tracker.scan(channel_id)  # removed, geo_blocked; the deleted one is a suspect
    first = notify()
    assert (first.messages, first.sent) == (2, 2)
    tracker.scan(channel_id)  # deleted, confirmed
    assert notify().messages == 1

    # The first scan's two events may come in either order; the deleted one comes last.
    assert sorted(headers_of(slack)[:2]) == sorted(h.format(**titles) for h in expected[:2])
    assert headers_of(slack)[2] == expected[2].format(**titles)
    by_header = {r.payload["blocks"][0]["text"]["text"]: r.payload for r in slack.delivered}
    removed, blocked, deleted = (by_header[h.format(**titles)] for h in expected)
    removed_blob = json.dumps(removed, ensure_ascii=False)
    reason = "copyright claim" if language == "en" else "著作権侵害の申し立て"
    assert reason in removed_blob
    assert "DE, JP" in json.dumps(blocked, ensure_ascii=False)
    actions = next(b for b in deleted["blocks"] if b["type"] == "actions")["elements"]
    assert [e["url"] for e in actions] == [
        f"https://www.youtube.com/watch?v={ids[2]}",
        f"https://www.youtube.com/channel/{channel_id}",
        f"https://web.archive.org/web/*/https://www.youtube.com/watch?v={ids[2]}",
    ]
    assert deleted["text"].startswith(
        "Video deleted" if language == "en" else "動画が削除されました"
    )
    assert notify().messages == 0, "nothing is sent twice"


@pytest.mark.parametrize(
    ("language", "header", "only", "nowhere"),
    [
        ("en", ":earth_asia: Video blocked in regions", "Only viewable in", "Viewable nowhere"),
        (
            "ja",
            ":earth_asia: 動画が一部の地域でブロックされました",
            "視聴可能な地域",
            "どの地域でも視聴できません",
        ),
    ],
)
def test_an_allow_listed_video_reaches_slack_with_its_regions(
    tracker: Tracker, slack: SlackStub, language: str, header: str, only: str, nowhere: str
) -> None:
    os.environ["SLACK_NOTIFICATION_LANGUAGE"] = language
    reset_settings()
    channel_id, ids = baseline(tracker)
    world = tracker.fake.world
    title = world.video(ids[0]).title
    world.allow_only(ids[0], ["US", "JP"])
    tracker.scan(channel_id)
    assert notify().sent == 1
    world.allow_only(ids[0], [])
    tracker.scan(channel_id)
    assert notify().sent == 1
    assert headers_of(slack) == [f"{header}: {title}"] * 2
    listed, empty = (json.dumps(r.payload, ensure_ascii=False) for r in slack.delivered)
    assert f"*{only}*\\nJP, US" in listed
    assert nowhere in empty and only not in empty


def test_the_mention_injection_title_reaches_the_webhook_escaped(
    tracker: Tracker, slack: SlackStub
) -> None:
    world = tracker.fake.world
    channel = world.add_channel(handle="@evil", title=INJECTION)
    video = world.upload(channel.id, title=INJECTION, description=INJECTION)
    tracker.track(channel.id)
    tracker.scan(channel.id)
    world.privatize(video.id)
    tracker.scan(channel.id)
    tracker.scan(channel.id)
    assert notify().messages == 1
    [request] = slack.requests
    raw = json.dumps(request.payload, ensure_ascii=False)
    assert "<!channel>" not in raw and "<https://evil.example" not in raw
    assert "&lt;!channel&gt; free &lt;https://evil.example|prize&gt;" in raw
    assert request.payload["blocks"][0]["text"]["text"].endswith(
        "&lt;!channel&gt; free &lt;https://evil.example|prize&gt;"
    )


def test_many_events_of_one_scan_are_one_message(tracker: Tracker, slack: SlackStub) -> None:
    channel_id, ids = baseline(tracker, 20)
    for video_id in ids[:7]:
        tracker.fake.world.privatize(video_id)
    tracker.scan(channel_id)
    tracker.scan(channel_id)
    report = notify()
    assert (report.messages, report.sent) == (1, 7)
    [request] = slack.requests
    assert request.payload["blocks"][0]["text"]["text"] == "7 changes on Some Channel"
    assert request.blob.count("https://www.youtube.com/watch?v=") == 7


def test_a_terminated_channel_is_one_message(tracker: Tracker, slack: SlackStub) -> None:
    channel_id, _ = baseline(tracker, 30)
    tracker.fake.world.terminate(channel_id)
    tracker.scan(channel_id)
    tracker.scan(channel_id)
    assert notify().messages == 1
    [request] = slack.requests
    assert (
        request.payload["blocks"][0]["text"]["text"] == ":skull: Channel terminated: Some Channel"
    )
    assert "30" in request.blob  # videos affected


def test_new_uploads_are_kept_but_not_sent_by_default(tracker: Tracker, slack: SlackStub) -> None:
    channel_id, _ = baseline(tracker)
    tracker.fake.world.upload(channel_id, title="fresh")
    tracker.scan(channel_id)
    report = notify()
    assert (report.messages, report.suppressed) == (0, 1)
    os.environ["SLACK_MIN_SEVERITY"] = "info"
    reset_settings()
    tracker.fake.world.upload(channel_id, title="fresher")
    tracker.scan(channel_id)
    assert notify().messages == 1
    assert headers_of(slack) == [":new: New upload: fresher"]


def test_without_a_webhook_messages_go_to_the_log(
    tracker: Tracker, caplog: pytest.LogCaptureFixture
) -> None:
    channel_id, ids = baseline(tracker)
    tracker.fake.world.reject(ids[0], "termsOfUse")
    tracker.scan(channel_id)
    with caplog.at_level("INFO", logger="common.notify"):
        report = notify()
    assert (report.destination, report.messages, report.sent) == ("console", 1, 1)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Video removed by YouTube" in logged and "terms of use violation" in logged
