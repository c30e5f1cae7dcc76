"""``ytdt channels`` against the fake YouTube API: every accepted form, every rejected one."""

from __future__ import annotations

import json

import pytest

from common.cli import main
from common.fake_youtube import FakeYouTube
from common.settings import reset_settings
from tests.support import Tracker

ACCEPTED = [
    "{id}",
    "https://www.youtube.com/channel/{id}",
    "youtube.com/channel/{id}/videos",
    "@cliHandle",
    "https://www.youtube.com/@cliHandle",
    "https://m.youtube.com/@cliHandle/videos?view=0",
    "http://youtube.com/@cliHandle/featured",
    "https://www.youtube.com/user/cliuser",
    "www.youtube.com/c/cliHandle",
]


@pytest.fixture
def channel_id(tracker: Tracker) -> str:
    channel = tracker.fake.world.add_channel(
        handle="@cliHandle", username="cliuser", custom_url="cliHandle", title="CLI Channel"
    )
    return channel.id


@pytest.mark.parametrize("form", ACCEPTED)
def test_each_accepted_form_is_resolved_and_stored_once(
    form: str, channel_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["channels", "add", form.format(id=channel_id), "--json"]) == 0
    [added] = json.loads(capsys.readouterr().out)
    assert added["id"] == channel_id
    assert added["title"] == "CLI Channel"
    assert main(["channels", "add", form.format(id=channel_id)]) == 0
    assert "already tracked" in capsys.readouterr().out
    assert main(["channels", "list", "--json"]) == 0
    assert [c["id"] for c in json.loads(capsys.readouterr().out)] == [channel_id]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ("", "empty"),
        ("https://vimeo.com/@someone", "youtube.com"),
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "video"),
        ("https://youtu.be/dQw4w9WgXcQ", "youtu.be"),
        ("UCtooShort", "channel"),
        ("@x", "handle"),
        ("https://www.youtube.com/playlist?list=PL123", "playlist"),
    ],
)
def test_each_rejected_form_gets_its_message_and_exit_2(
    form: str, message: str, channel_id: str, fake: FakeYouTube, capsys: pytest.CaptureFixture[str]
) -> None:
    before = fake.world.quota.used()
    assert main(["channels", "add", form]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ytdt: error:")
    assert message.lower() in err.lower()
    assert "Traceback" not in err
    assert fake.world.quota.used() == before, "rejected before any API call"


def test_unknown_channel_exits_1(tracker: Tracker, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["channels", "add", "@nobodyhere"]) == 1
    assert "no channel" in capsys.readouterr().err


def test_without_an_api_key_it_says_how_to_get_one(
    tracker: Tracker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("YOUTUBE_API_KEY")
    assert main(["channels", "add", "@cliHandle"]) == 2
    err = capsys.readouterr().err
    assert "YOUTUBE_API_KEY" in err and "console.cloud.google.com" in err


def test_remove(channel_id: str, capsys: pytest.CaptureFixture[str]) -> None:
    main(["channels", "add", channel_id])
    assert main(["channels", "remove", channel_id]) == 0
    assert main(["channels", "remove", channel_id]) == 1
    assert main(["channels", "remove", "not-an-id"]) == 2
    assert "not tracked" in capsys.readouterr().err


def test_scan_and_events_json(
    channel_id: str, fake: FakeYouTube, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.world.generate_videos(channel_id, 5, seed=1)
    main(["channels", "add", channel_id])
    assert main(["scan", "--all", "--json"]) == 0
    fresh = fake.world.upload(channel_id, title="Fresh upload")
    capsys.readouterr()
    assert main(["scan", channel_id, "--json"]) == 0
    [summary] = json.loads(capsys.readouterr().out)
    assert summary["outcome"] == "scanned" and len(summary["event_ids"]) == 1
    assert main(["events", "--json", "--kind", "new", "--channel", channel_id]) == 0
    [event] = json.loads(capsys.readouterr().out)
    assert {"id", "kind", "video_id", "channel_id", "detected_at", "details"} <= event.keys()
    assert (event["video_id"], event["title"]) == (fresh.id, "Fresh upload")
    assert main(["events", "--kind", "exploded"]) == 2
    assert main(["events", "--since", "yesterday"]) == 2


def test_a_scan_the_quota_cannot_pay_for_says_when_it_resets_and_exits_1(
    channel_id: str, fake: FakeYouTube, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.world.generate_videos(channel_id, 5, seed=1)
    main(["channels", "add", channel_id])
    fake.world.quota.daily_quota = fake.world.quota.used()  # YouTube's day is spent
    capsys.readouterr()
    assert main(["scan", channel_id]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith(f"{channel_id} deferred_quota ")
    assert "quotaExceeded" in captured.out
    assert "scans not run: too little of today's YouTube quota is left" in captured.err
    assert "midnight Pacific" in captured.err


def test_a_database_that_is_behind_is_refused(
    tracker: Tracker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///never-migrated.db")
    reset_settings()
    assert main(["channels", "list"]) == 1
    assert "ytdt migrate" in capsys.readouterr().err
