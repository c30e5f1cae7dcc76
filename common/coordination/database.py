"""Coordination in the database: lease rows for locks, counter rows for ledgers and limits."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, case, delete, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from common.models import Counter, Lease
from common.timeutil import utcnow

__all__ = ["DatabaseCoordinator"]


class DatabaseCoordinator:
    """``Coordinator`` on the tracker's own database; one short transaction per call."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock
        self._insert: Any = (
            postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        )

    def acquire(self, name: str, ttl_s: float) -> str | None:
        token = secrets.token_hex(16)
        now = self._clock()
        stmt = self._insert(Lease).values(
            name=name, owner=token, expires_at=now + timedelta(seconds=ttl_s)
        )
        # Take the row when it is free or its holder's lease ran out; otherwise nothing changes.
        stmt = stmt.on_conflict_do_update(
            index_elements=[Lease.name],
            set_={"owner": stmt.excluded.owner, "expires_at": stmt.excluded.expires_at},
            where=Lease.expires_at <= now,
        ).returning(Lease.owner)
        with Session(self._engine) as session, session.begin():
            owner = session.execute(stmt).scalar()
        return token if owner == token else None

    def release(self, name: str, token: str) -> bool:
        with Session(self._engine) as session, session.begin():
            result = session.execute(delete(Lease).where(Lease.name == name, Lease.owner == token))
        return bool(getattr(result, "rowcount", 0))

    def extend(self, name: str, token: str, ttl_s: float) -> bool:
        expires_at = self._clock() + timedelta(seconds=ttl_s)
        with Session(self._engine) as session, session.begin():
            result = session.execute(
                update(Lease)
                .where(Lease.name == name, Lease.owner == token)
                .values(expires_at=expires_at)
            )
        return bool(getattr(result, "rowcount", 0))

    def incr(self, key: str, amount: int, expires_at: datetime) -> int:
        now = self._clock()
        stmt = self._insert(Counter).values(name=key, value=amount, expires_at=expires_at)
        expired = Counter.expires_at <= now
        stmt = stmt.on_conflict_do_update(
            index_elements=[Counter.name],
            set_={
                "value": _case(expired, stmt.excluded.value, Counter.value + stmt.excluded.value),
                "expires_at": _case(expired, stmt.excluded.expires_at, Counter.expires_at),
            },
        ).returning(Counter.value)
        with Session(self._engine) as session, session.begin():
            if self._engine.dialect.name == "postgresql":
                # Counters are spent once per YouTube request: skip the commit's WAL flush
                # (a crash may forget the last few units; it can never double-count them).
                session.execute(text("SET LOCAL synchronous_commit TO OFF"))
            return int(session.execute(stmt).scalar_one())

    def get(self, key: str) -> int:
        with Session(self._engine) as session:
            row = session.execute(
                select(Counter.value, Counter.expires_at).where(Counter.name == key)
            ).first()
        if row is None or (row.expires_at is not None and row.expires_at <= self._clock()):
            return 0
        return int(row.value)

    def put(self, key: str, value: int, expires_at: datetime) -> None:
        stmt = self._insert(Counter).values(name=key, value=value, expires_at=expires_at)
        stmt = stmt.on_conflict_do_update(
            index_elements=[Counter.name],
            set_={"value": stmt.excluded.value, "expires_at": stmt.excluded.expires_at},
        )
        with Session(self._engine) as session, session.begin():
            session.execute(stmt)


def _case(condition: Any, when_true: Any, otherwise: Any) -> Any:
    return case((condition, when_true), else_=otherwise)
