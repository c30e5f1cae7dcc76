"""Readiness checks against real databases and Redis, and against dead, hung and outdated ones."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from common import runtime
from common.db import HEAD_REVISION
from common.health import Readiness, readiness, reset_health
from common.migrate import migrate
from common.settings import Settings, get_settings, reset_settings
from common.timeutil import utcnow
from tests.conftest import REDIS_URL
from tests.health.proxy import TcpProxy
from tests.health.support import dispatched, pending_delivery, via_port

# Nothing listens on port 1; 10.255.255.1 is unroutable, so a connect there hangs until timeout.
CLOSED_PG = "postgresql+pg8000://postgres@127.0.0.1:1/ytdt"
HUNG_PG = "postgresql+pg8000://postgres@10.255.255.1:5432/ytdt"
CLOSED_REDIS = "redis://127.0.0.1:1/0"
HUNG_REDIS = "redis://10.255.255.1:6379/0"


@pytest.fixture(autouse=True)
def fresh_probes() -> Iterator[None]:
    reset_health()
    yield
    reset_health()


def settings(**env: str) -> Settings:
    os.environ.update(env)
    reset_settings()
    return get_settings()


def timed(config: Settings) -> tuple[Readiness, float]:
    started = time.monotonic()
    result = readiness(config)
    return result, time.monotonic() - started


def test_ready_when_every_dependency_is_fine(engine: Engine) -> None:
    dispatched(engine)
    result = readiness(settings())
    assert result.ready, result.as_dict()
    body = result.as_dict()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == {"status": "ok", "revision": HEAD_REVISION}
    assert body["checks"]["redis"]["status"] == "skipped"
    assert body["checks"]["quota"]["remaining"] == 10_000
    assert body["checks"]["deliveries"]["pending"] == 0


def test_ready_with_redis(engine: Engine) -> None:
    dispatched(engine)
    prefix = f"test:health:{uuid.uuid4().hex[:8]}:"
    result = readiness(settings(REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=prefix))
    assert result.ready, result.as_dict()
    assert result.checks["redis"].status == "ok"


@pytest.mark.parametrize("url", [CLOSED_PG, HUNG_PG], ids=["refused", "unroutable"])
def test_a_dead_database_answers_not_ready_within_two_seconds(url: str) -> None:
    result, elapsed = timed(settings(DATABASE_URL=url))
    assert elapsed < 2.0
    assert not result.ready
    assert result.failing == ["database"]
    assert result.checks["deliveries"].status == "skipped"


@pytest.mark.parametrize("url", [CLOSED_REDIS, HUNG_REDIS], ids=["refused", "unroutable"])
def test_a_dead_redis_answers_not_ready_within_two_seconds(engine: Engine, url: str) -> None:
    dispatched(engine)
    result, elapsed = timed(settings(REDIS_URL=url))
    assert elapsed < 2.0
    assert result.failing == ["redis"]
    assert result.checks["quota"].status == "skipped"
    assert result.checks["database"].status == "ok"


def test_an_unmigrated_database_is_not_ready(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/behind.db"
    migrate(url, "0001")
    result = readiness(settings(DATABASE_URL=url))
    assert result.failing == ["database"]
    assert "ytdt migrate" in (result.checks["database"].error or "")


def test_spent_quota_is_not_ready(engine: Engine) -> None:
    dispatched(engine)
    config = settings(YOUTUBE_DAILY_QUOTA="5")
    runtime.ledger(config).spend(5)
    result = readiness(config)
    assert result.failing == ["quota"]
    assert result.checks["quota"].detail["remaining"] == 0


def test_an_old_pending_delivery_is_not_ready(engine: Engine) -> None:
    dispatched(engine)
    pending_delivery(engine, utcnow() - timedelta(minutes=10))
    pending_delivery(engine, utcnow() - timedelta(days=2), status="failed")
    fine = readiness(settings())
    assert fine.ready, fine.as_dict()
    assert fine.checks["deliveries"].detail["pending"] == 1
    assert fine.checks["deliveries"].detail["failed"] == 1
    pending_delivery(engine, utcnow() - timedelta(minutes=90))
    stuck = readiness(settings())
    assert stuck.failing == ["deliveries"]
    assert stuck.checks["deliveries"].detail["oldest_pending_age_s"] >= 90 * 60


def test_a_fresh_deployment_waits_for_its_first_dispatch_before_failing(engine: Engine) -> None:
    # Nothing tracked yet: nothing to dispatch, ready (the first `fly deploy` can pass).
    empty = readiness(settings())
    assert empty.ready and empty.checks["dispatch"].detail["reason"] == "no channel is tracked yet"
    # A channel added just now: the scheduler has until the limit to run once.
    pending_delivery(engine, utcnow() - timedelta(minutes=1), status="sent")
    waiting = readiness(settings())
    assert waiting.ready
    assert waiting.checks["dispatch"].detail["reason"] == "waiting for the first dispatch run"


def test_dispatch_staleness(engine: Engine) -> None:
    # A channel tracked for longer than the limit and still no dispatch: the scheduler is broken.
    pending_delivery(engine, utcnow() - timedelta(hours=4), status="sent")
    never = readiness(settings())
    assert never.failing == ["dispatch"]
    assert "no dispatch run" in (never.checks["dispatch"].error or "")
    dispatched(engine, ago=timedelta(hours=4))  # default limit: 3 x 60 minutes
    assert readiness(settings()).failing == ["dispatch"]
    assert readiness(settings(HEALTH_MAX_DISPATCH_AGE_MINUTES="300")).ready
    paused = readiness(settings(HEALTH_MAX_DISPATCH_AGE_MINUTES="", SCAN_ENABLED="false"))
    assert paused.ready
    assert paused.checks["dispatch"].status == "skipped"


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_postgres_stopped_then_back(migrated_postgres: str, engine: Engine) -> None:
    dispatched(engine)
    target = make_url(migrated_postgres)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432).start()
    try:
        config = settings(DATABASE_URL=via_port(migrated_postgres, proxy.port))
        assert readiness(config).ready
        proxy.stop()
        result, elapsed = timed(config)
        assert (result.failing, elapsed < 2.0) == (["database"], True)
        proxy.start()
        assert readiness(config).ready
        proxy.mode = "blackhole"  # up but hung: connects, never answers
        result, elapsed = timed(config)
        assert (result.failing, elapsed < 2.0) == (["database"], True)
        assert (
            result.checks["database"].error == "timed out"
            or "timeout" in (result.checks["database"].error or "").lower()
        )
        proxy.mode = "forward"
        assert readiness(config).ready
    finally:
        proxy.stop()


def test_redis_stopped_then_back(engine: Engine) -> None:
    dispatched(engine)
    target = make_url(REDIS_URL.replace("redis://", "postgresql://"))
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 6379).start()
    try:
        config = settings(REDIS_URL=f"redis://127.0.0.1:{proxy.port}/15")
        assert readiness(config).ready
        proxy.stop()
        result, elapsed = timed(config)
        assert (result.failing, elapsed < 2.0) == (["redis"], True)
        proxy.start()
        assert readiness(config).ready
        proxy.mode = "blackhole"
        result, elapsed = timed(config)
        assert (result.failing, elapsed < 2.0) == (["redis"], True)
        proxy.mode = "forward"
        assert readiness(config).ready
    finally:
        proxy.stop()
