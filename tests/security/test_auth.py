"""Every function route refuses a caller without the right credentials, and does nothing for it.

Functions are found on disk (``functions/*/main.py``): a new function must be listed in
``ROUTES`` below with its routes and which of them are public, or this test fails.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from common.db import get_engine
from common.migrate import migrate
from common.models import Channel, DispatchRun, ScanRun
from common.settings import reset_settings
from tests.functions.conftest import client_for

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
CHANNEL = "UC" + "a" * 22
VIDEO = "dQw4w9WgXcQ"
SERVICE_TOKEN = "service-token-right-one"
DISPATCH_TOKEN = "dispatch-token-right-one"
ADMIN_USER = "admin"
ADMIN_PASSWORD = "admin-password-right-one"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# Per function: the paths it serves, and the (method, path) pairs that are public by design.
ROUTES: dict[str, tuple[list[str], set[tuple[str, str]]]] = {
    "scan_channel": (["/", "/scan"], set()),
    "dispatch": (["/", "/run"], set()),
    "notify": (["/", "/digest"], set()),
    "admin": (
        [
            "/",
            "/channels",
            f"/channels/{CHANNEL}",
            f"/channels/{CHANNEL}/scan",
            f"/channels/{CHANNEL}/videos",
            f"/videos/{VIDEO}",
            f"/videos/{VIDEO}/thumbnail",
            "/events",
            "/export/videos.csv",
            "/export/events.csv",
            "/feed.atom",
        ],
        set(),
    ),
    # Liveness and readiness: no credentials by design (Fly's checks call them).
    "health": (["/", "/ready"], {("GET", "/"), ("GET", "/ready")}),
}
BODIES: dict[str, dict[str, Any]] = {
    "scan_channel": {"channel_id": CHANNEL},
    "dispatch": {},
    "notify": {"mode": "test"},
    "admin": {"input": CHANNEL},
    "health": {},
}


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# Credentials a caller may try: none, wrong ones, and right ones meant for another function.
WRONG = {
    "none": None,
    "wrong bearer": "Bearer not-the-token",
    "empty bearer": "Bearer ",
    "wrong admin password": _basic(ADMIN_USER, "not-the-password"),
    "admin password as bearer": f"Bearer {ADMIN_PASSWORD}",
    "service token as basic": _basic(ADMIN_USER, SERVICE_TOKEN),
}
CROSS = {
    # The scheduler's token opens dispatch only; the service token opens scan and notify only.
    "scan_channel": [f"Bearer {DISPATCH_TOKEN}"],
    "dispatch": [f"Bearer {SERVICE_TOKEN}"],
    "notify": [f"Bearer {DISPATCH_TOKEN}"],
    "admin": [f"Bearer {SERVICE_TOKEN}", f"Bearer {DISPATCH_TOKEN}"],
    "health": [],
}


def _functions_on_disk() -> list[str]:
    return sorted(path.parent.name for path in FUNCTIONS.glob("*/main.py"))


def test_every_function_on_disk_has_its_routes_listed_here() -> None:
    unlisted = set(_functions_on_disk()) - ROUTES.keys()
    assert not unlisted, f"list the routes of {sorted(unlisted)} in ROUTES"


@pytest.fixture
def configured(tmp_path: Path) -> str:
    """Every credential configured (so a refusal is the check, not a missing setting)."""
    url = f"sqlite:///{tmp_path / 'auth.db'}"
    migrate(url)
    os.environ.update(
        DATABASE_URL=url,
        SERVICE_TOKEN=SERVICE_TOKEN,
        DISPATCH_TOKEN=DISPATCH_TOKEN,
        ADMIN_USERNAME=ADMIN_USER,
        ADMIN_PASSWORD=ADMIN_PASSWORD,
        # Never reached: nothing may be scanned or posted for a refused caller.
        YOUTUBE_API_KEY="k",
        YOUTUBE_API_BASE_URL="http://127.0.0.1:9/youtube/v3",
        SLACK_WEBHOOK_URL="http://127.0.0.1:9/services/T/B/x",
        # The admin's failed-login throttle would turn later refusals into 429s: still refusals,
        # but this test wants to see each one answered as a credentials failure.
        AUTH_MAX_FAILURES="10000",
    )
    reset_settings()
    return url


def _request(
    client: FlaskClient, name: str, method: str, path: str, authorization: str | None
) -> Any:
    headers = {"Authorization": authorization} if authorization is not None else {}
    body = BODIES[name] if method in ("POST", "PUT", "PATCH") else None
    return client.open(path, method=method, json=body, headers=headers)


def _nothing_happened(url: str) -> None:
    with get_engine(url).connect() as conn:
        for model in (Channel, ScanRun, DispatchRun):
            assert conn.scalar(select(func.count()).select_from(model)) == 0, model.__tablename__


@pytest.mark.parametrize("name", [n for n in ROUTES if n in _functions_on_disk()])
def test_every_route_refuses_missing_wrong_and_misdirected_credentials(
    configured: str, name: str
) -> None:
    client = client_for(name)
    paths, public = ROUTES[name]
    tried = 0
    for path in paths:
        for method in METHODS:
            if (method, path) in public:
                continue
            for label, authorization in [*WRONG.items(), *(("cross", c) for c in CROSS[name])]:
                answer = _request(client, name, method, path, authorization)
                where = f"{name} {method} {path} with {label}"
                if name == "health":
                    # Public function: anything but its public routes is simply not there.
                    assert answer.status_code in (404, 405), where
                else:
                    assert answer.status_code == 401, (where, answer.status_code, answer.data)
                    assert answer.headers.get("WWW-Authenticate"), where
                assert answer.is_json and set(answer.get_json()["error"]) >= {"code", "message"}
                tried += 1
    assert tried >= len(paths) * (len(METHODS) - 2)
    _nothing_happened(configured)


@pytest.mark.parametrize("name", ["scan_channel", "dispatch", "notify", "admin"])
def test_a_function_without_configured_credentials_refuses_everyone(
    tmp_path: Path, name: str
) -> None:
    url = f"sqlite:///{tmp_path / 'bare.db'}"
    migrate(url)
    os.environ["DATABASE_URL"] = url
    reset_settings()
    client = client_for(name)
    for authorization in (None, "Bearer ", "Bearer anything", _basic("", "")):
        answer = _request(client, name, "POST", "/", authorization)
        assert answer.status_code in (401, 500, 503), (name, authorization, answer.status_code)
        assert answer.get_json()["error"]["code"] != "internal"
    _nothing_happened(url)


def test_health_answers_without_credentials_and_reveals_no_secret(configured: str) -> None:
    client = client_for("health")
    for path in ("/", "/ready"):
        answer = client.get(path)
        assert answer.status_code in (200, 503)
        for secret in (SERVICE_TOKEN, DISPATCH_TOKEN, ADMIN_PASSWORD, "/services/T/B/x"):
            assert secret not in answer.get_data(as_text=True)
