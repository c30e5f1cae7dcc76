"""The project's fake YouTube: Data API v3, oEmbed, channel feeds and thumbnails, from a world
that tests, the demo and benchmarks control (Python API or ``/_control/…`` endpoints).

    with FakeYouTube(World.from_scenario_file("scenario.json")) as fake:
        httpx.get(fake.api_base_url + "/videos", params={"id": "…", "part": "status", "key": "k"})
        fake.world.delete("…")
"""

from common.fake_youtube.clock import Clock
from common.fake_youtube.faults import Fault, Faults
from common.fake_youtube.model import REJECTION_REASONS, Channel, Video, VideoState
from common.fake_youtube.quota import METHOD_COSTS, QuotaLedger
from common.fake_youtube.scenario import Scenario, ScenarioError, demo_scenario, read_scenario
from common.fake_youtube.server import FakeYouTube, serve_forever
from common.fake_youtube.world import World

__all__ = [
    "METHOD_COSTS",
    "REJECTION_REASONS",
    "Channel",
    "Clock",
    "FakeYouTube",
    "Fault",
    "Faults",
    "QuotaLedger",
    "Scenario",
    "ScenarioError",
    "Video",
    "VideoState",
    "World",
    "demo_scenario",
    "read_scenario",
    "serve_forever",
]
