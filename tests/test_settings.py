"""Settings: database URL rewriting, and bad values failing fast with the variable's name."""

from __future__ import annotations

import os

import pytest

from common.cli import main
from common.errors import ConfigError
from common.settings import Settings, normalize_database_url, reset_settings


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h:5432/db", "postgresql+pg8000://u:p@h:5432/db"),
        ("postgresql://u@h/db", "postgresql+pg8000://u@h/db"),
        ("postgresql://u@h/db?sslmode=require", "postgresql+pg8000://u@h/db?ssl_context=require"),
        ("postgresql://u@h/db?sslmode=disable", "postgresql+pg8000://u@h/db"),
        ("postgresql://h/db?user=u", "postgresql+pg8000://h/db?user=u"),
        ("postgresql:///db?user=u", "postgresql+pg8000:///db?user=u"),
        ("sqlite:///ytdt.db", "sqlite:///ytdt.db"),
    ],
)
def test_database_urls_are_rewritten_for_pg8000(given: str, expected: str) -> None:
    assert normalize_database_url(given) == expected


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("YOUTUBE_DAILY_QUOTA", "abc", "integer"),
        ("LOG_FORMAT", "xml", "json"),
        ("HTTP_TIMEOUT_S", "-1", "greater than 0"),
        ("DATABASE_URL", "garbage", "scheme://"),
        ("DATABASE_URL", "mysql://x/y", "unsupported"),
        ("DATABASE_URL", "postgresql://u@h/db?sslmode=bogus", "sslmode"),
        # pg8000 has no default user: this was a TypeError at the first connection.
        ("DATABASE_URL", "postgresql://127.0.0.1:5432/db", "user"),
        ("DATABASE_URL", "postgres://h/db", "user"),
        # Values beyond timedelta's range were accepted and crashed the first scan.
        ("FULL_WALK_DAYS", "inf", "less than or equal"),
        ("FULL_WALK_DAYS", "1e300", "less than or equal"),
        ("SCAN_INTERVAL_MINUTES", "10000000000000000", "less than or equal"),
        ("LOCK_TTL_S", "10000000000000000", "less than or equal"),
    ],
)
def test_a_bad_value_fails_fast_naming_the_variable(name: str, value: str, words: str) -> None:
    os.environ[name] = value
    with pytest.raises(ConfigError) as caught:
        Settings.load()
    assert name in caught.value.message
    assert words in caught.value.message


def test_the_cli_says_so_in_one_line_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    os.environ["DATABASE_URL"] = "postgresql://127.0.0.1:5432/db"
    reset_settings()
    assert main(["channels", "list"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.count("\n") == 1
    assert "DATABASE_URL" in err


def test_scan_with_an_infinite_full_walk_period_is_refused_not_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    os.environ["FULL_WALK_DAYS"] = "inf"
    reset_settings()
    assert main(["scan", "--all"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "FULL_WALK_DAYS" in err


def test_passwords_in_database_and_redis_urls_stay_out_of_repr() -> None:
    settings = Settings(
        database_url="postgresql://ytdt:db-secret@db.internal/ytdt",
        redis_url="redis://:redis-secret@cache.internal:6379/0",
    )
    assert settings.database_url == "postgresql+pg8000://ytdt:db-secret@db.internal/ytdt"
    for shown in (repr(settings), str(settings)):
        assert "db-secret" not in shown and "redis-secret" not in shown
