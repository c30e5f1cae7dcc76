"""The quota ledger counts per Pacific-time day and resets at Pacific midnight."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from common.coordination import DatabaseCoordinator
from common.quota import QuotaLedger, next_pacific_midnight
from tests.coordination.test_contract import Clock


def test_next_pacific_midnight_in_winter_and_summer() -> None:
    winter = datetime(2026, 12, 3, 7, 59, tzinfo=UTC)  # 23:59 PST on Dec 2
    assert next_pacific_midnight(winter) == datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)  # PDT, UTC-7
    assert next_pacific_midnight(summer) == datetime(2026, 7, 2, 7, 0, tzinfo=UTC)


def test_ledger_spends_exhausts_and_resets(engine: Engine) -> None:
    clock = Clock()
    clock.now = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)  # 23:00 Pacific
    ledger = QuotaLedger(DatabaseCoordinator(engine, clock=clock), 100, clock=clock)
    assert ledger.remaining() == 100
    ledger.spend(30)
    assert ledger.used() == 30
    assert ledger.remaining() == 70
    ledger.mark_exhausted()
    assert ledger.remaining() == 0
    clock.advance(3600)  # past midnight Pacific: a new day
    assert ledger.used() == 0
    assert ledger.remaining() == 100
