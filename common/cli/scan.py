"""``ytdt scan CHANNEL… | --all``: scan channels now, in this process."""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.channels import validate_channel_id
from common.cli.output import fail, print_json, progress
from common.errors import InvalidInput
from common.models import Channel
from common.runtime import database, ledger, scanner
from common.timeutil import isoformat


def register(sub: Any) -> None:
    parser = sub.add_parser("scan", help="scan channels now (in this process)")
    parser.add_argument("channels", nargs="*", metavar="CHANNEL_ID")
    parser.add_argument("--all", action="store_true", help="scan every active channel")
    parser.add_argument("--json", action="store_true", help="print a JSON summary")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if bool(args.channels) == bool(args.all):
        raise InvalidInput("give channel ids or --all (not both)")
    channel_ids = [validate_channel_id(c) for c in args.channels]
    if args.all:
        with Session(database()) as session:
            channel_ids = list(
                session.scalars(select(Channel.id).where(Channel.active).order_by(Channel.id))
            )
    runner = scanner()
    results = []
    for done, channel_id in enumerate(channel_ids, start=1):
        results.append(runner.scan(channel_id))
        progress(done, len(channel_ids), channel_id)
    if args.json:
        print_json([r.as_dict() for r in results])
    else:
        for r in results:
            line = f"{r.channel_id} {r.outcome} units={r.quota_units} events={len(r.event_ids)}"
            if r.error:
                line += f" error={r.error}"
            print(line)
    failed = [r for r in results if r.outcome == "failed"]
    if failed:
        return fail(f"{len(failed)} of {len(results)} scans failed", code=1)
    deferred = [r for r in results if r.outcome == "deferred_quota"]
    if deferred:
        resets_at = isoformat(ledger().resets_at())
        return fail(
            f"{len(deferred)} of {len(results)} scans not run: too little of today's YouTube "
            f"quota is left (it resets at {resets_at}, midnight Pacific)",
            code=1,
        )
    return 0
