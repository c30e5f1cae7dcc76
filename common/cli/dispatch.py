"""``ytdt dispatch [--max-channels N] [--dry-run] [--json]``: one dispatch run, from here."""

from __future__ import annotations

import argparse
from typing import Any

from common.cli.output import fail, print_json
from common.dispatch import disabled_summary
from common.runtime import dispatcher
from common.settings import get_settings


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= 10_000:
        raise argparse.ArgumentTypeError("must be between 1 and 10000")
    return value


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "dispatch",
        help="scan the channels that are due, within the quota share (SCAN_URL: over HTTP)",
    )
    parser.add_argument("--max-channels", type=_positive, metavar="N", help="scan at most N")
    parser.add_argument("--dry-run", action="store_true", help="print the plan, scan nothing")
    parser.add_argument("--json", action="store_true", help="print the JSON summary")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    if not settings.scan_enabled:
        summary = disabled_summary(dry_run=args.dry_run)
        if args.json:
            print_json(summary)
        else:
            print("scanning is disabled (SCAN_ENABLED=false): nothing done")
        return 0
    result = dispatcher(settings).dispatch(max_channels=args.max_channels, dry_run=args.dry_run)
    body = result.as_dict()
    if args.json:
        print_json(body)
    else:
        for row in body["channels"]:
            line = f"{row['channel_id']} {row['outcome']} est={row['estimated_units']}"
            if "quota_units" in row:
                line += f" units={row['quota_units']}"
            if "reason" in row:
                line += f" reason={row['reason']}"
            print(line)
        counts, quota = body["counts"], body["quota"]
        print(
            " ".join(f"{name}={value}" for name, value in counts.items())
            + f" quota_spent={quota['spent']} quota_left={quota['left']}"
            + f" share={quota['share']} duration={body['duration_s']}s"
        )
        if body["notify"].get("error"):
            print(f"notify: {body['notify']['error']}")
    if body["counts"]["failed"]:
        return fail(f"{body['counts']['failed']} scans failed", code=1)
    return 0
