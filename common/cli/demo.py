"""``ytdt demo``: watch the tracker find disappearances on the bundled fake YouTube API."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from sqlalchemy.engine import make_url

from common.cli.output import print_json
from common.demo import run_demo
from common.settings import get_settings


def register(sub: Any) -> None:
    parser = sub.add_parser("demo", help="scripted end-to-end run against the fake YouTube API")
    parser.add_argument("--json", action="store_true", help="print the detected events as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    # The demo narrates itself; per-scan and migration log lines would drown the story.
    for name in ("common", "alembic"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))
    report = run_demo(settings, say=lambda line: None if args.json else print(line))
    if args.json:
        print_json(report.events)
        return 0
    print(f"\ndetected {len(report.events)} events ({report.quota_units} quota units spent):")
    for e in sorted(report.events, key=lambda e: e["id"]):
        details = e["details"]
        reason = details.get("reason") or details.get("probe") or ""
        what = e["title"] or e["channel_title"]
        print(f"  {e['kind']:<19} {e['video_id'] or e['channel_id']:<24} {what}  {reason}".rstrip())
    print(
        f"\n{len(report.messages)} Slack messages would be posted "
        "(set SLACK_WEBHOOK_URL and run `ytdt notify` for real ones):"
    )
    for message in report.messages:
        print("\n" + "\n".join("  " + line for line in message.splitlines()))
    print(f"\nthe database is {shown_url(settings.database_url)}: explore it with `ytdt events`")
    print("or with the dashboard: `ytdt serve` (it prints the admin address and password)")
    return 0


def shown_url(url: str) -> str:
    """A database URL fit to print (the password hidden)."""
    return make_url(url).render_as_string(hide_password=True)
