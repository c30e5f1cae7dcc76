"""``ytdt channels add|list|remove``."""

from __future__ import annotations

import argparse
from typing import Any

from common.channels import add_channel, list_channels, remove_channel
from common.cli.output import fail, one_line, print_json
from common.errors import AppError, Conflict, InvalidInput
from common.runtime import archive_store, database, youtube_client
from common.timeutil import isoformat


def register(sub: Any) -> None:
    parser = sub.add_parser("channels", help="add, list or remove tracked channels")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="track channels (id, @handle or channel URL)")
    add.add_argument("inputs", nargs="+", metavar="INPUT")
    add.add_argument("--json", action="store_true", help="print the added channels as JSON")
    add.set_defaults(handler=run_add)
    listing = actions.add_parser("list", help="list tracked channels")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=run_list)
    remove = actions.add_parser("remove", help="stop tracking a channel (forgets its history)")
    remove.add_argument("channel_id", metavar="ID")
    remove.set_defaults(handler=run_remove)


def run_add(args: argparse.Namespace) -> int:
    engine = database()
    youtube = youtube_client()
    added: list[dict[str, Any]] = []
    worst = 0
    for text in args.inputs:
        try:
            channel = add_channel(engine, youtube, text)
        except Conflict as exc:
            print(exc.message)
            continue
        except InvalidInput as exc:
            worst = max(worst, fail(f"{text!r}: {exc.message}", code=2))
            continue
        except AppError as exc:
            worst = max(worst, fail(f"{text!r}: {exc.message}", code=1))
            continue
        added.append(channel.as_dict())
        if not args.json:
            print(f"added {channel.id} {channel.handle or ''} {channel.title}".replace("  ", " "))
    if args.json:
        print_json(added)
    return worst


def run_list(args: argparse.Namespace) -> int:
    channels = list_channels(database())
    if args.json:
        print_json([c.as_dict() for c in channels])
        return 0
    if not channels:
        print("no channels tracked yet: ytdt channels add @handle")
    for c in channels:
        scanned = isoformat(c.last_scanned_at) or "never scanned"
        failures = f" failures={c.consecutive_failures}" if c.consecutive_failures else ""
        print(
            f"{c.id}  {c.handle or '-':<20} {c.state:<10} videos={c.videos:<6} "
            f"{scanned}{failures}  {one_line(c.title)}"
        )
    return 0


def run_remove(args: argparse.Namespace) -> int:
    remove_channel(database(), args.channel_id, store=archive_store())
    print(f"removed {args.channel_id}")
    return 0
