"""``ytdt demo``: a scripted end-to-end run against the bundled fake YouTube API.

It tracks the demo world's channels, takes the baseline with a dispatch run, changes the world the
ways videos disappear (deleted, private, unlisted, removed for copyright, retitled, a channel
terminated), runs dispatch twice so the disappearances are confirmed (``CONFIRM_SCANS=2``), and
reports what was detected and the Slack messages that would be posted (rendered to text, never
sent: the demo always uses the console destination). The database is left behind for
``ytdt events`` and ``ytdt serve`` to explore.

Dispatch scans only channels that are due; the demo does not wait an hour between runs, it makes
its channels due again (``next_scan_at`` = now) before each one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr
from sqlalchemy import Engine, func, select, update

from common import runtime
from common.channels import add_channel, list_channels, remove_channel
from common.dispatch import DispatchSummary
from common.events import list_events
from common.fake_youtube import FakeYouTube, World, demo_scenario
from common.migrate import migrate
from common.models import Channel, Event, Video
from common.notify import Notifier
from common.settings import Settings
from common.timeutil import utcnow

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
    dispatches: list[dict[str, int]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    # The Slack messages notify would have posted, rendered as text, in order.
    messages: list[str] = field(default_factory=list)


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


def _make_due(engine: Engine, channel_ids: list[str]) -> None:
    """Fast-forward the schedule: the channels are due now instead of in an hour."""
    with engine.begin() as conn:
        conn.execute(
            update(Channel).where(Channel.id.in_(channel_ids)).values(next_scan_at=utcnow())
        )


def _dispatch_and_notify(
    settings: Settings, engine: Engine, report: DemoReport, say: Callable[[str], None], label: str
) -> DispatchSummary:
    summary = runtime.dispatcher(settings).dispatch()
    counts = summary.counts
    report.dispatches.append(counts)
    report.quota_units += summary.quota_spent
    Notifier.from_settings(settings, engine, write=report.messages.append).run("deliver")
    say(
        f"{label}: scanned {counts['scanned']} channels, {summary.quota_spent} quota units, "
        f"{_count(engine, Event, report.channels)} events so far"
    )
    return summary


def _count(engine: Engine, model: type[Event] | type[Video], channel_ids: list[str]) -> int:
    with engine.connect() as conn:
        query = select(func.count()).select_from(model).where(model.channel_id.in_(channel_ids))
        return int(conn.scalar(query) or 0)


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
                # In-process scans, and Slack messages rendered here instead of posted.
                "scan_url": None,
                "notify_url": None,
                "slack_webhook_url": None,
                "scan_enabled": True,
            }
        )
        engine = runtime.database(settings)
        youtube = runtime.youtube_client(settings)
        tracked = {c.id for c in list_channels(engine)}
        for handle in CHANNELS:
            if handles[handle] in tracked:
                # A fresh start on every run.
                remove_channel(engine, handles[handle], store=runtime.archive_store(settings))
            report.channels.append(add_channel(engine, youtube, handle).id)
        say(f"tracking {len(report.channels)} channels on the fake YouTube API at {fake.base_url}")
        _make_due(engine, report.channels)
        _dispatch_and_notify(settings, engine, report, say, "dispatch (baseline)")
        report.baseline_videos = _count(engine, Video, report.channels)
        say(f"baseline: {report.baseline_videos} videos recorded, nothing reported")
        report.changes = _change_the_world(world, handles)
        say("on YouTube meanwhile: " + ", ".join(report.changes))
        for round_number in (1, 2):
            _make_due(engine, report.channels)
            _dispatch_and_notify(settings, engine, report, say, f"dispatch {round_number}")
    report.events = [
        e
        for channel_id in report.channels
        for e in list_events(engine, channel_id=channel_id, limit=100)
    ]
    return report
