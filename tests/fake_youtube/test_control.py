"""/_control endpoints: change the world over HTTP, read ground truth, clear 400s and 404s."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from common.fake_youtube import World

from .conftest import Api


def post(client: httpx.Client, path: str, body: Any = None) -> httpx.Response:
    return client.post(f"/_control/{path}", json=body)


@pytest.fixture
def channel_id(client: httpx.Client) -> str:
    response = post(
        client,
        "channels",
        {"handle": "@ctl", "title": "Control", "videos": [{"title": "first"}], "generate": 3},
    )
    assert response.status_code == 201
    created: str = response.json()["id"]
    return created


def test_add_channel_returns_its_ground_truth(client: httpx.Client, channel_id: str) -> None:
    state = client.get("/_control/state", params={"channel_id": channel_id}).json()
    channel = state["channels"][0]
    assert channel["handle"] == "@ctl"
    assert channel["uploads_playlist_id"] == "UU" + channel_id[2:]
    assert channel["videos"][0]["title"] == "first"
    assert len(channel["videos"]) == 4
    assert state["now"] == "2024-05-01T12:00:00Z"


def test_upload_then_every_video_action(
    client: httpx.Client, channel_id: str, world: World, api: Api
) -> None:
    upload = post(client, f"channels/{channel_id}/upload", {"title": "new", "duration": "PT1H2S"})
    assert upload.status_code == 201
    video_id = upload.json()["id"]
    assert world.video(video_id).duration == "PT1H2S"

    steps: list[tuple[str, Any, dict[str, Any]]] = [
        ("unlist", None, {"state": "unlisted"}),
        ("privatize", {}, {"state": "private"}),
        ("publish", None, {"state": "public"}),
        ("reject", {"reason": "trademark"}, {"state": "rejected", "rejection_reason": "trademark"}),
        ("publish", None, {"state": "public", "rejection_reason": None}),
        ("geoblock", {"regions": ["DE"]}, {"blocked_regions": ["DE"]}),
        ("unblock", {}, {"blocked_regions": []}),
        ("allow_only", {"regions": ["JP", "FR"]}, {"allowed_regions": ["FR", "JP"]}),
        ("allow_only", {"regions": []}, {"allowed_regions": []}),
        ("allow_everywhere", None, {"allowed_regions": None}),
        ("age_restrict", None, {"age_restricted": True}),
        ("unage", None, {"age_restricted": False}),
        ("retitle", {"title": "T2", "description": "D2"}, {"title": "T2", "description": "D2"}),
        ("set_thumbnail", None, {"thumbnail_version": 1}),
        ("set_embeddable", {"embeddable": False}, {"embeddable": False}),
        ("set_counts", {"view_count": 7}, {"view_count": 7}),
        ("delete", None, {"state": "deleted"}),
    ]
    for action, body, expected in steps:
        response = post(client, f"videos/{video_id}/{action}", body)
        assert response.status_code == 200, (action, response.text)
        record = response.json()
        assert {name: record[name] for name in expected} == expected, action
    assert api("videos", id=video_id, part="id").json()["items"] == []


def test_terminate_and_restore(client: httpx.Client, channel_id: str, api: Api) -> None:
    assert post(client, f"channels/{channel_id}/terminate").json()["terminated"] is True
    assert "items" not in api("channels", id=channel_id, part="id").json()
    assert post(client, f"channels/{channel_id}/restore").json()["terminated"] is False
    assert len(api("channels", id=channel_id, part="id").json()["items"]) == 1


def test_generate(client: httpx.Client, channel_id: str, world: World) -> None:
    response = post(client, f"channels/{channel_id}/generate", {"count": 25, "seed": 1})
    assert response.status_code == 201
    assert len(response.json()["video_ids"]) == 25
    assert len(world.uploads(channel_id)) == 29


def test_faults_endpoint(client: httpx.Client, api: Api, channel_id: str) -> None:
    body = {"error_rate": 0.1, "seed": 5, "fail_next": {"count": 2, "status": 503}}
    settings = post(client, "faults", body).json()
    assert settings["error_rate"] == 0.1
    assert settings["pending"] == [{"remaining": 2, "status": 503, "delay": 0.0, "target": "api"}]
    assert api("channels", id=channel_id, part="id").status_code == 503
    assert client.get("/_control/faults").json()["pending"][0]["remaining"] == 1
    cleared = post(client, "faults", {"clear": True}).json()
    assert (cleared["error_rate"], cleared["pending"]) == (0.0, [])


def test_quota_and_clock_endpoints(client: httpx.Client, api: Api, channel_id: str) -> None:
    api("channels", id=channel_id, part="id")
    quota = client.get("/_control/quota").json()
    assert quota["used"] == 1
    assert quota["units_by_method"] == {"channels.list": 1}
    assert quota["daily_quota"] == 10_000
    assert post(client, "quota", {"daily_quota": 1}).json()["remaining"] == 0
    assert api("channels", id=channel_id, part="id").status_code == 403
    assert post(client, "quota/reset").json()["used"] == 0
    assert api("channels", id=channel_id, part="id").status_code == 200

    clock = post(client, "clock/advance", {"seconds": 12 * 3600}).json()
    assert clock == {
        "now": "2024-05-02T00:00:00Z",
        "quota_day": "2024-05-01",
        "quota_resets_at": "2024-05-02T07:00:00Z",
    }
    moved = post(client, "clock/set", {"now": "2024-12-25T08:00:00Z"}).json()
    assert moved["quota_day"] == "2024-12-25"
    assert client.get("/_control/clock").json()["now"] == "2024-12-25T08:00:00Z"


def test_ping(client: httpx.Client, channel_id: str) -> None:
    assert client.get("/_control/ping").json() == {"ok": True, "channels": 1, "videos": 4}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("channels", {"handle": "no-at-sign"}, "handle"),
        ("channels", {"title": "x", "videos": [{"state": "gone"}]}, "videos[0].state"),
        ("channels", {"title": "x", "colour": "red"}, "colour"),
        ("channels", {"title": "x", "generate": -1}, "generate"),
        ("channels", ["not", "an", "object"], None),
        ("clock/advance", {"seconds": "soon"}, "seconds"),
        ("clock/advance", {}, "seconds"),
        ("clock/set", {"now": "2024-01-01T00:00:00"}, None),
        ("quota", {"daily_quota": -5}, "daily_quota"),
        ("faults", {"error_rate": 2}, "error_rate"),
        ("faults", {"fail_next": {"status": 200}}, "fail_next.status"),
        ("faults", {"fail_next": {"status": None}}, "fail_next"),
    ],
)
def test_bad_input_is_400_naming_the_field(
    client: httpx.Client, path: str, body: Any, field: str | None
) -> None:
    response = post(client, path, body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["message"]
    assert error.get("field") == field


@pytest.mark.parametrize(
    "raw",
    [b'{"seconds": ' + b"9" * 5000 + b"}", b"[" * 100_000, b"\xff\xfe"],
    ids=["5000-digit integer", "nested past the recursion limit", "not UTF-8"],
)
def test_a_body_json_cannot_decode_is_400(client: httpx.Client, raw: bytes) -> None:
    response = client.post("/_control/clock/advance", content=raw)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_input"


def test_bad_video_action_bodies(client: httpx.Client, channel_id: str, world: World) -> None:
    video_id = world.uploads(channel_id)[0].id
    cases = [
        ("reject", {"reason": "because"}, "reason"),
        ("reject", {}, "reason"),
        ("geoblock", {"regions": []}, "regions"),
        ("geoblock", {"regions": ["germany"]}, "regions[0]"),
        ("allow_only", {}, "regions"),
        ("allow_only", {"regions": ["jp"]}, "regions[0]"),
        ("retitle", {"title": ""}, "title"),
        ("delete", {"please": True}, "please"),
        ("set_counts", {"view_count": -1}, "view_count"),
    ]
    for action, body, field in cases:
        response = post(client, f"videos/{video_id}/{action}", body)
        assert response.status_code == 400, (action, response.text)
        assert response.json()["error"]["field"] == field, action
    invalid_json = client.post(f"/_control/videos/{video_id}/delete", content=b"{nope")
    assert invalid_json.status_code == 400
    assert "not valid JSON" in invalid_json.json()["error"]["message"]


def test_unknown_ids_and_paths_are_404(client: httpx.Client, channel_id: str) -> None:
    assert post(client, "videos/abcdefghijk/delete").status_code == 404
    assert post(client, "channels/UCnope/terminate").status_code == 404
    assert post(client, "channels/UCnope/upload", {}).status_code == 404
    assert client.get("/_control/state", params={"channel_id": "UCnope"}).status_code == 404
    unknown_action = post(client, f"videos/{'a' * 11}/explode")
    assert unknown_action.status_code == 404
    assert "delete" in unknown_action.json()["error"]["message"]
    assert client.get("/_control/nothing").status_code == 404
    assert client.get("/nothing").status_code == 404


def test_duplicates_are_409(client: httpx.Client, channel_id: str, world: World) -> None:
    assert post(client, "channels", {"handle": "@CTL"}).status_code == 409
    video_id = world.uploads(channel_id)[0].id
    assert post(client, f"channels/{channel_id}/upload", {"id": video_id}).status_code == 409
    clash = {"handle": "@other", "videos": [{"id": video_id}]}
    assert post(client, "channels", clash).status_code == 409
    assert world.channel_id_by_name("handle", "@other") is None  # nothing half-built


def test_wrong_method_is_405(client: httpx.Client) -> None:
    assert client.get("/_control/channels").status_code == 405
    assert client.post("/youtube/v3/videos").status_code == 405


def test_a_video_never_has_both_region_lists(
    client: httpx.Client, channel_id: str, world: World
) -> None:
    video_id = world.uploads(channel_id)[0].id
    assert post(client, f"videos/{video_id}/geoblock", {"regions": ["DE"]}).status_code == 200
    refused = post(client, f"videos/{video_id}/allow_only", {"regions": ["JP"]})
    assert refused.status_code == 409
    assert refused.json()["error"]["field"] == "regions"
    assert post(client, f"videos/{video_id}/unblock", {}).status_code == 200
    assert post(client, f"videos/{video_id}/allow_only", {"regions": ["JP"]}).status_code == 200
    assert post(client, f"videos/{video_id}/geoblock", {"regions": ["DE"]}).status_code == 409
    record = world.video(video_id)
    assert (record.blocked_regions, record.allowed_regions) == ((), ("JP",))
