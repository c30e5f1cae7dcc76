"""``ytdt`` when the database or Redis cannot be reached: one line on stderr, exit 1."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from common.cli import main
from common.settings import reset_settings
from tests.support import Tracker


def _use(**env: str) -> None:
    os.environ.update(env)
    reset_settings()


def _one_line(err: str) -> str:
    assert "Traceback" not in err
    # Log lines (alembic's INFO) may come first; the error is one line, the last.
    lines = [line for line in err.strip().splitlines() if not line.startswith("20")]
    assert len(lines) == 1, err
    assert lines[0].startswith("ytdt: error: ")
    return lines[0]


def test_migrate_an_unopenable_sqlite_file_exits_1_naming_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(DATABASE_URL=f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'x.db'}")
    assert main(["migrate"]) == 1
    line = _one_line(capsys.readouterr().err)
    assert "unable to open database file" in line


def test_migrate_an_unreachable_postgres_exits_1_without_the_password(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _use(DATABASE_URL="postgresql://someone:s3cretpw@127.0.0.1:1/nothing")
    assert main(["migrate"]) == 1
    line = _one_line(capsys.readouterr().err)
    assert "database error" in line
    assert "s3cretpw" not in line


def test_a_command_on_an_unopenable_database_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(DATABASE_URL=f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'x.db'}")
    assert main(["channels", "list"]) == 1
    line = _one_line(capsys.readouterr().err)
    assert "unable to open database file" in line


def test_scan_with_redis_down_exits_1(tracker: Tracker, capsys: pytest.CaptureFixture[str]) -> None:
    channel = tracker.fake.world.add_channel(handle="@redisdown")
    tracker.track(channel.id)
    _use(REDIS_URL="redis://127.0.0.1:1/0")
    assert main(["scan", channel.id]) == 1
    line = _one_line(capsys.readouterr().err)
    assert "REDIS_URL" in line


@pytest.mark.postgres
def test_a_postgres_refusal_is_the_server_message(capsys: pytest.CaptureFixture[str]) -> None:
    _use(DATABASE_URL="postgresql://no_such_role_here@127.0.0.1:5432/postgres")
    assert main(["channels", "list"]) == 1
    line = _one_line(capsys.readouterr().err)
    assert 'role "no_such_role_here" does not exist' in line
    assert "'S': 'FATAL'" not in line


@pytest.mark.parametrize("revision", ["nonsense", "0099", "+5"])
def test_migrate_to_an_unknown_revision_exits_2(
    revision: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate", "--revision", revision]) == 2
    line = _one_line(capsys.readouterr().err)
    assert repr(revision) in line


def test_fake_youtube_on_a_port_in_use_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["fake-youtube", "--port", str(port)]) == 1
    line = _one_line(capsys.readouterr().err)
    assert f"127.0.0.1:{port}" in line
    assert "in use" in line
