"""``ytdt notify [--digest [--since ISO] | --test] [--json]``: deliver pending events now.

Without ``SLACK_WEBHOOK_URL`` the messages are printed here (on stderr with ``--json``, so that
stdout stays one JSON document) and recorded as delivered to the console.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from common.cli.output import fail, print_json
from common.errors import InvalidInput
from common.notify import Mode, Notifier, NotifyReport
from common.runtime import database
from common.settings import get_settings
from common.timeutil import parse_iso


def register(sub: Any) -> None:
    parser = sub.add_parser("notify", help="deliver pending events to Slack (or the console)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--digest", action="store_true", help="post the digest of the last 24 hours")
    mode.add_argument("--test", action="store_true", help="post one test message")
    parser.add_argument("--since", metavar="ISO", help="digest start, e.g. 2026-12-01T00:00:00Z")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    since = None
    if args.since is not None:
        if not args.digest:
            raise InvalidInput("--since only applies with --digest")
        try:
            since = parse_iso(args.since)
        except ValueError as exc:
            problem = (
                "is out of range"
                if "out of range" in str(exc)
                else "is not an ISO 8601 date or time"
            )
            raise InvalidInput(f"--since {args.since!r} {problem}") from None
    mode: Mode = "digest" if args.digest else "test" if args.test else "deliver"
    stream = sys.stderr if args.json else sys.stdout

    def write(rendered: str) -> None:
        print(rendered + "\n", file=stream)

    settings = get_settings()
    report = Notifier.from_settings(settings, database(settings), write=write).run(mode, since)
    if args.json:
        print_json(report.as_dict())
    else:
        _print_summary(report)
    if report.retried or report.failed:
        return fail(f"{report.retried + report.failed} deliveries not sent (see errors)", code=1)
    return 0


def _print_summary(report: NotifyReport) -> None:
    summary = report.as_dict()
    counts = " ".join(f"{k}={summary[k]}" for k in ("messages", "sent", "retried", "failed"))
    print(
        f"notify {report.mode} → {report.destination}: {counts} "
        f"suppressed={report.suppressed} deferred={report.deferred}"
    )
    for error in report.errors:
        print(f"  error: {error}")
