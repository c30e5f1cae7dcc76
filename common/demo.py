"""``ytdt demo``: a scripted end-to-end run against the bundled fake YouTube API.

It tracks the demo world's channels, takes the baseline, changes the world the ways videos
disappear (deleted, private, unlisted, removed for copyright, retitled, a channel terminated),
scans twice so the disappearances are confirmed, and reports what was detected. The database is
left behind for ``ytdt events`` to explore.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from common import runtime
from common.channels import add_channel, list_channels, remove_channel
from common.events import list_events
from common.fake_youtube import FakeYouTube, World, demo_scenario
from common.migrate import migrate
from common.settings import Settings

__all__ = ["DemoReport", "run_demo"]

CHANNELS = ("@KitchenLab", "@RetroBytes", "@TrailTales", "@GoneFishing")
TERMINATED = "@GoneFishing"


@dataclass
class DemoReport:
    """What the demo did and found."""

    channels: list[str] = field(default_factory=list)
    baseline_videos: int = 0
    quota_units: int = 0
    changes: list[str] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


def _change_the_world(world: World, channel_ids: dict[str, str]) -> list[str]:
    """Make one video disappear each way, and end one channel; answer what was done."""
    kitchen = [video.id for video in world.uploads(channel_ids["@KitchenLab"])]
    by_title = {world.video(v).title: v for v in kitchen}
    steps: list[tuple[str, Callable[[], object]]] = [
        ("deleted", lambda: world.delete(by_title["One-pan lemon chicken in 30 minutes"])),
        ("made private", lambda: world.privatize(by_title["Sourdough starter, day 1 to day 7"])),
        ("unlisted", lambda: world.unlist(by_title["Street food tour: Osaka night market"])),
        (
            "removed for copyright",
            lambda: world.reject(by_title["Five sauces every cook should know"], "copyright"),
        ),
        (
            "retitled",
            lambda: world.retitle(by_title["Meal prep for the week under $40"], "Meal prep (2026)"),
        ),
        ("channel terminated", lambda: world.terminate(channel_ids[TERMINATED])),
    ]
    done = []
    for what, step in steps:
        step()
        done.append(what)
    return done


def run_demo(settings: Settings, say: Callable[[str], None]) -> DemoReport:
    """Run the scripted demo on ``settings``' database with a private fake YouTube API."""
    report = DemoReport()
    migrate(settings.database_url)
    world = World.from_scenario(demo_scenario())
    handles = {c["handle"]: c["id"] for c in world.state()["channels"]}
    world.restore(handles[TERMINATED])  # alive at first, so the demo can watch it go
    with FakeYouTube(world).start() as fake:
        settings = settings.model_copy(
            update={
                "youtube_api_key": SecretStr("demo-key"),
                "youtube_api_base_url": fake.api_base_url,
                "youtube_oembed_url": fake.oembed_url,
                "youtube_feed_url": fake.feed_url,
                "confirm_scans": 2,
            }
        )
        engine = runtime.database(settings)
        youtube = runtime.youtube_client(settings)
        tracked = {c.id for c in list_channels(engine)}
        for handle in CHANNELS:
            if handles[handle] in tracked:
                remove_channel(engine, handles[handle])  # a fresh start on every run
            report.channels.append(add_channel(engine, youtube, handle).id)
        say(f"tracking {len(report.channels)} channels on the fake YouTube API at {fake.base_url}")
        scanner = runtime.scanner(settings)
        results = [scanner.scan(channel_id) for channel_id in report.channels]
        report.baseline_videos = sum(r.counts.get("new", 0) for r in results)
        say(f"baseline: {report.baseline_videos} videos recorded, nothing reported")
        report.changes = _change_the_world(world, handles)
        say("on YouTube meanwhile: " + ", ".join(report.changes))
        for round_number in (1, 2):
            results += [scanner.scan(channel_id) for channel_id in report.channels]
            found = sum(len(r.event_ids) for r in results)
            say(f"scan round {round_number}: {found} events so far")
        report.quota_units = sum(r.quota_units for r in results)
    report.events = [
        e
        for channel_id in report.channels
        for e in list_events(engine, channel_id=channel_id, limit=100)
    ]
    return report
