"""``ytdt video ID`` and ``ytdt prune --older-than DAYS`` from the command line."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
from sqlalchemy import update

from common.cli import main
from common.models import ArchivedThumbnail, VideoVersion
from common.settings import reset_settings
from common.timeutil import utcnow
from tests.support import Tracker


@pytest.fixture
def retitled_then_deleted(tracker: Tracker) -> tuple[str, str]:
    world = tracker.fake.world
    channel = world.add_channel(handle="@clilife", title="CLI Life")
    world.generate_videos(channel.id, 2, seed=51)
    tracker.track(channel.id)
    tracker.scan(channel.id)
    video = world.upload(channel.id, title="Before")
    tracker.scan(channel.id)
    world.retitle(video.id, "After")
    tracker.scan(channel.id)
    world.delete(video.id)
    tracker.scan(channel.id)
    tracker.scan(channel.id)
    return channel.id, video.id


def test_video_shows_both_titles_and_both_transitions(
    retitled_then_deleted: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _, video_id = retitled_then_deleted
    assert main(["video", video_id]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"{video_id}  After"
    assert "state:      deleted" in out
    assert "titles:     Before | After" in out
    history = out.split("history:\n")[1].splitlines()
    assert "first seen: Before" in history[0]
    assert history[1].endswith("  new")
    assert history[2].endswith("changed: title: Before -> After")
    assert history[3].endswith("deleted (was public)")
    assert "thumbnail:  1 archived" in out


def test_video_json_and_archive_link(
    retitled_then_deleted: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _, video_id = retitled_then_deleted
    os.environ["PUBLIC_BASE_URL"] = "https://ytdt-admin.fly.dev/"
    reset_settings()
    assert main(["video", video_id]) == 0
    assert f"https://ytdt-admin.fly.dev/videos/{video_id}/thumbnail" in capsys.readouterr().out
    assert main(["video", video_id, "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["titles"] == ["Before", "After"]
    assert [t["kind"] for t in body["transitions"]] == ["new", "deleted"]
    assert body["video"]["state"] == "deleted"


def test_video_bad_and_unknown_ids(tracker: Tracker, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["video", "not-an-id"]) == 2
    assert "is not a YouTube video id" in capsys.readouterr().err
    assert main(["video", "AAAAAAAAAAA"]) == 1
    assert "video AAAAAAAAAAA is not tracked" in capsys.readouterr().err


def test_prune_keeps_the_evidence(
    retitled_then_deleted: tuple[str, str],
    tracker: Tracker,
    capsys: pytest.CaptureFixture[str],
) -> None:
    channel_id, deleted_id = retitled_then_deleted
    world = tracker.fake.world
    public_id = world.upload(channel_id, title="Public one").id
    tracker.scan(channel_id)
    world.retitle(public_id, "Public one, renamed")
    tracker.scan(channel_id)
    # Everything happened two months ago.
    long_ago = utcnow() - timedelta(days=60)
    with tracker.engine.begin() as conn:
        conn.execute(update(VideoVersion).values(seen_at=long_ago))
        conn.execute(update(ArchivedThumbnail).values(archived_at=long_ago))

    assert main(["prune", "--older-than", "30", "--dry-run", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["versions_removed"] == 1
    assert main(["prune", "--older-than", "30"]) == 0
    assert capsys.readouterr().out.startswith("removed 1 metadata versions and 0 archived")
    assert main(["video", deleted_id, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["titles"] == ["Before", "After"]
    assert main(["video", public_id, "--json"]) == 0
    public = json.loads(capsys.readouterr().out)
    # Its superseded version is gone; its changed event still tells the old title.
    assert [v["title"] for v in public["versions"]] == ["Public one, renamed"]
    assert public["titles"] == ["Public one", "Public one, renamed"]


@pytest.mark.parametrize("days", ["-1", "soon", "nan"])
def test_prune_refuses_bad_ages(
    tracker: Tracker, days: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["prune", "--older-than", days])
    assert exit_info.value.code == 2
    assert "--older-than" in capsys.readouterr().err
