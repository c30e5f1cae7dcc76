"""``ytdt export videos|events``: the admin's CSV exports from the command line."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from common.cli import main
from tests.support import Tracker

FORMULA_TITLE = '=HYPERLINK("https://evil.example","click")'


@pytest.fixture
def lost_videos(tracker: Tracker) -> dict[str, str]:
    """A channel of 60 videos (two chunks of a page would be 50 + 10) with one deleted."""
    world = tracker.fake.world
    channel = world.add_channel(handle="@cliexport", title="CLI Export")
    world.generate_videos(channel.id, 59, seed=7)
    tricky = world.upload(channel.id, title=FORMULA_TITLE)
    tracker.track(channel.id)
    tracker.scan(channel.id)
    world.delete(tricky.id)
    tracker.scan(channel.id)
    tracker.scan(channel.id)
    return {"channel": channel.id, "deleted": tricky.id}


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_videos_to_stdout_with_formulas_neutralised(
    lost_videos: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "videos"]) == 0
    out = capsys.readouterr().out
    assert not out.startswith("\ufeff")  # no byte-order mark on a pipe
    rows = _rows(out)
    assert len(rows) == 60
    deleted = next(row for row in rows if row["video_id"] == lost_videos["deleted"])
    assert deleted["state"] == "deleted"
    assert deleted["title"] == "'" + FORMULA_TITLE


def test_events_to_a_file_filtered_by_kind(
    lost_videos: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "events.csv"
    assert main(["export", "events", "--kind", "deleted", "--output", str(target)]) == 0
    assert capsys.readouterr().err.strip() == f"wrote 1 events to {target}"
    text = target.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")  # spreadsheets read non-ASCII titles right
    (row,) = _rows(text.removeprefix("\ufeff"))
    assert (row["kind"], row["video_id"]) == ("deleted", lost_videos["deleted"])
    assert row["channel_id"] == lost_videos["channel"]
    assert list(tmp_path.glob(".*partial")) == []


def test_state_filter_and_channel_filter(
    lost_videos: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["export", "videos", "--state", "deleted", "--channel", lost_videos["channel"]]
    assert main(argv) == 0
    (row,) = _rows(capsys.readouterr().out)
    assert row["video_id"] == lost_videos["deleted"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["export", "events", "--since", "notadate"], "--since: "),
        (["export", "videos", "--channel", "UCshort"], "--channel: "),
        (["export", "videos", "--since", "2026-01-01"], "filter events, not videos"),
        (["export", "events", "--state", "deleted"], "filter videos, not events"),
    ],
)
def test_bad_filters_exit_2_with_a_message(
    lost_videos: dict[str, str], argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("ytdt: error: ") and message in err
    assert "Traceback" not in err


def test_an_unwritable_output_leaves_an_existing_file_alone(
    lost_videos: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "videos", "--output", str(tmp_path)]) == 2
    assert "is a folder, not a file" in capsys.readouterr().err
    kept = tmp_path / "kept.csv"
    kept.write_text("earlier export\n")
    assert main(["export", "events", "--since", "never", "--output", str(kept)]) == 2
    assert kept.read_text() == "earlier export\n"
    assert main(["export", "videos", "--output", str(tmp_path / "missing" / "v.csv")]) == 2
    assert "No such file or directory" in capsys.readouterr().err
