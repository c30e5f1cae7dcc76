"""The process's shared clients, built lazily from ``Settings`` (never at import).

Functions and the CLI ask here for the engine, the coordination backend (Redis when ``REDIS_URL``
is set, else the database), the quota ledger, the YouTube client, the scanner and the dispatcher;
shared clients are created once per process and are safe across threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import httpx
import redis
from botocore.config import Config as BotoConfig
from sqlalchemy import Engine

from common.archive import LocalStore, S3Store, ThumbnailArchiver, ThumbnailFetcher, ThumbnailStore
from common.auth_throttle import AuthThrottle
from common.coordination import Coordinator, DatabaseCoordinator, RedisCoordinator
from common.db import get_engine, require_current_schema
from common.dispatch import (
    Dispatcher,
    DispatchPolicy,
    HttpNotifyCaller,
    HttpScanCaller,
    InProcessScanCaller,
    ScanCaller,
)
from common.errors import ConfigError
from common.quota import QuotaLedger
from common.scan import Scanner, ScanPolicy
from common.settings import Settings, get_settings
from common.timeutil import utcnow
from common.youtube import YouTubeClient

__all__ = [
    "archive_store",
    "archiver",
    "coordinator",
    "database",
    "dispatcher",
    "http_client",
    "ledger",
    "redis_client",
    "reset_runtime",
    "scanner",
    "service_http_client",
    "youtube_client",
]

_lock = threading.Lock()
_http_clients: dict[float, httpx.Client] = {}
_redis_clients: dict[str, redis.Redis] = {}
_service_client: httpx.Client | None = None
_s3_clients: dict[tuple[str | None, str | None, float], Any] = {}


def database(settings: Settings | None = None) -> Engine:
    """The engine, after checking the schema is migrated to this code's head."""
    settings = settings or get_settings()
    engine = get_engine(settings.database_url)
    require_current_schema(engine)
    return engine


def http_client(settings: Settings | None = None) -> httpx.Client:
    """The process's pooled HTTP client for YouTube."""
    settings = settings or get_settings()
    with _lock:
        client = _http_clients.get(settings.http_timeout_s)
        if client is None:
            client = _http_clients[settings.http_timeout_s] = httpx.Client(
                timeout=settings.http_timeout_s,
                limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
                headers={"User-Agent": "ytdt (YouTube Disappeared Video Tracker)"},
            )
        return client


def youtube_client(
    settings: Settings | None = None, on_cost: Callable[[str, int], None] | None = None
) -> YouTubeClient:
    """A YouTube client over the shared HTTP pool (cheap: build one per scan to meter it).

    Without ``on_cost`` every request's units are spent in the quota ledger as they are charged.
    """
    settings = settings or get_settings()
    if settings.youtube_api_key is None:
        raise ConfigError(
            "YOUTUBE_API_KEY is not set: create a key for the YouTube Data API v3 at "
            "https://console.cloud.google.com/apis/credentials (enable the API first) "
            "and export YOUTUBE_API_KEY=..."
        )
    return YouTubeClient(
        http_client(settings),
        settings.youtube_api_key.get_secret_value(),
        base_url=settings.youtube_api_base_url,
        oembed_url=settings.youtube_oembed_url,
        feed_url=settings.youtube_feed_url,
        max_retries=settings.http_max_retries,
        backoff_s=settings.http_backoff_s,
        on_cost=on_cost or _spend_in(ledger(settings)),
    )


def _spend_in(quota: QuotaLedger) -> Callable[[str, int], None]:
    def spend(_method: str, units: int) -> None:
        if units:
            quota.spend(units)

    return spend


def redis_client(settings: Settings | None = None) -> redis.Redis:
    """The process's Redis client (one connection pool per URL, opened on first command).

    Raises:
        ConfigError: ``REDIS_URL`` is not set.
    """
    settings = settings or get_settings()
    if settings.redis_url is None:
        raise ConfigError("REDIS_URL is not set")
    with _lock:
        client = _redis_clients.get(settings.redis_url)
        if client is None:
            client = _redis_clients[settings.redis_url] = redis.Redis.from_url(
                settings.redis_url,
                socket_timeout=5,
                socket_connect_timeout=5,
                health_check_interval=30,
            )
        return client


def coordinator(settings: Settings | None = None) -> Coordinator:
    """Locks and counters: Redis when ``REDIS_URL`` is set, else the database (embedded default)."""
    settings = settings or get_settings()
    if settings.redis_url is not None:
        return RedisCoordinator(redis_client(settings), prefix=settings.redis_key_prefix)
    return DatabaseCoordinator(database(settings))


def auth_throttle(settings: Settings | None = None) -> AuthThrottle:
    """The failed-login throttle (``AUTH_MAX_FAILURES`` a minute per address), shared by every
    process through the coordination backend."""
    settings = settings or get_settings()
    return AuthThrottle(coordinator(settings), settings.auth_max_failures)


def ledger(settings: Settings | None = None) -> QuotaLedger:
    settings = settings or get_settings()
    return QuotaLedger(coordinator(settings), settings.youtube_daily_quota)


