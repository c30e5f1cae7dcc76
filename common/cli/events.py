"""``ytdt events``: what the tracker detected, newest first."""

from __future__ import annotations

import argparse
from typing import Any

from common.channels import validate_channel_id
from common.cli.output import one_line, print_json
from common.errors import InvalidInput
from common.events import list_events
from common.runtime import database
from common.timeutil import parse_iso


def register(sub: Any) -> None:
    parser = sub.add_parser("events", help="list detected events")
    parser.add_argument("--channel", metavar="ID")
    parser.add_argument("--kind", metavar="KIND")
    parser.add_argument("--since", metavar="ISO", help="e.g. 2026-12-01 or 2026-12-01T10:00:00Z")
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--json", action="store_true", help="print a JSON array")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    since = None
    if args.since is not None:
        try:
            since = parse_iso(args.since)
        except ValueError:
            raise InvalidInput(f"--since {args.since!r} is not an ISO 8601 date or time") from None
    channel = validate_channel_id(args.channel) if args.channel else None
    events = list_events(
        database(), channel_id=channel, kind=args.kind, since=since, limit=args.limit
    )
    if args.json:
        print_json(events)
        return 0
    if not events:
        print("no events")
    for e in events:
        video = e["video_id"] or "-"
        title = one_line(e["title"])
        print(f"{e['detected_at']}  {e['kind']:<18} {e['channel_id']} {video:<11}  {title}")
    return 0
