"""``ytdt``: the tracker's command line.

Exit codes: 0 success, 2 bad input or configuration (one line on stderr), 1 any other failure.
Expected errors never print a traceback.
"""

from __future__ import annotations

import argparse
import os
import select
import sys
from collections.abc import Sequence
from typing import NoReturn

from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from common.cli import (
    channels,
    demo,
    dispatch,
    events,
    export,
    fake_youtube,
    migrate,
    notify,
    prune,
    scan,
    serve,  # ytdt serve (issue 7)
    video,
)
from common.cli.output import fail
from common.db import dispose_engines
from common.errors import AppError, ConfigError, InvalidInput
from common.logs import configure_logging, redact
from common.runtime import reset_runtime
from common.settings import get_settings

__all__ = ["main"]

COMMANDS = (
    migrate,
    channels,
    scan,
    dispatch,
    events,
    export,
    video,
    prune,
    notify,
    demo,
    fake_youtube,
    serve,
)


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line (the exit-code contract), not the
    whole usage block: ``ytdt export: error: argument --kind: … (see ytdt export --help)``."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ytdt",
        description="YouTube Disappeared Video Tracker: know when a video disappears, and why.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return parser


def _stdout_is_gone() -> bool:
    """Whether stdout's reader has closed the pipe; if so, point stdout at /dev/null.

    Libraries wrap their own socket errors (httpx, redis, pg8000), so a bare BrokenPipeError is
    stdout's; poll confirms it where it can (POLLERR: the pipe has no reader any more). Pointing
    stdout at /dev/null keeps the interpreter's last flush from failing and printing again.
    """
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return False
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        if not any(events & select.POLLERR for _, events in poller.poll(0)):
            return False
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; answers the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
        configure_logging(settings.log_level, settings.log_format)
        code: int = args.handler(args)
        return code
    except (InvalidInput, ConfigError) as exc:
        return fail(exc.message, code=2)
    except AppError as exc:
        cause = exc.__cause__
        reason = f" ({_reason(cause)})" if isinstance(cause, SQLAlchemyError) else ""
        return fail(exc.message + reason, code=1)
    except SQLAlchemyError as exc:
        # The database refused or went away (no server, no such file, wrong password …).
        return fail(f"database error: {_reason(exc)}", code=1)
    except RedisError as exc:
        return fail(f"Redis (REDIS_URL) error: {_reason(exc)}", code=1)
    except KeyboardInterrupt:
        return fail("interrupted", code=130)
    except BrokenPipeError:
        if not _stdout_is_gone():
            raise
        # The reader went away (`ytdt events | head`): stop quietly, as other Unix tools do.
        return 1
    finally:
        reset_runtime()
        dispose_engines()


def _reason(exc: BaseException) -> str:
    """The driver's own words, on one line, without the SQL or any credentials."""
    cause = getattr(exc, "orig", None) or exc
    first = cause.args[0] if cause.args else None
    # pg8000 carries the server's error as a dict of fields; "M" is its message.
    message = first["M"] if isinstance(first, dict) and "M" in first else str(cause)
    lines = str(message).strip().splitlines()
    text = lines[0] if lines else ""
    return redact(f"{type(cause).__name__}: {text}"[:300])


if __name__ == "__main__":
    sys.exit(main())
