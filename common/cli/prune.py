"""``ytdt prune --older-than DAYS``: drop old history of videos that stayed public."""

from __future__ import annotations

import argparse
import math
from datetime import timedelta
from typing import Any

from common.cli.output import print_json
from common.errors import InvalidInput
from common.prune import prune
from common.runtime import archive_store, database
from common.timeutil import isoformat, utcnow


def _days(text: str) -> float:
    try:
        days = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days") from None
    if not math.isfinite(days) or days < 0 or days > 36_500:
        raise argparse.ArgumentTypeError("DAYS must be between 0 and 36500")
    return days


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "prune",
        help="remove old metadata versions and archived thumbnails of videos that stayed public",
        description=(
            "Removes metadata versions and archived thumbnails superseded more than DAYS ago, "
            "only of videos that are public and were never reported gone; the evidence of "
            "disappeared videos is always kept."
        ),
    )
    parser.add_argument("--older-than", type=_days, required=True, metavar="DAYS")
    parser.add_argument("--dry-run", action="store_true", help="count, remove nothing")
    parser.add_argument("--json", action="store_true", help="print a JSON summary")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.older_than is None:
        raise InvalidInput("--older-than DAYS is required")
    report = prune(
        database(),
        archive_store(),
        older_than=timedelta(days=args.older_than),
        now=utcnow(),
        dry_run=args.dry_run,
    )
    if args.json:
        print_json(report.as_dict())
    else:
        verb = "would remove" if report.dry_run else "removed"
        print(
            f"{verb} {report.versions} metadata versions and {report.thumbnails} archived "
            f"thumbnails superseded before {isoformat(report.cutoff)}"
        )
        for error in report.store_errors:
            print(f"not removed: {error}")
    return 1 if report.store_errors else 0