def scanner(settings: Settings | None = None, *, clock: Callable[[], datetime] = utcnow) -> Scanner:
    """A scanner wired to this process's database, coordination, ledger and YouTube pool.

    ``clock`` dates the scan and its archive run (tests move it to see rechecks come due).
    """
    settings = settings or get_settings()
    return Scanner(
        engine=database(settings),
        youtube=lambda on_cost: youtube_client(settings, on_cost),
        coordinator=coordinator(settings),
        ledger=ledger(settings),
        policy=ScanPolicy(
            confirm_scans=settings.confirm_scans,
            full_walk_days=settings.full_walk_days,
            interval_minutes=settings.scan_interval_minutes,
            lock_ttl_s=settings.lock_ttl_s,
        ),
        clock=clock,
        archiver=archiver(settings),
    )


def _s3_client(settings: Settings) -> Any:
    """The process's boto3 S3 client (thread-safe once built; boto3 sessions are not).

    Credentials come from boto3's own chain (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``,
    as Fly Tigris sets them); the endpoint and region from ``AWS_ENDPOINT_URL_S3``/``AWS_REGION``.
    """
    key = (settings.aws_endpoint_url_s3, settings.aws_region, settings.http_timeout_s)
    with _lock:
        client = _s3_clients.get(key)
        if client is None:
            client = _s3_clients[key] = boto3.session.Session().client(
                "s3",
                endpoint_url=settings.aws_endpoint_url_s3,
                region_name=settings.aws_region,
                # boto3's defaults (60 s to connect, 60 s per read, up to 5 attempts) would let a
                # hung bucket hold a scan, its channel lock and the thumbnail route for minutes.
                config=BotoConfig(
                    connect_timeout=settings.http_timeout_s,
                    read_timeout=settings.http_timeout_s,
                    retries={"mode": "standard", "max_attempts": 2},
                ),
            )
        return client


def archive_store(settings: Settings | None = None) -> ThumbnailStore:
    """Where thumbnails are archived: the S3 bucket when one is set, else ``ARCHIVE_DIR``."""
    settings = settings or get_settings()
    bucket = settings.archive_bucket_name
    if bucket is not None:
        return S3Store(_s3_client(settings), bucket)
    return LocalStore(Path(settings.archive_dir).resolve())


def archiver(settings: Settings | None = None) -> ThumbnailArchiver:
    """The thumbnail archiver a scan runs after its transaction (``ARCHIVE_MAX_PER_RUN``)."""
    settings = settings or get_settings()
    return ThumbnailArchiver(
        engine=database(settings),
        store=archive_store(settings),
        fetcher=ThumbnailFetcher(
            http_client(settings),
            max_bytes=settings.archive_max_bytes,
            base_url=settings.thumbnail_base_url,
            timeout_s=settings.http_timeout_s,
        ),
        max_per_run=settings.archive_max_per_run,
        recheck_after=timedelta(days=settings.archive_recheck_days),
    )


def service_http_client(settings: Settings | None = None) -> httpx.Client:
    """The process's pooled HTTP client for calls between the functions (scan, notify).

    Idle connections are dropped before gunicorn's 2 s keep-alive closes them, so a call never
    goes out on a connection the server is closing. Each call sets its own timeout.
    """
    global _service_client
    settings = settings or get_settings()
    with _lock:
        if _service_client is None:
            _service_client = httpx.Client(
                timeout=settings.scan_call_timeout_s,
                limits=httpx.Limits(
                    max_connections=64, max_keepalive_connections=64, keepalive_expiry=1.5
                ),
                headers={"User-Agent": "ytdt-dispatch"},
            )
        return _service_client


def dispatcher(settings: Settings | None = None) -> Dispatcher:
    """A dispatcher that fans out over HTTP to ``SCAN_URL``, or scans in this process."""
    settings = settings or get_settings()
    caller: ScanCaller
    notifier: HttpNotifyCaller | None = None
    if settings.scan_url is not None or settings.notify_url is not None:
        if settings.service_token is None:
            raise ConfigError("SCAN_URL or NOTIFY_URL is set but SERVICE_TOKEN is not")
        token = settings.service_token.get_secret_value()
        if settings.notify_url is not None:
            notifier = HttpNotifyCaller(
                service_http_client(settings),
                settings.notify_url,
                token,
                timeout_s=settings.scan_call_timeout_s,
            )
    if settings.scan_url is not None:
        caller = HttpScanCaller(
            service_http_client(settings),
            settings.scan_url,
            token,
            timeout_s=settings.scan_call_timeout_s,
        )
    else:
        caller = InProcessScanCaller(scanner(settings))
    return Dispatcher(
        engine=database(settings),
        ledger=ledger(settings),
        caller=caller,
        notifier=notifier,
        policy=DispatchPolicy(
            concurrency=settings.scan_concurrency,
            batch_size=settings.scan_batch_size,
            interval_minutes=settings.dispatch_interval_minutes,
            full_walk_days=settings.full_walk_days,
            claim_ttl_s=settings.lock_ttl_s,
        ),
    )


def reset_runtime() -> None:
    """Close the shared HTTP and Redis pools (tests and CLI shutdown)."""
    global _service_client
    with _lock:
        if _service_client is not None:
            _service_client.close()
            _service_client = None
        for client in _http_clients.values():
            client.close()
        _http_clients.clear()
        for pool in _redis_clients.values():
            pool.close()
        _redis_clients.clear()
        for s3 in _s3_clients.values():
            s3.close()
        _s3_clients.clear()
