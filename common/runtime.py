"""The process's shared clients, built lazily from ``Settings`` (never at import).

Functions and the CLI ask here for the engine, the coordination backend, the quota ledger, the
YouTube client and the scanner; each is created once per process and is safe across threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx
from sqlalchemy import Engine

from common.coordination import Coordinator, DatabaseCoordinator
from common.db import get_engine, require_current_schema
from common.errors import ConfigError
from common.quota import QuotaLedger
from common.scan import ScanPolicy, Scanner
from common.settings import Settings, get_settings
from common.youtube import YouTubeClient

__all__ = [
    "coordinator",
    "database",
    "http_client",
    "ledger",
    "reset_runtime",
    "scanner",
    "youtube_client",
]

_lock = threading.Lock()
_http_clients: dict[float, httpx.Client] = {}


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
    """A YouTube client over the shared HTTP pool (cheap: build one per scan to meter it)."""
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
        on_cost=on_cost,
    )


def coordinator(settings: Settings | None = None) -> Coordinator:
    """Locks and counters: the database (embedded default)."""
    settings = settings or get_settings()
    return DatabaseCoordinator(database(settings))


def ledger(settings: Settings | None = None) -> QuotaLedger:
    settings = settings or get_settings()
    return QuotaLedger(coordinator(settings), settings.youtube_daily_quota)


def scanner(settings: Settings | None = None) -> Scanner:
    """A scanner wired to this process's database, coordination, ledger and YouTube pool."""
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
    )


def reset_runtime() -> None:
    """Close the shared HTTP pool (tests and CLI shutdown)."""
    with _lock:
        for client in _http_clients.values():
            client.close()
        _http_clients.clear()
