"""Prometheus metrics of one process: the registry, the counters and the state gauges.

Counters are bumped where things happen (scans in ``common.scan.runner``, deliveries in
``common.notify.service``, dispatch runs in ``common.dispatch.dispatcher``, requests in
``common.instrument``); gauges of the shared state (quota used today, last successful dispatch,
deliveries pending and failed) are read from the database at scrape time, so they survive the
machines stopping when idle. ``common.instrument`` answers ``GET /metrics`` with ``metrics_text``.

The registry is per process: functions-framework runs one gunicorn worker (``WORKERS=1``, its
default) with threads, so one process holds all of a machine's counts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from redis.exceptions import RedisError
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from common.errors import AppError
from common.models import Delivery, DispatchRun
from common.quota import QuotaLedger

__all__ = [
    "DELIVERIES",
    "DISPATCH_RUNS",
    "EVENTS",
    "QUOTA_UNITS",
    "REGISTRY",
    "REQUESTS",
    "REQUEST_SECONDS",
    "SCANS",
    "State",
    "StateCollector",
    "count_deliveries",
    "count_events",
    "count_scan",
    "metrics_text",
    "read_state",
    "register_state",
]

log = logging.getLogger(__name__)
_register_lock = threading.Lock()

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "ytdt_requests",
    "HTTP requests a function answered, by status code",
    ["function", "method", "status"],
    registry=REGISTRY,
)
REQUEST_SECONDS = Histogram(
    "ytdt_request_duration_seconds",
    "Time a function took to answer one request",
    ["function"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
    registry=REGISTRY,
)
SCANS = Counter("ytdt_scans", "Channel scans, by outcome", ["outcome"], registry=REGISTRY)
QUOTA_UNITS = Counter(
    "ytdt_quota_units", "YouTube Data API quota units spent by scans", registry=REGISTRY
)
EVENTS = Counter(
    "ytdt_events",
    "Events detected (deleted, private, removed …), by kind",
    ["kind"],
    registry=REGISTRY,
)
DELIVERIES = Counter(
    "ytdt_deliveries",
    "Slack deliveries handled, by outcome (sent, retried, failed, suppressed)",
    ["outcome"],
    registry=REGISTRY,
)
DISPATCH_RUNS = Counter(
    "ytdt_dispatch_runs",
    "Dispatch runs, by result (succeeded, failed)",
    ["result"],
    registry=REGISTRY,
)

_DELIVERY_OUTCOMES = ("sent", "retried", "failed", "suppressed")


def count_scan(outcome: str, quota_units: int) -> None:
    """Count one scan and the quota units it spent."""
    SCANS.labels(outcome).inc()
    if quota_units > 0:
        QUOTA_UNITS.inc(quota_units)


def count_events(kinds: Iterable[str]) -> None:
    """Count the events one scan wrote, by kind."""
    for kind in kinds:
        EVENTS.labels(kind).inc()


def count_deliveries(**by_outcome: int) -> None:
    """Count deliveries by outcome: ``count_deliveries(sent=3, failed=1)``."""
    for outcome in _DELIVERY_OUTCOMES:
        if by_outcome.get(outcome):
            DELIVERIES.labels(outcome).inc(by_outcome[outcome])


@dataclass(frozen=True, slots=True)
class State:
    quota_used: int
    quota_daily: int
    last_dispatch_ok: datetime | None
    deliveries: dict[str, int]


class StateCollector:
    """Gauges read from the shared state at scrape time (they survive machine restarts).

    A failed read answers ``ytdt_state_up 0`` instead of the gauges, never an error page.
    """

    def __init__(self, read: Callable[[], State]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("ytdt_state_up", "Whether the database and quota ledger answered")
        try:
            state = self._read()
        except (SQLAlchemyError, RedisError, AppError) as exc:
            log.warning("metrics: state not readable: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily(
            "ytdt_quota_used_units", "Quota units used today (Pacific day)", value=state.quota_used
        )
        yield GaugeMetricFamily(
            "ytdt_quota_daily_units",
            "Daily YouTube quota (YOUTUBE_DAILY_QUOTA)",
            value=state.quota_daily,
        )
        if state.last_dispatch_ok is not None:
            yield GaugeMetricFamily(
                "ytdt_last_successful_dispatch_timestamp_seconds",
                "When the last successful dispatch run finished (Unix time)",
                value=state.last_dispatch_ok.timestamp(),
            )
        pending = GaugeMetricFamily(
            "ytdt_deliveries_by_status",
            "Slack deliveries in the outbox, by status",
            labels=["status"],
        )
        for status in ("pending", "failed"):
            pending.add_metric([status], state.deliveries.get(status, 0))
        yield pending


def read_state(engine: Engine, ledger: QuotaLedger) -> State:
    """The shared state the gauges show (two small queries and one ledger read)."""
    with engine.connect() as conn:
        last_ok = conn.scalar(
            select(func.max(DispatchRun.finished_at)).where(DispatchRun.status == "succeeded")
        )
        rows = conn.execute(
            select(Delivery.status, func.count())
            .where(Delivery.status.in_(("pending", "failed")))
            .group_by(Delivery.status)
        ).all()
    return State(
        quota_used=ledger.used(),
        quota_daily=ledger.daily_quota,
        # SQLite hands back naive datetimes; every stored time is UTC.
        last_dispatch_ok=None if last_ok is None else last_ok.replace(tzinfo=UTC),
        deliveries={status: count for status, count in rows},
    )


_state_registered = False


def register_state(read: Callable[[], State]) -> None:
    """Add the state gauges to ``REGISTRY`` (once per process; later calls do nothing)."""
    global _state_registered
    with _register_lock:
        if not _state_registered:
            REGISTRY.register(StateCollector(read))
            _state_registered = True


def metrics_text() -> bytes:
    """This process's metrics in the Prometheus text format."""
    return generate_latest(REGISTRY)
