"""Liveness and readiness of the tracker, with short timeouts so a dead dependency never hangs.

``readiness`` runs its checks in parallel on a small shared thread pool against one deadline
(``HEALTH_TIMEOUT_S``): the database (reachable, migrated to head), Redis (when configured),
the quota left today, the oldest pending delivery and the last successful dispatch. The probes
use their own connections with connect and socket timeouts (never the request pool, which waits
as long as it must), and a probe that still overruns is abandoned at the deadline and reported
as timed out.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import redis
from sqlalchemy import Engine, create_engine, event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from common.coordination import Coordinator, DatabaseCoordinator, RedisCoordinator
from common.db import HEAD_REVISION, ssl_context_for
from common.dispatch.runs import last_successful_dispatch
from common.errors import CoordinationUnavailable
from common.models import Channel, Delivery
from common.quota import QuotaLedger
from common.settings import Settings
from common.timeutil import isoformat, utcnow

__all__ = ["Check", "Readiness", "liveness", "readiness", "reset_health"]

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_engines: dict[tuple[str, float], Engine] = {}
_redis: dict[tuple[str, float], redis.Redis] = {}
# Probes that overran their deadline still hold a worker until their socket timeout fires;
# a handful of workers keeps that bounded.
_WORKERS = 8


@dataclass(slots=True)
class Check:
    """One readiness check's result: ``ok``, ``fail`` or ``skipped``, with what it saw."""

    status: str
    detail: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"status": self.status, **self.detail}
        if self.error is not None:
            body["error"] = self.error
        return body


@dataclass(slots=True)
class Readiness:
    checks: dict[str, Check]
    elapsed_ms: int

    @property
    def ready(self) -> bool:
        return all(check.status != "fail" for check in self.checks.values())

    @property
    def failing(self) -> list[str]:
        return [name for name, check in self.checks.items() if check.status == "fail"]

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"status": "ready" if self.ready else "not_ready"}
        if not self.ready:
            body["failing"] = self.failing
        body["checks"] = {name: check.as_dict() for name, check in self.checks.items()}
        body["elapsed_ms"] = self.elapsed_ms
        return body


def liveness() -> dict[str, Any]:
    """The process is up and serving (no dependency is touched)."""
    return {"status": "ok", "time": isoformat(utcnow())}


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="ytdt-health")
        return _pool


def probe_engine(database_url: str, timeout_s: float) -> Engine:
    """An engine for health probes: no pool, every connect and read bounded by ``timeout_s``."""
    key = (database_url, timeout_s)
    with _lock:
        engine = _engines.get(key)
        if engine is not None:
            return engine
        url = make_url(database_url)
        connect_args: dict[str, Any]
        if url.get_backend_name() == "sqlite":
            connect_args = {"timeout": timeout_s, "check_same_thread": False}
        else:
            connect_args = {"timeout": timeout_s}
            mode = url.query.get("ssl_context")
            if isinstance(mode, str):
                url = url.difference_update_query(["ssl_context"])
                connect_args["ssl_context"] = ssl_context_for(mode)
        engine = _engines[key] = create_engine(url, poolclass=NullPool, connect_args=connect_args)
        if engine.dialect.name == "postgresql":
            event.listen(engine, "do_connect", _own_socket(timeout_s))
        return engine


