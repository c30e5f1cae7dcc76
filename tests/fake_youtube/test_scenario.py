"""Scenario files: the bundled demo, every field, and errors that name the bad field."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from common.fake_youtube import ScenarioError, World, demo_scenario

VIDEO_ID = "abcdefghijk"
CHANNEL_ID = "UC" + "a" * 22


def scenario(**channel: Any) -> dict[str, Any]:
    return {"channels": [{"title": "One", **channel}]}


def test_demo_scenario_has_every_state() -> None:
    world = World.from_scenario(demo_scenario())
    truth = world.state()["channels"]
    assert len(truth) >= 3
    assert all(channel["handle"] for channel in truth)
    states = {video["state"] for channel in truth for video in channel["videos"]}
    assert states == {"public", "unlisted", "private", "deleted", "rejected"}
    videos = [video for channel in truth for video in channel["videos"]]
    assert any(video["blocked_regions"] for video in videos)
    assert any(video["age_restricted"] for video in videos)
    assert any(channel["terminated"] for channel in truth)


def test_full_scenario() -> None:
    world = World.from_scenario(
        {
            "daily_quota": 50,
            "api_keys": ["k1", "k2"],
            "clock": {"start": "2024-02-01T00:00:00Z", "frozen": True},
            "faults": {"error_rate": 0.25, "seed": 3},
            "quoted_etags": False,
            "omit_empty_items": False,
            "channels": [
                {
                    "id": CHANNEL_ID,
                    "handle": "@one",
                    "username": "oneuser",
                    "custom_url": "onecustom",
                    "title": "One",
                    "country": "JP",
                    "generate": 5,
                    "seed": 2,
                    "videos": [
                        {"id": VIDEO_ID, "title": "Newest", "state": "unlisted"},
                        {"title": "Licensed", "allowed_regions": ["JP", "JP"]},
                        {"title": "Nowhere", "allowed_regions": []},
                        {
                            "title": "Removed",
                            "state": "rejected",
                            "rejection_reason": "legal",
                            "blocked_regions": ["US"],
                            "age_restricted": True,
                            "published_at": "2024-01-01T00:00:00+09:00",
                        },
                    ],
                }
            ],
        }
    )
    assert world.quota.daily_quota == 50
    assert world.accepts_key("k2") and not world.accepts_key("k3")
    assert world.clock.now() == datetime(2024, 2, 1, tzinfo=UTC)
    assert world.faults.error_rate == 0.25
    assert (world.quoted_etags, world.omit_empty_items) == (False, False)
    uploads = world.uploads(CHANNEL_ID)
    assert len(uploads) == 9
    assert uploads[0].id == VIDEO_ID
    assert uploads[0].published_at == datetime(2024, 1, 31, tzinfo=UTC)
    assert uploads[0].allowed_regions is None
    assert [(v.title, v.allowed_regions) for v in uploads[1:3]] == [
        ("Licensed", ("JP",)),
        ("Nowhere", ()),
    ]
    assert uploads[3].title == "Removed"
    assert uploads[3].rejection_reason == "legal"
    assert all(video.published_at < uploads[3].published_at for video in uploads[4:])
    assert world.channel_id_by_name("custom_url", "OneCustom") == CHANNEL_ID


def test_same_scenario_same_world() -> None:
    data = {"channels": [{"handle": "@same", "generate": 50, "seed": 4}]}
    first, second = World.from_scenario(data), World.from_scenario(data)
    assert first.state()["channels"][0]["id"] == second.state()["channels"][0]["id"]
    ids = [[video["id"] for video in w.state()["channels"][0]["videos"]] for w in (first, second)]
    assert ids[0] == ids[1]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (scenario(id="UCshort"), "channels[0].id"),
        (scenario(handle="nohandle"), "channels[0].handle"),
        (scenario(videos=[{"id": "bad id!"}]), "channels[0].videos[0].id"),
        (scenario(videos=[{"state": "hidden"}]), "channels[0].videos[0].state"),
        (scenario(videos=[{"duration": "4 minutes"}]), "channels[0].videos[0].duration"),
        (scenario(videos=[{"duration": "PT"}]), "channels[0].videos[0].duration"),
        (scenario(videos=[{"published_at": "2024-01-01T00:00:00"}]), "timezone"),
        (scenario(videos=[{"state": "rejected"}]), "rejection_reason is required"),
        (scenario(videos=[{"rejection_reason": "legal"}]), "only allowed when state"),
        (scenario(videos=[{"rejection_reason": "meh", "state": "rejected"}]), "rejection_reason"),
        (scenario(videos=[{"blocked_regions": ["usa"]}]), "blocked_regions[0]"),
        (scenario(videos=[{"allowed_regions": ["jp"]}]), "allowed_regions[0]"),
        (
            scenario(videos=[{"blocked_regions": ["DE"], "allowed_regions": []}]),
            "blocked_regions or allowed_regions, not both",
        ),
        (scenario(videos=[{"view_count": -1}]), "view_count"),
        (scenario(generate=2_000_000), "channels[0].generate"),
        (scenario(subscribers=3), "channels[0].subscribers: Extra inputs"),
        ({"channels": [{"handle": "@xy1"}, {"handle": "@XY1"}]}, "handle '@xy1' is used twice"),
        (
            {"channels": [{"videos": [{"id": VIDEO_ID}]}, {"videos": [{"id": VIDEO_ID}]}]},
            "video id 'abcdefghijk' is used twice",
        ),
        ({"daily_quota": -1}, "daily_quota"),
        ({"api_keys": [""]}, "api_keys[0]"),
        ({"faults": {"error_rate": 3}}, "faults.error_rate"),
        ({"channels": "many"}, "channels: Input should be a valid list"),
        ([], "Input should be a valid dictionary"),
    ],
)
def test_invalid_scenarios_name_the_field(data: Any, message: str) -> None:
    with pytest.raises(ScenarioError, match="invalid scenario") as caught:
        World.from_scenario(data)
    assert message in caught.value.message


def test_scenario_file(tmp_path: Path) -> None:
    path = tmp_path / "world.json"
    path.write_text(json.dumps(scenario(handle="@file")), encoding="utf-8")
    world = World.from_scenario_file(path)
    assert world.channel_id_by_name("handle", "@file") is not None


def test_scenario_file_errors_name_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    with pytest.raises(ScenarioError, match=r"cannot read scenario .*missing\.json"):
        World.from_scenario_file(missing)
    broken = tmp_path / "broken.json"
    broken.write_text('{"channels": [', encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"broken\.json is not valid JSON: .*line 1"):
        World.from_scenario_file(broken)
    invalid = tmp_path / "invalid.json"
    invalid.write_text(json.dumps({"daily_quota": "lots"}), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"invalid\.json: invalid scenario: daily_quota") as e:
        World.from_scenario_file(invalid)
    assert e.value.field == "daily_quota"
