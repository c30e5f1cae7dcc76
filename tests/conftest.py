"""Shared fixtures: isolated environment, real SQLite and PostgreSQL databases, fixtures path."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from common.db import dispose_engines, get_engine
from common.fake_youtube import FakeYouTube, World
from common.migrate import migrate
from common.models import Base
from common.runtime import reset_runtime
from common.settings import reset_settings
from tests.support import Tracker, point_at

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO.parent / "shared" / "fixtures" / "youtube-api"
POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+pg8000://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts from a clean environment and working folder, with fresh settings."""
    saved = dict(os.environ)
    for name in list(os.environ):
        if name.startswith(
            (
                "YOUTUBE_",
                "DATABASE_",
                "REDIS_",
                "SLACK_",
                "SCAN_",
                "ADMIN_",
                "ARCHIVE_",
                "BUCKET_NAME",
            )
        ):
            del os.environ[name]
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp_path / 'ytdt.db'}"
    # Absolute, so processes the tests start in the repository (ytdt serve) archive here too.
    os.environ["ARCHIVE_DIR"] = str(tmp_path / "archive")
    monkeypatch.chdir(tmp_path)
    reset_settings()
    yield
    os.environ.clear()
    os.environ.update(saved)
    reset_settings()
    reset_runtime()  # the test's HTTP, Redis and S3 clients: closed, not left to the collector
    dispose_engines()


@pytest.fixture(autouse=True)
def restored_logging() -> Iterator[None]:
    """A test that runs the CLI configures logging; the next test gets the levels it found."""
    loggers = [logging.getLogger(name) for name in ("", "httpx", "httpcore")]
    saved = [(logger, logger.level, list(logger.handlers)) for logger in loggers]
    yield
    for logger, level, handlers in saved:
        logger.setLevel(level)
        logger.handlers = handlers


class PostgresDatabases:
    """Creates throwaway PostgreSQL databases and drops them all at the end of the session."""

    def __init__(self) -> None:
        self.admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        self.names: list[str] = []

    def create(self) -> str:
        name = f"ytdt_test_{uuid.uuid4().hex[:10]}"
        try:
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:  # any failure here means there is no server to test against
            pytest.fail(f"PostgreSQL is needed at {POSTGRES_URL} ({type(exc).__name__}: {exc})")
        self.names.append(name)
        return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        dispose_engines()
        with self.admin.connect() as conn:
            for name in self.names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    factory = PostgresDatabases()
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def postgres_database(postgres_databases: PostgresDatabases) -> str:
    """The session's shared PostgreSQL database (tests truncate it, never drop its schema)."""
    return postgres_databases.create()


@pytest.fixture(scope="session")
def migrated_postgres(postgres_database: str) -> str:
    migrate(postgres_database)
    return postgres_database


def _truncate(engine: Engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database of each kind; DATABASE_URL points at it."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
        migrate(url)
    else:
        url = request.getfixturevalue("migrated_postgres")
        _truncate(get_engine(url))
    os.environ["DATABASE_URL"] = url
    reset_settings()
    yield url


@pytest.fixture
def engine(db_url: str) -> Engine:
    return get_engine(db_url)


@pytest.fixture
def fake() -> Iterator[FakeYouTube]:
    """The fake YouTube API, empty, on a free port."""
    with FakeYouTube(World()).start() as server:
        yield server


@pytest.fixture
def tracker(engine: Engine, fake: FakeYouTube) -> Tracker:
    """The tracker on each database, talking to the fake YouTube API."""
    point_at(fake)
    return Tracker(engine, fake)
