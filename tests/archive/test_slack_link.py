"""Slack messages about a lost video link the archived thumbnail (PUBLIC_BASE_URL)."""

from __future__ import annotations

import os

from common.settings import reset_settings
from tests.archive.conftest import ADMIN_URL, buttons, deliver
from tests.notify.slack_stub import SlackStub
from tests.support import Tracker


def deleted_and_retitled(tracker: Tracker) -> tuple[str, str]:
    world = tracker.fake.world
    channel = world.add_channel(handle="@slacklink", title="Slack Link")
    ids = world.generate_videos(channel.id, 3, seed=71)
    tracker.track(channel.id)
    tracker.scan(channel.id)
    world.delete(ids[0])
    world.retitle(ids[1], "Still here, renamed")
    tracker.scan(channel.id)
    tracker.scan(channel.id)
    return ids[0], ids[1]


def test_a_deleted_video_links_its_archived_thumbnail(tracker: Tracker, slack: SlackStub) -> None:
    os.environ["PUBLIC_BASE_URL"] = ADMIN_URL + "/"
    reset_settings()
    deleted, renamed = deleted_and_retitled(tracker)
    deliver()
    by_video = {
        video: buttons(request.payload)
        for request in slack.delivered
        for video in (deleted, renamed)
        if video in str(request.payload)
    }
    assert by_video[deleted]["archived_thumbnail"] == f"{ADMIN_URL}/videos/{deleted}/thumbnail"
    # A video that is still up has its own thumbnail: no archive link.
    assert "archived_thumbnail" not in by_video[renamed]


def test_without_public_base_url_there_is_no_link(tracker: Tracker, slack: SlackStub) -> None:
    deleted, _ = deleted_and_retitled(tracker)
    deliver()
    for request in slack.delivered:
        assert "archived_thumbnail" not in buttons(request.payload)
        assert "/thumbnail" not in str(request.payload)
    assert any(deleted in str(r.payload) for r in slack.delivered)
