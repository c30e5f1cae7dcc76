"""The scan's write phase: everything of a successful scan in one transaction, in bulk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, update
from sqlalchemy.orm import Session

from common.history import version_rows
from common.models import Channel, ScanRun, Video, VideoVersion
from common.outbox import insert_events
from common.scan.classify import ScanPlan
from common.scan.state import GONE_STATES, VERIFIED_STATES

__all__ = ["ScanRecord", "record_failure", "write_scan"]


@dataclass(frozen=True, slots=True)
class ScanRecord:
    """The bookkeeping of one scan attempt."""

    scan_id: str
    channel_id: str
    started_at: datetime
    finished_at: datetime
    full_walk: bool
    quota_units: int


def write_scan(
    engine: Engine, record: ScanRecord, plan: ScanPlan, *, next_scan_at: datetime
) -> list[int]:
    """Write the plan, its events with their outbox rows, the scan run and the channel.

    Returns:
        The ids of the events written.
    """
    now = record.finished_at
    with Session(engine) as session, session.begin():
        if plan.inserts:
            rows = [{**row, "channel_id": record.channel_id} for row in plan.inserts]
            session.execute(insert(Video), rows)
        if plan.updates:
            session.execute(update(Video), plan.updates)
        if plan.verified:
            # After the row updates above, the videos seen in this scan are exactly those of
            # the channel in a verified state with no missing strike: one statement marks them.
            session.execute(
                update(Video)
                .where(
                    Video.channel_id == record.channel_id,
                    Video.state.in_(VERIFIED_STATES),
                    Video.missing_strikes == 0,
                )
                .values(last_seen_at=now)
                .execution_options(synchronize_session=False)
            )
        if plan.videos_to_channel_gone:
            session.execute(
                update(Video)
                .where(Video.channel_id == record.channel_id, Video.state.not_in(GONE_STATES))
                .values(state="channel_gone", state_changed_at=now)
                .execution_options(synchronize_session=False)
            )
        versions = version_rows(plan, record.scan_id, now)
        if versions:
            # Every metadata version is kept with the time it was seen (the video's history).
            session.execute(insert(VideoVersion), versions)
        event_ids = _write_events(session, record, plan, now)
        session.execute(insert(ScanRun).values(_scan_run(record, "scanned", plan.counts)))
        channel_values: dict[str, Any] = {
            **plan.channel,
            "last_scanned_at": now,
            "last_success_at": now,
            "next_scan_at": next_scan_at,
            "consecutive_failures": 0,
            "last_error": None,
        }
        if record.full_walk:
            channel_values["last_full_walk_at"] = now
        session.execute(
            update(Channel).where(Channel.id == record.channel_id).values(**channel_values)
        )
    return event_ids


def _write_events(session: Session, record: ScanRecord, plan: ScanPlan, now: datetime) -> list[int]:
    rows = [
        {
            # One scan can never write the same event twice (the column is unique).
            "dedupe_key": f"{record.scan_id}:{event.kind}:{event.video_id or record.channel_id}",
            "kind": event.kind,
            "channel_id": record.channel_id,
            "video_id": event.video_id,
            "details": event.details,
            "detected_at": now,
            "scan_id": record.scan_id,
        }
        for event in plan.events
    ]
    return insert_events(session, rows, now)


def _scan_run(record: ScanRecord, outcome: str, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "id": record.scan_id,
        "channel_id": record.channel_id,
        "started_at": record.started_at,
        "finished_at": record.finished_at,
        "outcome": outcome,
        "full_walk": record.full_walk,
        "quota_units": record.quota_units,
        "counts": counts,
    }


def record_failure(
    engine: Engine,
    record: ScanRecord,
    *,
    outcome: str,
    error: str,
    next_scan_at: datetime | None,
) -> None:
    """Write only the failure: the scan run, the channel's failure count, error and next try."""
    with Session(engine) as session, session.begin():
        session.execute(insert(ScanRun).values(**_scan_run(record, outcome, {}), error=error))
        values: dict[str, Any] = {"last_scanned_at": record.finished_at, "last_error": error}
        if outcome == "failed":
            values["consecutive_failures"] = Channel.consecutive_failures + 1
        if next_scan_at is not None:
            values["next_scan_at"] = next_scan_at
        session.execute(update(Channel).where(Channel.id == record.channel_id).values(**values))
