"""The admin function shows the evidence: archived thumbnails, metadata history, dashboard."""

from __future__ import annotations

import hashlib
import re

import httpx
from flask.testing import FlaskClient

from tests.admin.support import ADMIN, admin_client
from tests.support import Tracker


def retitled_then_deleted(tracker: Tracker) -> tuple[str, str, bytes]:
    world = tracker.fake.world
    channel = world.add_channel(handle="@adminarchive", title="Admin Archive")
    world.generate_videos(channel.id, 2, seed=61)
    tracker.track(channel.id)
    tracker.scan(channel.id)
    video = world.upload(channel.id, title="Original title")
    tracker.scan(channel.id)
    image = httpx.get(f"{tracker.fake.base_url}/vi/{video.id}/maxresdefault.jpg").content
    world.retitle(video.id, "Second title")
    tracker.scan(channel.id)
    world.delete(video.id)
    tracker.scan(channel.id)
    tracker.scan(channel.id)
    return channel.id, video.id, image


def test_a_retitled_then_deleted_video_shows_both_titles_and_both_transitions(
    tracker: Tracker,
) -> None:
    _, video_id, _ = retitled_then_deleted(tracker)
    client: FlaskClient = admin_client()
    answer = client.get(f"/videos/{video_id}", headers=ADMIN)
    assert answer.status_code == 200
    body = answer.json
    assert body["state"] == "deleted"
    history = body["history"]
    assert history["titles"] == ["Original title", "Second title"]
    assert [t["kind"] for t in history["transitions"]] == ["new", "deleted"]
    assert history["changes"][0]["fields"]["title"] == {
        "old": "Original title",
        "new": "Second title",
    }
    assert [e["type"] for e in history["timeline"]] == [
        "first_seen",
        "transition",
        "changed",
        "transition",
    ]
    assert body["archived_thumbnail"] == f"/videos/{video_id}/thumbnail"


def test_the_archived_thumbnail_is_served_after_the_video_is_deleted(tracker: Tracker) -> None:
    _, video_id, image = retitled_then_deleted(tracker)
    gone = httpx.get(f"{tracker.fake.base_url}/vi/{video_id}/maxresdefault.jpg")
    assert gone.status_code == 404
    client = admin_client()
    answer = client.get(f"/videos/{video_id}/thumbnail", headers=ADMIN)
    assert answer.status_code == 200
    assert answer.mimetype == "image/jpeg"
    assert answer.data == image
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["ETag"] == f'"{hashlib.sha256(image).hexdigest()}"'
    # Behind the same basic auth as every admin route.
    assert client.get(f"/videos/{video_id}/thumbnail").status_code == 401


def test_no_archived_thumbnail_is_a_404_json(tracker: Tracker) -> None:
    world = tracker.fake.world
    channel = world.add_channel(handle="@adminarchive")
    [video_id] = world.generate_videos(channel.id, 1, seed=62)
    client = admin_client(ARCHIVE_MAX_PER_RUN="0")
    tracker.track(channel.id)
    tracker.scan(channel.id)
    for path in (f"/videos/{video_id}/thumbnail", "/videos/AAAAAAAAAAA/thumbnail"):
        answer = client.get(path, headers=ADMIN)
        assert answer.status_code == 404
        assert answer.json["error"]["code"] == "not_found"
    answer = client.get("/videos/bad!/thumbnail", headers=ADMIN)
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "invalid_input"
    assert client.get(f"/videos/{video_id}", headers=ADMIN).json["archived_thumbnail"] is None


def test_the_dashboard_shows_the_archived_copy_of_a_lost_video(tracker: Tracker) -> None:
    _, video_id, _ = retitled_then_deleted(tracker)
    client = admin_client()
    page = client.get("/", headers=ADMIN).get_data(as_text=True)
    sources = re.findall(r'<img class="thumb" src="([^"]+)"', page)
    assert f"videos/{video_id}/thumbnail" in sources
    # The page's own relative link reaches the image.
    assert client.get(f"/videos/{video_id}/thumbnail", headers=ADMIN).status_code == 200
