"""Titles are what uploaders typed: the CLI prints them as one plain line, never as terminal
control sequences."""

from __future__ import annotations

import pytest

from common.cli import main
from tests.support import Tracker

HOSTILE = "Nice \x1b]0;pwned\x07video\x1b[2J\x1b[31m\r\nforged line\u202e\x9b0m"


def test_events_video_and_channels_print_untrusted_titles_as_one_plain_line(
    tracker: Tracker, capsys: pytest.CaptureFixture[str]
) -> None:
    world = tracker.fake.world
    channel = world.add_channel(handle="@hostile", title="Channel \x1b[8mhidden")
    world.generate_videos(channel.id, 1, seed=61)
    tracker.track(channel.id)
    tracker.scan(channel.id)
    video = world.upload(channel.id, title=HOSTILE)
    tracker.scan(channel.id)
    capsys.readouterr()

    for args in (["events"], ["video", video.id], ["channels", "list"]):
        assert main(args) == 0
        out = capsys.readouterr().out
        assert not any(ord(c) < 32 and c != "\n" for c in out), (args, out)
        assert "\x9b" not in out and "\u202e" not in out
        assert not any(line.startswith("forged line") for line in out.splitlines())
    assert main(["events"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.endswith("Nice ]0;pwned video [2J [31m forged line 0m")
