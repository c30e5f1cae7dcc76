"""Database engine, sessions, migrations and the schema-version gate.

One engine per database URL per process, created on first use (never at import) and safe to share
across the framework's threads. Functions call ``require_current_schema`` before touching data so a
database that is behind the code fails with a clear message instead of a confusing SQL error.
"""

from __future__ import annotations

import ssl
import threading
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool

from common.errors import SchemaOutdated

__all__ = [
    "HEAD_REVISION",
    "current_revision",
    "dispose_engines",
    "forget_schema_check",
    "get_engine",
    "require_current_schema",
    "ssl_context_for",
]

# The newest migration in migrations/versions; a test checks it matches alembic's head, so the
# runtime check is one SELECT and never has to load alembic.
HEAD_REVISION = "0004"

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()
_checked: set[str] = set()


def ssl_context_for(mode: str) -> ssl.SSLContext:
    """pg8000's SSL context for libpq's ``sslmode`` (the URL carries it as ``ssl_context``)."""
    context = ssl.create_default_context()
    if mode == "require":
        # libpq's "require" encrypts without verifying the server certificate.
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif mode == "verify-ca":
        context.check_hostname = False
    return context


def _build_engine(url_text: str) -> Engine:
    url = make_url(url_text)
    kwargs: dict[str, Any] = {"future": True}
    if url.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if url.database in (None, "", ":memory:"):
            kwargs["poolclass"] = StaticPool
    else:
        mode = url.query.get("ssl_context")
        if isinstance(mode, str):
            url = url.difference_update_query(["ssl_context"])
            kwargs["connect_args"] = {"ssl_context": ssl_context_for(mode)}
        kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=20, pool_recycle=1800)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Autocommit mode at the driver level lets SQLAlchemy issue its own BEGIN (see below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL is still crash-safe for the file; only the last commits may be lost
    # on power failure, and every commit stops paying for an fsync.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    # Take SQLite's write lock at BEGIN so concurrent writers wait (busy_timeout) instead of
    # failing later with "database is locked" when a read transaction tries to upgrade.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def get_engine(url: str) -> Engine:
    """The process's engine for ``url`` (created once, thread-safe)."""
    engine = _engines.get(url)
    if engine is None:
        with _engines_lock:
            engine = _engines.get(url)
            if engine is None:
                engine = _engines[url] = _build_engine(url)
    return engine


def dispose_engines() -> None:
    """Close every pooled connection (tests, and the CLI before it exits)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _checked.clear()


def current_revision(bind: Engine | Connection) -> str | None:
    """The alembic revision the database is at, or None when it was never migrated."""
    if not inspect(bind).has_table("alembic_version"):
        return None
    if isinstance(bind, Connection):
        return bind.execute(text("SELECT version_num FROM alembic_version")).scalar()
    with bind.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def forget_schema_check(engine: Engine) -> None:
    """Check the schema again on next use (after migrating)."""
    _checked.discard(str(engine.url))


def require_current_schema(engine: Engine) -> None:
    """Refuse to work on a database that is not migrated to this code's head revision.

    Raises:
        SchemaOutdated: the database is behind (or ahead of) the code; run ``ytdt migrate``.
    """
    key = str(engine.url)
    if key in _checked:
        return
    try:
        revision = current_revision(engine)
    except SQLAlchemyError as exc:
        raise SchemaOutdated(f"database unreachable: {type(exc).__name__}") from exc
    if revision != HEAD_REVISION:
        found = revision or "no migrations applied"
        raise SchemaOutdated(
            f"database schema is at {found}, this code needs {HEAD_REVISION}: run `ytdt migrate`"
        )
    _checked.add(key)
