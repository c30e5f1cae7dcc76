"""Function cold start and memory: what a Fly machine that starts on demand pays.

For each function in ``functions/``, ``--runs`` times: start ``python -m functions_framework
--target NAME …`` (gunicorn, one worker, as in the image) on a free port against a migrated SQLite
database, and time from just before the process is spawned to the first ``200`` answer of
``GET /metrics`` (the app imported, the worker serving, the database read for the state gauges).
After that first request, read ``VmRSS`` from ``/proc/PID/status`` of the gunicorn master and its
worker. Figures are medians over the runs.

Run: ``python -m bench.functions [--runs 5]`` (Linux: it reads /proc).
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.harness import table
from common.migrate import migrate
from common.serve import discover_functions

REPO = Path(__file__).resolve().parents[1]
TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Sample:
    cold_start_s: float
    master_kib: int
    worker_kib: int
    pss_kib: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _kib(path: str, field: str) -> int:
    for line in Path(path).read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in {path}")


def rss_kib(pid: int) -> int:
    return _kib(f"/proc/{pid}/status", "VmRSS")


def pss_kib(pid: int) -> int:
    """Proportional set size: shared pages split between the processes sharing them."""
    return _kib(f"/proc/{pid}/smaps_rollup", "Pss")


def children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(p) for p in text.split()]


def measure(name: str, env: dict[str, str]) -> Sample:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "functions_framework",
        "--target",
        name,
        "--source",
        str(REPO / "functions" / name / "main.py"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        url = f"http://127.0.0.1:{port}/metrics"
        with httpx.Client(timeout=5.0) as client:
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with {process.returncode}")
                if time.perf_counter() - started > TIMEOUT_S:
                    raise RuntimeError(f"{name} did not answer within {TIMEOUT_S} s")
                try:
                    status = client.get(url).status_code
                    if status == 404:  # a function without /metrics (yet): its own root
                        status = client.get(url.removesuffix("metrics")).status_code
                except httpx.TransportError:
                    status = None
                if status == 200:
                    break
                time.sleep(0.005)
        cold = time.perf_counter() - started
        workers = children(process.pid)
        return Sample(
            cold,
            rss_kib(process.pid),
            sum(rss_kib(w) for w in workers),
            pss_kib(process.pid) + sum(pss_kib(w) for w in workers),
        )
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database_url = f"sqlite:///{folder}/bench.db"
        migrate(database_url)
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SERVICE_TOKEN": "bench-service-token",
            "DISPATCH_TOKEN": "bench-dispatch-token",
            "ADMIN_USERNAME": "admin",
            "ADMIN_PASSWORD": "bench-admin-password",
            "LOG_LEVEL": "WARNING",
            "WORKERS": "1",
            "THREADS": "8",
        }
        rows = []
        for name in discover_functions(REPO / "functions"):
            samples = [measure(name, env) for _ in range(args.runs)]
            cold = statistics.median(s.cold_start_s for s in samples)
            master = statistics.median(s.master_kib for s in samples) / 1024
            worker = statistics.median(s.worker_kib for s in samples) / 1024
            pss = statistics.median(s.pss_kib for s in samples) / 1024
            rows.append(
                [
                    name,
                    f"{cold * 1000:.0f}",
                    f"{min(s.cold_start_s for s in samples) * 1000:.0f}",
                    f"{master:.1f}",
                    f"{worker:.1f}",
                    f"{pss:.1f}",
                ]
            )
    print(
        f"# function cold start and memory ({args.runs} runs, median; "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f})\n"
    )
    headers = [
        "function",
        "cold start ms",
        "best ms",
        "master RSS MiB",
        "worker RSS MiB",
        "machine PSS MiB",
    ]
    print(table(headers, rows))
    print(
        "\ncold start: process spawned → first 200 from GET /metrics; RSS after that request. "
        "Master and worker share copy-on-write pages: machine PSS (master + worker, shared "
        "pages split) is what the pair really uses."
    )


if __name__ == "__main__":
    main()
