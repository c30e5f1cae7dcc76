"""``ytdt fake-youtube``: run the project's fake YouTube API server."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from common.errors import AppError, InvalidInput
from common.fake_youtube import serve_forever


def register(sub: Any) -> None:
    parser = sub.add_parser("fake-youtube", help="serve the fake YouTube API (tests, demo)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--scenario", metavar="FILE", help="world to load (JSON)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.scenario and not Path(args.scenario).is_file():
        raise InvalidInput(f"scenario file {args.scenario!r} does not exist")
    if not 0 <= args.port <= 65535:
        raise InvalidInput(f"--port {args.port} is not a TCP port")
    try:
        serve_forever(args.host, args.port, args.scenario)
    except OSError as exc:
        # Binding failed: the port is taken, the address is not this machine's, or privileged.
        reason = exc.strerror or str(exc)
        raise AppError(f"cannot listen on {args.host}:{args.port}: {reason}") from None
    return 0