def _own_socket(timeout_s: float) -> Callable[..., Any]:
    """Connect pg8000 over a socket this module opens, and really closes when the handshake fails.

    pg8000 leaves its socket to the garbage collector when the server accepts the connection
    but never answers (a hung server): one open descriptor per probe until a collection.
    """

    def connect(dialect: Any, _record: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
        host = cparams.get("host") or "localhost"
        port = int(cparams.get("port") or 5432)
        sock = socket.create_connection((host, port), timeout_s)
        try:
            # pg8000.Connection (not connect()) is what accepts a ready socket.
            return dialect.loaded_dbapi.Connection(*cargs, sock=sock, **cparams)
        except BaseException:
            # detach + os.close: socket.close() would wait for pg8000's file wrapper to go.
            fd = sock.detach()
            if fd >= 0:
                os.close(fd)
            raise

    return connect


def probe_redis(redis_url: str, timeout_s: float) -> redis.Redis:
    key = (redis_url, timeout_s)
    with _lock:
        client = _redis.get(key)
        if client is None:
            client = _redis[key] = redis.Redis.from_url(
                redis_url,
                socket_timeout=timeout_s,
                socket_connect_timeout=timeout_s,
                retry_on_timeout=False,
            )
        return client


def reset_health() -> None:
    """Drop the probe clients (tests)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        for client in _redis.values():
            client.close()
        _redis.clear()


def _describe(exc: BaseException) -> str:
    # The class and first line only: driver messages can be long, and never carry secrets here
    # (URLs are not part of connection errors), but keep it short anyway.
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message[:200]}" if message else type(exc).__name__


def _check_database(engine: Engine) -> Check:
    with engine.connect() as conn:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if revision != HEAD_REVISION:
        return Check(
            "fail",
            {"revision": revision, "head": HEAD_REVISION},
            f"schema at {revision or 'nothing'}, code needs {HEAD_REVISION}: run `ytdt migrate`",
        )
    return Check("ok", {"revision": revision})


def _check_redis(client: redis.Redis) -> Check:
    started = time.monotonic()
    client.ping()
    return Check("ok", {"latency_ms": round((time.monotonic() - started) * 1000, 1)})


def _check_quota(ledger: QuotaLedger) -> Check:
    used = ledger.used()
    remaining = max(0, ledger.daily_quota - used)
    detail = {
        "used": used,
        "remaining": remaining,
        "daily": ledger.daily_quota,
        "resets_at": isoformat(ledger.resets_at()),
    }
    if remaining <= 0:
        return Check("fail", detail, "today's YouTube quota is spent: scans wait for the reset")
    return Check("ok", detail)


def _check_deliveries(engine: Engine, max_age: timedelta, now: datetime) -> Check:
    with engine.connect() as conn:
        oldest, pending = conn.execute(
            select(func.min(Delivery.created_at), func.count()).where(Delivery.status == "pending")
        ).one()
        failed = conn.execute(
            select(func.count()).select_from(Delivery).where(Delivery.status == "failed")
        ).scalar_one()
    age_s = None if oldest is None else round((now - oldest).total_seconds())
    detail = {
        "pending": pending,
        "failed": failed,
        "oldest_pending_age_s": age_s,
        "max_age_s": int(max_age.total_seconds()),
    }
    if oldest is not None and now - oldest > max_age:
        return Check("fail", detail, f"a notification has been pending for {age_s} s")
    return Check("ok", detail)


def _check_dispatch(engine: Engine, settings: Settings, now: datetime) -> Check:
    if not settings.scan_enabled:
        return Check("skipped", {"reason": "SCAN_ENABLED is false"})
    minutes = settings.health_max_dispatch_age_minutes or 3 * settings.dispatch_interval_minutes
    max_age = timedelta(minutes=minutes)
    last = last_successful_dispatch(engine)
    age_s = None if last is None else round((now - last).total_seconds())
    detail = {
        "last_success_at": isoformat(last),
        "age_s": age_s,
        "max_age_s": int(max_age.total_seconds()),
    }
    if last is None:
        # A fresh deployment has never dispatched: that is only a failure once a channel has
        # waited longer than a dispatch may take (else the first `fly deploy` would wait on a
        # check that cannot pass before the scheduler's first run).
        with engine.connect() as conn:
            first_channel = conn.scalar(select(func.min(Channel.created_at)))
        if first_channel is None:
            return Check("ok", {**detail, "reason": "no channel is tracked yet"})
        detail["first_channel_at"] = isoformat(first_channel)
        if now - first_channel <= max_age:
            return Check("ok", {**detail, "reason": "waiting for the first dispatch run"})
        return Check("fail", detail, "no dispatch run has succeeded yet")
    if now - last > max_age:
        return Check("fail", detail, f"the last successful dispatch was {age_s} s ago")
    return Check("ok", detail)


def _run(probes: dict[str, Callable[[], Check]], deadline: float) -> dict[str, Check]:
    """Run ``probes`` in parallel; a probe that raises or overruns the deadline fails."""
    pool = _executor()
    futures: dict[str, Future[Check]] = {name: pool.submit(probe) for name, probe in probes.items()}
    results: dict[str, Check] = {}
    for name, future in futures.items():
        try:
            results[name] = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            future.cancel()
            results[name] = Check("fail", error="timed out")
        except (SQLAlchemyError, redis.RedisError, OSError) as exc:
            results[name] = Check("fail", error=_describe(exc))
        except CoordinationUnavailable as exc:
            # The Redis coordinator's typed wrapper: name what Redis itself said.
            results[name] = Check("fail", error=_describe(exc.__cause__ or exc))
    return results


def readiness(settings: Settings, *, now: datetime | None = None) -> Readiness:
    """Every readiness check, in parallel, within ``HEALTH_TIMEOUT_S`` in all.

    A check that depends on a failed one (the quota on Redis or the database, deliveries and
    dispatch on the database) is reported as skipped, so the answer names the root cause.
    """
    started = time.monotonic()
    timeout = settings.health_timeout_s
    now = now or utcnow()
    engine = probe_engine(settings.database_url, timeout)
    client = probe_redis(settings.redis_url, timeout) if settings.redis_url else None
    coordinator: Coordinator = (
        RedisCoordinator(client, prefix=settings.redis_key_prefix)
        if client is not None
        else DatabaseCoordinator(engine)
    )
    ledger = QuotaLedger(coordinator, settings.youtube_daily_quota)
    max_pending = timedelta(minutes=settings.health_max_pending_minutes)
    probes: dict[str, Callable[[], Check]] = {
        "database": lambda: _check_database(engine),
        "quota": lambda: _check_quota(ledger),
        "deliveries": lambda: _check_deliveries(engine, max_pending, now),
        "dispatch": lambda: _check_dispatch(engine, settings, now),
    }
    if client is not None:
        probes["redis"] = lambda: _check_redis(client)
    checks = _run(probes, started + timeout)
    if client is None:
        checks["redis"] = Check("skipped", {"reason": "REDIS_URL is not set"})
    database_down = checks["database"].status == "fail"
    if database_down:
        for name in ("deliveries", "dispatch"):
            checks[name] = Check("skipped", {"reason": "database check failed"})
    quota_backend = "redis" if client is not None else "database"
    if checks[quota_backend].status == "fail":
        checks["quota"] = Check("skipped", {"reason": f"{quota_backend} check failed"})
    order = ("database", "redis", "quota", "deliveries", "dispatch")
    return Readiness(
        {name: checks[name] for name in order},
        round((time.monotonic() - started) * 1000),
    )
