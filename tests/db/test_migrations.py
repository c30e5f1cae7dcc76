"""Migrations go up and down on both databases, and the code's head matches alembic's."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from common.db import HEAD_REVISION, current_revision, get_engine, require_current_schema
from common.errors import SchemaOutdated
from common.migrate import head_revision, migrate
from common.models import Base
from tests.conftest import PostgresDatabases

TABLES = {t.name for t in Base.metadata.sorted_tables}


def test_code_head_matches_the_newest_migration() -> None:
    assert head_revision() == HEAD_REVISION


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'blank.db'}"
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    return databases.create()


def test_up_down_up(blank_url: str) -> None:
    engine = get_engine(blank_url)
    assert migrate(blank_url) == HEAD_REVISION
    assert set(inspect(engine).get_table_names()) >= TABLES
    assert migrate(blank_url, "base") is None
    assert not TABLES & set(inspect(engine).get_table_names())
    assert migrate(blank_url) == HEAD_REVISION
    assert current_revision(engine) == HEAD_REVISION


def test_functions_refuse_a_database_that_is_behind(blank_url: str) -> None:
    engine = get_engine(blank_url)
    with pytest.raises(SchemaOutdated, match="ytdt migrate"):
        require_current_schema(engine)
    migrate(blank_url)
    require_current_schema(engine)


def test_schema_ahead_of_the_code_is_refused_too(blank_url: str) -> None:
    engine = get_engine(blank_url)
    migrate(blank_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(SchemaOutdated, match="9999"):
        require_current_schema(engine)


def test_allowed_regions_column_goes_down_and_up_alone(blank_url: str) -> None:
    engine = get_engine(blank_url)

    def columns() -> set[str]:
        return {column["name"] for column in inspect(engine).get_columns("videos")}

    migrate(blank_url)
    assert {"allowed_regions", "blocked_regions"} <= columns()
    assert migrate(blank_url, "0003") == "0003"
    assert "allowed_regions" not in columns()
    assert "blocked_regions" in columns()
    assert migrate(blank_url) == HEAD_REVISION
    assert "allowed_regions" in columns()
