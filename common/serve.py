"""``ytdt serve``'s process supervisor: every function a real functions-framework server.

Each folder of ``functions/`` with a ``main.py`` runs as ``python -m functions_framework --target
NAME --source functions/NAME/main.py --port P`` (gunicorn, exactly as in the image), on
consecutive ports from the base port, wired together the way Fly wires them: dispatch reaches
``scan_channel`` and ``notify`` through ``SCAN_URL``/``NOTIFY_URL`` with a bearer token.

Each child leads its own process group (gunicorn forks workers): stopping sends SIGTERM to the
group, waits, then SIGKILLs what is left, so nothing outlives ``serve``. Ctrl-C in a terminal
reaches only ``serve``, which then stops the children in order.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from common.errors import InvalidInput

__all__ = [
    "GENERATED_SECRETS",
    "ORDER",
    "FunctionProcess",
    "ServePlan",
    "Supervisor",
    "discover_functions",
    "find_functions_dir",
    "plan_serve",
]

# The order ports are handed out in (admin gets the base port: it is the one people open).
ORDER = ("admin", "health", "dispatch", "scan_channel", "notify")
# Credentials serve makes up when the environment does not set them (printed once).
GENERATED_SECRETS = ("SERVICE_TOKEN", "DISPATCH_TOKEN", "ADMIN_PASSWORD")
STOP_GRACE_S = 10.0


def find_functions_dir(explicit: Path | None = None) -> Path:
    """``functions/`` beside the working folder, else beside the installed ``common`` package.

    Raises:
        InvalidInput: no such folder (name one with ``--functions``).
    """
    candidates = (
        [explicit]
        if explicit is not None
        else [Path.cwd() / "functions", Path(__file__).resolve().parents[1] / "functions"]
    )
    for candidate in candidates:
        if candidate.is_dir():
            return candidate.resolve()
    raise InvalidInput(
        f"no functions folder at {', '.join(str(c) for c in candidates)}: "
        "run from the project folder or pass --functions DIR"
    )


def discover_functions(functions_dir: Path) -> list[str]:
    """The functions in ``functions_dir`` (folders holding ``main.py``), in port order."""
    found = {p.parent.name for p in functions_dir.glob("*/main.py")}
    if not found:
        raise InvalidInput(f"no functions (*/main.py) in {functions_dir}")
    known = [name for name in ORDER if name in found]
    return known + sorted(found - set(known))


def _connect_host(host: str) -> str:
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host  # noqa: S104 (a comparison)


@dataclass(frozen=True, slots=True)
class ServePlan:
    """Which function listens where, and the environment every child gets."""

    host: str
    ports: dict[str, int]
    functions_dir: Path
    env: dict[str, str]
    generated: dict[str, str] = field(default_factory=dict)

    def url(self, name: str) -> str:
        return f"http://{_connect_host(self.host)}:{self.ports[name]}/"


def plan_serve(
    environ: Mapping[str, str],
    functions_dir: Path,
    *,
    host: str = "127.0.0.1",
    base_port: int = 8080,
    only: Sequence[str] | None = None,
) -> ServePlan:
    """Ports, URLs and credentials for one run (tokens the environment lacks are generated)."""
    names = discover_functions(functions_dir)
    if only:
        unknown = sorted(set(only) - set(names))
        if unknown:
            raise InvalidInput(f"no such function: {', '.join(unknown)} (have {', '.join(names)})")
        names = [name for name in names if name in only]
    if not 1 <= base_port <= 65535 - len(names):
        raise InvalidInput(f"--port {base_port}: need {len(names)} ports from it, below 65536")
    ports = {name: base_port + index for index, name in enumerate(names)}
    env = dict(environ)
    generated = {}
    for name in GENERATED_SECRETS:
        if not env.get(name, "").strip():
            env[name] = generated[name] = secrets.token_urlsafe(24)
    if not env.get("ADMIN_USERNAME", "").strip():
        env["ADMIN_USERNAME"] = "admin"
    plan = ServePlan(host, ports, functions_dir, env, generated)
    for url_setting, name in (("SCAN_URL", "scan_channel"), ("NOTIFY_URL", "notify")):
        if name in ports:
            env[url_setting] = plan.url(name)
        else:
            env.pop(url_setting, None)  # dispatch scans in-process / skips notify
    env["PYTHONUNBUFFERED"] = "1"
    return plan


def check_ports_free(plan: ServePlan) -> None:
    """Raises InvalidInput naming the first port something else already listens on."""
    for name, port in plan.ports.items():
        with socket.socket() as sock:
            try:
                sock.bind((plan.host, port))
            except OSError as exc:
                raise InvalidInput(
                    f"port {port} (for {name}) is not free on {plan.host}: {exc.strerror}; "
                    "choose another base with --port"
                ) from None


@dataclass
class FunctionProcess:
    """One running function server."""

    name: str
    port: int
    url: str
    process: subprocess.Popen[bytes]
    pump: threading.Thread | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None


class Supervisor:
    """Starts the plan's functions, watches them, and stops them all together."""

    def __init__(self, plan: ServePlan, say: Callable[[str], None], *, cwd: Path | None = None):
        self._plan = plan
        self._say = say
        self._cwd = cwd or Path.cwd()
        self._print_lock = threading.Lock()
        self.children: list[FunctionProcess] = []
        self.stop_requested = threading.Event()

    def _command(self, name: str, port: int) -> list[str]:
        return [
            sys.executable,
            "-m",
            "functions_framework",
            "--target",
            name,
            "--source",
            str(self._plan.functions_dir / name / "main.py"),
            "--host",
            self._plan.host,
            "--port",
            str(port),
        ]

    def _pump(self, child: FunctionProcess) -> None:
        """Copy a child's output to ours, each line prefixed with the function's name."""
        stream = child.process.stdout
        if stream is None:
            return
        width = max(len(name) for name in self._plan.ports)
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._print_lock:
                self._say(f"{child.name:<{width}} | {line}")
        stream.close()

    def start(self) -> None:
        """Start every function (each in a new process group)."""
        for name, port in self._plan.ports.items():
            process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
                self._command(name, port),
                env=self._plan.env,
                cwd=self._cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            child = FunctionProcess(name, port, self._plan.url(name), process)
            child.pump = threading.Thread(target=self._pump, args=(child,), daemon=True)
            child.pump.start()
            self.children.append(child)

    def wait_ready(self, timeout_s: float = 60.0) -> FunctionProcess | None:
        """Wait until every function answers HTTP; answers the first that died instead."""
        deadline = time.monotonic() + timeout_s
        waiting = list(self.children)
        with httpx.Client(timeout=2.0) as client:
            while waiting:
                for child in list(waiting):
                    if not child.alive():
                        return child
                    try:
                        client.get(child.url + "metrics")
                    except httpx.TransportError:
                        continue
                    waiting.remove(child)
                if not waiting:
                    break
                if time.monotonic() > deadline or self.stop_requested.is_set():
                    names = ", ".join(c.name for c in waiting)
                    raise TimeoutError(f"{names} did not answer within {timeout_s:.0f} s")
                time.sleep(0.1)
        return None

    def watch(self) -> FunctionProcess | None:
        """Block until a stop is requested (answers None) or a child exits (answers it)."""
        while not self.stop_requested.wait(0.2):
            for child in self.children:
                if not child.alive():
                    return child
        return None

    def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """SIGTERM every child's process group, wait ``grace_s``, SIGKILL what is left."""
        for child in self.children:
            _signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        for child in self.children:
            try:
                child.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(child, signal.SIGKILL)
                child.process.wait(5)
            # The group leader is gone; make sure no forked worker is left behind either.
            _signal_group(child, signal.SIGKILL)
        for child in self.children:
            if child.pump is not None:
                child.pump.join(2)


def _signal_group(child: FunctionProcess, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # the whole group has already exited
        os.killpg(child.pid, sig)
