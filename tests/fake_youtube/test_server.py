"""The server: start and stop cleanly, URLs, many concurrent clients, quiet, serve_forever."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from common.fake_youtube import FakeYouTube, World, serve_forever
from common.fake_youtube.app import FakeYouTubeApp
from common.fake_youtube.httpio import Request

from .conftest import KEY


def test_urls(fake: FakeYouTube) -> None:
    assert fake.base_url == f"http://127.0.0.1:{fake.port}"
    assert fake.api_base_url == fake.base_url + "/youtube/v3"
    assert fake.oembed_url == fake.base_url + "/oembed"
    assert fake.feed_url == fake.base_url + "/feeds/videos.xml"
    assert fake.thumbnail_base_url == fake.base_url + "/vi"


def test_stop_is_clean_and_idempotent() -> None:
    fake = FakeYouTube().start()
    url = fake.base_url
    with httpx.Client() as http:
        assert http.get(url + "/_control/ping").status_code == 200
    fake.stop()
    fake.stop()
    assert not fake.running
    with pytest.raises(RuntimeError):
        _ = fake.base_url
    with httpx.Client() as http, pytest.raises(httpx.ConnectError):
        http.get(url + "/_control/ping")


def test_start_twice_is_refused(fake: FakeYouTube) -> None:
    with pytest.raises(RuntimeError, match="already running"):
        fake.start()


def test_stop_ends_idle_keep_alive_connections_and_slow_requests(world: World) -> None:
    fake = FakeYouTube(world).start()
    idle = httpx.Client(base_url=fake.base_url)
    assert idle.get("/_control/ping").status_code == 200  # leaves a kept-alive connection
    world.faults.fail_next(1, status=None, delay=60)
    errors: list[BaseException] = []

    def slow_call() -> None:
        with httpx.Client(base_url=fake.base_url, timeout=30) as http:
            try:
                http.get("/youtube/v3/videos", params={"id": "x", "part": "id", "key": KEY})
            except httpx.HTTPError as exc:
                errors.append(exc)

    caller = threading.Thread(target=slow_call)
    caller.start()
    while not world.faults.snapshot()["injected"]["slow"]:
        threading.Event().wait(0.01)
    fake.stop(timeout=5)
    caller.join(5)
    idle.close()
    assert not caller.is_alive()


def test_many_concurrent_clients(world: World, fake: FakeYouTube) -> None:
    channels = [world.add_channel(handle=f"@par{index:03d}") for index in range(200)]
    for channel in channels:
        world.generate_videos(channel.id, 60, seed=1)

    # One client shared by 50 threads: 50 connections at once (clients are thread-safe).
    limits = httpx.Limits(max_connections=50)
    with httpx.Client(base_url=fake.api_base_url, timeout=30, limits=limits) as http:

        def scan(index: int) -> int:
            channel = channels[index]
            page = http.get(
                "/playlistItems",
                params={
                    "playlistId": channel.uploads_playlist_id,
                    "part": "contentDetails",
                    "maxResults": "50",
                    "key": KEY,
                },
            ).json()
            ids = ",".join(item["contentDetails"]["videoId"] for item in page["items"])
            videos = http.get("/videos", params={"id": ids, "part": "status", "key": KEY})
            return len(videos.json()["items"])

        with ThreadPoolExecutor(max_workers=50) as pool:
            assert list(pool.map(scan, range(200))) == [50] * 200
    assert world.quota.used() == 400


def test_quiet_by_default(
    world: World, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with FakeYouTube(world) as fake, httpx.Client(base_url=fake.base_url) as http:
        http.get("/youtube/v3/videos", params={"id": "x", "part": "id", "key": KEY})
        http.get("/nowhere")
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
    assert [record for record in caplog.records if record.name.startswith("common.")] == []


def test_a_bug_in_a_handler_is_a_logged_500(
    world: World, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = FakeYouTubeApp(world)

    def broken(ids: object) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(world, "listed_videos", broken)
    request = Request("GET", "/youtube/v3/videos", {"id": ["x"], "part": ["id"], "key": [KEY]})
    response = app.handle(request)
    assert response.status == 500
    assert b"backendError" in response.body
    assert "boom" in caplog.text


def test_head_and_public_url(world: World) -> None:
    channel = world.add_channel(handle="@head")
    video = world.upload(channel.id)
    with (
        FakeYouTube(world, public_url="https://thumbs.example/") as fake,
        httpx.Client(base_url=fake.base_url) as http,
    ):
        body = http.get(
            "/youtube/v3/videos", params={"id": video.id, "part": "snippet", "key": KEY}
        ).json()
        url = body["items"][0]["snippet"]["thumbnails"]["default"]["url"]
        assert url == f"https://thumbs.example/vi/{video.id}/default.jpg"
        head = http.head(f"/vi/{video.id}/default.jpg")
        assert head.status_code == 200
        assert head.content == b""
        assert int(head.headers["content-length"]) > 0


def test_serve_forever_runs_until_ctrl_c(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="common.fake_youtube")
    seen: dict[str, int] = {}

    def ready(fake: FakeYouTube) -> None:
        with httpx.Client(base_url=fake.api_base_url) as http:
            response = http.get(
                "/channels", params={"forHandle": "@kitchenlab", "part": "id", "key": KEY}
            )
            seen["status"] = response.status_code
        raise KeyboardInterrupt

    serve_forever("127.0.0.1", 0, None, ready=ready)
    assert seen == {"status": 200}
    assert "listening on http://127.0.0.1:" in caplog.text
    assert "stopping" in caplog.text
