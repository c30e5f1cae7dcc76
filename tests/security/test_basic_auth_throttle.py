"""dispatch and notify take the admin's basic auth too: guessing it is throttled as on admin."""

from __future__ import annotations

import base64
import os
import uuid

import pytest

from common.settings import reset_settings
from tests.conftest import REDIS_URL
from tests.functions.conftest import client_for
from tests.support import Tracker

TOKENS = {"dispatch": "dispatch-token-for-tests", "notify": "service-token-for-tests"}
# A request each function answers 200 without scanning YouTube or posting to a real Slack.
BODIES = {"dispatch": {"dry_run": True}, "notify": {"mode": "test"}}


def basic(user: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


@pytest.mark.parametrize("backend", ["database", "redis"])
@pytest.mark.parametrize("name", ["dispatch", "notify"])
def test_failed_basic_logins_are_throttled_per_address_and_bearer_callers_never(
    tracker: Tracker, name: str, backend: str
) -> None:
    os.environ.update(
        DISPATCH_TOKEN=TOKENS["dispatch"],
        SERVICE_TOKEN=TOKENS["notify"],
        ADMIN_USERNAME="admin",
        ADMIN_PASSWORD="s3cret",
        AUTH_MAX_FAILURES="2",
        CLIENT_IP_HEADER="Fly-Client-IP",
    )
    if backend == "redis":
        os.environ.update(REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=f"test:{uuid.uuid4().hex[:12]}:")
    reset_settings()
    client = client_for(name)
    body = BODIES[name]
    attacker = {"Fly-Client-IP": "203.0.113.9"}
    for _ in range(2):
        wrong = client.post("/", json=body, headers={**attacker, **basic("admin", "guess")})
        assert wrong.status_code == 401
    refused = client.post("/", json=body, headers={**attacker, **basic("admin", "guess")})
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    assert refused.get_json()["error"]["code"] == "too_many_failures"
    # Locked out even with the right password, so guessing on tells nothing …
    right = {**attacker, **basic("admin", "s3cret")}
    assert client.post("/", json=body, headers=right).status_code == 429
    # … while the scheduler's bearer token from that same address still works,
    bearer = {**attacker, "Authorization": f"Bearer {TOKENS[name]}"}
    assert client.post("/", json=body, headers=bearer).status_code == 200
    # and an admin elsewhere is not affected.
    elsewhere = {"Fly-Client-IP": "198.51.100.4", **basic("admin", "s3cret")}
    assert client.post("/", json=body, headers=elsewhere).status_code == 200
