"""``ytdt migrate``: bring the database schema to this code's version."""

from __future__ import annotations

import argparse
from typing import Any

from alembic.util.exc import CommandError

from common.errors import InvalidInput
from common.migrate import migrate
from common.settings import get_settings


def register(sub: Any) -> None:
    parser = sub.add_parser("migrate", help="apply database migrations (to head by default)")
    parser.add_argument("--revision", default="head", help="target revision (head, base, -1, …)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        revision = migrate(get_settings().database_url, args.revision)
    except CommandError as exc:
        # alembic's word for a revision it cannot find or reach (typo, or a newer database).
        raise InvalidInput(f"--revision {args.revision!r}: {exc}") from None
    print(f"database at revision {revision or 'base (empty)'}")
    return 0
