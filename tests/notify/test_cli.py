"""``ytdt notify``: deliver, digest and test from the command line, with and without a webhook."""

from __future__ import annotations

import json
import os

import pytest

from common.cli import main
from common.settings import reset_settings
from tests.notify.slack_stub import SlackStub
from tests.support import Tracker


def removed_video(tracker: Tracker) -> str:
    world = tracker.fake.world
    channel = world.add_channel(handle="@clinotify", title="CLI Channel")
    ids = world.generate_videos(channel.id, 5, seed=4)
    tracker.track(channel.id)
    tracker.scan(channel.id)
    world.reject(ids[0], "copyright")
    tracker.scan(channel.id)
    return world.video(ids[0]).title


def test_without_a_webhook_the_messages_are_printed(
    tracker: Tracker, capsys: pytest.CaptureFixture[str]
) -> None:
    title = removed_video(tracker)
    assert main(["notify"]) == 0
    out = capsys.readouterr().out
    assert f"== :no_entry: Video removed by YouTube: {title} ==" in out
    assert "Reason: copyright claim" in out
    assert "notify deliver → console: messages=1 sent=1 retried=0 failed=0" in out
    assert main(["notify", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["messages"] == 0


def test_json_keeps_stdout_one_document(
    tracker: Tracker, capsys: pytest.CaptureFixture[str]
) -> None:
    removed_video(tracker)
    assert main(["notify", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["destination"] == "console"
    assert "Video removed by YouTube" in captured.err


def test_to_slack_and_a_failing_webhook_exits_1(
    tracker: Tracker, capsys: pytest.CaptureFixture[str]
) -> None:
    removed_video(tracker)
    with SlackStub() as slack:
        os.environ["SLACK_WEBHOOK_URL"] = slack.url
        reset_settings()
        slack.answer_always(500, "boom")
        assert main(["notify"]) == 1
        captured = capsys.readouterr()
        assert "retried=1" in captured.out and "HTTP 500: boom" in captured.out
        assert "1 deliveries not sent" in captured.err
        assert main(["notify", "--test"]) == 1
        assert "Slack did not take the test message" in capsys.readouterr().err


def test_digest_and_test_modes(tracker: Tracker, capsys: pytest.CaptureFixture[str]) -> None:
    removed_video(tracker)
    assert main(["notify", "--digest", "--since", "2000-01-01"]) == 0
    out = capsys.readouterr().out
    assert "Digest: 2000-01-01 00:00 UTC" in out and "Video removed by YouTube: 1" in out
    assert main(["notify", "--test", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["mode"] == "test"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["notify", "--since", "2026-01-01"], "--since only applies with --digest"),
        (["notify", "--digest", "--since", "soon"], "not an ISO 8601"),
        (["notify", "--digest", "--since", "0001-01-01T00:00:00+14:00"], "out of range"),
    ],
)
def test_bad_arguments_exit_2(
    tracker: Tracker, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("pasted", ["SECRET XYZ", "SECRET\tXYZ", "SECRET\nXYZ"])
def test_a_webhook_url_with_whitespace_inside_is_refused_without_echoing_it(
    tracker: Tracker, capsys: pytest.CaptureFixture[str], pasted: str
) -> None:
    # urllib would refuse it at every post with an InvalidURL that quotes the secret path,
    # into the log, deliveries.last_error and the answer; and retry it as a connection error.
    os.environ["SLACK_WEBHOOK_URL"] = f"https://hooks.slack.com/services/T000/B000/{pasted}"
    reset_settings()
    assert main(["notify", "--test"]) == 2
    err = capsys.readouterr().err
    assert "SLACK_WEBHOOK_URL" in err and "space" in err
    assert "SECRET" not in err
