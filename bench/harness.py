"""Benchmark set-up: a fresh database (PostgreSQL or SQLite) and the fake YouTube API."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from common.db import dispose_engines
from common.fake_youtube import FakeYouTube, World
from common.migrate import migrate
from common.runtime import reset_runtime
from common.settings import reset_settings

POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+pg8000://postgres@127.0.0.1:5432/postgres"
)


@contextmanager
def fresh_database(kind: str) -> Iterator[str]:
    """A migrated, empty database of ``kind`` (postgresql or sqlite), dropped afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/bench.db"
            migrate(url)
            yield url
            dispose_engines()
        return
    name = f"ytdt_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        migrate(url)
        yield url
    finally:
        dispose_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def tracker_against_fake(database_url: str, **settings: str) -> Iterator[FakeYouTube]:
    """Point the tracker's settings at ``database_url`` and a fresh fake YouTube API."""
    saved = dict(os.environ)
    with FakeYouTube(World()).start() as fake:
        os.environ.update(
            DATABASE_URL=database_url,
            YOUTUBE_API_KEY="bench-key",
            YOUTUBE_API_BASE_URL=fake.api_base_url,
            YOUTUBE_OEMBED_URL=fake.oembed_url,
            YOUTUBE_FEED_URL=fake.feed_url,
            YOUTUBE_DAILY_QUOTA="1000000",
            **settings,
        )
        reset_settings()
        try:
            yield fake
        finally:
            reset_runtime()
            os.environ.clear()
            os.environ.update(saved)
            reset_settings()


def table(headers: list[str], rows: list[list[object]]) -> str:
    """A Markdown table, so the output can go straight into docs/benchmarks.md."""
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=False)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = [
        "| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in rows
    ]
    return "\n".join([line, rule, *body])
