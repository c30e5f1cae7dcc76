"""One dispatch run: plan within the quota share, claim, fan out scans, then ask notify to deliver.

Overlapping runs never scan a channel twice: a run claims its channels in one atomic update
(see ``claims``) before any scan starts, and each scan also holds the channel's own lock.
When YouTube answers quotaExceeded, the scanner marks the ledger exhausted and this run calls
no further scans; later runs get a zero share until the reset.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from common.dispatch.callers import NotifyOutcome, ScanCaller, ScanOutcome
from common.dispatch.claims import ChannelClaims
from common.dispatch.plan import DispatchPlan, DueChannel, load_due, plan_dispatch, quota_share
from common.dispatch.runs import RunTotals, finish_run, start_run
from common.logs import log_context, redact
from common.metrics import DISPATCH_RUNS
from common.quota import QuotaLedger
from common.timeutil import isoformat, utcnow

__all__ = ["OUTCOMES", "DispatchPolicy", "DispatchSummary", "Dispatcher", "disabled_summary"]

log = logging.getLogger(__name__)

OUTCOMES = ("scanned", "locked", "deferred_quota", "failed")
NotifyCaller = Callable[[], NotifyOutcome]


@dataclass(frozen=True, slots=True)
class DispatchPolicy:
    """The settings a dispatch run obeys."""

    concurrency: int = 4
    batch_size: int = 200
    interval_minutes: int = 60
    full_walk_days: float = 7.0
    # How long a claim lasts without renewal: a dead run's channels are due again after it.
    claim_ttl_s: float = 900.0


@dataclass(slots=True)
class DispatchSummary:
    """What a run did: the JSON answer of the dispatch function and the CLI."""

    run_id: str | None
    dry_run: bool
    started_at: datetime
    duration_s: float
    plan: DispatchPlan
    outcomes: list[ScanOutcome] = field(default_factory=list)
    quota_left: int = 0
    quota_daily: int = 0
    resets_at: datetime | None = None
    notify: NotifyOutcome | None = None
    notify_configured: bool = False

    @property
    def counts(self) -> dict[str, int]:
        by_outcome = Counter(outcome.outcome for outcome in self.outcomes)
        counts = {
            "due": self.plan.due_total,
            "planned": len(self.plan.picked),
            "waiting": self.plan.waiting,
        }
        counts.update({name: by_outcome.get(name, 0) for name in OUTCOMES})
        # Channels that did not fit the share are deferred before any scan (dry run or not).
        counts["deferred_quota"] += len(self.plan.deferred)
        return counts

    @property
    def quota_spent(self) -> int:
        return sum(outcome.quota_units for outcome in self.outcomes)

    def channels(self) -> list[dict[str, Any]]:
        """Per channel, in priority order: the outcome (``planned`` in a dry run) and its cost."""
        rows: list[dict[str, Any]] = []
        by_id = {outcome.channel_id: outcome for outcome in self.outcomes}
        for channel in self.plan.picked:
            row = _channel_row(channel, "planned")
            result = by_id.get(channel.id)
            if result is not None:
                row.update(outcome=result.outcome, quota_units=result.quota_units)
                row["scan_id"] = result.scan_id
                if result.reason is not None:
                    row.update(reason=result.reason, error_code=result.error_code)
            rows.append(row)
        for channel in self.plan.deferred:
            row = _channel_row(channel, "deferred_quota")
            row["reason"] = "does not fit this run's quota share"
            rows.append(row)
        return rows

    def as_dict(self) -> dict[str, Any]:
        notify: dict[str, Any] = {"called": False}
        if self.notify is not None:
            notify = self.notify.as_dict()
        elif self.notify_configured and not self.dry_run:
            notify["reason"] = "not called"
        return {
            "run_id": self.run_id,
            "scan_enabled": True,
            "dry_run": self.dry_run,
            "started_at": isoformat(self.started_at),
            "duration_s": round(self.duration_s, 3),
            "counts": self.counts,
            "quota": {
                "daily": self.quota_daily,
                "share": self.plan.share,
                "estimated": self.plan.estimated_units,
                "spent": self.quota_spent,
                "left": self.quota_left,
                "resets_at": isoformat(self.resets_at),
            },
            "notify": notify,
            "channels": self.channels(),
        }


def _channel_row(channel: DueChannel, outcome: str) -> dict[str, Any]:
    return {
        "channel_id": channel.id,
        "outcome": outcome,
        "estimated_units": channel.estimated_units,
        "full_walk": channel.full_walk,
    }


def disabled_summary(*, dry_run: bool = False) -> dict[str, Any]:
    """The answer when ``SCAN_ENABLED=false``: nothing planned, nothing scanned, nothing touched."""
    return {
        "run_id": None,
        "scan_enabled": False,
        "dry_run": dry_run,
        "counts": {"due": 0, "planned": 0, "waiting": 0, **dict.fromkeys(OUTCOMES, 0)},
        "notify": {"called": False},
        "channels": [],
    }


class Dispatcher:
    """Runs dispatches; safe to share (it holds no per-run state)."""

    def __init__(
        self,
        *,
        engine: Engine,
        ledger: QuotaLedger,
        caller: ScanCaller,
        policy: DispatchPolicy,
        notifier: NotifyCaller | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._engine = engine
        self._ledger = ledger
        self._caller = caller
        self._policy = policy
        self._notifier = notifier
        self._clock = clock

    def plan(self, max_channels: int | None = None) -> DispatchPlan:
        """Which channels a run would scan now (reads only)."""
        policy = self._policy
        limit = min(max_channels or policy.batch_size, policy.batch_size)
        now = self._clock()
        remaining = self._ledger.remaining()
        share = quota_share(remaining, now, policy.interval_minutes)
        with self._engine.connect() as conn:
            due, total = load_due(conn, now, limit=limit, full_walk_days=policy.full_walk_days)
        return plan_dispatch(due, share=share, remaining=remaining, due_total=total)

    def dispatch(
        self, *, max_channels: int | None = None, dry_run: bool = False
    ) -> DispatchSummary:
        """Plan and (unless ``dry_run``) scan the due channels that fit, then call notify."""
        started = self._clock()
        timer = time.perf_counter()
        plan = self.plan(max_channels)
        summary = DispatchSummary(
            run_id=None,
            dry_run=dry_run,
            started_at=started,
            duration_s=0.0,
            plan=plan,
            quota_daily=self._ledger.daily_quota,
            notify_configured=self._notifier is not None,
        )
        if not dry_run:
            summary.run_id = uuid.uuid4().hex
            start_run(self._engine, summary.run_id, started)
            try:
                summary.outcomes = self._scan(plan)
                if self._notifier is not None:
                    summary.notify = self._notifier()
            except BaseException as exc:
                DISPATCH_RUNS.labels("failed").inc()
                finish_run(
                    self._engine,
                    summary.run_id,
                    self._clock(),
                    error=redact(f"{type(exc).__name__}: {exc}")[:500],
                )
                raise
        summary.quota_left = self._ledger.remaining()
        summary.resets_at = self._ledger.resets_at()
        summary.duration_s = time.perf_counter() - timer
        if summary.run_id is not None:
            counts = summary.counts
            finish_run(
                self._engine,
                summary.run_id,
                self._clock(),
                totals=RunTotals(
                    channels_due=counts["due"],
                    planned=counts["planned"],
                    scanned=counts["scanned"],
                    locked=counts["locked"],
                    deferred_quota=counts["deferred_quota"],
                    failed=counts["failed"],
                    quota_share=plan.share,
                    quota_spent=summary.quota_spent,
                    quota_left=summary.quota_left,
                    notify_error=summary.notify.error if summary.notify else None,
                ),
            )
            DISPATCH_RUNS.labels("succeeded").inc()
            log.info(
                "dispatch finished",
                extra={"run_id": summary.run_id, **counts, "units": summary.quota_spent},
            )
        return summary

    def _scan(self, plan: DispatchPlan) -> list[ScanOutcome]:
        """Claim the picked channels and scan them with bounded concurrency."""
        if not plan.picked:
            return []
        policy = self._policy
        claims = ChannelClaims(
            self._engine,
            ttl_s=policy.claim_ttl_s,
            clock=self._clock,
            # Do not start a scan in the last part of a lease: it could run past it.
            margin_s=min(5.0, policy.claim_ttl_s / 4),
        )
        taken = claims.take({c.id: c.next_scan_at for c in plan.picked})
        stop = threading.Event()
        outcomes: dict[str, ScanOutcome] = {
            c.id: ScanOutcome(c.id, "locked", reason="claimed by another dispatch run")
            for c in plan.picked
            if c.id not in taken
        }
        mine = [c for c in plan.picked if c.id in taken]
        renew_every = policy.claim_ttl_s / 3
        with ThreadPoolExecutor(
            max_workers=policy.concurrency, thread_name_prefix="dispatch"
        ) as pool:
            pending = {pool.submit(self._scan_one, c.id, claims, stop) for c in mine}
            next_renewal = time.monotonic() + renew_every
            try:
                while pending:
                    timeout = max(0.0, next_renewal - time.monotonic())
                    done, pending = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
                    for future in done:
                        result = future.result()
                        outcomes[result.channel_id] = result
                    if pending and time.monotonic() >= next_renewal:
                        claims.renew()
                        next_renewal = time.monotonic() + renew_every
            except BaseException:
                stop.set()
                pool.shutdown(wait=False, cancel_futures=True)
                raise
        # Channels not scanned (locked, deferred, unanswered) keep their place in line.
        claims.give_back([cid for cid, result in outcomes.items() if result.outcome != "scanned"])
        return [outcomes[c.id] for c in plan.picked]

    def _scan_one(
        self, channel_id: str, claims: ChannelClaims, stop: threading.Event
    ) -> ScanOutcome:
        if stop.is_set():
            return ScanOutcome(
                channel_id,
                "deferred_quota",
                reason="YouTube quota exhausted earlier in this run: not scanned",
                error_code="quota_exceeded",
            )
        if not claims.holds(channel_id):
            return ScanOutcome(
                channel_id, "locked", reason="this run's claim ran out; left for the next run"
            )
        with log_context(channel_id=channel_id):
            result = self._caller(channel_id)
        if result.quota_exceeded:
            stop.set()
        return result
