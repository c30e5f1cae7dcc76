"""Apply alembic migrations from ``migrations/`` (used by ``ytdt migrate`` and the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from common.db import current_revision, forget_schema_check, get_engine

__all__ = ["MIGRATIONS_DIR", "head_revision", "migrate"]

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def _config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = url
    return config


def head_revision() -> str:
    """The newest revision in ``migrations/versions``."""
    head = ScriptDirectory.from_config(_config("sqlite://")).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def migrate(url: str, revision: str = "head") -> str | None:
    """Move the database to ``revision`` (up or down) and answer the revision it is now at.

    ``head`` upgrades; ``base``, ``-N`` or an older revision id downgrades.
    """
    config = _config(url)
    engine = get_engine(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        if _is_downgrade(config, connection, revision):
            command.downgrade(config, revision)
        else:
            command.upgrade(config, revision)
    forget_schema_check(engine)
    return current_revision(engine)


def _is_downgrade(config: Config, connection: Connection, revision: str) -> bool:
    if revision == "base" or revision.startswith("-"):
        return True
    current = current_revision(connection)
    if current is None or revision in ("head", current):
        return False
    script = ScriptDirectory.from_config(config)
    return revision in {rev.revision for rev in script.iterate_revisions(current, "base")}
