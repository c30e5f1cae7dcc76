"""``ytdt serve [--port BASE] [--host H] [--only NAME…]``: every function locally, wired together.

Migrations are applied first; then each function runs as its own functions-framework server on
consecutive ports from ``--port``. Tokens the environment does not set are generated for the run
and printed once. Ctrl-C (or SIGTERM) stops them all; if one dies, the rest are stopped and the
exit code is 1.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from sqlalchemy.engine import make_url

from common.cli.output import fail
from common.migrate import migrate
from common.serve import Supervisor, check_ports_free, find_functions_dir, plan_serve
from common.settings import get_settings


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be between 1 and 65535")
    return value


def register(sub: Any) -> None:
    parser = sub.add_parser("serve", help="run every function locally (one port each), wired")
    parser.add_argument("--port", type=_port, default=8080, help="first port (default 8080)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="start only these functions")
    parser.add_argument("--functions", type=Path, metavar="DIR", help="the functions/ folder")
    parser.set_defaults(handler=run)


def say(line: str) -> None:
    print(line, flush=True)


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    plan = plan_serve(
        os.environ,
        find_functions_dir(args.functions),
        host=args.host,
        base_port=args.port,
        only=args.only,
    )
    check_ports_free(plan)
    migrate(settings.database_url)
    shown = make_url(settings.database_url).render_as_string(hide_password=True)
    say(f"ytdt serve: database {shown} is migrated")
    supervisor = Supervisor(plan, say)
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        supervisor.stop_requested.set()

    for sig in previous:
        signal.signal(sig, request_stop)
    try:
        supervisor.start()
        width = max(len(name) for name in plan.ports)
        for child in supervisor.children:
            say(f"  {child.name:<{width}}  {child.url}  (pid {child.pid})")
        if plan.generated:
            say("credentials generated for this run (shown once; set them to choose your own):")
            for name, value in plan.generated.items():
                say(f"  {name}={value}")
        try:
            died = supervisor.wait_ready()
        except TimeoutError as exc:
            supervisor.stop()
            return fail(str(exc), code=1)
        if died is None and not supervisor.stop_requested.is_set():
            _say_ready(plan.url, plan.ports, plan.env)
            died = supervisor.watch()
        if died is not None:
            code = died.process.returncode
            say(f"ytdt serve: {died.name} exited (code {code}); stopping the others")
            supervisor.stop()
            return fail(f"{died.name} stopped unexpectedly (exit code {code})", code=1)
        say("ytdt serve: stopping")
        supervisor.stop()
        say("ytdt serve: all functions stopped")
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _say_ready(url: Any, ports: dict[str, int], env: dict[str, str]) -> None:
    say(f"ready: {len(ports)} functions answer. Ctrl-C stops them all.")
    if "dispatch" in ports:
        say(
            '  scan now:   curl -X POST -H "Authorization: Bearer $DISPATCH_TOKEN" '
            f"{url('dispatch')}"
        )
    if "admin" in ports:
        say(f"  dashboard:  {url('admin')} (user {env['ADMIN_USERNAME']}, ADMIN_PASSWORD)")
    if "health" in ports:
        say(f"  readiness:  {url('health')}ready")
    sys.stdout.flush()
