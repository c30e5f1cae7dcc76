"""The ``dispatch_runs`` record: one row per dispatch run, written at its start and end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, insert, select, update

from common.models import DispatchRun

__all__ = ["RunTotals", "finish_run", "last_successful_dispatch", "start_run"]


@dataclass(frozen=True, slots=True)
class RunTotals:
    """What a finished run did, as stored."""

    channels_due: int
    planned: int
    scanned: int
    locked: int
    deferred_quota: int
    failed: int
    quota_share: int
    quota_spent: int
    quota_left: int | None
    notify_error: str | None = None


def start_run(engine: Engine, run_id: str, started_at: datetime) -> None:
    """Record that a run began (a run that never finishes stays ``running``)."""
    with engine.begin() as conn:
        conn.execute(
            insert(DispatchRun).values(
                id=run_id,
                started_at=started_at,
                status="running",
                channels_due=0,
                planned=0,
                scanned=0,
                locked=0,
                deferred_quota=0,
                failed=0,
                quota_share=0,
                quota_spent=0,
            )
        )


def finish_run(
    engine: Engine,
    run_id: str,
    finished_at: datetime,
    *,
    totals: RunTotals | None = None,
    error: str | None = None,
) -> None:
    """Record how a run ended: ``succeeded`` with its totals, or ``failed`` with the error."""
    values: dict[str, object] = {
        "finished_at": finished_at,
        "status": "failed" if error is not None else "succeeded",
        "error": error,
    }
    if totals is not None:
        values.update(
            channels_due=totals.channels_due,
            planned=totals.planned,
            scanned=totals.scanned,
            locked=totals.locked,
            deferred_quota=totals.deferred_quota,
            failed=totals.failed,
            quota_share=totals.quota_share,
            quota_spent=totals.quota_spent,
            quota_left=totals.quota_left,
            notify_error=totals.notify_error,
        )
    with engine.begin() as conn:
        conn.execute(update(DispatchRun).where(DispatchRun.id == run_id).values(**values))


def last_successful_dispatch(engine: Engine) -> datetime | None:
    """When the newest successful dispatch run finished (None: never), for health checks."""
    with engine.connect() as conn:
        value: datetime | None = conn.execute(
            select(func.max(DispatchRun.finished_at)).where(DispatchRun.status == "succeeded")
        ).scalar()
    return value
