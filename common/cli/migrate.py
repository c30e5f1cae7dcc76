"""``ytdt migrate``: bring the database schema to this code's version."""

from __future__ import annotations

import argparse
from typing import Any

from common.migrate import migrate
from common.settings import get_settings


def register(sub: Any) -> None:
    parser = sub.add_parser("migrate", help="apply database migrations (to head by default)")
    parser.add_argument("--revision", default="head", help="target revision (head, base, -1, …)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    revision = migrate(get_settings().database_url, args.revision)
    print(f"database at revision {revision or 'base (empty)'}")
    return 0
