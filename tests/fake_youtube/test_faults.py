"""Injected faults: seeded 5xx and slow answers at roughly the asked rates, one-shot queue."""

from __future__ import annotations

import time
from collections import Counter

import httpx
import pytest

from common.fake_youtube import Channel, Faults, World

from .conftest import Api


@pytest.fixture
def channel(world: World) -> Channel:
    channel = world.add_channel(handle="@faults")
    world.upload(channel.id)
    return channel


def statuses(api: Api, channel: Channel, count: int) -> list[int]:
    return [api("channels", id=channel.id, part="id").status_code for _ in range(count)]


def test_error_rate_is_roughly_honoured_and_costs_no_quota(
    world: World, channel: Channel, api: Api
) -> None:
    world.faults.configure(error_rate=0.3, seed=42)
    seen = Counter(statuses(api, channel, 400))
    failures = seen[500] + seen[503]
    assert set(seen) == {200, 500, 503}
    assert 80 <= failures <= 160  # 120 expected
    assert world.quota.used() == seen[200]
    assert world.faults.snapshot()["injected"]["errors"] == failures


def test_fault_bodies_look_like_google_backend_errors(
    world: World, channel: Channel, api: Api
) -> None:
    world.faults.fail_next(1, status=503)
    world.faults.fail_next(1, status=500)
    unavailable = api("channels", id=channel.id, part="id").json()["error"]
    internal = api("channels", id=channel.id, part="id").json()["error"]
    assert unavailable["code"] == 503
    assert unavailable["status"] == "UNAVAILABLE"
    assert unavailable["errors"][0]["reason"] == "backendError"
    assert internal["code"] == 500
    assert internal["errors"][0]["reason"] == "backendError"


def test_same_seed_same_faults() -> None:
    def draws(seed: int) -> list[int | None]:
        faults = Faults(error_rate=0.5, slow_rate=0.2, slow_seconds=0.01, seed=seed)
        return [
            fault.status if (fault := faults.draw("api")) is not None else None for _ in range(200)
        ]

    assert draws(1) == draws(1)
    assert draws(1) != draws(2)


def test_reseeding_restarts_the_sequence(world: World, channel: Channel, api: Api) -> None:
    world.faults.configure(error_rate=0.5, seed=3)
    first = statuses(api, channel, 30)
    world.faults.configure(seed=3)
    assert statuses(api, channel, 30) == first


def test_one_shot_queue_fails_exactly_the_next_requests(
    world: World, channel: Channel, api: Api
) -> None:
    world.faults.fail_next(2, status=429)
    assert statuses(api, channel, 4) == [429, 429, 200, 200]
    world.faults.fail_next(1, status=403)
    response = api("channels", id=channel.id, part="id")
    assert response.json()["error"]["errors"][0]["reason"] == "quotaExceeded"
    assert world.quota.used() == 2


def test_one_shot_for_web_endpoints(world: World, channel: Channel, client: httpx.Client) -> None:
    video_id = world.uploads(channel.id)[0].id
    world.faults.fail_next(1, status=503, target="oembed")
    url = {"url": f"https://youtu.be/{video_id}"}
    assert client.get("/oembed", params=url).status_code == 503
    assert client.get("/oembed", params=url).status_code == 200
    world.faults.fail_next(1, status=500, target="any")
    assert client.get("/feeds/videos.xml", params={"channel_id": channel.id}).status_code == 500


def test_random_rates_leave_web_endpoints_alone(
    world: World, channel: Channel, client: httpx.Client
) -> None:
    world.faults.configure(error_rate=1.0)
    video_id = world.uploads(channel.id)[0].id
    assert client.get("/oembed", params={"url": f"https://youtu.be/{video_id}"}).is_success


def test_slow_answers_exceed_a_client_timeout(
    world: World, channel: Channel, fake_url: str
) -> None:
    world.faults.fail_next(1, status=None, delay=0.5)
    with httpx.Client(base_url=fake_url, timeout=0.1) as http:
        params = {"id": channel.id, "part": "id", "key": "k"}
        with pytest.raises(httpx.ReadTimeout):
            http.get("/youtube/v3/channels", params=params)
        assert http.get("/youtube/v3/channels", params=params).status_code == 200


def test_slow_rate(world: World, channel: Channel, api: Api) -> None:
    world.faults.configure(slow_rate=1.0, slow_seconds=0.05)
    started = time.perf_counter()
    assert statuses(api, channel, 4) == [200] * 4
    assert time.perf_counter() - started >= 0.2
    assert world.faults.snapshot()["injected"]["slow"] == 4
    world.faults.clear()
    assert world.faults.snapshot()["slow_rate"] == 0


def test_bad_fault_settings_are_refused() -> None:
    faults = Faults()
    with pytest.raises(ValueError, match="error_rate"):
        faults.configure(error_rate=1.5)
    with pytest.raises(ValueError, match="status"):
        faults.fail_next(1, status=200)
    with pytest.raises(ValueError, match="a status, a delay"):
        faults.fail_next(1, status=None)
