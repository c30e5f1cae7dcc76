"""``ytdt``: the tracker's command line.

Exit codes: 0 success, 2 bad input or configuration (one line on stderr), 1 any other failure.
Expected errors never print a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

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
from common.logs import configure_logging
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ytdt",
        description="YouTube Disappeared Video Tracker: know when a video disappears, and why.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return parser


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
        return fail(exc.message, code=1)
    except KeyboardInterrupt:
        return fail("interrupted", code=130)
    finally:
        reset_runtime()
        dispose_engines()


if __name__ == "__main__":
    sys.exit(main())
