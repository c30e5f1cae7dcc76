"""Run one channel's scan: lock, quota check, observe, classify, write (or record the failure)."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from common.archive import ArchiveError, ThumbnailArchiver
from common.coordination import Coordinator, held_lock
from common.errors import NotFound, QuotaExceeded, UpstreamError
from common.logs import log_context, redact
from common.metrics import count_events, count_scan
from common.quota import QuotaLedger
from common.scan.classify import classify
from common.scan.fetch import observe
from common.scan.schedule import estimated_units, failure_backoff, next_after_success
from common.scan.state import VERIFIED_STATES, load_channel, load_known_videos
from common.scan.store import ScanRecord, record_failure, write_scan
from common.timeutil import utcnow
from common.youtube import YouTubeClient

__all__ = ["Outcome", "ScanResult", "Scanner"]

log = logging.getLogger(__name__)

Outcome = Literal["scanned", "locked", "deferred_quota", "failed"]
YouTubeFactory = Callable[[Callable[[str, int], None]], YouTubeClient]


@dataclass(slots=True)
class ScanResult:
    """What a scan did, as the function and the CLI report it."""

    channel_id: str
    outcome: Outcome
    scan_id: str | None = None
    quota_units: int = 0
    full_walk: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    event_ids: list[int] = field(default_factory=list)
    error: str | None = None
    error_code: str | None = None

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "channel_id": self.channel_id,
            "outcome": self.outcome,
            "scan_id": self.scan_id,
            "quota_units": self.quota_units,
            "full_walk": self.full_walk,
            "counts": self.counts,
            "event_ids": self.event_ids,
        }
        if self.error is not None:
            body["error"] = {"code": self.error_code, "message": self.error}
        return body


@dataclass(frozen=True, slots=True)
class ScanPolicy:
    """The settings a scan obeys."""

    confirm_scans: int = 2
    full_walk_days: float = 7.0
    interval_minutes: int = 60
    lock_ttl_s: float = 900.0


class _Meter:
    """Counts a scan's quota units against the shared ledger.

    The scan's estimate is reserved in the ledger up front (one write instead of one per
    request); a request beyond the reservation is spent as it is charged, before its answer is
    used, and ``settle`` gives back what the scan did not use. The reservation covers the
    Pacific day it was made on: a request charged after the reset is spent on the new day.
    """

    def __init__(
        self,
        ledger: QuotaLedger,
        reserve: int,
        *,
        keepalive: Callable[[], object] | None = None,
        keepalive_every_s: float = 0.0,
    ) -> None:
        self._ledger = ledger
        self._lock = threading.Lock()
        self._day = ledger.day()
        self.reserved = reserve
        self.units = 0
        # Units charged on the reservation's day (the others were spent on a later day).
        self._on_day = 0
        # Called between requests at most every ``keepalive_every_s``: extends the scan's lock.
        self._keepalive = keepalive
        self._keepalive_every_s = keepalive_every_s
        self._kept_alive_at = time.monotonic()

    def reserve(self) -> bool:
        """Reserve the estimate; False, keeping nothing, when it does not fit today's quota.

        One atomic increment, then a look at the total: a check of what is left followed by
        a separate reservation would let concurrent scans all pass the check and overspend.
        """
        if not self.reserved:
            return True
        if self._ledger.spend(self.reserved) <= self._ledger.daily_quota:
            return True
        self._ledger.give_back(self.reserved, self._day)
        self.reserved = 0
        return False

    def __call__(self, _method: str, units: int) -> None:
        same_day = self._ledger.day() == self._day
        with self._lock:
            self.units += units
            if same_day:
                before = self._on_day
                self._on_day += units
                beyond = self._on_day - max(before, self.reserved)
            else:
                beyond = units
            now = time.monotonic()
            due = self._keepalive is not None and (
                now - self._kept_alive_at >= self._keepalive_every_s
            )
            if due:
                self._kept_alive_at = now
        if beyond > 0:
            self._ledger.spend(beyond)
        if due and self._keepalive is not None:
            self._keepalive()

    def settle(self) -> None:
        """Return the unused part of the reservation to the ledger (if its day is not over)."""
        with self._lock:
            unused = self.reserved - self._on_day
            self.reserved = self._on_day
        self._ledger.give_back(unused, self._day)


class Scanner:
    """Scans channels; shared per process (it holds no per-scan state)."""

    def __init__(
        self,
        *,
        engine: Engine,
        youtube: YouTubeFactory,
        coordinator: Coordinator,
        ledger: QuotaLedger,
        policy: ScanPolicy,
        clock: Callable[[], datetime] = utcnow,
        archiver: ThumbnailArchiver | None = None,
    ) -> None:
        self._engine = engine
        self._youtube = youtube
        self._coordinator = coordinator
        self._ledger = ledger
        self._policy = policy
        self._clock = clock
        self._archiver = archiver

    def scan(self, channel_id: str) -> ScanResult:
        """Scan one tracked channel now.

        Raises:
            NotFound: the channel is not tracked.
        """
        lock = f"scan:{channel_id}"
        with (
            log_context(channel_id=channel_id) as bind,
            held_lock(self._coordinator, lock, self._policy.lock_ttl_s) as token,
        ):
            result = (
                ScanResult(channel_id, "locked")
                if token is None
                else self._scan_locked(channel_id, bind, lock, token)
            )
        count_scan(result.outcome, result.quota_units)
        return result

    def _still_holds(self, lock: str, token: str) -> bool:
        """Extend the scan's lock; False when it expired and someone else took it meanwhile."""
        return self._coordinator.extend(lock, token, self._policy.lock_ttl_s)

    def _scan_locked(
        self, channel_id: str, bind_log: Callable[..., None], lock: str, token: str
    ) -> ScanResult:
        policy = self._policy
        with self._engine.connect() as conn:
            channel = load_channel(conn, channel_id)
            if channel is None:
                raise NotFound(f"channel {channel_id} is not tracked", field="channel_id")
            known = load_known_videos(conn, channel_id)
        started = self._clock()
        last_walk = channel.last_full_walk_at
        baseline = last_walk is None
        full_walk = last_walk is None or started - last_walk >= timedelta(
            days=policy.full_walk_days
        )
        verified = sum(1 for video in known.values() if video.state in VERIFIED_STATES)
        estimate = estimated_units(verified, full_walk=full_walk)
        if self._ledger.remaining() < estimate:
            return ScanResult(channel_id, "deferred_quota", full_walk=full_walk)
        interval = channel.scan_interval_minutes or policy.interval_minutes
        scan_id = uuid.uuid4().hex
        bind_log(scan_id=scan_id)
        # A scan may outlast its lock's TTL (a big channel, a slow YouTube): keep extending it.
        meter = _Meter(
            self._ledger,
            estimate,
            keepalive=lambda: self._still_holds(lock, token),
            keepalive_every_s=policy.lock_ttl_s / 3,
        )
        if not meter.reserve():
            return ScanResult(channel_id, "deferred_quota", full_walk=full_walk)
        try:
            try:
                # Inside the try: a client that cannot be built (no API key) must not keep the
                # reservation, or every such attempt would eat quota without a single request.
                youtube = self._youtube(meter)
                seen = observe(
                    youtube, channel, known, full_walk=full_walk, confirm_scans=policy.confirm_scans
                )
            finally:
                meter.settle()
        except UpstreamError as exc:
            if not self._still_holds(lock, token):
                return self._lost_lock(channel_id, scan_id, full_walk, meter.units)
            failures = channel.consecutive_failures
            return self._failed(
                scan_id, channel_id, started, full_walk, meter.units, exc, interval, failures
            )
        if not self._still_holds(lock, token):
            return self._lost_lock(channel_id, scan_id, full_walk, meter.units)
        now = self._clock()
        plan = classify(
            channel, known, seen, now=now, confirm_scans=policy.confirm_scans, baseline=baseline
        )
        record = ScanRecord(scan_id, channel_id, started, now, full_walk, meter.units)
        event_ids = write_scan(
            self._engine, record, plan, next_scan_at=next_after_success(now, interval)
        )
        if event_ids:
            count_events(event.kind for event in plan.events)
        log.info(
            "scan finished",
            extra={
                "channel_id": channel_id,
                "scan_id": scan_id,
                "units": meter.units,
                "events": len(event_ids),
            },
        )
        self._archive(channel_id, scan_id)
        return ScanResult(
            channel_id, "scanned", scan_id, meter.units, full_walk, plan.counts, event_ids
        )

    def _lost_lock(self, channel_id: str, scan_id: str, full_walk: bool, units: int) -> ScanResult:
        """The lock expired during the scan and another worker took it: write nothing."""
        message = "the scan outlived its lock and another worker took it; nothing written"
        log.warning(
            "scan abandoned",
            extra={"channel_id": channel_id, "scan_id": scan_id, "error": message},
        )
        return ScanResult(
            channel_id, "locked", scan_id, units, full_walk, error=message, error_code="locked"
        )

    def _archive(self, channel_id: str, scan_id: str) -> None:
        """Archive due thumbnails after the scan committed; a failure never fails the scan."""
        if self._archiver is None:
            return
        try:
            report = self._archiver.archive_channel(channel_id, now=self._clock())
        except (ArchiveError, SQLAlchemyError) as exc:
            # Nothing was recorded: the same thumbnails are due again on the next scan.
            log.warning(
                "thumbnail archive failed",
                extra={"channel_id": channel_id, "scan_id": scan_id, "error": redact(str(exc))},
            )
            return
        if report.changed:
            count_events(["changed"] * report.changed)
        if report.failed:
            log.warning(
                "thumbnails not archived (retried on a later scan)",
                extra={
                    "channel_id": channel_id,
                    "scan_id": scan_id,
                    **report.as_dict(),
                    "errors": [redact(error) for error in report.errors[:3]],
                },
            )
        elif report.due:
            log.info(
                "thumbnails archived",
                extra={"channel_id": channel_id, "scan_id": scan_id, **report.as_dict()},
            )

    def _failed(
        self,
        scan_id: str,
        channel_id: str,
        started: datetime,
        full_walk: bool,
        units: int,
        exc: UpstreamError,
        interval: int,
        failures_before: int,
    ) -> ScanResult:
        now = self._clock()
        record = ScanRecord(scan_id, channel_id, started, now, full_walk, units)
        message = redact(exc.message)
        if isinstance(exc, QuotaExceeded):
            # Not the channel's fault: it stays due, and YouTube is not asked again until the reset.
            self._ledger.mark_exhausted()
            record_failure(
                self._engine, record, outcome="deferred_quota", error=message, next_scan_at=None
            )
            outcome: Outcome = "deferred_quota"
        else:
            record_failure(
                self._engine,
                record,
                outcome="failed",
                error=message,
                next_scan_at=failure_backoff(now, failures_before + 1, interval),
            )
            outcome = "failed"
        log.warning(
            "scan aborted",
            extra={"channel_id": channel_id, "scan_id": scan_id, "error": message},
        )
        return ScanResult(
            channel_id, outcome, scan_id, units, full_walk, error=message, error_code=exc.code
        )
