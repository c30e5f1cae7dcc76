"""The outbox worker: claim due deliveries, post their messages, record every outcome.

A run repeats ``claim → send → record`` until nothing is due, the sender says stop, or the run's
message budget is spent.

Claiming never lets two runs send the same delivery: one transaction selects due rows (on
PostgreSQL with ``FOR UPDATE SKIP LOCKED``; SQLite's ``BEGIN IMMEDIATE`` serialises claimers)
and pushes their ``next_attempt_at`` forward as a lease, so the rows are no longer due for anyone
else. No extra column is needed: a lease is a pending row whose next attempt is in the future.
A claim takes whole scans (every due delivery of up to ``scans_per_batch`` scans) so that a
channel's events of one scan are grouped together. Outcomes are written in one transaction per
batch, in bulk. If the process dies between posting and recording, the lease expires and the
batch is posted again: batches are small to keep that window (and the duplicates) small.

Row lifecycle: ``pending`` → ``sent`` | ``failed`` | ``suppressed``; a retried row stays
``pending`` with ``attempts`` + 1, ``last_error`` and a later ``next_attempt_at``
(exponential backoff from ``backoff_s``, at least ``Retry-After``), and becomes ``failed`` after
``max_attempts``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Engine, and_, exists, false, func, or_, select, update
from sqlalchemy.orm import Session

from common.archive import thumbnail_path
from common.models import ArchivedThumbnail, Channel, Delivery, Event, Video
from common.notify.messages import FLAP_KINDS, EventView
from common.notify.plan import BatchPlan, Claimed, Outgoing, PlanRules, plan_batch
from common.notify.senders import Sender, SendResult
from common.notify.severity import Severity
from common.settings import Settings
from common.timeutil import utcnow

__all__ = ["DESTINATION", "DeliveryPolicy", "NotifyReport", "Outbox"]

log = logging.getLogger(__name__)

# The outbox destination this worker serves (scan.store writes one row per event for it).
DESTINATION = "slack"
CONSOLE_NOTE = "posted to the console: SLACK_WEBHOOK_URL is not set"
_CHUNK = 1000
_ERRORS_KEPT = 10
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """Everything a run obeys; ``from_settings`` maps the ``SLACK_*`` settings."""

    rules: PlanRules = field(default_factory=PlanRules)
    renotify_window: timedelta = timedelta(hours=24)
    max_attempts: int = 5
    timeout_s: float = 10.0
    backoff_s: float = 30.0
    max_backoff_s: float = 3600.0
    scans_per_batch: int = 20
    rows_per_batch: int = 2000
    max_messages: int = 1000
    # Root of the admin function; set, messages about lost videos link their archived thumbnail.
    public_base_url: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> DeliveryPolicy:
        values: dict[str, Any] = {
            "rules": PlanRules(
                language=settings.slack_notification_language,
                min_severity=Severity[settings.slack_min_severity],
                group_threshold=settings.slack_group_threshold,
                max_per_video=settings.slack_max_notifications_per_video,
            ),
            "renotify_window": timedelta(hours=settings.slack_renotification_hours),
            "max_attempts": settings.slack_max_attempts,
            "timeout_s": settings.slack_timeout_s,
            "public_base_url": settings.public_base_url,
        }
        values.update(overrides)
        return cls(**values)

    def backoff(self, attempts: int, retry_after_s: float | None) -> timedelta:
        """The wait before attempt ``attempts + 1``: doubling, never below Retry-After."""
        seconds = min(self.backoff_s * 2 ** max(attempts - 1, 0), self.max_backoff_s)
        return timedelta(seconds=max(seconds, retry_after_s or 0.0))

    def lease(self, messages: int) -> timedelta:
        """How long claimed rows stay invisible: enough to post ``messages`` at the timeout each."""
        return timedelta(seconds=60 + messages * (self.timeout_s + 1))


@dataclass(slots=True)
class NotifyReport:
    """What a run did; counts are deliveries except ``messages`` (posts that went through)."""

    mode: str
    destination: str
    messages: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    suppressed: int = 0
    deferred: int = 0
    errors: list[str] = field(default_factory=list)

    def note_error(self, error: str) -> None:
        if error not in self.errors and len(self.errors) < _ERRORS_KEPT:
            self.errors.append(error)

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "destination": self.destination,
            "messages": self.messages,
            "sent": self.sent,
            "retried": self.retried,
            "failed": self.failed,
            "suppressed": self.suppressed,
            "deferred": self.deferred,
            "errors": self.errors,
        }


@dataclass(slots=True)
class _Batch:
    plan: BatchPlan
    claimed_at: datetime


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


class Outbox:
    """Delivers pending ``slack`` deliveries through a sender (Slack webhook or console)."""

    def __init__(
        self,
        engine: Engine,
        sender: Sender,
        policy: DeliveryPolicy,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._engine = engine
        self._sender = sender
        self._policy = policy
        self._clock = clock

    def deliver(self) -> NotifyReport:
        """Send what is due, until nothing is, the sender says stop, or the budget is spent."""
        report = NotifyReport(mode="deliver", destination=self._sender.destination)
        while report.messages < self._policy.max_messages:
            batch = self._claim()
            if batch is None:
                break
            report.suppressed += len(batch.plan.suppressed)
            if self._send(batch, report):
                break
        log.info(
            "notify run: %d messages, %d sent, %d retried, %d failed, %d suppressed",
            report.messages,
            report.sent,
            report.retried,
            report.failed,
            report.suppressed,
            extra={"destination": report.destination, "deferred": report.deferred},
        )
        return report

    # --- claiming -----------------------------------------------------------------------------

    def _due(self, now: datetime) -> Any:
        return and_(
            Delivery.status == "pending",
            Delivery.destination == DESTINATION,
            or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
        )

    def _claim(self) -> _Batch | None:
        """Claim the due deliveries of the next scans in one transaction (None: nothing due)."""
        now = self._clock()
        policy = self._policy
        with Session(self._engine) as session, session.begin():
            due = self._due(now)
            scans = list(
                session.scalars(
                    select(Event.scan_id)
                    .join(Delivery, Delivery.event_id == Event.id)
                    .where(due)
                    .group_by(Event.scan_id)
                    .order_by(func.min(Delivery.id))
                    .limit(policy.scans_per_batch)
                )
            )
            if not scans:
                return None
            named = [s for s in scans if s is not None]
            # Events without a scan id are claimed too (each is a message of its own).
            in_scans = or_(
                Event.scan_id.in_(named), Event.scan_id.is_(None) if None in scans else false()
            )
            query = (
                select(
                    Delivery.id,
                    Delivery.attempts,
                    Event,
                    Channel.title,
                    Channel.handle,
                    Video.title,
                    Video.description,
                    Video.published_at,
                    Video.last_seen_at,
                    Video.rejection_reason,
                    Video.blocked_regions,
                    Video.allowed_regions,
                    exists().where(ArchivedThumbnail.video_id == Event.video_id),
                )
                .join(Event, Event.id == Delivery.event_id)
                .join(Channel, Channel.id == Event.channel_id)
                .outerjoin(Video, Video.id == Event.video_id)
                .where(due, in_scans)
                .order_by(Delivery.id)
                .limit(policy.rows_per_batch)
            )
            if self._engine.dialect.name == "postgresql":
                query = query.with_for_update(of=Delivery, skip_locked=True)
            rows = [_claimed(row, policy.public_base_url) for row in session.execute(query)]
            if not rows:
                # Another run holds these rows right now (PostgreSQL): it will send them.
                return None
            recent = self._recent_per_video(session, rows, now)
            plan = plan_batch(rows, recent, policy.rules)
            self._write_suppressed(session, plan)
            leased = [i for out in plan.outgoing for i in out.delivery_ids]
            until = now + policy.lease(len(plan.outgoing))
            for chunk in _chunks(leased):
                session.execute(
                    update(Delivery)
                    .where(Delivery.id.in_(chunk))
                    .values(next_attempt_at=until)
                    .execution_options(synchronize_session=False)
                )
        return _Batch(plan, now)

    def _recent_per_video(
        self, session: Session, rows: Sequence[Claimed], now: datetime
    ) -> dict[str, int]:
        """Messages about a change of state (FLAP_KINDS) sent per video within the window."""
        video_ids = sorted({r.view.video_id for r in rows if r.view.video_id is not None})
        recent: dict[str, int] = {}
        since = now - self._policy.renotify_window
        for chunk in _chunks(video_ids):
            query = (
                select(Event.video_id, func.count())
                .join(Delivery, Delivery.event_id == Event.id)
                .where(
                    Event.video_id.in_(chunk),
                    Event.kind.in_(sorted(FLAP_KINDS)),
                    Delivery.destination == DESTINATION,
                    Delivery.status == "sent",
                    Delivery.sent_at >= since,
                )
                .group_by(Event.video_id)
            )
            recent.update(
                {video_id: count for video_id, count in session.execute(query) if video_id}
            )
        return recent

    def _write_suppressed(self, session: Session, plan: BatchPlan) -> None:
        by_reason: dict[str, list[int]] = {}
        for delivery_id, reason in plan.suppressed.items():
            by_reason.setdefault(reason, []).append(delivery_id)
        for reason, ids in by_reason.items():
            for chunk in _chunks(ids):
                session.execute(
                    update(Delivery)
                    .where(Delivery.id.in_(chunk))
                    .values(status="suppressed", last_error=reason, next_attempt_at=None)
                    .execution_options(synchronize_session=False)
                )

    # --- sending and recording ----------------------------------------------------------------

    def _send(self, batch: _Batch, report: NotifyReport) -> bool:
        """Post the batch's messages in order; record outcomes. True when the run must stop."""
        results: list[tuple[Outgoing, SendResult]] = []
        stop: SendResult | None = None
        outgoing = batch.plan.outgoing
        try:
            for out in outgoing:
                result = self._sender.send(out.message)
                results.append((out, result))
                if result.outcome != "sent":
                    log.warning(
                        "slack delivery %s: %s",
                        result.outcome,
                        result.error,
                        extra={"status": result.status, "deliveries": out.delivery_ids[:20]},
                    )
                if result.stop:
                    stop = result
                    break
        finally:
            # Even when a sender raises (a bug), what was posted is recorded: never posted twice.
            self._record(results, outgoing[len(results) :], stop, report)
        return stop is not None

    def _record(
        self,
        results: Sequence[tuple[Outgoing, SendResult]],
        untried: Sequence[Outgoing],
        stop: SendResult | None,
        report: NotifyReport,
    ) -> None:
        now = self._clock()
        policy = self._policy
        note = CONSOLE_NOTE if self._sender.destination == "console" else None
        # Rows that end the same way share one UPDATE … WHERE id IN (…): a handful of statements
        # per batch whatever its size (pg8000's executemany would be a round trip per row).
        outcomes: dict[tuple[str, datetime | None, str | None, datetime | None], list[int]] = {}
        resume_at = now
        for out, result in results:
            if result.outcome == "sent":
                report.messages += 1
            for row in out.rows:
                attempts = row.attempts + 1
                key: tuple[str, datetime | None, str | None, datetime | None]
                if result.outcome == "sent":
                    key = ("sent", None, note, now)
                    report.sent += 1
                elif result.outcome == "retry" and attempts < policy.max_attempts:
                    retry_at = now + policy.backoff(attempts, result.retry_after_s)
                    resume_at = max(resume_at, retry_at)
                    key = ("pending", retry_at, result.error, None)
                    report.retried += 1
                else:
                    error = result.error
                    if result.outcome == "retry":
                        error = f"gave up after {attempts} attempts: {result.error}"
                    key = ("failed", None, error, None)
                    report.failed += 1
                outcomes.setdefault(key, []).append(row.delivery_id)
            if result.error is not None:
                report.note_error(result.error)
        if stop is not None and stop.outcome == "retry" and stop.retry_after_s:
            resume_at = max(resume_at, now + timedelta(seconds=stop.retry_after_s))
        untried_ids = [i for out in untried for i in out.delivery_ids]
        report.deferred += len(untried_ids)
        with Session(self._engine) as session, session.begin():
            for (status, next_attempt_at, last_error, sent_at), ids in outcomes.items():
                for chunk in _chunks(ids):
                    session.execute(
                        update(Delivery)
                        .where(Delivery.id.in_(chunk))
                        .values(
                            status=status,
                            attempts=Delivery.attempts + 1,
                            next_attempt_at=next_attempt_at,
                            last_error=last_error,
                            sent_at=sent_at,
                        )
                        .execution_options(synchronize_session=False)
                    )
            for chunk in _chunks(untried_ids):
                # Not attempted: attempts unchanged, due again when the failing one is.
                session.execute(
                    update(Delivery)
                    .where(Delivery.id.in_(chunk))
                    .values(next_attempt_at=resume_at)
                    .execution_options(synchronize_session=False)
                )


def _claimed(row: Any, public_base_url: str | None) -> Claimed:
    (
        delivery_id,
        attempts,
        event,
        channel_title,
        channel_handle,
        video_title,
        description,
        published_at,
        last_seen_at,
        rejection_reason,
        blocked_regions,
        allowed_regions,
        archived,
    ) = row
    archived_url = None
    if archived and public_base_url and event.video_id:
        archived_url = public_base_url + thumbnail_path(event.video_id)
    view = EventView(
        event_id=event.id,
        kind=event.kind,
        detected_at=event.detected_at,
        channel_id=event.channel_id,
        channel_title=channel_title or "",
        channel_handle=channel_handle,
        video_id=event.video_id,
        scan_id=event.scan_id,
        details=dict(event.details or {}),
        video_title=video_title,
        video_description=description,
        published_at=published_at,
        last_seen_at=last_seen_at,
        rejection_reason=rejection_reason,
        blocked_regions=tuple(blocked_regions or ()),
        allowed_regions=None if allowed_regions is None else tuple(allowed_regions),
        archived_thumbnail_url=archived_url,
    )
    return Claimed(delivery_id=delivery_id, attempts=attempts, view=view)
