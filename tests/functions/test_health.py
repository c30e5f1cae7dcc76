"""The health function over HTTP, and as a real functions-framework process with a hung database."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from common.health import reset_health
from common.settings import reset_settings
from common.timeutil import utcnow
from tests.dispatch.processes import function_process
from tests.functions.conftest import client_for
from tests.health.proxy import TcpProxy
from tests.health.support import dispatched, pending_delivery, via_port


@pytest.fixture(autouse=True)
def fresh_probes() -> Iterator[None]:
    reset_health()
    yield
    reset_health()


@pytest.fixture
def client(engine: Engine) -> FlaskClient:
    return client_for("health")


def test_liveness_needs_nothing(tmp_path: object) -> None:
    # No database at all: liveness still answers (it touches no dependency).
    os.environ["DATABASE_URL"] = "postgresql://postgres@127.0.0.1:1/none"
    reset_settings()
    client = client_for("health")
    answer = client.get("/")
    assert answer.status_code == 200
    assert answer.json["status"] == "ok"
    assert answer.headers["Cache-Control"] == "no-store"
    head = client.head("/")
    assert (head.status_code, head.data) == (200, b"")


def test_ready_and_not_ready(client: FlaskClient, engine: Engine) -> None:
    # A channel tracked for hours and never a dispatch: the scheduler is not running.
    pending_delivery(engine, utcnow() - timedelta(hours=4), status="sent")
    not_yet = client.get("/ready")
    assert not_yet.status_code == 503
    assert not_yet.json["failing"] == ["dispatch"]
    dispatched(engine)
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.json["status"] == "ready"
    assert set(ready.json["checks"]) == {"database", "redis", "quota", "deliveries", "dispatch"}


def test_dead_database_is_503_naming_it_within_two_seconds() -> None:
    os.environ["DATABASE_URL"] = "postgresql://postgres@127.0.0.1:1/none"
    reset_settings()
    started = time.monotonic()
    answer = client_for("health").get("/ready")
    assert time.monotonic() - started < 2.0
    assert answer.status_code == 503
    assert answer.json["failing"] == ["database"]
    assert answer.json["checks"]["database"]["error"]


def test_unknown_paths_and_methods(client: FlaskClient) -> None:
    assert client.get("/nope").status_code == 404
    assert client.get("/nope").json["error"]["code"] == "not_found"
    wrong = client.post("/ready")
    assert wrong.status_code == 405
    assert "GET" in wrong.headers["Allow"]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_running_health_function_with_postgres_hung_then_back(
    migrated_postgres: str, engine: Engine
) -> None:
    dispatched(engine)
    target = make_url(migrated_postgres)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432).start()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DATABASE_", "REDIS_", "SCAN_", "ADMIN_"))
    }
    env.update(DATABASE_URL=via_port(migrated_postgres, proxy.port), LOG_LEVEL="WARNING")
    try:
        with function_process("health", env, threads=4) as running, httpx.Client() as http:
            assert http.get(running.url + "ready", timeout=10).status_code == 200
            for mode in ("blackhole", "stopped"):
                if mode == "blackhole":
                    proxy.mode = "blackhole"
                else:
                    proxy.stop()
                started = time.monotonic()
                answer = http.get(running.url + "ready", timeout=10)
                elapsed = time.monotonic() - started
                assert (answer.status_code, elapsed < 2.0) == (503, True), (mode, elapsed)
                assert answer.json()["failing"] == ["database"]
                if mode == "blackhole":
                    proxy.mode = "forward"
                else:
                    proxy.start()
                assert http.get(running.url + "ready", timeout=10).status_code == 200
    finally:
        proxy.stop()
