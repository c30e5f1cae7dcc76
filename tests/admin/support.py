"""Admin test helpers: credentials, an admin client, and a channel with disappearances."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass

from flask.testing import FlaskClient

from common.settings import reset_settings
from tests.functions.conftest import client_for
from tests.support import Tracker

USER, PASSWORD = "admin", "correct horse battery staple"
SCRIPT_TITLE = "<script>document.title='pwned'</script> Injected"
FORMULA_TITLE = '=HYPERLINK("http://evil.example","click")'


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


ADMIN = basic(USER, PASSWORD)


def admin_client(**env: str) -> FlaskClient:
    os.environ.update({"ADMIN_USERNAME": USER, "ADMIN_PASSWORD": PASSWORD, **env})
    reset_settings()
    return client_for("admin")


@dataclass(frozen=True)
class Seeded:
    channel_id: str
    video_ids: list[str]
    removed: str  # rejected for copyright, title SCRIPT_TITLE
    deleted: str  # deleted, title FORMULA_TITLE


def seed(tracker: Tracker, videos: int = 8) -> Seeded:
    """A tracked channel whose baseline is scanned, then one video removed and one deleted."""
    world = tracker.fake.world
    channel = world.add_channel(handle="@admintests", title="Admin Tests Channel")
    ids = world.generate_videos(channel.id, videos, seed=5)
    world.retitle(ids[0], SCRIPT_TITLE)
    world.retitle(ids[1], FORMULA_TITLE)
    tracker.track(channel.id)
    tracker.scan(channel.id)
    world.reject(ids[0], "copyright")
    world.delete(ids[1])
    tracker.scan(channel.id)
    tracker.scan(channel.id)
    return Seeded(channel.id, ids, ids[0], ids[1])
