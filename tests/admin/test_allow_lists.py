"""Allow-listed videos in the admin's JSON, CSV export, dashboard and feed."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

from tests.admin.support import ADMIN, admin_client
from tests.support import Tracker


def test_allow_lists_show_in_every_admin_view(tracker: Tracker) -> None:
    world = tracker.fake.world
    channel = world.add_channel(handle="@licensed", title="Licensed Music")
    listed, nowhere, free = world.generate_videos(channel.id, 3, seed=9)
    tracker.track(channel.id)
    tracker.scan(channel.id)
    world.allow_only(listed, ["US", "JP"])
    world.allow_only(nowhere, [])
    tracker.scan(channel.id)
    client = admin_client()

    detail = client.get(f"/videos/{listed}", headers=ADMIN).json
    assert detail is not None
    assert detail["allowed_regions"] == ["JP", "US"]
    assert [e["details"]["allowed_regions"] for e in detail["events"]] == [["JP", "US"]]
    assert detail["history"]["transitions"][-1]["details"]["allowed_regions"] == ["JP", "US"]
    page = client.get(f"/channels/{channel.id}/videos", headers=ADMIN).json
    assert page is not None
    by_id = {video["id"]: video["allowed_regions"] for video in page["videos"]}
    assert by_id == {listed: ["JP", "US"], nowhere: [], free: None}

    answer = client.get("/export/videos.csv", headers=ADMIN)
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True).removeprefix("\ufeff"))))
    cells = {row["video_id"]: (row["allowed_regions"], row["blocked_regions"]) for row in rows}
    assert cells == {listed: ("JP US", ""), nowhere: ("nowhere", ""), free: ("", "")}

    dashboard = client.get("/", headers=ADMIN).get_data(as_text=True)
    assert "only viewable in JP, US" in dashboard
    assert "viewable nowhere" in dashboard

    feed = ET.fromstring(client.get("/feed.atom", headers=ADMIN).data)  # noqa: S314 (ours)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    summaries = [e.findtext("a:summary", namespaces=ns) or "" for e in feed.findall("a:entry", ns)]
    assert any("Reason: only viewable in JP, US" in summary for summary in summaries)
    assert any("Reason: viewable nowhere" in summary for summary in summaries)
